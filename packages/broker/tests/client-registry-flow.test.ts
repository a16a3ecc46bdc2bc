import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock, silentLogger } from '@rocketmq-ts/common';
import {
  createRequest,
  type RemotingCommand,
  RequestCode,
  ResponseCode,
  UnregisterClientRequestHeader,
} from '@rocketmq-ts/protocol';
import type { Connection } from '@rocketmq-ts/remoting';
import { ClientGroupRegistry } from '../src/client/client-registry.js';
import { ClientManageProcessor } from '../src/processors/client-manage.js';
import {
  consumerData,
  heartbeatRequest,
  sendRequest,
  startTestBroker,
  type TestBroker,
} from './helpers/broker-harness.js';

function fakeConnection(name: string) {
  const pushed: RemotingCommand[] = [];
  let closed = false;
  const conn = {
    id: 1,
    remoteAddress: `${name}:1`,
    localAddress: '127.0.0.1:2',
    get closed() {
      return closed;
    },
    send() {},
    request: async () => {
      throw new Error('unused');
    },
    oneway: (cmd: RemotingCommand) => {
      pushed.push(cmd);
    },
    close: () => {
      closed = true;
    },
    onClose() {},
  } as unknown as Connection;
  return { conn, pushed };
}

describe('ClientGroupRegistry', () => {
  it('expires consumers silent for 120 s and notifies the remaining members', () => {
    const clock = new ManualClock(0);
    const reg = new ClientGroupRegistry({
      channelExpiredTimeoutMs: 120_000,
      notifyEnabled: () => true,
      logger: silentLogger,
      clock,
    });
    const a = fakeConnection('10.0.0.1');
    const b = fakeConnection('10.0.0.2');
    reg.registerConsumer(a.conn, { clientId: 'a@1', language: 'JAVA', version: 1 }, consumerData('G', 'T'));
    clock.advance(60_000);
    reg.registerConsumer(b.conn, { clientId: 'b@1', language: 'JAVA', version: 1 }, consumerData('G', 'T'));
    assert.equal(a.pushed.at(-1)?.code, RequestCode.NOTIFY_CONSUMER_IDS_CHANGED, 'a told that b joined');
    assert.equal(a.pushed.at(-1)?.extFields.consumerGroup, 'G');
    const before = b.pushed.length;
    clock.advance(70_000); // a silent for 130 s, b for 70 s
    reg.scanExpired();
    assert.deepEqual(reg.consumerIds('G'), ['b@1']);
    assert.equal(a.conn.closed, true, 'an expired client is disconnected');
    assert.equal(b.pushed.length, before + 1, 'b told that a left');
    reg.connectionClosed(b.conn);
    assert.equal(reg.consumerGroup('G'), undefined);
  });

  it('keeps producer channels per group for transaction check-back', () => {
    const reg = new ClientGroupRegistry({
      channelExpiredTimeoutMs: 120_000,
      notifyEnabled: () => true,
      logger: silentLogger,
      clock: new ManualClock(0),
    });
    const p = fakeConnection('10.0.0.3');
    reg.registerProducer(p.conn, { clientId: 'p@1', language: 'JAVA', version: 1 }, 'PG');
    assert.deepEqual(
      reg.producerChannels('PG').map((c) => c.clientId),
      ['p@1'],
    );
    reg.unregisterProducer('PG', p.conn);
    assert.deepEqual(reg.producerChannels('PG'), []);
  });
});

/**
 * A processor whose retry-topic creation waits for `createRetryTopic()`, as it does while the
 * broker registers the new topic with a slow NameServer.
 */
function processorWithSlowRetryTopic() {
  const registry = new ClientGroupRegistry({
    channelExpiredTimeoutMs: 120_000,
    notifyEnabled: () => true,
    logger: silentLogger,
    clock: new ManualClock(0),
  });
  let createRetryTopic!: () => void;
  const retryTopicCreated = new Promise<void>((r) => {
    createRetryTopic = r;
  });
  const processor = new ClientManageProcessor({
    clients: registry,
    groups: { getOrCreateMany: async (names) => names.map((groupName) => ({ groupName, retryQueueNums: 1 }) as never) },
    topics: {
      ensureMany: async () => {
        await retryTopicCreated;
      },
    },
    logger: silentLogger,
  });
  return { registry, processor, createRetryTopic };
}

const unregisterRequest = (clientID: string, consumerGroup: string): RemotingCommand =>
  createRequest(RequestCode.UNREGISTER_CLIENT, UnregisterClientRequestHeader.encode({ clientID, consumerGroup }));

