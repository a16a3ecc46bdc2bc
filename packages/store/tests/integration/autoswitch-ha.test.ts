// Controller-mode replication between two file stores in this process over real sockets: an
// AutoSwitchService master, an AutoSwitchClient slave, and bad input on the master's HA port
// (garbage, an ack before the handshake, an ack beyond the log, half a handshake then silence).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { eventually, tempDir } from '@rocketmq-ts/testkit';
import type { AutoSwitchSlaveLog } from '../../src/ha/autoswitch-client.js';
import {
  AutoSwitchClient,
  AutoSwitchService,
  autoSwitchWire,
  EPOCH_FILE_NAME,
  EpochFile,
  type FileMessageStore,
} from '../../src/index.js';
import { msg, openStore, rawPeer as rawPeerOf, silent, within } from '../helpers.js';

const cleanups: Array<() => Promise<unknown> | unknown> = [];
const rawPeer = (port: number) => rawPeerOf(port, (fn) => cleanups.push(fn));
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

const TIMINGS = { haSendHeartbeatInterval: 200, haHousekeepingInterval: 1000, haReconnectInterval: 100 };
const SERVICE = {
  ...TIMINGS,
  haListenPort: 0,
  host: '127.0.0.1',
  haTransferBatchSize: 4096,
  slaveTimeout: 3000,
  allAckInSyncStateSet: true,
  inSyncReplicas: 1,
};

async function node(role: 'SYNC_MASTER' | 'SLAVE'): Promise<{ store: FileMessageStore; epochs: EpochFile }> {
  const dir = await tempDir('rmq-as-store-');
  const store = await openStore(dir.path, { brokerRole: role });
  const epochs = new EpochFile(join(dir.path, EPOCH_FILE_NAME));
  await epochs.load();
  cleanups.push(
    () => dir.cleanup(),
    () => store.shutdown(),
  );
  return { store, epochs };
}

/** A master store at epoch 1 whose writes wait for `syncStateSet` (all-ack). */
async function masterOf(syncStateSet: number[]) {
  const m = await node('SYNC_MASTER');
  await m.epochs.append(1, 0);
  const service = new AutoSwitchService(m.store, m.epochs, SERVICE, silent);
  await service.start();
  cleanups.push(() => service.stop());
  service.activate(1, syncStateSet);
  m.store.setReplicationGate(service.gate);
  return { m, service };
}

