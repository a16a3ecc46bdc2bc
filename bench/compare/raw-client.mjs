// A minimal RocketMQ client built directly on @rocketmq-ts/remoting + @rocketmq-ts/protocol.
// It is the fallback used when the SDK (@rocketmq-ts/client) is not usable, and the admin path for
// creating topics (UPDATE_AND_CREATE_TOPIC) in the many-topics run. It does what the Java client
// does on the wire: route lookup on the NameServer, SEND_MESSAGE_V2 with WAIT=true, long-polling
// PULL_MESSAGE per queue with the consumer offset committed on each pull (COMMIT_OFFSET) and a final
// UPDATE_CONSUMER_OFFSET per queue.

import {
  CreateTopicRequestHeader,
  createRequest,
  decodeStoredRecords,
  decodeTopicRouteData,
  encodeHeartbeat,
  encodeProperties,
  PullMessageRequestHeader,
  PullSysFlag,
  RequestCode,
  ResponseCode,
  SendMessageRequestHeaderV2,
  UpdateConsumerOffsetRequestHeader,
} from '@rocketmq-ts/protocol';
import { RemotingClient } from '@rocketmq-ts/remoting';

const fields = (obj) => {
  const out = Object.create(null);
  for (const [k, v] of Object.entries(obj)) if (v !== undefined) out[k] = String(v);
  return out;
};

