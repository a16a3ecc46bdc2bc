import { type MessageQueue, PullSysFlag, RequestCode } from '@rocketmq-ts/protocol';
import { request } from '../client-api.js';
import { decodeMessages } from '../consumer/pull-decode.js';
import type { MessageExt } from '../message.js';
import type { MQAdmin } from './admin.js';
import { parseBody } from './admin-bodies.js';

// Read-only views for consoles (the dashboard): messages of a queue by offset without a
// consumer group's state, every topic's configuration, and the live producers of a broker.

/** Group the reads are made in; nothing is committed for it. */
const BROWSE_GROUP = 'TOOLS_CONSUMER';

export interface BrowseResult {
  messages: MessageExt[];
  /** Offset to continue from. */
  nextOffset: number;
  minOffset: number;
  maxOffset: number;
}

/** Up to `maxNums` messages of `mq` from `offset` (LITE_PULL_MESSAGE, no suspend, no commit). */
export async function browseQueue(
  admin: MQAdmin,
  mq: MessageQueue,
  offset: number,
  maxNums: number,
): Promise<BrowseResult> {
  const addr = await admin.instance.requireMasterAddr(mq.brokerName, mq.topic);
  const r = await admin.instance.api.pullMessage(
    addr,
    {
      consumerGroup: BROWSE_GROUP,
      topic: mq.topic,
      queueId: mq.queueId,
      queueOffset: offset,
      maxMsgNums: maxNums,
      sysFlag: PullSysFlag.SUBSCRIPTION | PullSysFlag.LITE_PULL_MESSAGE,
      commitOffset: 0,
      suspendTimeoutMillis: 0,
      subscription: '*',
      subVersion: Date.now(),
      expressionType: 'TAG',
    },
    10_000,
    true,
  );
  const messages = r.status === 'FOUND' && r.body ? decodeMessages(r.body, mq.brokerName, undefined, mq.topic) : [];
  return { messages, nextOffset: r.nextBeginOffset, minOffset: r.minOffset, maxOffset: r.maxOffset };
}

export interface TopicConfigView {
  topicName: string;
  readQueueNums: number;
  writeQueueNums: number;
  perm: number;
  order: boolean;
  topicSysFlag: number;
  /** Topic attributes (`+message.type` = NORMAL/FIFO/DELAY/TRANSACTION in 5.x), when the broker keeps any. */
  attributes: Record<string, string>;
}

/** Every topic a broker holds with its configuration (GET_ALL_TOPIC_CONFIG). */
export async function topicConfigs(admin: MQAdmin, brokerAddr: string): Promise<TopicConfigView[]> {
  const r = await admin.instance.api.invokeOk(brokerAddr, request(RequestCode.GET_ALL_TOPIC_CONFIG));
  const table = parseBody(r.body, 'TopicConfigSerializeWrapper').topicConfigTable;
  const values: unknown[] =
    table instanceof Map
      ? [...table.values()]
      : typeof table === 'object' && table !== null
        ? Object.values(table)
        : [];
  return values.map((v) => {
    const o = (v ?? {}) as Record<string, unknown>;
    const attrs: Record<string, string> = {};
    const a = o.attributes;
    const entries = a instanceof Map ? [...a.entries()] : typeof a === 'object' && a !== null ? Object.entries(a) : [];
    for (const [k, val] of entries) attrs[String(k)] = String(val);
    return {
      topicName: String(o.topicName ?? ''),
      readQueueNums: Number(o.readQueueNums ?? 0),
      writeQueueNums: Number(o.writeQueueNums ?? 0),
      perm: Number(o.perm ?? 0),
      order: o.order === true,
      topicSysFlag: Number(o.topicSysFlag ?? 0),
      attributes: attrs,
    };
  });
}

export interface ProducerInfoView {
  group: string;
  clientId: string;
  remoteIP: string;
  language: string;
  version: number;
  lastUpdateTimestamp: number;
}

/** Live producers of a broker (GET_ALL_PRODUCER_INFO, RocketMQ 5.x's ProducerTableInfo). */
export async function producerInfo(admin: MQAdmin, brokerAddr: string): Promise<ProducerInfoView[]> {
  const r = await admin.instance.api.invokeOk(brokerAddr, request(RequestCode.GET_ALL_PRODUCER_INFO));
  const data = parseBody(r.body, 'ProducerTableInfo').data;
  const groups =
    data instanceof Map ? [...data.entries()] : typeof data === 'object' && data !== null ? Object.entries(data) : [];
  const out: ProducerInfoView[] = [];
  for (const [group, list] of groups) {
    if (!Array.isArray(list)) continue;
    for (const p of list) {
      const o = (p ?? {}) as Record<string, unknown>;
      out.push({
        group: String(group),
        clientId: String(o.clientId ?? ''),
        remoteIP: String(o.remoteIP ?? ''),
        language: String(o.language ?? ''),
        version: Number(o.version ?? 0),
        lastUpdateTimestamp: Number(o.lastUpdateTimestamp ?? 0),
      });
    }
  }
  return out.sort((a, b) => a.group.localeCompare(b.group) || a.clientId.localeCompare(b.clientId));
}
