// The master side of controller-mode replication against the reference's regression scenarios
// (ha-and-controller.md §4): real stores on temp dirs, real sockets on 127.0.0.1. A "raw" slave
// is a socket speaking the AutoSwitch wire by hand, so a test chooses exactly what it acks; the
// #9689 test uses the real AutoSwitchClient on a second store.
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { silentLogger } from '@rocketmq-ts/common';
import { eventually, tempDir } from '@rocketmq-ts/testkit';
import { AutoSwitchClient } from '../../src/ha/autoswitch-client.js';
import { AutoSwitchService, type AutoSwitchServiceConfig } from '../../src/ha/autoswitch-service.js';
import { encodeSlaveAck, encodeSlaveHandshake } from '../../src/ha/autoswitch-wire.js';
import { EPOCH_FILE_NAME, EpochFile } from '../../src/ha/epoch-file.js';
import type { FileMessageStore } from '../../src/index.js';
import { msg, openStore } from '../helpers.js';

const SELF = 0;

interface Master {
  store: FileMessageStore;
  epochs: EpochFile;
  ha: AutoSwitchService;
}

const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function startMaster(over: Partial<AutoSwitchServiceConfig> = {}, members: number[] = [SELF]): Promise<Master> {
  const dir = await tempDir('rmq-as-master-');
  const store = await openStore(dir.path);
  const epochs = new EpochFile(join(dir.path, EPOCH_FILE_NAME));
  await epochs.load();
  const ha = new AutoSwitchService(
    store,
    epochs,
    {
      haListenPort: 0,
      host: '127.0.0.1',
      haSendHeartbeatInterval: 200,
      haHousekeepingInterval: 20_000,
      haTransferBatchSize: 32 * 1024,
      slaveTimeout: 400,
      allAckInSyncStateSet: true,
      inSyncReplicas: 1,
      ...over,
    },
    silentLogger,
  );
  await ha.start();
  await epochs.append(1, store.getMaxPhyOffset());
  store.setReplicationGate(ha.gate);
  ha.activate(SELF, members);
  cleanups.push(async () => {
    await ha.stop();
    await store.shutdown();
    await dir.cleanup();
  });
  return { store, epochs, ha };
}

/** A slave that acks only what the test tells it to. */
async function rawSlave(m: Master, brokerId: number): Promise<{ ack(offset: number): void; close(): void }> {
  const socket = net.connect({ host: '127.0.0.1', port: m.ha.port });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.on('data', () => {});
  socket.on('error', () => {});
  socket.write(encodeSlaveHandshake(brokerId));
  await eventually(() => m.ha.slaves().length >= 0 && socket.bytesRead >= 20, { message: 'master handshake' });
  cleanups.push(async () => {
    socket.destroy();
  });
  return {
    ack: (offset) => socket.write(encodeSlaveAck(offset)),
    close: () => socket.destroy(),
  };
}

async function put(m: Master, i: number): Promise<{ status: string; end: number }> {
  const r = await m.store.putMessage(msg('T', 0, i));
  return { status: r.status, end: r.append ? r.append.wroteOffset + r.append.wroteBytes : -1 };
}

