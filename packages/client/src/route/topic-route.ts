import { MASTER_ID, type MessageQueue, Perm, type TopicRouteData } from '@rocketmq-ts/protocol';

/** Where a producer may write a topic: the writable queues of brokers that have a master. */
export interface TopicPublishInfo {
  topic: string;
  orderTopic: boolean;
  queues: MessageQueue[];
  route: TopicRouteData;
}

const isWriteable = (perm: number): boolean => (perm & Perm.WRITE) !== 0;
const isReadable = (perm: number): boolean => (perm & Perm.READ) !== 0;

function masterOf(route: TopicRouteData, brokerName: string): string | undefined {
  return route.brokerDatas.find((b) => b.brokerName === brokerName)?.brokerAddrs.get(MASTER_ID);
}

/**
 * Builds the publish queue list. An `orderTopicConf` (`broker:n;broker:n`) takes precedence,
 * as in Java; otherwise every writable QueueData whose broker has a live master contributes
 * queues 0..writeQueueNums-1, brokers in name order so every producer sees the same list.
 */
export function toPublishInfo(topic: string, route: TopicRouteData): TopicPublishInfo {
  const queues: MessageQueue[] = [];
  if (route.orderTopicConf) {
    for (const part of route.orderTopicConf.split(';')) {
      const [brokerName, n] = part.split(':');
      if (!brokerName || !n) continue;
      for (let i = 0; i < Number(n); i++) queues.push({ topic, brokerName, queueId: i });
    }
    return { topic, orderTopic: true, queues, route };
  }
  const datas = [...route.queueDatas].sort((a, b) => a.brokerName.localeCompare(b.brokerName));
  for (const qd of datas) {
    if (!isWriteable(qd.perm) || masterOf(route, qd.brokerName) === undefined) continue;
    for (let i = 0; i < qd.writeQueueNums; i++) queues.push({ topic, brokerName: qd.brokerName, queueId: i });
  }
  return { topic, orderTopic: false, queues, route };
}

/** The readable queues of a topic, what consumers rebalance over. */
export function toSubscribeQueues(topic: string, route: TopicRouteData): MessageQueue[] {
  const out: MessageQueue[] = [];
  for (const qd of route.queueDatas) {
    if (!isReadable(qd.perm)) continue;
    for (let i = 0; i < qd.readQueueNums; i++) out.push({ topic, brokerName: qd.brokerName, queueId: i });
  }
  return out;
}

/**
 * The route of the template topic (TBW102) rewritten for a topic that does not exist yet:
 * each broker offers min(defaultTopicQueueNums, its template queues), so the first send
 * makes that broker create the topic.
 */
export function routeFromTemplate(template: TopicRouteData, defaultTopicQueueNums: number): TopicRouteData {
  return {
    ...template,
    queueDatas: template.queueDatas.map((qd) => {
      const n = Math.min(defaultTopicQueueNums, qd.readQueueNums);
      return { ...qd, readQueueNums: n, writeQueueNums: n };
    }),
  };
}

export const compareQueues = (a: MessageQueue, b: MessageQueue): number =>
  a.topic < b.topic
    ? -1
    : a.topic > b.topic
      ? 1
      : a.brokerName < b.brokerName
        ? -1
        : a.brokerName > b.brokerName
          ? 1
          : a.queueId - b.queueId;
