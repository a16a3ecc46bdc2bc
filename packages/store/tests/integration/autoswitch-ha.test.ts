// Controller-mode replication between two file stores in this process over real sockets: an
// AutoSwitchService master, an AutoSwitchClient slave, and bad input on the master's HA port
// (garbage, an ack before the handshake, an ack beyond the log, half a handshake then silence).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { eventually, tempDir } from '@rocketmq-ts/testkit';
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
    const m = await node('SYNC_MASTER');
    await m.epochs.append(1, 0);
    const service = new AutoSwitchService(m.store, m.epochs, SERVICE, silent);
    await service.start();
    cleanups.push(() => service.stop());
    service.activate(1, [1, 2]);
    m.store.setReplicationGate(service.gate);

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
});
