import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { crc32 } from 'node:zlib';
import {
  createRequest,
  decodeDataVersion,
  decodeKVTable,
  decodeTopicList,
  encodeCommand,
  encodeDataVersion,
  type RemotingCommand,
  RequestCode,
  ResponseCode,
} from '@rocketmq-ts/protocol';
import { RemotingClient } from '@rocketmq-ts/remoting';
import { eventually, tempDir } from '@rocketmq-ts/testkit';
import { NamesrvController } from '../../src/index.js';
import { registerRequest, topic } from '../fixtures.js';

// A real NameServer on 127.0.0.1:0 driven by raw remoting clients, answers compared with
// what a Java NameServer sends (remoting-protocol.md §2.3).

const ADDR_A = '10.0.0.1:10911';

function request(code: number, ext: Record<string, string> = {}, version = 479, body?: Buffer): RemotingCommand {
  const r = createRequest(code, Object.assign(Object.create(null), ext), body);
  r.version = version;
  return r;
}

const expectedRoute = (quoted: boolean) =>
  `{"brokerDatas":[{"brokerAddrs":{${quoted ? '"0"' : '0'}:"${ADDR_A}"},"brokerName":"broker-a","cluster":"DefaultCluster",` +
  '"enableActingMaster":false}],"filterServerTable":{},' +
  '"queueDatas":[{"brokerName":"broker-a","perm":6,"readQueueNums":8,"topicSysFlag":0,"writeQueueNums":8}]}';

