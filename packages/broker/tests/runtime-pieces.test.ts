import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock, silentLogger } from '@rocketmq-ts/common';
import { createRequest, createResponse, ResponseCode } from '@rocketmq-ts/protocol';
import type { Connection } from '@rocketmq-ts/remoting';
import { defaultBrokerConfig, namesrvAddrList, resolveBrokerConfig } from '../src/broker-config.js';
import { PullRequestHoldService } from '../src/long-polling/pull-request-hold-service.js';
import { chooseAdvertisedIp } from '../src/outbound/advertised-address.js';
import { PUT_STATUS_TABLE, pullStatusCode } from '../src/processors/status-table.js';
import { parseTagExpression, tagsFilter } from '../src/processors/subscription-filter.js';

describe('broker config', () => {
  it('has RocketMQ defaults', () => {
    const c = defaultBrokerConfig();
    assert.equal(c.brokerClusterName, 'DefaultCluster');
    assert.equal(c.listenPort, 10911);
    assert.equal(c.flushDiskType, 'ASYNC_FLUSH');
    assert.equal(c.brokerRole, 'ASYNC_MASTER');
    assert.equal(c.defaultTopicQueueNums, 8);
    assert.equal(c.maxMessageSize, 4194304);
    assert.equal(c.registerNameServerPeriod, 30000);
    assert.equal(c.brokerPermission, 6);
    assert.equal(c.deleteWhen, '04');
    assert.equal(c.fileReservedTime, 72);
  });

  it('overlays broker.conf with typed values, overrides win, unknown keys reported', () => {
    const props = new Map([
      ['listenPort', '10921'],
      ['autoCreateTopicEnable', 'false'],
      ['namesrvAddr', '10.0.0.1:9876; 10.0.0.2:9876'],
      ['someTypo', 'x'],
    ]);
    const { config, unknown } = resolveBrokerConfig(props, { listenPort: 0 });
    assert.equal(config.listenPort, 0);
    assert.equal(config.autoCreateTopicEnable, false);
    assert.deepEqual(namesrvAddrList(config), ['10.0.0.1:9876', '10.0.0.2:9876']);
    assert.deepEqual(unknown, ['someTypo']);
    assert.throws(() => resolveBrokerConfig(new Map([['listenPort', 'abc']])), /not a number/);
    assert.throws(() => resolveBrokerConfig(new Map([['flushDiskType', 'SOMETIMES']])), /flushDiskType/);
  });
});

describe('advertised address', () => {
  const ifaces = {
    lo: [{ address: '127.0.0.1', family: 'IPv4', internal: true }],
    eth0: [{ address: '10.1.2.3', family: 'IPv4', internal: false }],
  } as unknown as NodeJS.Dict<import('node:os').NetworkInterfaceInfo[]>;
  it('prefers brokerIP1, then loopback for loopback NameServers, then the first external IPv4', () => {
    assert.equal(chooseAdvertisedIp('192.168.0.9', ['127.0.0.1:9876'], ifaces), '192.168.0.9');
    assert.equal(chooseAdvertisedIp('', ['127.0.0.1:9876', 'localhost:9877'], ifaces), '127.0.0.1');
    assert.equal(chooseAdvertisedIp('', ['10.9.9.9:9876'], ifaces), '10.1.2.3');
    assert.equal(chooseAdvertisedIp('', [], { lo: ifaces.lo }), '127.0.0.1');
    assert.equal(chooseAdvertisedIp('', ['10.9.9.9:9876'], ifaces, '10.5.5.5'), '10.5.5.5', 'bound to one address');
    assert.equal(chooseAdvertisedIp('', ['10.9.9.9:9876'], ifaces, '0.0.0.0'), '10.1.2.3');
  });
});

