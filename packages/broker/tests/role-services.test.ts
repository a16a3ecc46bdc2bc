import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { silentLogger } from '@rocketmq-ts/common';
import { decodeStoredRecords, MessageConst, parseDelayLevels, ResponseCode } from '@rocketmq-ts/protocol';
import { readTimerCheckpoint, timerCheckpointPath, writeTimerCheckpoint } from '@rocketmq-ts/store';
import { eventually, tempDir } from '@rocketmq-ts/testkit';
import { RoleServices } from '../src/runtime/role-services.js';
import { ScheduleMessageService } from '../src/schedule/schedule-service.js';
import { testDeps } from './feature-fakes.js';
import { props, pullRequest, sendRequest, startTestBroker, type TestBroker } from './helpers/broker-harness.js';

// Issue 15: the master-only services (delayed delivery, transaction checks, timer wheel, Pop
// revive and pop long polling) follow the broker's role at run time: demotion stops exactly
// what was started and leaves no timer behind; promotion starts them again, from their
// persisted progress, without doubling any timer.

/** Counts the intervals alive (created and not cleared) while installed. */
function trackIntervals(): { live: () => number; restore: () => void } {
  const live = new Set<unknown>();
  const set = globalThis.setInterval;
  const clear = globalThis.clearInterval;
  globalThis.setInterval = ((fn: () => void, ms?: number) => {
    const t = set(fn, ms);
    live.add(t);
    return t;
  }) as typeof setInterval;
  globalThis.clearInterval = ((t: Parameters<typeof clearInterval>[0]) => {
    live.delete(t);
    clear(t);
  }) as typeof clearInterval;
  return {
    live: () => live.size,
    restore: () => {
      globalThis.setInterval = set;
      globalThis.clearInterval = clear;
    },
  };
}

describe('RoleServices', () => {
  const calls: string[] = [];
  const service = (name: string, failStart = false) => ({
    name,
    start: async () => {
      calls.push(`start ${name}`);
      if (failStart) throw new Error(`${name} cannot start`);
    },
    stop: async () => {
      calls.push(`stop ${name}`);
    },
  });
  afterEach(() => {
    calls.length = 0;
  });

  it('starts each service once on becoming master and stops what started, in reverse, on demotion', async () => {
    const roles = new RoleServices([service('a'), service('b', true), service('c')], silentLogger);
    await roles.follow('slave');
    assert.deepEqual(calls, [], 'a slave starts nothing');
    await roles.follow('master');
    await roles.follow('master');
    // A failed start skips that one; the next confirmation of the role tries it again.
    assert.deepEqual(calls, ['start a', 'start b', 'start c', 'start b'], 'master twice starts each once');
    assert.deepEqual(roles.running, ['a', 'c']);
    calls.length = 0;
    await roles.follow('slave');
    await roles.follow('slave');
    assert.deepEqual(calls, ['stop c', 'stop a'], 'only what started is stopped, once');
    assert.deepEqual(roles.running, []);
  });

  it('runs transitions in the order asked, and refuses promotion after close', async () => {
    const roles = new RoleServices([service('a')], silentLogger);
    const steps = [roles.follow('master'), roles.follow('slave'), roles.follow('master')];
    await Promise.all(steps);
    assert.deepEqual(calls, ['start a', 'stop a', 'start a']);
    await roles.close();
    await roles.follow('master');
    assert.deepEqual(calls, ['start a', 'stop a', 'start a', 'stop a']);
    assert.equal(roles.current, 'master');
  });
});

describe('ScheduleMessageService restarts', () => {
  it('keeps one flush timer when started twice, and switches delivery on and off', async () => {
    const dir = await tempDir('schedule-restart-');
    const timers = trackIntervals();
    try {
      const deps = await testDeps(join(dir.path, 's'));
      const svc = new ScheduleMessageService(deps, parseDelayLevels('1s 5s'));
      const before = timers.live();
      await svc.start(false);
      await svc.start(false);
      assert.equal(timers.live(), before + 1, 'one flush interval');
      assert.equal(svc.isDelivering, false);
      await svc.startDelivery();
      await svc.startDelivery();
      assert.equal(svc.isDelivering, true);
      await svc.stopDelivery();
      assert.equal(svc.isDelivering, false);
      await svc.start(true);
      assert.equal(svc.isDelivering, true);
      assert.equal(timers.live(), before + 1);
      await svc.stop();
      assert.equal(timers.live(), before, 'nothing left after stop');
    } finally {
      timers.restore();
      await dir.cleanup();
    }
  });
});

