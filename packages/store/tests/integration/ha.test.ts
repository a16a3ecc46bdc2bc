// Classic replication between two file stores in this process over real sockets: a master's
// HAService, a slave's HAClient, and the faults of issue 14 (a TCP proxy cutting the link,
// garbage / offsets beyond the log / half frames on the HA port, a slave ahead of its master).
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { after, describe, it } from 'node:test';
import { eventually, tempDir } from '@rocketmq-ts/testkit';
import {
  ACK_LAG_BOUNDS_MS,
  type FileMessageStore,
  HAClient,
  HAService,
  type HAServiceConfig,
  haWire,
} from '../../src/index.js';
import { msg, openStore, rawPeer as rawPeerOf, readQueue, silent, within } from '../helpers.js';

const SERVICE: HAServiceConfig = {
  haListenPort: 0,
  host: '127.0.0.1',
  haSendHeartbeatInterval: 200,
  haHousekeepingInterval: 1000,
  haTransferBatchSize: 4096,
  slaveTimeout: 500,
  haMaxGapNotInSync: 256 * 1024 * 1024,
  inSyncReplicas: 1,
};
const CLIENT = { haSendHeartbeatInterval: 200, haHousekeepingInterval: 1000, haReconnectInterval: 100 };

const cleanups: Array<() => Promise<unknown> | unknown> = [];
const rawPeer = (port: number) => rawPeerOf(port, (fn) => cleanups.push(fn));
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

interface Pair {
  master: FileMessageStore;
  slave: FileMessageStore;
  service: HAService;
  client: HAClient;
}

async function store(role: 'SYNC_MASTER' | 'ASYNC_MASTER' | 'SLAVE'): Promise<FileMessageStore> {
  const dir = await tempDir('rmq-ha-store-');
  const s = await openStore(dir.path, { brokerRole: role });
  cleanups.push(
    () => dir.cleanup(),
    () => s.shutdown(),
  );
  return s;
}

async function master(config: Partial<HAServiceConfig> = {}, role: 'SYNC_MASTER' | 'ASYNC_MASTER' = 'ASYNC_MASTER') {
  const m = await store(role);
  const service = new HAService(m, { ...SERVICE, ...config }, silent);
  await service.start();
  cleanups.push(() => service.stop());
  if (role === 'SYNC_MASTER') m.setReplicationGate(service.gate);
  return { m, service };
}

async function slaveOf(addr: string): Promise<{ slave: FileMessageStore; client: HAClient }> {
  const slave = await store('SLAVE');
  const client = new HAClient(slave, CLIENT, silent);
  client.start();
  client.setMasterAddress(addr);
  cleanups.push(() => client.stop());
  return { slave, client };
}

async function pair(config: Partial<HAServiceConfig> = {}, role?: 'SYNC_MASTER'): Promise<Pair> {
  const { m, service } = await master(config, role);
  const { slave, client } = await slaveOf(`127.0.0.1:${service.port}`);
  return { master: m, slave, service, client };
}

async function put(store: FileMessageStore, from: number, n: number, topic = 'T'): Promise<string[]> {
  const statuses: string[] = [];
  for (let i = from; i < from + n; i++)
    statuses.push((await store.putMessage(msg(topic, i % 2, i, 200 + (i % 5) * 100))).status);
  return statuses;
}

async function caughtUp(p: { master: FileMessageStore; slave: FileMessageStore }): Promise<void> {
  await eventually(() => p.slave.replicaAckOffset() === p.master.getMaxPhyOffset() && p.master.getMaxPhyOffset() > 0, {
    message: 'slave caught up',
  });
}

async function sameQueues(a: FileMessageStore, b: FileMessageStore): Promise<void> {
  for (const q of [0, 1]) {
    const x = (await readQueue(a, 'T', q)).map((m) => m.properties.get('UNIQ_KEY'));
    const y = (await readQueue(b, 'T', q)).map((m) => m.properties.get('UNIQ_KEY'));
    assert.deepEqual(y, x, `queue ${q}`);
  }
}

/** Raw bytes of both logs from the slave's first offset to the master's max. */
async function sameLog(a: FileMessageStore, b: FileMessageStore): Promise<void> {
  const end = a.getMaxPhyOffset();
  for (let off = b.getMinPhyOffset(); off < end; ) {
    const x = await a.readReplicaData(off, 64 * 1024);
    const y = await b.readReplicaData(off, 64 * 1024);
    assert.ok(x && y && x.equals(y), `bytes at ${off}`);
    off += x.length;
  }
}

function destroyAll(socks: Set<net.Socket>): void {
  for (const s of socks) s.destroy();
}