export class RawClient {
  constructor({ namesrv, requestTimeoutMs = 10_000 }) {
    this.namesrv = namesrv;
    this.remoting = new RemotingClient({ requestTimeoutMs });
    this.routes = new Map();
    this.clientId = `127.0.0.1@bench-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  }

  async call(addr, code, header, body, timeoutMs) {
    const res = await this.remoting.invoke(addr, createRequest(code, header, body), timeoutMs);
    return res;
  }

  /** Broker address and write-queue count of `topic`, from the NameServer (cached). */
  async route(topic, { refresh = false } = {}) {
    if (!refresh && this.routes.has(topic)) return this.routes.get(topic);
    const res = await this.call(this.namesrv, RequestCode.GET_ROUTEINFO_BY_TOPIC, fields({ topic }));
    if (res.code !== ResponseCode.SUCCESS || !res.body)
      throw new Error(`route of ${topic}: code ${res.code} ${res.remark ?? ''}`);
    const decoded = decodeTopicRouteData(res.body);
    if (!decoded.ok) throw new Error(`route of ${topic}: ${decoded.error}`);
    const brokerData = decoded.value.brokerDatas[0];
    const queueData = decoded.value.queueDatas.find((q) => q.brokerName === brokerData?.brokerName);
    const addr = brokerData?.brokerAddrs.get(0);
    if (!addr || !queueData) throw new Error(`route of ${topic}: no master broker`);
    const route = {
      addr,
      brokerName: brokerData.brokerName,
      writeQueues: queueData.writeQueueNums,
      readQueues: queueData.readQueueNums,
    };
    this.routes.set(topic, route);
    return route;
  }

  /** Any broker's address, from the cluster info (used before a topic exists). */
  async brokerAddr() {
    const res = await this.call(this.namesrv, RequestCode.GET_BROKER_CLUSTER_INFO, fields({}));
    if (res.code !== ResponseCode.SUCCESS || !res.body) throw new Error(`cluster info: code ${res.code}`);
    const m = /"(\d{1,3}(?:\.\d{1,3}){3}:\d+)"/.exec(res.body.toString('utf8'));
    if (!m) throw new Error('cluster info: no broker registered yet');
    return m[1];
  }

  /** UPDATE_AND_CREATE_TOPIC on the broker, then waits until the NameServer routes it. */
  async createTopic(topic, queues, brokerAddr) {
    const addr = brokerAddr ?? (await this.brokerAddr());
    const header = CreateTopicRequestHeader.encode({
      topic,
      defaultTopic: 'TBW102',
      readQueueNums: queues,
      writeQueueNums: queues,
      perm: 6,
      topicFilterType: 'SINGLE_TAG',
      order: false,
    });
    const res = await this.call(addr, RequestCode.UPDATE_AND_CREATE_TOPIC, header);
    if (res.code !== ResponseCode.SUCCESS)
      throw new Error(`create topic ${topic}: code ${res.code} ${res.remark ?? ''}`);
  }

  /** Polls the NameServer until `topic` has a route (the broker registers it asynchronously). */
  async awaitRoute(topic, timeoutMs = 30_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        return await this.route(topic, { refresh: true });
      } catch (e) {
        if (Date.now() > deadline) throw e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  /** Sends one message to a queue chosen round-robin; resolves on SEND_OK. */
  send(route, topic, queueId, body) {
    const header = SendMessageRequestHeaderV2.encode({
      producerGroup: 'bench_producer',
      topic,
      defaultTopic: 'TBW102',
      defaultTopicQueueNums: 4,
      queueId,
      sysFlag: 0,
      bornTimestamp: Date.now(),
      flag: 0,
      properties: SEND_PROPERTIES,
      reconsumeTimes: 0,
      unitMode: false,
      batch: false,
    });
    return this.call(route.addr, RequestCode.SEND_MESSAGE_V2, header, body).then((res) => {
      if (res.code !== ResponseCode.SUCCESS) throw new Error(`send: code ${res.code} ${res.remark ?? ''}`);
    });
  }

  async heartbeat(route, group, topic) {
    const body = encodeHeartbeat({
      clientID: this.clientId,
      producerDataSet: [],
      consumerDataSet: [
        {
          groupName: group,
          consumeType: 'CONSUME_PASSIVELY',
          messageModel: 'CLUSTERING',
          consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
          subscriptionDataSet: [
            { topic, subString: '*', tagsSet: [], codeSet: [], subVersion: Date.now(), expressionType: 'TAG' },
          ],
          unitMode: false,
        },
      ],
    });
    await this.call(route.addr, RequestCode.HEART_BEAT, fields({}), body);
  }

  /**
   * Pulls every queue of `topic` from its committed offset (0 on a fresh group) until `n` messages
   * were received, committing offsets as it goes. onMessage gets each body (a view into the pull response).
   */
  async consume(topic, group, n, { batch = 32, onMessage, onReady, longPollMs = 5000 }) {
    const route = await this.route(topic, { refresh: true });
    await this.heartbeat(route, group, topic);
    let got = 0;
    let stop = false;
    const next = new Array(route.readQueues).fill(0);
    const pullQueue = async (queueId) => {
      while (!stop && got < n) {
        const header = PullMessageRequestHeader.encode({
          consumerGroup: group,
          topic,
          queueId,
          queueOffset: next[queueId],
          maxMsgNums: batch,
          sysFlag: PullSysFlag.COMMIT_OFFSET | PullSysFlag.SUSPEND | PullSysFlag.SUBSCRIPTION,
          commitOffset: next[queueId],
          suspendTimeoutMillis: longPollMs,
          subscription: '*',
          subVersion: 0,
          expressionType: 'TAG',
        });
        const res = await this.call(route.addr, RequestCode.PULL_MESSAGE, header, undefined, longPollMs + 10_000);
        const nextBegin = Number(res.extFields.nextBeginOffset);
        if (res.code === ResponseCode.SUCCESS && res.body) {
          for (const m of decodeStoredRecords(res.body)) {
            if (got >= n) break;
            got++;
            onMessage(m.body);
          }
        } else if (
          res.code !== ResponseCode.PULL_NOT_FOUND &&
          res.code !== ResponseCode.PULL_RETRY_IMMEDIATELY &&
          res.code !== ResponseCode.PULL_OFFSET_MOVED
        ) {
          throw new Error(`pull ${topic}/${queueId}: code ${res.code} ${res.remark ?? ''}`);
        }
        if (Number.isFinite(nextBegin)) next[queueId] = nextBegin;
      }
    };
    // Resolves as soon as n messages arrived: idle queues may still hold a long poll, which must
    // not count against the consume time; those pulls end with the connection.
    let finish;
    let fail;
    const done = new Promise((resolve, reject) => {
      finish = resolve;
      fail = reject;
    });
    const run = (queueId) =>
      pullQueue(queueId).then(
        () => got >= n && finish(),
        (e) => (stop ? undefined : fail(e)),
      );
    for (let q = 0; q < route.readQueues; q++) run(q);
    onReady?.();
    try {
      await done;
    } finally {
      stop = true;
    }
    await Promise.all(next.map((offset, queueId) => this.commit(route, group, topic, queueId, offset)));
  }

  async commit(route, group, topic, queueId, commitOffset) {
    const header = UpdateConsumerOffsetRequestHeader.encode({ consumerGroup: group, topic, queueId, commitOffset });
    const res = await this.call(route.addr, RequestCode.UPDATE_CONSUMER_OFFSET, header);
    if (res.code !== ResponseCode.SUCCESS) throw new Error(`commit offset: code ${res.code} ${res.remark ?? ''}`);
  }

  close() {
    return this.remoting.close();
  }
}

const SEND_PROPERTIES = encodeProperties({ WAIT: 'true' });