describe('controller-mode master: reference regression scenarios', () => {
  it('#6728: a fresh connection of a SyncStateSet member (no ack, then ack 0) never lowers the confirm offset', async () => {
    const m = await startMaster({}, [SELF, 2]);
    const s = await rawSlave(m, 2);
    s.ack(0);
    const pending = put(m, 0);
    await eventually(() => m.store.getMaxPhyOffset() > 0);
    const end = m.store.getMaxPhyOffset();
    s.ack(end);
    assert.equal((await pending).status, 'PUT_OK');
    await eventually(() => m.ha.confirmOffset() === end, { message: 'confirm at the acked end' });
    // The member reconnects: before its first ack and after an ack of 0 (an empty or
    // restarted replica) the confirm offset stays where the set had confirmed it.
    s.close();
    await eventually(() => m.ha.slaves().length === 0);
    const again = await rawSlave(m, 2);
    assert.equal(m.ha.confirmOffset(), end, 'handshake only (ack −1)');
    again.ack(0);
    await eventually(() => m.ha.slaves().some((x) => x.brokerId === 2 && x.ackOffset === 0));
    assert.equal(m.ha.confirmOffset(), end, 'ack 0');
    // A write beyond: confirm waits for the member's ack, and never passes it.
    const w = put(m, 1);
    await eventually(() => m.store.getMaxPhyOffset() > end);
    const end2 = m.store.getMaxPhyOffset();
    assert.equal(m.ha.confirmOffset(), end);
    again.ack(end2);
    assert.equal((await w).status, 'PUT_OK');
    await eventually(() => m.ha.confirmOffset() === end2);
  });

  it('#6662: while a SyncStateSet member has no connection the confirm offset does not advance, even if the other slave acks', async () => {
    const m = await startMaster({}, [SELF, 1, 2]);
    const a = await rawSlave(m, 1);
    const b = await rawSlave(m, 2);
    a.ack(0);
    b.ack(0);
    const first = put(m, 0);
    await eventually(() => m.store.getMaxPhyOffset() > 0);
    const end = m.store.getMaxPhyOffset();
    a.ack(end);
    b.ack(end);
    assert.equal((await first).status, 'PUT_OK');
    await eventually(() => m.ha.confirmOffset() === end);
    // Partition: the master keeps one slave (1) and loses the other (2) with the controller.
    b.close();
    await eventually(() => !m.ha.slaves().some((x) => x.brokerId === 2));
    const later = put(m, 1);
    await eventually(() => m.store.getMaxPhyOffset() > end);
    const end2 = m.store.getMaxPhyOffset();
    a.ack(end2);
    await eventually(() => m.ha.slaves().some((x) => x.brokerId === 1 && x.ackOffset === end2));
    assert.equal(m.ha.confirmOffset(), end, 'a member without a connection holds the confirm offset');
    assert.equal((await later).status, 'FLUSH_SLAVE_TIMEOUT', 'never acknowledged without every member');
  });

  it('#9897: writes waiting for two delayed members are answered as soon as the set drops them, not at their timeout', async () => {
    const m = await startMaster({ slaveTimeout: 60_000 }, [SELF, 1, 2, 3]);
    const fast = await rawSlave(m, 1);
    fast.ack(0);
    const slow = [await rawSlave(m, 2), await rawSlave(m, 3)];
    for (const s of slow) s.ack(0);
    const w = put(m, 0);
    await eventually(() => m.store.getMaxPhyOffset() > 0);
    fast.ack(m.store.getMaxPhyOffset());
    await eventually(() => m.ha.slaves().some((x) => x.brokerId === 1 && x.ackOffset > 0));
    const started = Date.now();
    // The controller committed the shrink to {0, 1}: the waiting write needs no more.
    m.ha.setSyncStateSet([SELF, 1]);
    assert.equal((await w).status, 'PUT_OK');
    assert.ok(Date.now() - started < 5000);
  });

  it('minInSyncReplicas: a SyncStateSet smaller than it refuses writes at admission (IN_SYNC_REPLICAS_NOT_ENOUGH)', async () => {
    const m = await startMaster({ minInSyncReplicas: 2 }, [SELF]);
    assert.equal(m.ha.inSyncReplicasEnough(), false);
    m.ha.setSyncStateSet([SELF, 1]);
    assert.equal(m.ha.inSyncReplicasEnough(), true, 'old ∪ proposed counts while an ALTER is in flight');
    m.ha.setSyncStateSet([SELF]);
    assert.equal(m.ha.inSyncReplicasEnough(), false);
    m.ha.deactivate();
    assert.equal(m.ha.inSyncReplicasEnough(), true, 'not a master: the role refuses writes, not this check');
  });

  it('inSyncReplicas without all-ack: any connected replica counts, and the SyncStateSet size does not lower it', async () => {
    const m = await startMaster({ allAckInSyncStateSet: false, inSyncReplicas: 2 }, [SELF]);
    // No slave: the set has one member, yet two replicas are required (no silent degrade).
    assert.equal((await put(m, 0)).status, 'FLUSH_SLAVE_TIMEOUT');
    const s = await rawSlave(m, 3);
    s.ack(m.store.getMaxPhyOffset());
    await eventually(() => m.ha.slaves().some((x) => x.brokerId === 3));
    const w = put(m, 1);
    await eventually(() => m.store.getMaxPhyOffset() > 0 && m.store.getMaxOffsetInQueue('T', 0) === 2);
    s.ack(m.store.getMaxPhyOffset());
    assert.equal((await w).status, 'PUT_OK', 'a slave outside the SyncStateSet acks as RocketMQ counts connections');
  });

  it('#9689: a master re-elected at a new epoch keeps its slave connected; the slave records the epoch at the right offset', async () => {
    const m = await startMaster({ allAckInSyncStateSet: false }, [SELF]);
    const dir = await tempDir('rmq-as-slave-');
    const slaveStore = await openStore(dir.path);
    slaveStore.setBrokerRole('SLAVE');
    const slaveEpochs = new EpochFile(join(dir.path, EPOCH_FILE_NAME));
    await slaveEpochs.load();
    const client = new AutoSwitchClient(
      slaveStore,
      slaveEpochs,
      {
        brokerId: 1,
        asyncLearner: false,
        haSendHeartbeatInterval: 200,
        haHousekeepingInterval: 20_000,
        haReconnectInterval: 100,
      },
      silentLogger,
    );
    cleanups.push(async () => {
      await client.stop();
      await slaveStore.shutdown();
      await dir.cleanup();
    });
    client.follow(`127.0.0.1:${m.ha.port}`, 1);
    for (let i = 0; i < 5; i++) assert.equal((await put(m, i)).status, 'PUT_OK');
    await eventually(() => slaveStore.getMaxPhyOffset() === m.store.getMaxPhyOffset(), { message: 'slave caught up' });
    const conn = m.ha.slaves()[0]?.addr;
    assert.ok(conn);
    // Re-elected (epoch 1 → 2) with the slave still connected: the master appends the new
    // epoch at its max offset and goes on serving the same connection.
    const start2 = m.store.getMaxPhyOffset();
    await m.epochs.append(2, start2);
    m.ha.activate(SELF, [SELF]);
    client.follow(`127.0.0.1:${m.ha.port}`, 2);
    for (let i = 5; i < 10; i++) assert.equal((await put(m, i)).status, 'PUT_OK');
    await eventually(() => slaveStore.getMaxPhyOffset() === m.store.getMaxPhyOffset(), { message: 'caught up again' });
    assert.deepEqual(slaveEpochs.entries(), m.epochs.entries());
    assert.deepEqual(
      slaveEpochs.entries().map((e) => [e.epoch, e.startOffset]),
      [
        [1, 0],
        [2, start2],
      ],
    );
    assert.equal(m.ha.slaves()[0]?.addr, conn, 'the same connection: no reconnection loop');
    assert.equal(client.lastError, undefined);
    // An epoch with no bytes yet (re-elected again at once) is still recorded when data follows.
    const start3 = m.store.getMaxPhyOffset();
    await m.epochs.append(3, start3);
    client.follow(`127.0.0.1:${m.ha.port}`, 3);
    assert.equal((await put(m, 10)).status, 'PUT_OK');
    await eventually(() => slaveStore.getMaxPhyOffset() === m.store.getMaxPhyOffset());
    assert.deepEqual(slaveEpochs.lastEntry(), { epoch: 3, startOffset: start3 });
    assert.equal(m.ha.slaves()[0]?.addr, conn);
  });
});
