import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createResponse,
  decodeBatchAckBody,
  type RemotingCommand,
  RequestCode,
  ResponseCode,
} from '@rocketmq-ts/protocol';
import { resolveClientConfig } from '../src/client-config.js';
import { MQClientInstance } from '../src/client-instance.js';
import { PopAckBatcher } from '../src/consumer/pop-ack-batcher.js';
import { ackTarget } from '../src/consumer/pop-message.js';
import type { ClientTransport } from '../src/transport.js';
import { oneBrokerRoute } from './one-broker-route.js';

// The ack batching of Pop consumers against a scripted transport (no broker involved).
function scriptedTransport(log: RemotingCommand[], batchCode: number): ClientTransport {
  return {
    async invoke(_addr, cmd) {
      log.push(cmd);
      if (cmd.code === RequestCode.GET_ROUTEINFO_BY_TOPIC)
        return createResponse(cmd, ResponseCode.SUCCESS, undefined, undefined, oneBrokerRoute(2));
      if (cmd.code === RequestCode.BATCH_ACK_MESSAGE) return createResponse(cmd, batchCode);
      return createResponse(cmd, ResponseCode.SUCCESS);
    },
    invokeOneway() {},
    registerProcessor() {},
    close() {},
  };
}

const popTime = Date.now();
const handle = (so: number, queueId: number, offset: number, flag = 0) =>
  `${so} ${popTime} 60000 2 ${flag} b ${queueId} ${offset}`;

async function withBatcher(batchCode: number, fn: (b: PopAckBatcher, log: RemotingCommand[]) => Promise<void>) {
  const log: RemotingCommand[] = [];
  const instance = MQClientInstance.acquire(resolveClientConfig({ namesrvAddr: '127.0.0.1:9876' }), () =>
    scriptedTransport(log, batchCode),
  );
  try {
    await instance.updateTopicRoute('T');
    await fn(new PopAckBatcher(instance, 'G'), log);
  } finally {
    await instance.release();
  }
}

const ack = (b: PopAckBatcher, h: string) => {
  const msg = { topic: 'T', receiptHandle: h };
  return b.ack(ackTarget('G', msg, Date.now()), msg);
};

describe('PopAckBatcher', () => {
  it('sends acks of one turn as one BATCH_ACK_MESSAGE, one entry per pop batch', async () => {
    await withBatcher(ResponseCode.SUCCESS, async (b, log) => {
      await Promise.all([
        ack(b, handle(10, 0, 10)),
        ack(b, handle(10, 0, 12)),
        ack(b, handle(10, 0, 19)),
        ack(b, handle(4, 1, 5)),
        ack(b, handle(0, 0, 3, 1)),
      ]);
      const sent = log.filter((c) => c.code !== RequestCode.GET_ROUTEINFO_BY_TOPIC);
      assert.deepEqual(
        sent.map((c) => c.code),
        [RequestCode.BATCH_ACK_MESSAGE],
      );
      const body = decodeBatchAckBody(sent[0]!.body);
      assert.ok(body.ok);
      if (!body.ok) return;
      assert.equal(body.value.brokerName, 'b');
      const acks = body.value.acks.map((a) => [
        a.consumerGroup,
        a.topic,
        a.retryFlag,
        a.queueId,
        a.startOffset,
        a.offsets,
      ]);
      assert.deepEqual(acks, [
        ['G', 'T', 0, 0, 10, [10, 12, 19]],
        ['G', 'T', 0, 1, 4, [5]],
        ['G', 'T', 1, 0, 0, [3]],
      ]);
      assert.ok(
        body.value.acks.every((a) => a.popTime === popTime && a.invisibleTime === 60000 && a.reviveQueueId === 2),
      );
    });
  });

  it('sends a lone ack as ACK_MESSAGE with the real (retry) topic', async () => {
    await withBatcher(ResponseCode.SUCCESS, async (b, log) => {
      await ack(b, handle(0, 0, 3, 1));
      const sent = log.filter((c) => c.code !== RequestCode.GET_ROUTEINFO_BY_TOPIC);
      assert.equal(sent.length, 1);
      assert.equal(sent[0]!.code, RequestCode.ACK_MESSAGE);
      assert.equal(sent[0]!.extFields.topic, '%RETRY%G_T');
      assert.equal(sent[0]!.extFields.offset, '3');
      assert.equal(sent[0]!.extFields.extraInfo, handle(0, 0, 3, 1));
    });
  });

  it('falls back to ACK_MESSAGE for a broker without BATCH_ACK_MESSAGE, and stays there', async () => {
    await withBatcher(ResponseCode.REQUEST_CODE_NOT_SUPPORTED, async (b, log) => {
      await Promise.all([ack(b, handle(10, 0, 10)), ack(b, handle(10, 0, 11))]);
      await Promise.all([ack(b, handle(10, 0, 12)), ack(b, handle(10, 0, 13))]);
      const codes = log.filter((c) => c.code !== RequestCode.GET_ROUTEINFO_BY_TOPIC).map((c) => c.code);
      assert.deepEqual(codes, [
        RequestCode.BATCH_ACK_MESSAGE,
        RequestCode.ACK_MESSAGE,
        RequestCode.ACK_MESSAGE,
        RequestCode.ACK_MESSAGE,
        RequestCode.ACK_MESSAGE,
      ]);
    });
  });

  it('rejects every waiting ack when the broker refuses the batch', async () => {
    await withBatcher(ResponseCode.SYSTEM_ERROR, async (b) => {
      const results = await Promise.allSettled([ack(b, handle(10, 0, 10)), ack(b, handle(10, 0, 11))]);
      assert.deepEqual(
        results.map((r) => r.status),
        ['rejected', 'rejected'],
      );
    });
  });
});