/** A TCP proxy whose live connections can be cut, and which can stop forwarding. */
async function proxy(target: number) {
  const socks = new Set<net.Socket>();
  let paused = false;
  const server = net.createServer((client) => {
    const up = net.connect(target, '127.0.0.1');
    socks.add(client).add(up);
    client.on('data', (d) => paused || up.write(d));
    up.on('data', (d) => paused || client.write(d));
    const end = () => {
      client.destroy();
      up.destroy();
    };
    client.on('close', end).on('error', end);
    up.on('close', end).on('error', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(
    () => new Promise((r) => server.close(r)),
    () => destroyAll(socks),
  );
  return {
    port: (server.address() as net.AddressInfo).port,
    cut: () => destroyAll(socks),
    pause: (v: boolean) => {
      paused = v;
    },
  };
}

describe('classic HA between two stores', () => {
  it('replicates across segment rolls: identical bytes, the slave ConsumeQueues serve the same messages', async () => {
    const p = await pair();
    await put(p.master, 0, 300);
    await caughtUp(p);
    assert.ok(p.master.getMaxPhyOffset() > 3 * 32 * 1024, 'several segments');
    await sameLog(p.master, p.slave);
    await sameQueues(p.master, p.slave);
    assert.equal((await p.slave.putMessage(msg('T', 0, 1))).status, 'SERVICE_NOT_AVAILABLE', 'a slave refuses appends');
  });

  it("an empty slave joining late starts at the first byte of the master's last segment; its queues start there", async () => {
    const { m, service } = await master();
    const seg = 32 * 1024;
    await put(m, 0, 200);
    // Half a segment at least in the last one: messages of both queues to compare.
    for (let i = 200; m.getMaxPhyOffset() % seg < seg / 2; i++) await put(m, i, 1);
    const max = m.getMaxPhyOffset();
    assert.ok(max > 3 * seg, 'several segments before the slave comes');
    const { slave } = await slaveOf(`127.0.0.1:${service.port}`);
    await caughtUp({ master: m, slave });
    assert.equal(slave.getMinPhyOffset(), max - (max % seg), 'older segments are not copied (RocketMQ)');
    await sameLog(m, slave);
    for (const q of [0, 1]) {
      const all = (await readQueue(m, 'T', q)).map((x) => `${x.queueOffset}:${x.properties.get('UNIQ_KEY')}`);
      const tail = (await readQueue(slave, 'T', q)).map((x) => `${x.queueOffset}:${x.properties.get('UNIQ_KEY')}`);
      assert.ok(tail.length > 0 && tail.length < all.length, `queue ${q}: ${tail.length} of ${all.length}`);
      assert.deepEqual(tail, all.slice(all.length - tail.length), `queue ${q}: the master's tail, same queue offsets`);
    }
  });

  it('heals after a TCP proxy cuts the HA connection, without loss or duplication', async () => {
    const { m, service } = await master();
    const px = await proxy(service.port);
    const { slave } = await slaveOf(`127.0.0.1:${px.port}`);
    await put(m, 0, 100);
    await caughtUp({ master: m, slave });
    px.cut();
    await put(m, 100, 100);
    px.cut();
    await put(m, 200, 50);
    await caughtUp({ master: m, slave });
    await sameLog(m, slave);
    await sameQueues(m, slave);
  });

  it('closes a connection that sends garbage or an offset beyond the log, and keeps serving the slave', async () => {
    const p = await pair();
    await put(p.master, 0, 20);
    await caughtUp(p);
    const garbage = rawPeer(p.service.port);
    garbage.sock.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await within(garbage.closed, 3000, 'garbage peer closed');
    const beyond = rawPeer(p.service.port);
    beyond.sock.write(haWire.encodeReport(p.master.getMaxPhyOffset() + 1_000_000_000));
    await within(beyond.closed, 3000, 'peer reporting beyond the log closed');
    await put(p.master, 20, 20);
    await caughtUp(p);
    assert.equal(p.service.status().connections.length, 1, 'only the real slave is left');
  });

  it('closes a peer that sends half a report and goes silent (housekeeping), and a slave whose master does', async () => {
    const { service } = await master();
    const half = rawPeer(service.port);
    half.sock.write(Buffer.alloc(4));
    await within(half.closed, 5000, 'half-report peer closed');
    // A fake master that sends half a transfer header, then nothing: the slave drops it.
    const accepted = new Set<net.Socket>();
    const fake = net.createServer((s) => {
      accepted.add(s);
      s.on('error', () => {});
      s.write(Buffer.alloc(6));
    });
    await new Promise<void>((r) => fake.listen(0, '127.0.0.1', r));
    cleanups.push(
      () => new Promise((r) => fake.close(r)),
      () => destroyAll(accepted),
    );
    const { client } = await slaveOf(`127.0.0.1:${(fake.address() as net.AddressInfo).port}`);
    await eventually(() => client.info().lastError === 'master silent too long', {
      timeoutMs: 5000,
      message: 'slave dropped the silent master',
    });
  });

  it('SYNC_MASTER: SLAVE_NOT_AVAILABLE without a slave, PUT_OK with one, FLUSH_SLAVE_TIMEOUT when it stops acking (a bogus peer never counts)', async () => {
    const { m, service } = await master({}, 'SYNC_MASTER');
    assert.deepEqual(await put(m, 0, 1), ['SLAVE_NOT_AVAILABLE']);
    const bogus = rawPeer(service.port);
    bogus.sock.write(haWire.encodeReport(m.getMaxPhyOffset() + 1_000_000));
    await within(bogus.closed, 3000, 'bogus peer closed');
    assert.deepEqual(await put(m, 1, 1), ['SLAVE_NOT_AVAILABLE'], 'the bogus report did not count');
    const px = await proxy(service.port);
    const { slave } = await slaveOf(`127.0.0.1:${px.port}`);
    await eventually(() => service.status().connections.some((c) => c.slaveAckOffset >= 0), { message: 'slave in' });
    assert.deepEqual(await put(m, 2, 5), ['PUT_OK', 'PUT_OK', 'PUT_OK', 'PUT_OK', 'PUT_OK']);
    assert.ok(slave.replicaAckOffset() >= m.getMaxPhyOffset(), 'answered only once the slave held it');
    px.pause(true);
    const t0 = Date.now();
    assert.deepEqual(await put(m, 7, 1), ['FLUSH_SLAVE_TIMEOUT']);
    assert.ok(Date.now() - t0 >= 450, 'waited slaveTimeout');
  });

  it('a slave too far behind (haMaxGapNotInSync) gets SLAVE_NOT_AVAILABLE at once (RocketMQ #2528, 4.x rule)', async () => {
    const { m, service } = await master({ haMaxGapNotInSync: 2048 }, 'SYNC_MASTER');
    const px = await proxy(service.port);
    await slaveOf(`127.0.0.1:${px.port}`);
    await eventually(() => service.status().connections.some((c) => c.slaveAckOffset >= 0), { message: 'slave in' });
    px.pause(true);
    const statuses = await Promise.all(Array.from({ length: 20 }, (_, i) => m.putMessage(msg('T', 0, i, 500))));
    assert.equal(statuses[statuses.length - 1]!.status, 'SLAVE_NOT_AVAILABLE');
  });

  it('refuses a slave ahead of its master clearly and never truncates it', async () => {
    const a = await pair();
    await put(a.master, 0, 50);
    await caughtUp(a);
    const before = a.slave.getMaxPhyOffset();
    const { m: small, service: smallService } = await master();
    await put(small, 0, 5);
    a.client.setMasterAddress(`127.0.0.1:${smallService.port}`);
    await eventually(() => /ahead of its master/.test(a.client.info().lastError ?? ''), {
      message: 'slave reports being ahead',
    });
    assert.equal(a.slave.getMaxPhyOffset(), before, 'slave log untouched');
    assert.equal(smallService.status().connections.length, 0);
  });

  it('haFlowControlEnable caps a connection at maxHaTransferByteInSecond, and the slave still gets everything', async () => {
    const cap = 16 * 1024;
    const a = await pair({ haFlowControlEnable: true, maxHaTransferByteInSecond: cap });
    await eventually(() => a.service.status().connections.some((c) => c.slaveAckOffset >= 0), { message: 'slave in' });
    const from = a.slave.getMaxPhyOffset();
    const start = Date.now();
    await put(a.master, 0, 100); // ~50 KB over segments: at 16 KB/s about three seconds of budget
    await eventually(() => a.slave.getMaxPhyOffset() > from, { message: 'transfer started' });
    await new Promise((r) => setTimeout(r, 200));
    const got = a.slave.getMaxPhyOffset() - from;
    const secs = Math.ceil((Date.now() - start) / 1000) + 1; // budget windows seen, at most
    assert.ok(got <= secs * cap, `slave got ${got} bytes in ${Date.now() - start} ms, cap ${cap}/s`);
    await eventually(() => a.service.status().connections[0]!.transferredBytePerSecond > 0, {
      message: 'bytes per second reported',
    });
    const rate = a.service.status().connections[0]!.transferredBytePerSecond;
    assert.ok(rate <= cap, `transferredBytePerSecond ${rate} ≤ ${cap}`);
    await caughtUp(a);
    await sameLog(a.master, a.slave);
  });

  it('times each replicated byte from the master write to the slave ack (ackLagBytes)', async () => {
    const a = await pair();
    await eventually(() => a.service.status().connections.some((c) => c.slaveAckOffset >= 0), { message: 'slave in' });
    await put(a.master, 0, 40);
    await caughtUp(a);
    const c = a.service.status().connections[0]!;
    const counted = c.ackLagBytes.reduce((x, y) => x + y, 0);
    assert.equal(c.ackLagBytes.length, ACK_LAG_BOUNDS_MS.length + 1);
    // Every byte written after the slave connected is counted once.
    assert.equal(counted, a.master.getMaxPhyOffset(), 'bytes timed');
  });
});