describe('NameServer over TCP', async () => {
  const dir = await tempDir('namesrv-it-');
  const kvConfigPath = join(dir.path, 'kvConfig.json');
  let ns: NamesrvController;
  let addr: string;
  const client = new RemotingClient();
  const invoke = (req: RemotingCommand) => client.invoke(addr, req);

  before(async () => {
    ns = new NamesrvController({ listenPort: 0, bindAddress: '127.0.0.1', kvConfigPath, orderMessageEnable: true });
    await ns.start();
    addr = ns.address;
    const r = await invoke(
      registerRequest({ brokerName: 'broker-a', brokerAddr: ADDR_A, topics: [topic('TopicTest')] }),
    );
    assert.equal(r.code, ResponseCode.SUCCESS, r.remark);
  });
  after(async () => {
    await client.close();
    await ns.shutdown();
    await dir.cleanup();
  });

  it('answers old clients (version 121) with bare brokerAddrs keys', async () => {
    const r = await invoke(request(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'TopicTest' }, 121));
    assert.equal(r.code, ResponseCode.SUCCESS);
    assert.equal(r.body?.toString(), expectedRoute(false));
  });

  it('answers clients from V4_9_4 on (version 479) with standard JSON', async () => {
    const r = await invoke(request(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'TopicTest' }, 479));
    assert.equal(r.body?.toString(), expectedRoute(true));
  });

  it('honours acceptStandardJsonOnly from an old client', async () => {
    const r = await invoke(
      request(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'TopicTest', acceptStandardJsonOnly: 'true' }, 121),
    );
    assert.equal(r.body?.toString(), expectedRoute(true));
  });

  it('answers TOPIC_NOT_EXIST with the Java remark for unknown topics', async () => {
    const r = await invoke(request(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'Nope' }));
    assert.equal(r.code, ResponseCode.TOPIC_NOT_EXIST);
    assert.ok(r.remark?.startsWith('No topic route info in name server for the topic: Nope'), r.remark);
  });

  it('rejects a request missing a required header field with SYSTEM_ERROR', async () => {
    const r = await invoke(request(RequestCode.GET_ROUTEINFO_BY_TOPIC, {}));
    assert.equal(r.code, ResponseCode.SYSTEM_ERROR);
    assert.match(r.remark ?? '', /<topic> is null/);
  });

  it('accepts a compressed register body with a matching CRC and refuses a wrong CRC', async () => {
    const good = registerRequest({
      brokerName: 'broker-c',
      brokerAddr: '10.0.0.5:10911',
      topics: [topic('Compressed', 4)],
      compressed: true,
    });
    good.extFields.bodyCrc32 = String(crc32(good.body!) & 0x7fffffff);
    assert.equal((await invoke(good)).code, ResponseCode.SUCCESS);
    const route = await invoke(request(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'Compressed' }));
    assert.match(route.body?.toString() ?? '', /"readQueueNums":4/);

    const bad = registerRequest({ brokerName: 'broker-d', brokerAddr: '10.0.0.6:10911', topics: [topic('X')] });
    bad.extFields.bodyCrc32 = '12345';
    const r = await invoke(bad);
    assert.equal(r.code, ResponseCode.SYSTEM_ERROR);
    assert.equal(r.remark, 'crc32 not match');
    assert.equal((await invoke(request(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'X' }))).code, 17);
  });

  it('tells a registering slave its master and HA address', async () => {
    const r = await invoke(
      registerRequest({
        brokerName: 'broker-a',
        brokerAddr: '10.0.0.2:10911',
        brokerId: 1,
        topics: [topic('TopicTest')],
      }),
    );
    assert.equal(r.extFields.masterAddr, ADDR_A);
    assert.equal(r.extFields.haServerAddr, '10.0.0.1:10912');
    const route = await invoke(request(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'TopicTest' }, 121));
    assert.match(route.body?.toString() ?? '', /"brokerAddrs":\{0:"10\.0\.0\.1:10911",1:"10\.0\.0\.2:10911"\}/);
    await invoke(
      request(RequestCode.UNREGISTER_BROKER, {
        brokerName: 'broker-a',
        brokerAddr: '10.0.0.2:10911',
        clusterName: 'DefaultCluster',
        brokerId: '1',
      }),
    );
    const back = await invoke(request(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'TopicTest' }, 121));
    assert.equal(back.body?.toString(), expectedRoute(false));
  });

  it('serves cluster info (always bare keys) and topic lists', async () => {
    const ci = await invoke(request(RequestCode.GET_BROKER_CLUSTER_INFO));
    assert.match(ci.body?.toString() ?? '', /"broker-a":\{"brokerAddrs":\{0:"10\.0\.0\.1:10911"\}/);
    assert.match(ci.body?.toString() ?? '', /"clusterAddrTable":\{"DefaultCluster":\["broker-a","broker-c"\]\}/);
    const all = await invoke(request(RequestCode.GET_ALL_TOPIC_LIST_FROM_NAMESERVER));
    const topics = decodeTopicList(all.body!);
    assert.ok(topics.ok);
    assert.deepEqual(topics.value.sort(), ['Compressed', 'TopicTest']);
    const byCluster = await invoke(request(RequestCode.GET_TOPICS_BY_CLUSTER, { cluster: 'DefaultCluster' }));
    assert.equal(decodeTopicList(byCluster.body!).ok, true);
  });

  it('reports whether a broker data version changed and renews its lease', async () => {
    const ext = { brokerName: 'broker-a', brokerAddr: ADDR_A, clusterName: 'DefaultCluster', brokerId: '0' };
    const same = encodeDataVersion({ stateVersion: 0, timestamp: 1, counter: 1 });
    const r = await invoke(request(RequestCode.QUERY_DATA_VERSION, ext, 479, same));
    assert.equal(r.extFields.changed, 'false');
    assert.deepEqual(decodeDataVersion(r.body!), { ok: true, value: { stateVersion: 0, timestamp: 1, counter: 1 } });
    const newer = encodeDataVersion({ stateVersion: 0, timestamp: 2, counter: 2 });
    assert.equal((await invoke(request(RequestCode.QUERY_DATA_VERSION, ext, 479, newer))).extFields.changed, 'true');
    const hb = await invoke(request(RequestCode.BROKER_HEARTBEAT, ext));
    assert.equal(hb.code, ResponseCode.SUCCESS);
  });

  it('wipes and restores write permission of a broker', async () => {
    const wipe = await invoke(request(RequestCode.WIPE_WRITE_PERM_OF_BROKER, { brokerName: 'broker-c' }));
    assert.equal(wipe.extFields.wipeTopicCount, '1');
    const ro = await invoke(request(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'Compressed' }));
    assert.match(ro.body?.toString() ?? '', /"perm":4/);
    const add = await invoke(request(RequestCode.ADD_WRITE_PERM_OF_BROKER, { brokerName: 'broker-c' }));
    assert.equal(add.extFields.addTopicCount, '1');
    const rw = await invoke(request(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'Compressed' }));
    assert.match(rw.body?.toString() ?? '', /"perm":6/);
  });

  it('adds orderTopicConf from the KV table and serves KV requests', async () => {
    const kv = { namespace: 'ORDER_TOPIC_CONFIG', key: 'TopicTest' };
    const miss = await invoke(request(RequestCode.GET_KV_CONFIG, kv));
    assert.equal(miss.code, ResponseCode.QUERY_NOT_FOUND);
    assert.equal(miss.remark, 'No config item, Namespace: ORDER_TOPIC_CONFIG Key: TopicTest');
    assert.equal((await invoke(request(RequestCode.PUT_KV_CONFIG, { ...kv, value: 'broker-a:8' }))).code, 0);
    assert.equal((await invoke(request(RequestCode.GET_KV_CONFIG, kv))).extFields.value, 'broker-a:8');
    const route = await invoke(request(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'TopicTest' }, 121));
    assert.match(route.body?.toString() ?? '', /"filterServerTable":\{\},"orderTopicConf":"broker-a:8","queueDatas"/);
    const list = await invoke(request(RequestCode.GET_KVLIST_BY_NAMESPACE, { namespace: 'ORDER_TOPIC_CONFIG' }));
    assert.deepEqual(decodeKVTable(list.body!), { ok: true, value: new Map([['TopicTest', 'broker-a:8']]) });
    // Registered brokers get the order-topic table back.
    const reg = await invoke(
      registerRequest({ brokerName: 'broker-a', brokerAddr: ADDR_A, topics: [topic('TopicTest')] }),
    );
    assert.equal(reg.body?.toString(), '{"table":{"TopicTest":"broker-a:8"}}');
    assert.equal((await invoke(request(RequestCode.DELETE_KV_CONFIG, kv))).code, 0);
    const after = await invoke(request(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'TopicTest' }, 121));
    assert.equal(after.body?.toString(), expectedRoute(false));
  });

  it('serves and updates its config like GET/UPDATE_NAMESRV_CONFIG', async () => {
    const got = await invoke(request(RequestCode.GET_NAMESRV_CONFIG));
    assert.match(got.body?.toString() ?? '', /^orderMessageEnable=true$/m);
    const denied = await invoke(
      request(RequestCode.UPDATE_NAMESRV_CONFIG, {}, 479, Buffer.from('kvConfigPath=/tmp/x\n')),
    );
    assert.equal(denied.code, ResponseCode.NO_PERMISSION);
    const bad = await invoke(
      request(RequestCode.UPDATE_NAMESRV_CONFIG, {}, 479, Buffer.from('enableTopicList=maybe\n')),
    );
    assert.equal(bad.code, ResponseCode.SYSTEM_ERROR);
    const off = await invoke(
      request(RequestCode.UPDATE_NAMESRV_CONFIG, {}, 479, Buffer.from('enableTopicList=false\n')),
    );
    assert.equal(off.code, ResponseCode.SUCCESS);
    const r = await invoke(request(RequestCode.GET_TOPICS_BY_CLUSTER, { cluster: 'DefaultCluster' }));
    assert.deepEqual([r.code, r.remark], [ResponseCode.SYSTEM_ERROR, 'disable']);
    await invoke(request(RequestCode.UPDATE_NAMESRV_CONFIG, {}, 479, Buffer.from('enableTopicList=true\n')));
    const sys = await invoke(request(RequestCode.GET_SYSTEM_TOPIC_LIST_FROM_NS));
    assert.match(sys.body?.toString() ?? '', /^\{"brokerAddr":"10\.0\.0\.1:10911","topicList":\["DefaultCluster",/);
  });

  it('drops a broker as soon as its connection closes', async () => {
    const brokerSide = new RemotingClient();
    try {
      const r = await brokerSide.invoke(
        addr,
        registerRequest({ brokerName: 'broker-x', brokerAddr: '10.0.0.7:10911', topics: [topic('Ephemeral')] }),
      );
      assert.equal(r.code, 0);
      assert.equal((await invoke(request(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'Ephemeral' }))).code, 0);
    } finally {
      await brokerSide.close();
    }
    await eventually(
      async () => (await invoke(request(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'Ephemeral' }))).code === 17,
      { message: 'route of the disconnected broker to disappear' },
    );
  });

  it('deletes a topic on request', async () => {
    await invoke(
      registerRequest({
        brokerName: 'broker-a',
        brokerAddr: ADDR_A,
        topics: [topic('TopicTest'), topic('Doomed')],
        dataVersion: { counter: 7 },
      }),
    );
    assert.equal((await invoke(request(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'Doomed' }))).code, 0);
    await invoke(request(RequestCode.DELETE_TOPIC_IN_NAMESRV, { topic: 'Doomed' }));
    assert.equal((await invoke(request(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'Doomed' }))).code, 17);
  });

  it('registers a topic route for known brokers (REGISTER_TOPIC_IN_NAMESRV)', async () => {
    const body = (brokerName: string) =>
      Buffer.from(
        `{"brokerDatas":[],"queueDatas":[{"brokerName":"${brokerName}","perm":6,"readQueueNums":2,"topicSysFlag":0,"writeQueueNums":2}]}`,
      );
    const unknown = await invoke(
      request(RequestCode.REGISTER_TOPIC_IN_NAMESRV, { topic: 'Pushed' }, 479, body('ghost')),
    );
    assert.equal(unknown.code, ResponseCode.SUCCESS);
    assert.equal((await invoke(request(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'Pushed' }))).code, 17);
    await invoke(request(RequestCode.REGISTER_TOPIC_IN_NAMESRV, { topic: 'Pushed' }, 479, body('broker-a')));
    const r = await invoke(request(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'Pushed' }));
    assert.match(r.body?.toString() ?? '', /"readQueueNums":2/);
  });

  it('keeps answering one client correctly while another sends garbage', async () => {
    const garbage = connect({ host: '127.0.0.1', port: ns.port });
    const closed = new Promise<void>((resolve) => garbage.on('close', () => resolve()));
    garbage.on('error', () => {});
    const junk = Buffer.concat([
      // A frame with a header that is not JSON, then one declaring 2 GiB.
      encodeCommand(request(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'TopicTest' })).fill(0x7b, 8),
      Buffer.from([0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 0]),
    ]);
    const stop = Date.now() + 300;
    let answers = 0;
    garbage.write(junk);
    while (Date.now() < stop) {
      if (!garbage.destroyed) garbage.write(Buffer.from('GET / HTTP/1.1\r\n\r\n'));
      const r = await invoke(request(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'TopicTest' }, 121));
      assert.equal(r.body?.toString(), expectedRoute(false));
      answers++;
    }
    await closed;
    assert.ok(answers > 0);
  });
});