describe('status table', () => {
  it('maps pull statuses to codes, minding offset 0 for empty queues', () => {
    assert.equal(pullStatusCode('FOUND', 3), ResponseCode.SUCCESS);
    assert.equal(pullStatusCode('NO_MATCHED_MESSAGE', 3), ResponseCode.PULL_RETRY_IMMEDIATELY);
    assert.equal(pullStatusCode('NO_MESSAGE_IN_QUEUE', 0), ResponseCode.PULL_NOT_FOUND);
    assert.equal(pullStatusCode('NO_MESSAGE_IN_QUEUE', 4), ResponseCode.PULL_OFFSET_MOVED);
    assert.equal(pullStatusCode('OFFSET_OVERFLOW_ONE', 4), ResponseCode.PULL_NOT_FOUND);
    assert.equal(pullStatusCode('OFFSET_OVERFLOW_BADLY', 4), ResponseCode.PULL_OFFSET_MOVED);
    assert.equal(pullStatusCode('OFFSET_TOO_SMALL', 4), ResponseCode.PULL_OFFSET_MOVED);
  });
  it('maps put statuses: timeouts count as stored, illegal sizes are MESSAGE_ILLEGAL', () => {
    assert.deepEqual(
      [PUT_STATUS_TABLE.FLUSH_DISK_TIMEOUT.code, PUT_STATUS_TABLE.FLUSH_DISK_TIMEOUT.stored],
      [10, true],
    );
    assert.equal(PUT_STATUS_TABLE.PROPERTIES_SIZE_EXCEEDED.code, ResponseCode.MESSAGE_ILLEGAL);
    assert.equal(PUT_STATUS_TABLE.SERVICE_NOT_AVAILABLE.code, ResponseCode.SERVICE_NOT_AVAILABLE);
  });
});

describe('tag expressions', () => {
  it('reduces `*` to no filter and `A || B` to their hash set', () => {
    assert.equal(tagsFilter(parseTagExpression('*')), undefined);
    assert.equal(tagsFilter(parseTagExpression('')), undefined);
    const f = tagsFilter(parseTagExpression('TagA || TagB'))!;
    assert.equal(f(2598919), true);
    assert.equal(f(2598920), true);
    assert.equal(f(0), false);
  });
});

describe('PullRequestHoldService', () => {
  const conn = (closed = false) => ({ closed }) as unknown as Connection;
  it('wakes on arrival beyond the offset when the tag hash may match, else on deadline', async () => {
    const clock = new ManualClock(0);
    let max = 0;
    const hold = new PullRequestHoldService({
      checkIntervalMs: 1_000_000,
      maxOffset: () => max,
      clock,
      logger: silentLogger,
    });
    const req = createRequest(11);
    const answered: string[] = [];
    const p1 = hold.hold(
      'T',
      0,
      0,
      5000,
      conn(),
      (t) => t === 7,
      async () => {
        answered.push('p1');
        return createResponse(req, 0);
      },
    );
    const p2 = hold.hold('T', 0, 0, 5000, conn(), undefined, async () => {
      answered.push('p2');
      return createResponse(req, 19);
    });
    hold.notifyMessageArriving('T', 0, 1, 3);
    assert.equal((await p2)?.code, 19);
    assert.equal(hold.size, 1, 'p1 keeps waiting: tag hash 3 does not match');
    hold.notifyMessageArriving('T', 1, 5, 7);
    assert.equal(hold.size, 1, 'other queue');
    max = 0;
    clock.advance(5000);
    (hold as unknown as { check(): void }).check();
    assert.equal((await p1)?.code, 0);
    assert.deepEqual(answered, ['p2', 'p1']);
  });

  it('drops pulls of closed connections and answers the rest on stop', async () => {
    const hold = new PullRequestHoldService({
      checkIntervalMs: 1_000_000,
      maxOffset: () => 0,
      clock: new ManualClock(0),
      logger: silentLogger,
    });
    const c = conn();
    const dropped = hold.hold('T', 0, 0, 1000, c, undefined, async () => createResponse(createRequest(11), 19));
    const kept = hold.hold('T', 0, 0, 1000, conn(), undefined, async () => createResponse(createRequest(11), 19));
    hold.connectionClosed(c);
    assert.equal(await dropped, undefined);
    hold.stop();
    assert.equal((await kept)?.code, 19);
    assert.equal(hold.size, 0);
  });
});