describe('a master demoted and promoted again (in-process broker)', () => {
  let b: TestBroker;
  let timers: ReturnType<typeof trackIntervals>;
  before(async () => {
    timers = trackIntervals();
    b = await startTestBroker({ messageDelayLevel: '1s 2s', timerPrecisionMs: 100, reviveInterval: 200 });
  });
  after(async () => {
    await b.close();
    timers.restore();
  });

  const bodies = async (topic: string): Promise<string[]> => {
    const r = await b.client.invoke(b.addr, pullRequest(topic, { maxMsgNums: 32 }));
    return r.code === ResponseCode.SUCCESS && r.body ? decodeStoredRecords(r.body).map((m) => m.body.toString()) : [];
  };

  it('stops every master-only service on demotion, leaves their timers cleared, and restarts them once', async () => {
    const roles = b.broker.components.roles;
    assert.deepEqual(roles.running, ['schedule', 'transaction', 'timer', 'pop'], 'a configured master runs them');
    const asMaster = timers.live();

    await roles.follow('slave');
    assert.deepEqual(roles.running, []);
    const asSlave = timers.live();
    assert.ok(asSlave < asMaster, `intervals as master ${asMaster}, as slave ${asSlave}`);

    // Sent while the services are stopped (the classic store still takes writes): not delivered.
    const delayed = await b.client.invoke(
      b.addr,
      sendRequest('RoleDelay', 'delayed', { properties: props({ [MessageConst.PROPERTY_DELAY_TIME_LEVEL]: '1' }) }),
    );
    assert.equal(delayed.code, ResponseCode.SUCCESS, delayed.remark);
    const timed = await b.client.invoke(
      b.addr,
      sendRequest('RoleTimer', 'timed', {
        properties: props({ [MessageConst.PROPERTY_TIMER_DELIVER_MS]: String(Date.now() + 300) }),
      }),
    );
    assert.equal(timed.code, ResponseCode.SUCCESS, timed.remark);
    for (let i = 0; i < 8; i++) {
      assert.deepEqual(await bodies('RoleDelay'), [], 'no delayed delivery while demoted');
      assert.deepEqual(await bodies('RoleTimer'), [], 'no timer delivery while demoted');
      await new Promise((resolve) => setTimeout(resolve, 250));
    }

    await roles.follow('master');
    await roles.follow('master');
    assert.deepEqual(roles.running, ['schedule', 'transaction', 'timer', 'pop']);
    assert.equal(timers.live(), asMaster, 'the same intervals as before the demotion, none doubled');
    await eventually(async () => (await bodies('RoleDelay')).length > 0, { intervalMs: 100, message: 'delayed' });
    await eventually(async () => (await bodies('RoleTimer')).length > 0, { intervalMs: 100, message: 'timer' });
    assert.deepEqual(await bodies('RoleDelay'), ['delayed']);
    assert.deepEqual(await bodies('RoleTimer'), ['timed']);
  });

  it('a broker promoted with only the master timer checkpoint skips what the master delivered', async () => {
    const roles = b.broker.components.roles;
    const fired = await b.client.invoke(
      b.addr,
      sendRequest('RoleTimerOld', 'old', {
        properties: props({ [MessageConst.PROPERTY_TIMER_DELIVER_MS]: String(Date.now() + 200) }),
      }),
    );
    assert.equal(fired.code, ResponseCode.SUCCESS, fired.remark);
    await eventually(async () => (await bodies('RoleTimerOld')).length > 0, { intervalMs: 100, message: 'old fired' });
    await eventually(async () => b.broker.components.timer.service!.progress().currReadTimeMs > Date.now() - 1000, {
      intervalMs: 50,
      message: 'read time past the old message',
    });
    await roles.follow('slave');
    // What a slave holds: no wheel, no timer log, the master's read time and queue progress
    // (slave-synchronize's adoptMasterTimerCheckpoint), none of its own.
    const path = timerCheckpointPath(b.dir);
    const master = (await readTimerCheckpoint(path))!;
    await writeTimerCheckpoint(path, { ...master, lastTimerQueueOffset: 0, lastTimerLogFlushPos: 0 });
    await rm(join(b.dir, 'timerwheel'), { force: true });
    await rm(join(b.dir, 'timerlog'), { recursive: true, force: true });

    await roles.follow('master');
    const fresh = await b.client.invoke(
      b.addr,
      sendRequest('RoleTimerOld', 'new', {
        properties: props({ [MessageConst.PROPERTY_TIMER_DELIVER_MS]: String(Date.now() + 200) }),
      }),
    );
    assert.equal(fresh.code, ResponseCode.SUCCESS, fresh.remark);
    await eventually(async () => (await bodies('RoleTimerOld')).includes('new'), { intervalMs: 100, message: 'new' });
    assert.deepEqual(await bodies('RoleTimerOld'), ['old', 'new'], 'the delivered one is not fired again');
  });
});
