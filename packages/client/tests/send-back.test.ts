import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createResponse,
  decodeProperties,
  type RemotingCommand,
  RequestCode,
  ResponseCode,
  SendMessageRequestHeaderV2,
} from '@rocketmq-ts/protocol';
import { resolveClientConfig } from '../src/client-config.js';
import { MQClientInstance } from '../src/client-instance.js';
import { sendMessageBack } from '../src/consumer/send-back.js';
import type { MessageExt } from '../src/message.js';
import type { ClientTransport } from '../src/transport.js';
import { oneBrokerRoute } from './one-broker-route.js';

// Unit test of the fallback path with a scripted transport (no broker involved): when the
// broker refuses CONSUMER_SEND_MSG_BACK, the client sends the retry copy itself.
function scriptedTransport(log: RemotingCommand[]): ClientTransport {
  return {
    async invoke(_addr, cmd) {
      log.push(cmd);
      switch (cmd.code) {
        case RequestCode.GET_ROUTEINFO_BY_TOPIC:
          return createResponse(cmd, ResponseCode.SUCCESS, undefined, undefined, oneBrokerRoute());
        case RequestCode.CONSUMER_SEND_MSG_BACK:
          return createResponse(cmd, ResponseCode.SYSTEM_ERROR, 'look message by offset failed');
        default: {
          const ext = Object.assign(Object.create(null) as Record<string, string>, {
            msgId: 'AB',
            queueId: '0',
            queueOffset: '7',
          });
          return createResponse(cmd, ResponseCode.SUCCESS, undefined, ext);
        }
      }
    },
    invokeOneway() {},
    registerProcessor() {},
    close() {},
  };
}

describe('sendMessageBack', () => {
  it('re-sends to %RETRY%<group> with reconsumeTimes+1 when the broker refuses the send-back', async () => {
    const log: RemotingCommand[] = [];
    const instance = MQClientInstance.acquire(resolveClientConfig({ namesrvAddr: '127.0.0.1:9876' }), () =>
      scriptedTransport(log),
    );
    try {
      await instance.updateTopicRoute('T');
      const msg = {
        topic: 'T',
        body: Buffer.from('x'),
        brokerName: 'b',
        commitLogOffset: 123,
        reconsumeTimes: 2,
        flag: 0,
        sysFlag: 0,
        msgId: 'UNIQ',
        offsetMsgId: 'OFFSETID',
        properties: new Map([['TAGS', 'A']]),
      } as unknown as MessageExt;
      await sendMessageBack(instance, 'G', msg, 0, 16);
      const back = log.find((c) => c.code === RequestCode.CONSUMER_SEND_MSG_BACK)!;
      assert.equal(back.extFields.offset, '123');
      assert.equal(back.extFields.group, 'G');
      assert.equal(back.extFields.maxReconsumeTimes, '16');
      const send = log.find((c) => c.code === RequestCode.SEND_MESSAGE_V2)!;
      const h = SendMessageRequestHeaderV2.decode(send.extFields);
      assert.ok(h.ok);
      if (!h.ok) return;
      assert.equal(h.value.topic, '%RETRY%G');
      assert.equal(h.value.reconsumeTimes, 3);
      assert.equal(h.value.maxReconsumeTimes, 16);
      const props = decodeProperties(h.value.properties ?? '');
      assert.equal(props.get('RETRY_TOPIC'), 'T');
      assert.equal(props.get('ORIGIN_MESSAGE_ID'), 'OFFSETID');
      assert.equal(props.get('DELAY'), '5', 'delay level 3 + reconsumeTimes');
      assert.equal(props.get('TAGS'), 'A');
      assert.equal(send.body?.toString(), 'x');
    } finally {
      await instance.release();
    }
  });
});
