import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock, silentLogger } from '@rocketmq-ts/common';
import { type RemotingCommand, RequestCode, ResponseCode } from '@rocketmq-ts/protocol';
import type { Connection } from '@rocketmq-ts/remoting';
import { ClientRegistryImpl } from '../src/client/client-registry.js';
import { consumerData, sendRequest, startTestBroker, type TestBroker } from './helpers/broker-harness.js';

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

describe('ClientRegistryImpl', () => {
  it('expires consumers silent for 120 s and notifies the remaining members', () => {
    const clock = new ManualClock(0);
    const reg = new ClientRegistryImpl({
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
    const reg = new ClientRegistryImpl({
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
