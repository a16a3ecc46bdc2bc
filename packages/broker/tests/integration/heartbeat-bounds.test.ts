import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RequestCode, ResponseCode } from '@rocketmq-ts/protocol';
import { consumerData, heartbeatRequest, startTestBroker, type TestBroker } from '../helpers/broker-harness.js';

// Issue 18: one HEART_BEAT naming 100,000 consumer groups stalled the broker ~5.7 s (every
// group auto-created and written, and its retry topic created, written and registered, one
// at a time). Now a heartbeat is bounded (heartbeatMaxGroups / heartbeatMaxSubscriptions) and
// the groups and retry topics it creates are written once.

const readJson = async (path: string) =>
  JSON.parse(await readFile(path, 'utf8')) as {
    dataVersion: { counter: number };
    subscriptionGroupTable?: Record<string, unknown>;
    topicConfigTable?: Record<string, unknown>;
  };

describe('HEART_BEAT bounds (issue 18)', () => {
  let tb: TestBroker;
  before(async () => {
    tb = await startTestBroker({ heartbeatMaxGroups: 700, heartbeatMaxSubscriptions: 1400 });
  });
  after(() => tb.close());

  const send = (clientID: string, groups: number, prefix: string) =>
    tb.client.invoke(
      tb.addr,
      heartbeatRequest({
        clientID,
        consumerDataSet: Array.from({ length: groups }, (_, i) => consumerData(`${prefix}${i}`, `T${i}`)),
      }),
    );

  it('refuses a heartbeat naming more groups than heartbeatMaxGroups, creating nothing', async () => {
    const r = await send('big@1', 701, 'X');
    assert.equal(r.code, ResponseCode.SYSTEM_ERROR);
    const groups = await readJson(join(tb.dir, 'config', 'subscriptionGroup.json'));
    assert.equal(groups.subscriptionGroupTable?.X0, undefined);
  });

  it('creates the groups and retry topics of a large heartbeat with one write of each table', async () => {
    const topicsBefore = await readJson(join(tb.dir, 'config', 'topics.json'));
    const groupsBefore = await readJson(join(tb.dir, 'config', 'subscriptionGroup.json'));
    const r = await send('many@1', 700, 'G');
    assert.equal(r.code, ResponseCode.SUCCESS);
    const topics = await readJson(join(tb.dir, 'config', 'topics.json'));
    const groups = await readJson(join(tb.dir, 'config', 'subscriptionGroup.json'));
    for (let i = 0; i < 700; i++) {
      assert.ok(groups.subscriptionGroupTable?.[`G${i}`], `group G${i}`);
      assert.ok(topics.topicConfigTable?.[`%RETRY%G${i}`], `retry topic of G${i}`);
    }
    assert.equal(topics.dataVersion.counter, topicsBefore.dataVersion.counter + 1);
    assert.equal(groups.dataVersion.counter, groupsBefore.dataVersion.counter + 1);
    // Every consumer registered, even past the first batch of 512.
    const list = await tb.invoke(RequestCode.GET_CONSUMER_LIST_BY_GROUP, { consumerGroup: 'G699' });
    assert.equal(list.code, ResponseCode.SUCCESS);
  });
});
