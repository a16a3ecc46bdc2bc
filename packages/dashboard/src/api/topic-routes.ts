import { type MQAdmin, type TopicConfigView, topicConfigs } from '@rocketmq-ts/client';
import { isDlqTopic, isRetryTopic, isSystemTopic, TOPIC_MAX_LENGTH, topicNameProblem } from '@rocketmq-ts/protocol';
import { badRequest } from '../server/http-io.js';
import type { Router } from '../server/router.js';
import type { ApiDeps } from './deps.js';

// GET/POST /api/topics, GET/DELETE /api/topics/:topic.

export type TopicKind = 'normal' | 'retry' | 'dlq' | 'system';

export const topicKind = (t: string): TopicKind =>
  isRetryTopic(t) ? 'retry' : isDlqTopic(t) ? 'dlq' : isSystemTopic(t) ? 'system' : 'normal';

/** The topic's message type: the `message.type` attribute of RocketMQ 5.x, else NORMAL / FIFO. */
const messageTypeOf = (c: TopicConfigView | undefined): string | undefined => {
  if (!c) return undefined;
  const attr = c.attributes['+message.type'] ?? c.attributes['message.type'];
  return attr ?? (c.order ? 'FIFO' : 'NORMAL');
};

const MESSAGE_TYPES = new Set(['NORMAL', 'FIFO', 'DELAY', 'TRANSACTION', 'MIXED']);

/** `+message.type=X` for UPDATE_AND_CREATE_TOPIC (RocketMQ 5.x), or nothing. */
function messageTypeAttribute(t: string | undefined): string | undefined {
  if (t === undefined) return undefined;
  if (!MESSAGE_TYPES.has(t)) throw badRequest(`messageType must be one of ${[...MESSAGE_TYPES].join(', ')}`);
  return `+message.type=${t}`;
}

export function checkTopic(topic: string): string {
  const problem = topicNameProblem(topic, topic.length > TOPIC_MAX_LENGTH ? undefined : TOPIC_MAX_LENGTH);
  if (problem) throw badRequest(problem);
  return topic;
}

/** The cluster a call names, or the only one there is. */
export async function clusterOf(admin: MQAdmin, given: string | undefined): Promise<string> {
  const clusters = [...(await admin.clusterInfo()).clusterAddrTable.keys()];
  if (given !== undefined) {
    if (!clusters.includes(given)) throw badRequest(`no cluster ${given}`);
    return given;
  }
  if (clusters.length !== 1) throw badRequest(`name the cluster: there are ${clusters.length}`);
  return clusters[0]!;
}

async function allConfigs(admin: MQAdmin): Promise<Map<string, TopicConfigView>> {
  const out = new Map<string, TopicConfigView>();
  for (const m of await admin.masterAddrs()) {
    try {
      for (const c of await topicConfigs(admin, m.addr)) if (!out.has(c.topicName)) out.set(c.topicName, c);
    } catch {
      // a broker that cannot list its topics still shows them through the NameServer
    }
  }
  return out;
}

export function topicRoutes(r: Router, d: ApiDeps): void {
  r.add('GET', '/api/topics', async () => {
    const [names, configs, info] = await Promise.all([d.admin.topicList(), allConfigs(d.admin), d.admin.clusterInfo()]);
    const all = new Set([...names, ...configs.keys()]);
    // Every cluster and broker name is a topic too (the route of "send to this broker"): system.
    const own = new Set([...info.clusterAddrTable.keys(), ...info.brokerAddrTable.keys()]);
    return {
      topics: [...all].sort().map((name) => {
        const c = configs.get(name);
        return {
          name,
          kind: own.has(name) ? 'system' : topicKind(name),
          readQueueNums: c?.readQueueNums,
          writeQueueNums: c?.writeQueueNums,
          perm: c?.perm,
          messageType: messageTypeOf(c),
        };
      }),
    };
  });

  r.add('POST', '/api/topics', async ({ body }) => {
    const options = {
      topic: checkTopic(body.str('topic', 255)),
      readQueueNums: body.optInt('readQueueNums', 1, 1024, 8),
      writeQueueNums: body.optInt('writeQueueNums', 1, 1024, 8),
      perm: body.optInt('perm', 2, 6, 6),
      order: body.bool('order', false),
      attributes: messageTypeAttribute(body.optStr('messageType', 32)),
    };
    const clusterName = await clusterOf(d.admin, body.optStr('clusterName', 255));
    const updated = await d.admin.createTopic({ ...options, clusterName });
    return { topic: options.topic, clusterName, brokers: updated };
  });

  r.add('GET', '/api/topics/:topic', async ({ path }) => {
    const topic = checkTopic(path.topic!);
    const route = await d.admin.topicRoute(topic);
    const queues = await d.admin.topicStats(topic);
    const configs = await allConfigs(d.admin);
    const config = configs.get(topic);
    return {
      topic,
      kind: topicKind(topic),
      messageType: messageTypeOf(config),
      config,
      route: {
        brokers: route.brokerDatas.map((b) => ({
          brokerName: b.brokerName,
          cluster: b.cluster,
          addrs: Object.fromEntries(b.brokerAddrs),
        })),
        queueDatas: route.queueDatas,
      },
      queues: queues.map((q) => ({
        brokerName: q.mq.brokerName,
        queueId: q.mq.queueId,
        minOffset: q.minOffset,
        maxOffset: q.maxOffset,
        lastUpdateTimestamp: q.lastUpdateTimestamp,
      })),
    };
  });

  r.add('DELETE', '/api/topics/:topic', async ({ path, query }) => {
    const topic = checkTopic(path.topic!);
    if (isSystemTopic(topic)) throw badRequest(`${topic} is a system topic`);
    const clusterName = await clusterOf(d.admin, query.optStr('clusterName', 255));
    await d.admin.deleteTopic(topic, clusterName);
    return { deleted: topic, clusterName };
  });
}
