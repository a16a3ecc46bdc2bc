import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import {
  createResponse,
  encodeTopicRouteData,
  RequestCode,
  ResponseCode,
  type TopicRouteData,
} from '@rocketmq-ts/protocol';
import { RemotingServer } from '@rocketmq-ts/remoting';
import { eventually } from '@rocketmq-ts/testkit';
import { resolveClientConfig } from '../../src/client-config.js';
import { MQClientInstance } from '../../src/client-instance.js';
import { createDefaultTransport } from '../../src/default-transport.js';

// A NameServer and two brokers on real sockets, answering only what the client asks here:
// routes, and heartbeats (counted per broker).

function routeOf(brokers: ReadonlyMap<string, string>): TopicRouteData {
  return {
    queueDatas: [...brokers.keys()].map((brokerName) => ({
      brokerName,
      readQueueNums: 1,
      writeQueueNums: 1,
      perm: 6,
      topicSysFlag: 0,
    })),
    brokerDatas: [...brokers].map(([brokerName, addr]) => ({
      cluster: 'C',
      brokerName,
      brokerAddrs: new Map([[0, addr]]),
      enableActingMaster: false,
    })),
    filterServerTable: new Map(),
  };
}

async function listen(server: RemotingServer): Promise<string> {
  return `127.0.0.1:${await server.listen()}`;
}

describe('MQClientInstance offline brokers', () => {
  const servers: RemotingServer[] = [];
  after(async () => {
    for (const s of servers) await s.close();
  });

  it('stops heartbeating a broker once no route names it (issue 19)', async () => {
    const heartbeats = new Map<string, number>();
    const brokers = new Map<string, string>();
    for (const name of ['broker-a', 'broker-b']) {
      const server = new RemotingServer({ port: 0, host: '127.0.0.1' });
      servers.push(server);
      server.registerProcessor(RequestCode.HEART_BEAT, (req) => {
        heartbeats.set(name, (heartbeats.get(name) ?? 0) + 1);
        return createResponse(req, ResponseCode.SUCCESS);
      });
      brokers.set(name, await listen(server));
    }
    // The NameServer's current view: both brokers, until broker-b leaves.
    let serving = new Map(brokers);
    const namesrv = new RemotingServer({ port: 0, host: '127.0.0.1' });
    servers.push(namesrv);
    namesrv.registerProcessor(RequestCode.GET_ROUTEINFO_BY_TOPIC, (req) =>
      createResponse(
        req,
        ResponseCode.SUCCESS,
        undefined,
        undefined,
        encodeTopicRouteData(routeOf(serving), 'standard'),
      ),
    );
    const namesrvAddr = await listen(namesrv);

    const config = resolveClientConfig({
      namesrvAddr,
      instanceName: 'offline-brokers',
      pollNameServerIntervalMs: 50,
      heartbeatBrokerIntervalMs: 50,
    });
    const instance = MQClientInstance.acquire(config, createDefaultTransport);
    after(() => instance.release());
    instance.registerProducer({ group: 'PG', publishTopics: () => ['T'] });
    instance.start();

    const count = (name: string) => heartbeats.get(name) ?? 0;
    await eventually(() => count('broker-a') > 0 && count('broker-b') > 0, { message: 'heartbeats to both brokers' });

    serving = new Map([['broker-a', brokers.get('broker-a')!]]);
    await eventually(() => !instance.knownBrokerAddrs().includes(brokers.get('broker-b')!), {
      message: 'broker-b dropped from the client tables',
    });
    assert.deepEqual(instance.knownBrokerAddrs(), [brokers.get('broker-a')]);
    // A round in flight at the drop may still reach broker-b. Rounds run one at a time, so a
    // second heartbeat to broker-a means that round is over; then three more rounds reach
    // broker-a while broker-b hears nothing.
    const aAtDrop = count('broker-a');
    await eventually(() => count('broker-a') >= aAtDrop + 2, { message: 'the round in flight at the drop is over' });
    const bAfter = count('broker-b');
    const aAfter = count('broker-a');
    await eventually(() => count('broker-a') >= aAfter + 3, { message: 'three more heartbeat rounds' });
    assert.equal(count('broker-b'), bAfter, 'the departed broker got no heartbeat');
  });
});
