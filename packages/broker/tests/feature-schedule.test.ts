import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ManualClock, systemClock } from '@rocketmq-ts/common';
import {
  decodeStoredRecord,
  MessageConst,
  parseDelayLevels,
  RequestCode,
  RMQ_SYS_SCHEDULE_TOPIC,
  tagsHashCode,
} from '@rocketmq-ts/protocol';
import { eventually, tempDir } from '@rocketmq-ts/testkit';
import { toScheduled } from '../src/schedule/delay-levels.js';
import { scheduleProcessors } from '../src/schedule/schedule-processors.js';
import { DELAY_OFFSET_FILE, deliverAt, ScheduleMessageService } from '../src/schedule/schedule-service.js';
import { message, noConnection, request, testDeps } from './feature-fakes.js';

const LEVELS = parseDelayLevels('1s 5s 10s');

describe('delay delivery (ScheduleMessageService)', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  before(async () => {
    dir = await tempDir('feature-schedule-');
  });
  after(() => dir.cleanup());

  it('decides due-ness from the tag field, treating a time beyond now+delay as now', () => {
    assert.equal(deliverAt(5000, 4000, 1000), 5000);
    assert.equal(deliverAt(5001, 4000, 1000), 4000);
    assert.equal(deliverAt(3000, 4000, 1000), 3000);
  });

  it('delivers a level-1 message a copy into REAL_TOPIC/REAL_QID after 1 s, not before', async () => {
    const clock = new ManualClock(1_700_000_000_000);
    const deps = await testDeps(join(dir.path, 'a'), {}, clock);
    const svc = new ScheduleMessageService(deps, LEVELS);
    const original = message('T', 2, { TAGS: 'TagA', KEYS: 'k1', DELAY: '1', TIMER_DELAY_SEC: '3' }, 'payload');
    original.reconsumeTimes = 2;
    original.flag = 7;
    const put = await deps.store.putMessage(toScheduled(original, 1, LEVELS, clock.now()));
    assert.equal(put.status, 'PUT_OK');

    assert.equal(await svc.deliverDue(1), 1000);
    clock.advance(999);
    assert.equal(await svc.deliverDue(1), 1);
    assert.equal(deps.store.getMaxOffsetInQueue('T', 2), 0);
    clock.advance(1);
    assert.equal(await svc.deliverDue(1), undefined);
    assert.equal(deps.store.getMaxOffsetInQueue('T', 2), 1);
    assert.equal(svc.offset(1), 1);

    const got = await deps.store.getMessage('T', 2, 0, 1, 1 << 20, (t) => t === tagsHashCode('TagA'));
    assert.equal(got.records.length, 1, 'tag hash recomputed from TAGS');
    const v = decodeStoredRecord(got.records[0]!)!;
    assert.equal(v.body.toString(), 'payload');
    assert.equal(v.flag, 7);
    assert.equal(v.reconsumeTimes, 2);
    assert.equal(v.bornTimestamp, original.bornTimestamp);
    assert.equal(v.bornHost, original.bornHost);
    assert.equal(v.storeTimestamp, clock.now());
    assert.equal(v.properties.get(MessageConst.PROPERTY_DELAY_TIME_LEVEL), undefined);
    assert.equal(v.properties.get('TIMER_DELAY_SEC'), undefined);
    assert.equal(v.properties.get(MessageConst.PROPERTY_REAL_TOPIC), 'T');
    assert.equal(v.properties.get(MessageConst.PROPERTY_KEYS), 'k1');
  });

  it('takes the delivery time from the ConsumeQueue tag field, not from the store time', async () => {
    const clock = new ManualClock(1_700_000_000_000);
    const deps = await testDeps(join(dir.path, 'tag'), {}, clock);
    const svc = new ScheduleMessageService(deps, LEVELS);
    // Parked as if sent 500 ms in the future: due at t0 + 1500 although stored at t0.
    await deps.store.putMessage(toScheduled(message('T', 0), 1, LEVELS, clock.now() + 500));
    await deps.store.putMessage(toScheduled(message('T', 0), 1, LEVELS, clock.now() + 600));
    clock.advance(1000);
    assert.equal(await svc.deliverDue(1), 500);
    clock.advance(550);
    assert.equal(await svc.deliverDue(1), 50);
    assert.equal(deps.store.getMaxOffsetInQueue('T', 0), 1);
  });

  it('keeps levels independent and in queue order', async () => {
    const clock = new ManualClock(1_700_000_000_000);
    const deps = await testDeps(join(dir.path, 'b'), {}, clock);
    const svc = new ScheduleMessageService(deps, LEVELS);
    await deps.store.putMessage(toScheduled(message('T', 0, {}, 'L2'), 2, LEVELS, clock.now()));
    for (let i = 0; i < 3; i++) {
      await deps.store.putMessage(toScheduled(message('T', 1, {}, `L1-${i}`), 1, LEVELS, clock.now()));
      clock.advance(400);
    }
    // now = t0+1200: only L1-0 (due t0+1000) is due.
    await svc.deliverDue(1);
    await svc.deliverDue(2);
    assert.equal(deps.store.getMaxOffsetInQueue('T', 1), 1);
    assert.equal(deps.store.getMaxOffsetInQueue('T', 0), 0);
    clock.advance(5000);
    await svc.deliverDue(1);
    await svc.deliverDue(2);
    const got = await deps.store.getMessage('T', 1, 0, 10, 1 << 20);
    assert.deepEqual(
      got.records.map((r) => decodeStoredRecord(r)!.body.toString()),
      ['L1-0', 'L1-1', 'L1-2'],
    );
    assert.equal(deps.store.getMaxOffsetInQueue('T', 0), 1);
    assert.equal(svc.encode().endsWith(',"offsetTable":{1:3,2:1}}'), true, svc.encode());
  });

  it('persists progress atomically and, after a restart, neither loses nor re-delivers nor delivers early', async () => {
    const clock = new ManualClock(1_700_000_000_000);
    const configDir = join(dir.path, 'c');
    const deps = await testDeps(configDir, {}, clock);
    const svc = new ScheduleMessageService(deps, LEVELS);
    await deps.store.putMessage(toScheduled(message('T', 0, {}, 'first'), 1, LEVELS, clock.now()));
    clock.advance(1000);
    await deps.store.putMessage(toScheduled(message('T', 0, {}, 'second'), 1, LEVELS, clock.now()));
    await svc.deliverDue(1);
    assert.equal(deps.store.getMaxOffsetInQueue('T', 0), 1);
    await svc.stop();
    const text = await readFile(join(configDir, DELAY_OFFSET_FILE), 'utf8');
    assert.match(text, /"offsetTable":\{1:1\}/);

    const again = new ScheduleMessageService(deps, LEVELS);
    await again.load();
    assert.equal(again.offset(1), 1);
    clock.advance(999);
    assert.equal(await again.deliverDue(1), 1, 'second is not due yet');
    assert.equal(deps.store.getMaxOffsetInQueue('T', 0), 1, 'first not delivered twice');
    clock.advance(1);
    await again.deliverDue(1);
    assert.equal(deps.store.getMaxOffsetInQueue('T', 0), 2);
  });

  it('recovers from a damaged progress file: a stale .tmp is ignored, a torn file restarts from 0', async () => {
    const clock = new ManualClock(1_700_000_000_000);
    const configDir = join(dir.path, 'crash');
    const deps = await testDeps(configDir, {}, clock);
    const svc = new ScheduleMessageService(deps, LEVELS);
    await deps.store.putMessage(toScheduled(message('T', 0, {}, 'x'), 1, LEVELS, clock.now()));
    clock.advance(1000);
    await svc.deliverDue(1);
    await svc.persist();
    assert.deepEqual((await readdir(configDir)).sort(), [DELAY_OFFSET_FILE]);

    // Crash in the middle of the next write: the temp file is garbage, the real one intact.
    await writeFile(join(configDir, `${DELAY_OFFSET_FILE}.tmp`), '{"offsetTable":{1:');
    const afterCrash = new ScheduleMessageService(deps, LEVELS);
    await afterCrash.load();
    assert.equal(afterCrash.offset(1), 1);

    // The file itself torn or overwritten: start over rather than refuse to start; the
    // message is delivered again (at least once), never lost.
    for (const damaged of ['{"offsetTable":{1:', '\u0000\u0000garbage', '[]']) {
      await writeFile(join(configDir, DELAY_OFFSET_FILE), damaged);
      const fresh = new ScheduleMessageService(deps, LEVELS);
      await fresh.load();
      assert.equal(fresh.offset(1), 0, damaged);
    }
    const fresh = new ScheduleMessageService(deps, LEVELS);
    await fresh.load();
    await fresh.deliverDue(1);
    assert.equal(deps.store.getMaxOffsetInQueue('T', 0), 2);
    // A deleted config directory is recreated on the next write.
    await fresh.persist();
    await mkdir(configDir, { recursive: true });
    assert.match(await readFile(join(configDir, DELAY_OFFSET_FILE), 'utf8'), /\{1:1\}/);
  });

  it('answers GET_ALL_DELAY_OFFSET with the fastjson offset table', async () => {
    const deps = await testDeps(join(dir.path, 'd'));
    const svc = new ScheduleMessageService(deps, LEVELS);
    const [p] = scheduleProcessors(svc);
    assert.equal(p!.code, RequestCode.GET_ALL_DELAY_OFFSET);
    const r = await p!.handler(request(45), noConnection);
    assert.equal(r!.code, 0);
    assert.equal(r!.body!.toString(), '{"dataVersion":{"counter":0,"stateVersion":0,"timestamp":0},"offsetTable":{}}');
  });

  it('runs on real timers once started: level 1 arrives after about a second', async () => {
    const deps = await testDeps(join(dir.path, 'e'), {}, systemClock);
    const svc = new ScheduleMessageService(deps, LEVELS, 50);
    await svc.start();
    try {
      const sentAt = Date.now();
      await deps.store.putMessage(toScheduled(message('T', 3), 1, LEVELS, sentAt));
      await eventually(() => deps.store.getMaxOffsetInQueue('T', 3) === 1, { timeoutMs: 3000 });
      assert.ok(Date.now() - sentAt >= 1000, 'not before the delay');
      assert.equal(deps.store.getMaxOffsetInQueue(RMQ_SYS_SCHEDULE_TOPIC, 0), 1);
      await eventually(
        async () => (await readFile(join(dir.path, 'e', DELAY_OFFSET_FILE), 'utf8').catch(() => '')).includes('{1:1}'),
        {
          timeoutMs: 2000,
        },
      );
    } finally {
      await svc.stop();
    }
  });
});
