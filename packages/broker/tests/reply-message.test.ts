import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { silentLogger } from '@rocketmq-ts/common';
import {
  createRequest,
  createResponse,
  decodeStoredRecords,
  encodeProperties,
  getPropertyFromString,
  MessageConst,
  type RemotingCommand,
  RequestCode,
  ResponseCode,
  SendMessageRequestHeader,
} from '@rocketmq-ts/protocol';
import type { Connection } from '@rocketmq-ts/remoting';
import type { MessageInput, PutMessageResult } from '@rocketmq-ts/store';
import { ReplyMessageProcessor } from '../src/processors/reply-message.js';
import type { ClientChannel } from '../src/runtime/ports.js';
import { pullRequest, startTestBroker } from './helpers/broker-harness.js';

const header = {
  producerGroup: 'P',
  topic: 'DefaultCluster_REPLY_TOPIC',
  defaultTopic: 'TBW102',
  defaultTopicQueueNums: 4,
  queueId: 0,
  sysFlag: 0,
  bornTimestamp: 1000,
  flag: 0,
  properties: '',
};

function setup(o: { clientAnswers?: number; store?: boolean } = {}) {
  const pushed: RemotingCommand[] = [];
  const stored: MessageInput[] = [];
  const channel = {
    clientId: '10.0.0.9@1',
    request: async (cmd: RemotingCommand) => {
      pushed.push(cmd);
      return createResponse(cmd, o.clientAnswers ?? ResponseCode.SUCCESS);
    },
  } as unknown as ClientChannel;
  const p = new ReplyMessageProcessor({
    settings: {
      clusterName: 'DefaultCluster',
      brokerAddr: '10.0.0.1:10911',
      storeReplyMessageEnable: o.store ?? true,
      msgRegion: 'DefaultRegion',
      traceOn: true,
    },
    check: (request) => ({
      ok: true,
      header: { ...header, properties: request.extFields.properties },
      topic: {} as never,
      queueId: 0,
    }),
    clients: { findProducerChannel: (id) => (id === channel.clientId ? channel : undefined) },
    store: {
      putMessage: async (m) => {
        stored.push(m);
        return {
          status: 'PUT_OK',
          append: { msgId: 'OFFSETID', logicsOffset: 7, msgNum: 1 },
        } as unknown as PutMessageResult;
      },
    },
    nextUniqKey: () => 'UNIQ',
    clock: { now: () => 5000 },
    logger: silentLogger,
  });
  const conn = { remoteAddress: '10.0.0.7:5555' } as Connection;
  const send = (props: Record<string, string>) =>
    p.handle(
      createRequest(RequestCode.SEND_REPLY_MESSAGE_V2, { properties: encodeProperties(props) }, Buffer.from('answer')),
      conn,
    );
  return { send, pushed, stored };
}

const replyProps = {
  [MessageConst.PROPERTY_MESSAGE_TYPE]: 'reply',
  [MessageConst.PROPERTY_CORRELATION_ID]: 'c-1',
  [MessageConst.PROPERTY_MESSAGE_REPLY_TO_CLIENT]: '10.0.0.9@1',
};

describe('ReplyMessageProcessor', () => {
  it('pushes the reply to the requesting client, then stores it and answers with the stored id', async () => {
    const { send, pushed, stored } = setup();
    const r = await send(replyProps);
    assert.equal(r.code, ResponseCode.SUCCESS);
    assert.deepEqual([r.extFields.msgId, r.extFields.queueOffset], ['OFFSETID', '7']);
    assert.equal(pushed.length, 1);
    const push = pushed[0]!;
    assert.equal(push.code, RequestCode.PUSH_REPLY_MESSAGE_TO_CLIENT);
    assert.equal(push.body?.toString(), 'answer');
    assert.equal(push.extFields.bornHost, '10.0.0.7:5555');
    assert.equal(push.extFields.storeHost, '10.0.0.1:10911');
    assert.equal(push.extFields.storeTimestamp, '5000');
    assert.equal(getPropertyFromString(push.extFields.properties ?? '', MessageConst.PROPERTY_PUSH_REPLY_TIME), '5000');
    assert.equal(getPropertyFromString(push.extFields.properties ?? '', MessageConst.PROPERTY_CORRELATION_ID), 'c-1');
    assert.equal(stored.length, 1);
    assert.equal(stored[0]!.topic, 'DefaultCluster_REPLY_TOPIC');
    assert.equal(getPropertyFromString(stored[0]!.properties, MessageConst.PROPERTY_CLUSTER), 'DefaultCluster');
  });

  it('answers msgId "0" when replies are not stored', async () => {
    const { send, stored } = setup({ store: false });
    const r = await send(replyProps);
    assert.deepEqual([r.code, r.extFields.msgId, r.extFields.queueOffset], [ResponseCode.SUCCESS, '0', '0']);
    assert.equal(stored.length, 0);
  });

  it("answers SYSTEM_ERROR with Java's remarks when the reply cannot be pushed", async () => {
    const { send, pushed } = setup();
    const none = await send({ [MessageConst.PROPERTY_CORRELATION_ID]: 'c-2' });
    assert.deepEqual(
      [none.code, none.remark],
      [ResponseCode.SYSTEM_ERROR, 'reply message properties[REPLY_TO_CLIENT] is null'],
    );
    const gone = await send({ ...replyProps, [MessageConst.PROPERTY_MESSAGE_REPLY_TO_CLIENT]: 'x@y' });
    assert.deepEqual(
      [gone.code, gone.remark],
      [ResponseCode.SYSTEM_ERROR, 'push reply message fail, channel of <x@y> not found.'],
    );
    assert.equal(pushed.length, 0);
    const refused = await setup({ clientAnswers: ResponseCode.SYSTEM_ERROR }).send(replyProps);
    assert.deepEqual(
      [refused.code, refused.remark],
      [ResponseCode.SYSTEM_ERROR, 'push reply message to 10.0.0.9@1fail.'],
    );
  });
});

describe('SEND_REPLY_MESSAGE on a running broker', () => {
  it('reads the long (V1) header, answers a reply to an unknown client SYSTEM_ERROR and still stores it', async () => {
    const b = await startTestBroker();
    try {
      const ext = SendMessageRequestHeader.encode({
        ...header,
        bornTimestamp: Date.now(),
        properties: encodeProperties(replyProps),
      });
      const r = await b.client.invoke(b.addr, createRequest(RequestCode.SEND_REPLY_MESSAGE, ext, Buffer.from('v1')));
      assert.deepEqual(
        [r.code, r.remark],
        [ResponseCode.SYSTEM_ERROR, 'push reply message fail, channel of <10.0.0.9@1> not found.'],
      );
      const pulled = await b.client.invoke(b.addr, pullRequest('DefaultCluster_REPLY_TOPIC'));
      assert.equal(pulled.code, ResponseCode.SUCCESS, pulled.remark);
      const [m] = decodeStoredRecords(pulled.body!);
      assert.equal(m?.body.toString(), 'v1');
      assert.equal(m?.properties.get(MessageConst.PROPERTY_CORRELATION_ID), 'c-1');
    } finally {
      await b.close();
    }
  });
});
