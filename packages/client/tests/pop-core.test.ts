import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createResponse, type RemotingCommand, RequestCode, ResponseCode } from '@rocketmq-ts/protocol';
import { RemotingTimeoutError } from '@rocketmq-ts/remoting';
import { resolveClientConfig } from '../src/client-config.js';
import { MQClientInstance } from '../src/client-instance.js';
import { PopCore } from '../src/consumer/pop-core.js';
import { buildSubscription } from '../src/consumer/subscription.js';
import { ClientErrorCode, MQClientError } from '../src/errors.js';
import type { ClientTransport } from '../src/transport.js';
import { oneBrokerRoute } from './one-broker-route.js';

// PopCore against a scripted transport: the first POP_MESSAGE times out, the next answers empty.
function timingOutOnce(pops: RemotingCommand[]): ClientTransport {
  return {
    async invoke(addr, cmd) {
      if (cmd.code === RequestCode.GET_ROUTEINFO_BY_TOPIC)
        return createResponse(cmd, ResponseCode.SUCCESS, undefined, undefined, oneBrokerRoute(2));
      pops.push(cmd);
      if (pops.length === 1) throw new RemotingTimeoutError(addr, 5, 10);
      return createResponse(cmd, ResponseCode.POLLING_TIMEOUT, 'no message');
    },
    invokeOneway() {},
    registerProcessor() {},
    close() {},
  };
}

async function popOnce(order: boolean, pops: RemotingCommand[]) {
  const instance = MQClientInstance.acquire(resolveClientConfig({ namesrvAddr: '127.0.0.1:9876' }), () =>
    timingOutOnce(pops),
  );
  try {
    await instance.updateTopicRoute('T');
    const core = new PopCore(instance, 'G', 16);
    return await core.pop('b', buildSubscription('T'), {
      maxMessages: 40,
      invisibleTimeMs: 5000,
      pollTimeMs: 100,
      initMode: 0,
      order,
    });
  } finally {
    await instance.release();
  }
}

describe('PopCore.pop', () => {
  it('retries a FIFO pop that timed out once, with the same attemptId (rocketmq-clients#708)', async () => {
    const pops: RemotingCommand[] = [];
    assert.deepEqual(await popOnce(true, pops), []);
    assert.equal(pops.length, 2);
    const [a, b] = pops.map((c) => c.extFields);
    assert.equal(a!.order, 'true');
    assert.match(a!.attemptId ?? '', /^[0-9a-f-]{36}$/);
    assert.equal(b!.attemptId, a!.attemptId);
    assert.equal(a!.queueId, '-1', 'the broker chooses the queue');
    assert.equal(a!.maxMsgNums, '32', 'capped at the broker limit');
    assert.equal(a!.exp, '*');
  });

  it('gives a timed-out non-FIFO pop back to the caller (its messages come back after the invisible time)', async () => {
    const pops: RemotingCommand[] = [];
    await assert.rejects(
      popOnce(false, pops),
      (e: unknown) => e instanceof MQClientError && e.code === ClientErrorCode.TIMEOUT,
    );
    assert.equal(pops.length, 1);
    assert.equal(pops[0]!.extFields.attemptId, undefined);
  });
});
