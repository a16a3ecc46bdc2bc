// A slave's metadata sync (SlaveSynchronize) against a scripted master: the timer checkpoint
// copy of RocketMQ 5.x (GET_TIMER_CHECK_POINT every 3 s) and the regression scenario
// #9804/#9984 of the reference (a topic sync never leaves a window with a kept topic deleted).
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ManualClock, silentLogger } from '@rocketmq-ts/common';
import { type RemotingCommand, RequestCode, ResponseCode } from '@rocketmq-ts/protocol';
import {
  EMPTY_TIMER_CHECKPOINT,
  encodeTimerCheckpoint,
  readTimerCheckpoint,
  timerCheckpointPath,
  writeTimerCheckpoint,
} from '@rocketmq-ts/store';
import { tempDir } from '@rocketmq-ts/testkit';
import { adoptMasterTimerCheckpoint, type SlaveSyncDeps, SlaveSynchronize } from '../src/slave/slave-synchronize.js';
import { TopicConfigManager } from '../src/topic/topic-config-manager.js';

const dirs: Array<{ cleanup: () => Promise<void> }> = [];
after(async () => {
  for (const d of dirs) await d.cleanup();
});
async function dir(): Promise<string> {
  const d = await tempDir('rmq-slave-sync-');
  dirs.push(d);
  return d.path;
}

/** A master that answers by request code; records what it was asked. */
function master(bodies: Map<number, () => Buffer | undefined>) {
  const asked: Array<{ addr: string; code: number }> = [];
  const client: SlaveSyncDeps['client'] = {
    invoke: async (addr: string, req: RemotingCommand) => {
      asked.push({ addr, code: req.code });
      const body = bodies.get(req.code)?.();
      return { code: body ? ResponseCode.SUCCESS : ResponseCode.SYSTEM_ERROR, body } as RemotingCommand;
    },
  };
  return { client, asked };
}

function deps(client: SlaveSyncDeps['client'], more: Partial<SlaveSyncDeps> = {}): SlaveSyncDeps {
  return {
    client,
    masterAddr: () => '127.0.0.1:10911',
    selfAddr: '127.0.0.1:20911',
    topics: { adoptFromMaster: async () => false },
    groups: { adoptFromMaster: async () => false },
    offsets: { commit: () => {}, persist: async () => {} },
    intervalMs: 10_000,
    timeoutMs: 1000,
    logger: silentLogger,
    ...more,
  };
}

describe('timer checkpoint sync', () => {
  it("copies the master's read time, queue offset and data version, keeping the slave's own positions", async () => {
    const root = await dir();
    const path = timerCheckpointPath(root);
    await mkdir(join(path, '..'), { recursive: true });
    await writeTimerCheckpoint(path, { ...EMPTY_TIMER_CHECKPOINT, lastTimerLogFlushPos: 111, lastTimerQueueOffset: 7 });
    const body = encodeTimerCheckpoint({
      lastReadTimeMs: 5000,
      lastTimerLogFlushPos: 999_999,
      lastTimerQueueOffset: 42,
      masterTimerQueueOffset: 0,
      stateVersion: 1,
      timestamp: 1234,
      counter: 3,
    });
    const m = master(new Map([[RequestCode.GET_TIMER_CHECK_POINT, () => body]]));
    const sync = new SlaveSynchronize(deps(m.client, { timerStorePathRootDir: root }));
    await sync.syncTimerCheckpoint();
    assert.deepEqual(m.asked, [{ addr: '127.0.0.1:10911', code: RequestCode.GET_TIMER_CHECK_POINT }]);
    assert.equal(sync.timerSyncs, 1);
    assert.deepEqual(await readTimerCheckpoint(path), {
      lastReadTimeMs: 5000,
      lastTimerLogFlushPos: 111,
      lastTimerQueueOffset: 7,
      masterTimerQueueOffset: 42,
      stateVersion: 1,
      timestamp: 1234,
      counter: 3,
    });
    // Nothing new, or a malformed body: nothing written.
    assert.equal(await adoptMasterTimerCheckpoint(path, body), false);
    assert.equal(await adoptMasterTimerCheckpoint(path, Buffer.alloc(10)), false);
    assert.equal((await readTimerCheckpoint(path))?.masterTimerQueueOffset, 42);
  });

  it('asks nobody without a master, or when the master is itself, or when the timer is off', async () => {
    const m = master(new Map());
    const root = await dir();
    await new SlaveSynchronize(
      deps(m.client, { masterAddr: () => undefined, timerStorePathRootDir: root }),
    ).syncTimerCheckpoint();
    await new SlaveSynchronize(
      deps(m.client, { masterAddr: () => '127.0.0.1:20911', timerStorePathRootDir: root }),
    ).syncTimerCheckpoint();
    await new SlaveSynchronize(deps(m.client)).syncTimerCheckpoint();
    assert.deepEqual(m.asked, []);
  });
});

describe('topic sync (#9804 / #9984)', () => {
  it('upserts in place: a topic kept by the master is never missing during a sync; new ones appear, dropped ones go', async () => {
    const topics = new TopicConfigManager({
      configDir: await dir(),
      clusterName: 'C',
      brokerName: 'b',
      autoCreateTopicEnable: false,
      defaultTopicQueueNums: 8,
      clusterTopicEnable: false,
      brokerTopicEnable: false,
      traceTopicEnable: false,
      msgTraceTopicName: 'RMQ_SYS_TRACE_TOPIC',
      delayLevelCount: 18,
      logger: silentLogger,
      clock: new ManualClock(1000),
    });
    await topics.load();
    const cfg = (name: string, perm: number) => ({
      topicName: name,
      readQueueNums: 4,
      writeQueueNums: 4,
      perm,
      topicFilterType: 'SINGLE_TAG',
      topicSysFlag: 0,
      order: false,
    });
    let version = 1;
    let table: Record<string, unknown> = { Kept: cfg('Kept', 6), Dropped: cfg('Dropped', 6) };
    const body = () =>
      Buffer.from(
        JSON.stringify({
          topicConfigTable: table,
          dataVersion: { stateVersion: 0, timestamp: 5000 + version, counter: version },
        }),
      );
    const m = master(new Map([[RequestCode.GET_ALL_TOPIC_CONFIG, body]]));
    const sync = new SlaveSynchronize(deps(m.client, { topics }));
    await sync.syncAll();
    assert.ok(topics.get('Kept') && topics.get('Dropped'));

    version = 2;
    table = { Kept: cfg('Kept', 4), Added: cfg('Added', 6) };
    let missing = 0;
    let watching = true;
    const watch = () => {
      if (!topics.get('Kept')) missing++;
      if (watching) setImmediate(watch);
    };
    watch();
    await sync.syncAll();
    watching = false;
    assert.equal(missing, 0, 'Kept was missing during the sync');
    assert.equal(topics.get('Kept')?.perm, 4);
    assert.ok(topics.get('Added'));
    assert.equal(topics.get('Dropped'), undefined);
  });
});
