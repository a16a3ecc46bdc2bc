import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import {
  CreateTopicRequestHeader,
  createRequest,
  decodeTopicRouteData,
  RequestCode,
  ResponseCode,
} from '@rocketmq-ts/protocol';
import { RemotingClient } from '@rocketmq-ts/remoting';
import { eventually } from '@rocketmq-ts/testkit';
import { type StartedProcess, startRocketmqTs } from './start-process.js';

// The `rocketmq-ts start` bin as users run it: NameServer + broker in one process.

describe('rocketmq-ts start', () => {
  let started: StartedProcess;
  let proc: ChildProcess;
  let namesrv = '';
  let broker = '';
  let readyMs = 0;
  let wallMs = 0;
  const client = new RemotingClient({ requestTimeoutMs: 5000 });

  before(async () => {
    started = await startRocketmqTs();
    ({ proc, namesrv, broker, readyMs, wallMs } = started);
  });
  after(async () => {
    await client.close();
    await started.kill();
  });

  it('is ready in under 2 s and prints where it listens', () => {
    assert.ok(readyMs < 2000, `ready in ${readyMs} ms`);
    assert.ok(wallMs < 10_000, `boot line after ${wallMs} ms (includes node start-up)`);
    assert.match(namesrv, /^127\.0\.0\.1:\d+$/);
    assert.match(broker, /^127\.0\.0\.1:\d+$/);
  });

  it('registers the broker: a topic created on it gets a route from the NameServer at once', async () => {
    const create = await client.invoke(
      broker,
      createRequest(
        RequestCode.UPDATE_AND_CREATE_TOPIC,
        CreateTopicRequestHeader.encode({
          topic: 'StartTopic',
          defaultTopic: 'TBW102',
          readQueueNums: 2,
          writeQueueNums: 2,
          perm: 6,
          topicFilterType: 'SINGLE_TAG',
          order: false,
        }),
      ),
    );
    assert.equal(create.code, ResponseCode.SUCCESS, create.remark);
    const route = await eventually(
      async () => {
        const r = await client.invoke(
          namesrv,
          createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'StartTopic' }),
        );
        return r.code === ResponseCode.SUCCESS ? r : undefined;
      },
      { timeoutMs: 5000, message: 'route of StartTopic' },
    );
    const data = decodeTopicRouteData(route.body!);
    assert.ok(data.ok);
    assert.equal(data.value.queueDatas[0]?.writeQueueNums, 2);
    assert.equal(data.value.brokerDatas[0]?.brokerAddrs.get(0), broker);
  });

  it('unregisters from the NameServer and exits 0 on SIGTERM', async () => {
    proc.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => proc.once('exit', (c) => r(c)));
    assert.equal(code, 0);
  });
});