describe('NameServer restart', async () => {
  const dir = await tempDir('namesrv-restart-');
  after(() => dir.cleanup());

  it('keeps KV config across a restart', async () => {
    const kvConfigPath = join(dir.path, 'kv', 'kvConfig.json');
    const config = { listenPort: 0, bindAddress: '127.0.0.1', kvConfigPath };
    const client = new RemotingClient();
    try {
      const first = new NamesrvController(config);
      await first.start();
      const put = request(RequestCode.PUT_KV_CONFIG, { namespace: 'NS', key: 'k', value: 'v1' });
      assert.equal((await client.invoke(first.address, put)).code, 0);
      await first.shutdown();

      const second = new NamesrvController(config);
      await second.start();
      try {
        const got = await client.invoke(
          second.address,
          request(RequestCode.GET_KV_CONFIG, { namespace: 'NS', key: 'k' }),
        );
        assert.equal(got.extFields.value, 'v1');
        // Brokers are not persisted: a restarted NameServer knows no routes until they re-register.
        const list = await client.invoke(second.address, request(RequestCode.GET_ALL_TOPIC_LIST_FROM_NAMESERVER));
        assert.equal(list.body?.toString(), '{"topicList":[]}');
      } finally {
        await second.shutdown();
      }
    } finally {
      await client.close();
    }
  });
});
