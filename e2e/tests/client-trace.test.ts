import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { browseQueue, LitePullConsumer, type MessageExt, MQAdmin, Producer, PushConsumer } from '@rocketmq-ts/client';
import { decodeTraceData, RMQ_SYS_TRACE_TOPIC, type TraceRecord } from '@rocketmq-ts/protocol';
import { eventually } from '@rocketmq-ts/testkit';
import { createTopic, runNode, startCluster, type TestCluster, unique } from './client-support.js';

// Issue 16: with traceTopicEnable on the broker and enableTrace in the SDK, a message sent and
// consumed leaves Pub, SubBefore and SubAfter records (RocketMQ's TraceDataEncoder format) in
// RMQ_SYS_TRACE_TOPIC, and mqadmin queryMsgTraceById shows them with their timings.

const BIN = fileURLToPath(new URL('../../../packages/cli/dist/src/mqadmin.js', import.meta.url));

describe('message trace', () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await startCluster({ traceTopicEnable: true });
  });
  after(async () => {
    await cluster.shutdown();
  });

  it('records publish and consume and queryMsgTraceById shows them with timings', async () => {
    const topic = unique('T_trace');
    const producerGroup = unique('P_trace');
    const consumerGroup = unique('G_trace');
    await createTopic(cluster, topic);
    const producer = new Producer({ namesrvAddr: cluster.namesrvAddr, producerGroup, enableTrace: true });
    const got: MessageExt[] = [];
    const consumer = new PushConsumer({
      namesrvAddr: cluster.namesrvAddr,
      consumerGroup,
      consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
      enableTrace: true,
    });
    consumer.subscribe(topic, '*');
    consumer.registerMessageListener({
      type: 'concurrently',
      consume: async (msgs) => {
        got.push(...msgs);
        await new Promise((r) => setTimeout(r, 30));
        return 'CONSUME_SUCCESS' as const;
      },
    });
    await producer.start();
    await consumer.start();
    const admin = new MQAdmin({ namesrvAddr: cluster.namesrvAddr });
    try {
      const sent = await producer.send({ topic, body: 'traced', tags: 'TagT', keys: ['order-42'] });
      await eventually(() => got.length === 1, { timeoutMs: 20_000, message: 'the message consumed' });
      // The records, straight from the trace topic, as any RocketMQ client would find them.
      const records = await eventually(
        async () => {
          const list = await admin.queryMessageByKey(RMQ_SYS_TRACE_TOPIC, sent.msgId, 64, 0, Number.MAX_SAFE_INTEGER);
          const all = list.flatMap((m) => {
            const d = decodeTraceData(m.body.toString('utf8'));
            assert.ok(d.ok, d.ok ? '' : d.error);
            return d.value.filter((r) => r.msgId === sent.msgId);
          });
          const types = new Set(all.map((r) => r.type));
          return types.has('Pub') && types.has('SubBefore') && types.has('SubAfter') ? all : undefined;
        },
        { timeoutMs: 20_000, message: 'Pub, SubBefore and SubAfter records in the trace topic' },
      );
      const pub = records.find((r) => r.type === 'Pub')!;
      assert.equal(pub.groupName, producerGroup);
      assert.equal(pub.topic, topic);
      assert.equal(pub.tags, 'TagT');
      assert.equal(pub.keys, 'order-42');
      assert.equal(pub.bodyLength, 6);
      assert.equal(pub.offsetMsgId, sent.offsetMsgId);
      assert.equal(pub.regionId, 'DefaultRegion');
      assert.equal(pub.success, true);
      const subAfter = records.find((r) => r.type === 'SubAfter')!;
      assert.equal(subAfter.groupName, consumerGroup);
      assert.equal(subAfter.success, true);
      assert.ok(subAfter.costTime >= 25, `consume cost ${subAfter.costTime} ms covers the listener's 30 ms`);
      assert.equal(records.find((r) => r.type === 'SubBefore')!.requestId, subAfter.requestId);

      const r = await runNode(BIN, ['queryMsgTraceById', '-n', cluster.namesrvAddr, '-i', sent.msgId]);
      assert.equal(r.code, 0, r.stderr);
      const lines = r.stdout.split('\n');
      assert.match(lines[0]!, /^#Type\s+#ProducerGroup\s+#ClientHost\s+#SendTime\s+#CostTimes\s+#Status$/);
      assert.match(
        lines[1]!,
        new RegExp(
          `^Pub\\s+${producerGroup}\\s+\\S+\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\s+\\d+ms\\s+success$`,
        ),
      );
      const subHeader = lines.findIndex((l) => l.startsWith('#Type') && l.includes('#ConsumerGroup'));
      assert.ok(subHeader > 0, r.stdout);
      const sub = lines[subHeader + 1]!;
      assert.match(
        sub,
        new RegExp(
          `^Sub\\s+${consumerGroup}\\s+\\S+\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\s+(\\d+)ms\\s+success$`,
        ),
      );
      assert.ok(Number(/(\d+)ms/.exec(sub)![1]) >= 25);
      const json = await runNode(BIN, ['queryMsgTraceById', '-n', cluster.namesrvAddr, '-i', sent.msgId, '--json']);
      const views = JSON.parse(json.stdout) as { type: string }[];
      assert.deepEqual(new Set(views.map((v) => v.type)), new Set(['Pub', 'SubBefore', 'SubAfter']));
    } finally {
      await admin.close();
      await consumer.shutdown();
      await producer.shutdown();
    }
  });

  it('writes nothing to the trace topic without enableTrace', async () => {
    const topic = unique('T_untraced');
    await createTopic(cluster, topic);
    const producer = new Producer({ namesrvAddr: cluster.namesrvAddr, producerGroup: unique('P_untraced') });
    await producer.start();
    const admin = new MQAdmin({ namesrvAddr: cluster.namesrvAddr });
    try {
      const sent = await producer.send({ topic, body: 'plain' });
      const list = await admin.queryMessageByKey(RMQ_SYS_TRACE_TOPIC, sent.msgId, 64, 0, Number.MAX_SAFE_INTEGER);
      assert.equal(list.length, 0);
    } finally {
      await admin.close();
      await producer.shutdown();
    }
  });
});

