import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { Code, codec } from '@rocketmq-ts/proxy';
import { unique } from './client-support.js';
import {
  createTopic,
  type ProxyCluster,
  producer,
  receiveN,
  simpleConsumer,
  startProxyCluster,
  stop,
} from './proxy-grpc-support.js';

// Issue 13, bad input: what a hostile or broken gRPC client gets from the proxy. Raw frames
// through grpc-js, so that nothing on the client side validates them first.

const SERVICE = '/apache.rocketmq.v2.MessagingService/';
const raw = (b: Buffer) => b;

describe('gRPC proxy bad input', () => {
  let c: ProxyCluster;
  let client: grpc.Client;
  before(async () => {
    c = await startProxyCluster();
    client = new grpc.Client(c.endpoints, grpc.credentials.createInsecure());
  });
  after(async () => {
    client.close();
    await c.shutdown();
  });

  const md = (clientId = 'hostile@1') => {
    const m = new grpc.Metadata();
    if (clientId) m.set('x-mq-client-id', clientId);
    m.set('x-mq-language', 'HTTP');
    return m;
  };
  function unary(method: string, body: Buffer, meta = md()): Promise<{ err?: grpc.ServiceError; res?: Buffer }> {
    return new Promise((resolve) => {
      client.makeUnaryRequest(SERVICE + method, raw, raw, body, meta, (err, res) =>
        resolve({ err: err ?? undefined, res: res ?? undefined }),
      );
    });
  }
  const statusOf = (name: string, res: Buffer | undefined) => {
    const d = codec<{ status?: { code?: number; message?: string } }>(name).decode(res ?? Buffer.alloc(0));
    assert.ok(d.ok);
    return d.value.status;
  };

  it('malformed protobuf is refused with a gRPC error, and the server keeps serving', async () => {
    const r = await unary('QueryRoute', Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]));
    assert.equal(r.err?.code, grpc.status.INTERNAL);
    const ok = await unary('QueryRoute', codec('QueryRouteRequest').encode({ topic: { name: 'no_such_topic_x' } }));
    assert.equal(statusOf('QueryRouteResponse', ok.res)?.code, Code.TOPIC_NOT_FOUND);
  });

  it('an unknown RPC is UNIMPLEMENTED', async () => {
    const r = await unary('PullMessage', Buffer.alloc(0));
    assert.equal(r.err?.code, grpc.status.UNIMPLEMENTED);
  });

  it('a request without x-mq-client-id is CLIENT_ID_REQUIRED', async () => {
    const r = await unary('QueryRoute', codec('QueryRouteRequest').encode({ topic: { name: 'T' } }), md(''));
    assert.equal(statusOf('QueryRouteResponse', r.res)?.code, Code.CLIENT_ID_REQUIRED);
  });

  it('message types are checked against the topic as RocketMQ 5.x does (no message.type = NORMAL only)', async () => {
    const plain = unique('T_px_plain');
    await createTopic(c, plain);
    const fifo = unique('T_px_typed');
    await createTopic(c, fifo, 4, 'FIFO');
    const send = async (topic: string, systemProperties: Record<string, unknown>) => {
      const body = codec('SendMessageRequest').encode({
        messages: [
          {
            topic: { name: topic },
            systemProperties: { messageId: unique('ID'), ...systemProperties },
            body: Buffer.from('x'),
          },
        ],
      });
      return statusOf('SendMessageResponse', (await unary('SendMessage', body)).res)?.code;
    };
    const group = { messageGroup: 'g1' };
    const delay = { deliveryTimestamp: { seconds: Math.floor(Date.now() / 1000) + 5 } };
    assert.equal(await send(plain, {}), Code.OK);
    assert.equal(await send(plain, group), Code.MESSAGE_PROPERTY_CONFLICT_WITH_TYPE);
    assert.equal(await send(plain, delay), Code.MESSAGE_PROPERTY_CONFLICT_WITH_TYPE);
    assert.equal(await send(fifo, group), Code.OK);
    assert.equal(await send(fifo, {}), Code.MESSAGE_PROPERTY_CONFLICT_WITH_TYPE);
    const route = codec<{ messageQueues?: Array<{ acceptMessageTypes?: number[] }> }>('QueryRouteResponse').decode(
      (await unary('QueryRoute', codec('QueryRouteRequest').encode({ topic: { name: plain } }))).res!,
    );
    assert.ok(route.ok);
    assert.deepEqual(route.value.messageQueues?.[0]?.acceptMessageTypes, [1], 'NORMAL only');
  });

  it('a 5 MiB body is MESSAGE_BODY_TOO_LARGE', async () => {
    const topic = unique('T_px_big');
    await createTopic(c, topic);
    const req = codec('SendMessageRequest').encode({
      messages: [
        { topic: { name: topic }, systemProperties: { messageId: 'ID1' }, body: Buffer.alloc(5 * 1024 * 1024, 1) },
      ],
    });
    const r = await unary('SendMessage', req);
    assert.equal(statusOf('SendMessageResponse', r.res)?.code, Code.MESSAGE_BODY_TOO_LARGE);
  });

  it('a forged or expired receipt handle is INVALID_RECEIPT_HANDLE', async () => {
    const topic = unique('T_px_forged');
    await createTopic(c, topic);
    const now = Date.now();
    for (const handle of [
      'not a handle',
      `0 ${now} 60000 0 0 no-such-broker 0 0 0`,
      `0 ${now - 120_000} 60000 0 0 broker-a 0 0 0`,
    ]) {
      const req = codec('AckMessageRequest').encode({
        group: { name: 'G_forged' },
        topic: { name: topic },
        entries: [{ messageId: 'X', receiptHandle: handle }],
      });
      const r = await unary('AckMessage', req);
      assert.equal(statusOf('AckMessageResponse', r.res)?.code, Code.INVALID_RECEIPT_HANDLE, handle);
    }
  });

  it('a receive stream abandoned mid-poll: the message popped for it comes back long before its invisible time', async () => {
    const topic = unique('T_px_abandon');
    const group = unique('G_px_abandon');
    await createTopic(c, topic);
    const meta = new grpc.Metadata();
    meta.set('x-mq-client-id', 'abandoner@1');
    const req = codec('ReceiveMessageRequest').encode({
      group: { name: group },
      messageQueue: { topic: { name: topic }, id: 0, broker: { name: 'broker-a' } },
      filterExpression: { type: 1, expression: '*' },
      batchSize: 1,
      invisibleDuration: { seconds: 60 },
      longPollingTimeout: { seconds: 10 },
    });
    const call = client.makeServerStreamRequest(`${SERVICE}ReceiveMessage`, raw, raw, req, meta);
    call.on('error', () => undefined);
    call.on('data', () => undefined);
    await new Promise((r) => setTimeout(r, 300));
    call.cancel();
    // The broker's poll is still parked; a message wakes it after the client is gone.
    const p = producer(c.endpoints, [topic]);
    await p.startup();
    const s = simpleConsumer(c.endpoints, group, topic);
    await s.startup();
    try {
      await p.send({ topic, body: Buffer.from('orphan') });
      const t0 = Date.now();
      const got = await receiveN(s, 1, 20_000, 30_000);
      assert.equal(got[0]?.body.toString(), 'orphan');
      assert.ok(Date.now() - t0 < 30_000);
      await s.ack(got[0]!);
    } finally {
      await stop(s);
      await stop(p);
    }
  });
});