// Regression: a PushConsumer replacing a shut-down one in its group got only half the queues
// (client-consume-modes "clustering resumes …" flaked under load). The old consumer's first
// heartbeat was still creating %RETRY%<group> when its UNREGISTER_CLIENT and connection close
// were handled; the heartbeat then registered it again on the closed connection, a ghost
// member until the 120 s expiry.
describe('ClientManageProcessor heartbeat racing the client leaving', () => {
  it('does not re-register a consumer that unregistered while its heartbeat was in flight', async () => {
    const { registry, processor, createRetryTopic } = processorWithSlowRetryTopic();
    const old = fakeConnection('10.0.0.4');
    const live = fakeConnection('10.0.0.5');
    const heartbeat = processor.heartbeat(
      heartbeatRequest({ clientID: 'old@1', consumerDataSet: [consumerData('G', 'T')] }),
      old.conn,
    );
    processor.unregisterClient(unregisterRequest('old@1', 'G'), old.conn);
    createRetryTopic();
    assert.equal((await heartbeat).code, ResponseCode.SUCCESS);
    await processor.heartbeat(
      heartbeatRequest({ clientID: 'live@1', consumerDataSet: [consumerData('G', 'T')] }),
      live.conn,
    );
    assert.deepEqual(registry.consumerIds('G'), ['live@1']);
  });

  it('does not register a consumer on a connection that closed while its heartbeat was in flight', async () => {
    const { registry, processor, createRetryTopic } = processorWithSlowRetryTopic();
    const old = fakeConnection('10.0.0.6');
    const heartbeat = processor.heartbeat(
      heartbeatRequest({ clientID: 'old@1', consumerDataSet: [consumerData('G', 'T')] }),
      old.conn,
    );
    old.conn.close();
    registry.connectionClosed(old.conn);
    createRetryTopic();
    await heartbeat;
    assert.deepEqual(registry.consumerIds('G'), []);
  });

  it('ignores a heartbeat handled after its connection closed', () => {
    const { registry } = processorWithSlowRetryTopic();
    const gone = fakeConnection('10.0.0.7');
    gone.conn.close();
    assert.equal(
      registry.registerConsumer(gone.conn, { clientId: 'g@1', language: 'JAVA', version: 1 }, consumerData('G', 'T')),
      false,
    );
    registry.registerProducer(gone.conn, { clientId: 'g@1', language: 'JAVA', version: 1 }, 'PG');
    assert.deepEqual(registry.consumerIds('G'), []);
    assert.deepEqual(registry.producerChannels('PG'), []);
  });
});

describe('flow control', () => {
  let b: TestBroker;
  before(async () => {
    b = await startTestBroker({ sendThreadPoolQueueCapacity: 4, maxInFlightSendPerConnection: 1000 });
  });
  after(() => b.close());

  it('answers SYSTEM_BUSY with a clear remark beyond the send pool limit, and serves pulls meanwhile', async () => {
    const results = await Promise.all(
      Array.from({ length: 64 }, (_, i) => b.client.invoke(b.addr, sendRequest('FlowTopic', `m${i}`))),
    );
    const busy = results.filter((r) => r.code === ResponseCode.SYSTEM_BUSY);
    const ok = results.filter((r) => r.code === ResponseCode.SUCCESS);
    assert.ok(ok.length > 0, 'some sends succeed');
    assert.ok(busy.length > 0, 'some sends are turned away');
    assert.match(busy[0]!.remark ?? '', /system busy/i);
    const max = await b.invoke(RequestCode.GET_MAX_OFFSET, { topic: 'FlowTopic', queueId: '0' });
    assert.equal(max.extFields.offset, String(ok.length));
  });
});

describe('per-connection flow control', () => {
  let b: TestBroker;
  before(async () => {
    b = await startTestBroker({ maxInFlightSendPerConnection: 2 });
  });
  after(() => b.close());

  it('turns a flooding connection away with SYSTEM_BUSY before the pool fills', async () => {
    const results = await Promise.all(
      Array.from({ length: 32 }, (_, i) => b.client.invoke(b.addr, sendRequest('FloodTopic', `m${i}`))),
    );
    const busy = results.filter((r) => r.code === ResponseCode.SYSTEM_BUSY);
    assert.ok(busy.length > 0);
    assert.match(busy[0]!.remark ?? '', /TOO_MANY_REQUESTS/);
  });
});
