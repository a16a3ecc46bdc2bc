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
import { Producer } from '../../src/producer/producer.js';

// A NameServer and broker-a's masters on real sockets: a master goes away, a moment later the
// NameServer's route names its successor (as after a controller failover), and the producer
// (route poll at its 30 s default) must find the new master on its own.

const TOPIC = 'RouteRefreshTopic';

function routeOf(masterAddr: string): TopicRouteData {
  return {
    queueDatas: [{ brokerName: 'broker-a', readQueueNums: 2, writeQueueNums: 2, perm: 6, topicSysFlag: 0 }],
    brokerDatas: [
      { cluster: 'C', brokerName: 'broker-a', brokerAddrs: new Map([[0, masterAddr]]), enableActingMaster: false },
    ],
    filterServerTable: new Map(),
  };
}

interface FakeBroker {
  server: RemotingServer;
  addr: string;
  stored: number;
}

async function fakeBroker(): Promise<FakeBroker> {
  const server = new RemotingServer({ port: 0, host: '127.0.0.1' });
  const b: FakeBroker = { server, addr: '', stored: 0 };
  server.registerProcessor(RequestCode.HEART_BEAT, (req) => createResponse(req, ResponseCode.SUCCESS));
  server.registerProcessor(RequestCode.SEND_MESSAGE_V2, (req) => {
    const ext = Object.assign(Object.create(null) as Record<string, string>, {
      msgId: `${b.addr}-${b.stored}`,
      queueId: req.extFields.e ?? '0',
      queueOffset: String(b.stored++),
    });
    return createResponse(req, ResponseCode.SUCCESS, undefined, ext);
  });
  b.addr = `127.0.0.1:${await server.listen()}`;
  return b;
}

async function fakeNamesrv(servers: RemotingServer[], master: () => string) {
  const ns = { addr: '', routeReads: 0 };
  const server = new RemotingServer({ port: 0, host: '127.0.0.1' });
  servers.push(server);
  server.registerProcessor(RequestCode.GET_ROUTEINFO_BY_TOPIC, (req) => {
    if (req.extFields.topic === TOPIC) ns.routeReads++;
    return createResponse(
      req,
      ResponseCode.SUCCESS,
      undefined,
      undefined,
      encodeTopicRouteData(routeOf(master()), 'standard'),
    );
  });
  ns.addr = `127.0.0.1:${await server.listen()}`;
  return ns;
}

describe('producer route refresh after a broker failure', () => {
  const servers: RemotingServer[] = [];
  after(async () => {
    for (const s of servers) await s.close();
  });

  it('sends to the new master within the send budget when the old one is gone (poll at 30 s)', async () => {
    const oldMaster = await fakeBroker();
    const newMaster = await fakeBroker();
    servers.push(oldMaster.server, newMaster.server);
    let master = oldMaster.addr;
    const ns = await fakeNamesrv(servers, () => master);
    const producer = new Producer({ namesrvAddr: ns.addr, producerGroup: 'PG_ROUTE_REFRESH', instanceName: 'rr-1' });
    await producer.start();
    after(() => producer.shutdown());

    const first = await producer.send({ topic: TOPIC, body: Buffer.from('before') });
    assert.equal(first.sendStatus, 'SEND_OK');
    assert.equal(oldMaster.stored, 1);
    const readsBefore = ns.routeReads;

    // The master dies; the NameServer names its successor 300 ms later, after the producer's
    // first re-read has seen the old route: the retry needs the read scheduled a second on.
    await oldMaster.server.close();
    const killedAt = Date.now();
    setTimeout(() => {
      master = newMaster.addr;
    }, 300).unref();
    const r = await producer.send({ topic: TOPIC, body: Buffer.from('after') });
    const took = Date.now() - killedAt;
    assert.equal(r.sendStatus, 'SEND_OK');
    assert.equal(newMaster.stored, 1, 'stored by the new master');
    assert.ok(took < 3000, `first SEND_OK ${took} ms after the kill (send timeout 3000 ms, route poll 30 s)`);
    const reads = ns.routeReads - readsBefore;
    assert.ok(reads >= 2 && reads <= 1 + Math.ceil(took / 1000), `${reads} route reads in ${took} ms`);
  });

  it('re-reads a dead broker’s route at most once a second however many sends fail', async () => {
    const gone = await fakeBroker();
    servers.push(gone.server);
    const ns = await fakeNamesrv(servers, () => gone.addr);
    const producer = new Producer({ namesrvAddr: ns.addr, producerGroup: 'PG_ROUTE_REFRESH', instanceName: 'rr-2' });
    await producer.start();
    after(() => producer.shutdown());
    await producer.send({ topic: TOPIC, body: Buffer.from('before') });
    await gone.server.close();

    const readsBefore = ns.routeReads;
    const begin = Date.now();
    let failed = 0;
    // 16 senders, each sending again as soon as its send (3 attempts, 1 s budget) fails.
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (Date.now() - begin < 2500) {
          await producer.send({ topic: TOPIC, body: Buffer.from('x') }, { timeoutMs: 1000 }).then(
            () => assert.fail('a send to a dead broker succeeded'),
            () => failed++,
          );
        }
      }),
    );
    const elapsed = Date.now() - begin;
    const reads = ns.routeReads - readsBefore;
    assert.ok(failed >= 16, `${failed} sends failed`);
    // Each read starts at least a second after the one before.
    assert.ok(reads >= 2 && reads <= 1 + Math.ceil(elapsed / 1000), `${reads} route reads in ${elapsed} ms`);
  });
});