describe('controller-mode HA between two stores', () => {
  it('an empty slave starts at the first segment even while its file is not created yet (min offset is the append position)', async () => {
    const m = await node('SYNC_MASTER');
    await m.epochs.append(1, 0);
    const asked: number[] = [];
    const log = {
      getMaxPhyOffset: () => 192,
      getMinPhyOffset: () => 192,
      commitLogSegmentSize: m.store.commitLogSegmentSize,
      replicaAckOffset: () => 0,
      readReplicaData: (offset: number) => {
        asked.push(offset);
        return undefined;
      },
      onReplicaProgress: () => {},
    };
    const service = new AutoSwitchService(log, m.epochs, SERVICE, silent);
    await service.start();
    cleanups.push(() => service.stop());
    service.activate(1, [1]);
    const peer = rawPeer(service.port);
    peer.sock.write(autoSwitchWire.encodeSlaveHandshake(2));
    peer.sock.write(autoSwitchWire.encodeSlaveAck(0));
    await eventually(() => asked.length > 0, { message: 'transfer asked for bytes' });
    assert.equal(asked[0], 0, 'the transfer starts at the segment the first record goes to');
  });

  it('replicates byte for byte, answers writes once the SyncStateSet holds them, and closes bad peers without disturbing the slave', async () => {
    const { m, service } = await masterOf([1, 2]);

    const s = await node('SLAVE');
    const client = new AutoSwitchClient(s.store, s.epochs, { ...TIMINGS, brokerId: 2, asyncLearner: false }, silent);
    cleanups.push(() => client.stop());
    client.follow(`127.0.0.1:${service.port}`, 1);
    await eventually(() => service.slaves().length === 1, { message: 'slave handshake done' });

    const put = async (from: number, n: number) => {
      for (let i = from; i < from + n; i++) {
        const r = await m.store.putMessage(msg('T', i % 2, i, 300));
        assert.equal(r.status, 'PUT_OK', `message ${i}`);
      }
    };
    await put(0, 200);
    assert.equal(s.store.replicaAckOffset(), m.store.getMaxPhyOffset(), 'every answered write is on the slave');
    assert.deepEqual(s.epochs.entries(), m.epochs.entries());

    const garbage = rawPeer(service.port);
    garbage.sock.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await within(garbage.closed, 3000, 'garbage peer closed');
    const early = rawPeer(service.port);
    early.sock.write(autoSwitchWire.encodeSlaveAck(0));
    await within(early.closed, 3000, 'ack before handshake closed');
    const beyond = rawPeer(service.port);
    beyond.sock.write(autoSwitchWire.encodeSlaveHandshake(7));
    beyond.sock.write(autoSwitchWire.encodeSlaveAck(m.store.getMaxPhyOffset() + 1_000_000));
    await within(beyond.closed, 3000, 'ack beyond the log closed');
    const half = rawPeer(service.port);
    half.sock.write(autoSwitchWire.encodeSlaveHandshake(8).subarray(0, 5));
    await within(half.closed, 5000, 'half a handshake then silence closed (housekeeping)');

    await put(200, 100);
    await eventually(() => s.store.replicaAckOffset() === m.store.getMaxPhyOffset(), { message: 'slave caught up' });
    const end = m.store.getMaxPhyOffset();
    for (let off = s.store.getMinPhyOffset(); off < end; ) {
      const x = await m.store.readReplicaData(off, 64 * 1024);
      const y = await s.store.readReplicaData(off, 64 * 1024);
      assert.ok(x && y && x.equals(y), `bytes at ${off}`);
      off += x.length;
    }
    assert.deepEqual(
      service.slaves().map((p) => p.brokerId),
      [2],
      'only the real slave is left',
    );
  });

  it('#3015 / #1155: a bogus peer reporting a huge offset is dropped and never releases a write waiting for the real slave', async () => {
    const { m, service } = await masterOf([1, 2]);

    // The real slave replicates every byte but acknowledges nothing past `hold` until released.
    const s = await node('SLAVE');
    let hold = -1;
    const progress: Array<(written: number, flushed: number) => void> = [];
    const slaveLog: AutoSwitchSlaveLog = {
      getMaxPhyOffset: () => s.store.getMaxPhyOffset(),
      replicaAckOffset: () => (hold >= 0 ? Math.min(hold, s.store.replicaAckOffset()) : s.store.replicaAckOffset()),
      appendReplicated: (offset, data) => s.store.appendReplicated(offset, data),
      onReplicaProgress: (l) => {
        progress.push(l);
        s.store.onReplicaProgress(l);
      },
      drainReplica: () => s.store.drainReplica(),
      truncateTail: (offset) => s.store.truncateTail(offset),
    };
    // A slow reconnect keeps the window after a replaced connection open on a loaded machine.
    const client = new AutoSwitchClient(
      slaveLog,
      s.epochs,
      { ...TIMINGS, haReconnectInterval: 2000, brokerId: 2, asyncLearner: false },
      silent,
    );
    cleanups.push(() => client.stop());
    client.follow(`127.0.0.1:${service.port}`, 1);
    await eventually(() => service.slaves().length === 1, { message: 'slave handshake done' });
    for (let i = 0; i < 20; i++) assert.equal((await m.store.putMessage(msg('T', 0, i, 200))).status, 'PUT_OK');

    hold = s.store.replicaAckOffset();
    let answered: string | undefined;
    const waiting = m.store.putMessage(msg('T', 0, 20, 200)).then((r) => {
      answered = r.status;
      return r;
    });
    await eventually(() => s.store.getMaxPhyOffset() === m.store.getMaxPhyOffset(), {
      message: 'the slave holds the write but has not acknowledged it',
    });
    assert.equal(answered, undefined, 'waits for the real slave');

    // A peer that is not a member: dropped; the real slave stays connected.
    const stranger = rawPeer(service.port);
    stranger.sock.write(autoSwitchWire.encodeSlaveHandshake(7));
    stranger.sock.write(autoSwitchWire.encodeSlaveAck(Number.MAX_SAFE_INTEGER - 1));
    await within(stranger.closed, 3000, 'bogus non-member closed');
    assert.equal(answered, undefined, 'not released by a non-member claiming everything');
    assert.deepEqual(
      service.slaves().map((p) => p.brokerId),
      [2],
    );

    // A peer claiming the real slave's id: it takes over the id (as a reconnecting slave would),
    // its ack beyond the log drops it, and the write still waits.
    const impostor = rawPeer(service.port);
    impostor.sock.write(
      Buffer.concat([
        autoSwitchWire.encodeSlaveHandshake(2),
        autoSwitchWire.encodeSlaveAck(m.store.getMaxPhyOffset() + 1_000_000_000),
      ]),
    );
    await within(impostor.closed, 3000, 'bogus member claim closed');
    assert.equal(answered, undefined, 'not released by an impostor of a member');
    assert.ok(service.confirmOffset() < m.store.getMaxPhyOffset(), 'the confirm offset did not jump');

    // The real slave acknowledges: the write completes.
    hold = -1;
    for (const l of progress) l(0, 0);
    const r = await within(waiting, 10_000, 'the waiting write answered once the real slave acks');
    assert.equal(r.status, 'PUT_OK');
    await eventually(
      () => service.slaves().some((p) => p.brokerId === 2 && p.ackOffset === m.store.getMaxPhyOffset()),
      {
        message: 'the real slave is connected and caught up',
      },
    );
  });
});