// Java's client traces a batch as one Pub (its hook sees the MessageBatch), the answer to a
// transaction check-back as EndTransaction with fromTransactionCheck, and each lite pull poll
// as SubBefore + SubAfter; oneway sends have no SendResult and are not traced.
describe('message trace beyond send and push', () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await startCluster({ traceTopicEnable: true, transactionTimeOut: 1000, transactionCheckInterval: 1000 });
  });
  after(async () => {
    await cluster.shutdown();
  });

  /** Every trace record in the trace topic's queues. */
  async function allTraceRecords(admin: MQAdmin): Promise<TraceRecord[]> {
    const route = await admin.topicRoute(RMQ_SYS_TRACE_TOPIC);
    const out: TraceRecord[] = [];
    for (const qd of route.queueDatas) {
      for (let queueId = 0; queueId < qd.readQueueNums; queueId++) {
        let offset = 0;
        for (;;) {
          const mq = { topic: RMQ_SYS_TRACE_TOPIC, brokerName: qd.brokerName, queueId };
          const r = await browseQueue(admin, mq, offset, 32);
          for (const m of r.messages) {
            const d = decodeTraceData(m.body.toString('utf8'));
            assert.ok(d.ok, d.ok ? '' : d.error);
            out.push(...d.value);
          }
          if (r.messages.length === 0 || r.nextOffset <= offset) break;
          offset = r.nextOffset;
        }
      }
    }
    return out;
  }

  it('traces a batch as one Pub, a check-back answer as EndTransaction, and lite pull polls, not oneway sends', async () => {
    const topic = unique('T_trace_more');
    const producerGroup = unique('P_trace_more');
    const consumerGroup = unique('G_trace_more');
    await createTopic(cluster, topic, 1);
    const producer = new Producer({
      namesrvAddr: cluster.namesrvAddr,
      producerGroup,
      enableTrace: true,
      transactionListener: {
        executeLocalTransaction: () => 'UNKNOW' as const,
        checkLocalTransaction: () => 'COMMIT_MESSAGE' as const,
      },
    });
    const consumer = new LitePullConsumer({
      namesrvAddr: cluster.namesrvAddr,
      consumerGroup,
      consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
      enableTrace: true,
    });
    consumer.subscribe(topic, '*');
    await producer.start();
    const admin = new MQAdmin({ namesrvAddr: cluster.namesrvAddr });
    try {
      const batch = await producer.sendBatch([
        { topic, body: 'b-0' },
        { topic, body: 'b-1' },
      ]);
      await producer.sendOneway({ topic, body: 'oneway' });
      const half = await producer.sendMessageInTransaction({ topic, body: 'checked', keys: 'ck-1' });
      await consumer.start();
      const polled: MessageExt[] = [];
      await eventually(
        async () => {
          polled.push(...(await consumer.poll(500)));
          return polled.length >= 4; // the batch, the oneway and the committed half message
        },
        { timeoutMs: 30_000, message: 'four messages polled' },
      );
      const records = await eventually(
        async () => {
          const all = await allTraceRecords(admin);
          const end = all.find((r) => r.type === 'EndTransaction' && r.fromTransactionCheck);
          const subs = all.filter((r) => r.type === 'SubAfter' && r.groupName === consumerGroup);
          return end !== undefined && subs.length >= 4 ? all : undefined;
        },
        { timeoutMs: 20_000, message: 'check-back EndTransaction and four SubAfter records' },
      );
      const pubs = records.filter((r) => r.type === 'Pub' && r.groupName === producerGroup);
      const batchPub = pubs.find((r) => r.msgId === batch.msgId);
      assert.ok(batchPub, `one Pub for the batch, msgId ${batch.msgId}`);
      assert.equal(batch.msgId.split(',').length, 2);
      assert.equal(batchPub.topic, topic);
      assert.equal(batchPub.msgType, 'Normal_Msg');
      assert.equal(batchPub.success, true);
      // The oneway send wrote no Pub: the batch and the half message are the only ones.
      assert.deepEqual(pubs.map((r) => r.msgType).sort(), ['Normal_Msg', 'Trans_Msg_Half']);
      const ends = records.filter((r) => r.type === 'EndTransaction' && r.groupName === producerGroup);
      const checked = ends.find((r) => r.fromTransactionCheck)!;
      assert.equal(checked.msgId, half.msgId);
      assert.equal(checked.transactionState, 'COMMIT_MESSAGE');
      assert.equal(checked.regionId, 'DefaultRegion');
      assert.equal(checked.keys, 'ck-1');
      // Each polled message: a SubBefore and a SubAfter of the lite pull group, success true.
      for (const m of polled) {
        const before = records.find(
          (r) => r.type === 'SubBefore' && r.groupName === consumerGroup && r.msgId === m.msgId,
        );
        const after = records.find(
          (r) => r.type === 'SubAfter' && r.groupName === consumerGroup && r.msgId === m.msgId,
        );
        assert.ok(before && after, `Sub records for ${m.msgId}`);
        assert.equal(after.success, true);
        assert.equal(after.requestId, before.requestId);
      }
    } finally {
      await admin.close();
      await consumer.shutdown();
      await producer.shutdown();
    }
  });
});
