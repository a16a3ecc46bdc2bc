import type { Clock } from '@rocketmq-ts/common';
import {
  createRequest,
  decodeOffsetMsgId,
  decodeStoredRecords,
  encodeHeartbeat,
  encodeProperties,
  type HeartbeatData,
  type MessageView,
  PullMessageRequestHeader,
  PullSysFlag,
  type RemotingCommand,
  RequestCode,
  SendMessageRequestHeaderV2,
} from '@rocketmq-ts/protocol';
import type { RemotingClient } from '@rocketmq-ts/remoting';
import { createFileStore, createMemoryStore } from '@rocketmq-ts/store';
import type { Broker, BrokerConfig } from '../../src/index.js';
import { startTestBroker } from '../helpers/broker-harness.js';

// A whole broker (core + feature modules) from the core's startTestBroker, with the memory or
// file store, driven by a raw RemotingClient: the feature integration tests speak the wire
// protocol exactly as RocketMQ clients and mqadmin do.

export interface FeatureBroker {
  broker: Broker;
  addr: string;
  client: RemotingClient;
  invoke(code: number, ext?: Record<string, string | number | boolean>, body?: Buffer): Promise<RemotingCommand>;
  send(
    topic: string,
    props: Record<string, string>,
    body?: string,
    opts?: { sysFlag?: number; producerGroup?: string; queueId?: number },
  ): Promise<SendResult>;
  pull(group: string, topic: string, queueId: number, offset: number): Promise<MessageView[]>;
  /** The PULL_MESSAGE response itself (code, remark, headers). */
  pullResponse(group: string, topic: string, queueId: number, offset: number): Promise<RemotingCommand>;
  heartbeat(data: HeartbeatData): Promise<RemotingCommand>;
  /** Shuts the broker down and removes its directory. */
  close(): Promise<void>;
  /** Shuts the broker down, keeping its directory for a restart. */
  stop(): Promise<void>;
  dir: string;
}

export interface FeatureBrokerOptions {
  /** `file` keeps data across a restart in the same `dir`. Default `memory`. */
  store?: 'memory' | 'file';
  /** Reuse a directory (restart); it is then not removed by close(). */
  dir?: string;
  /** The broker's and the store's clock (default: the system clock). */
  clock?: Clock;
}

export interface SendResult {
  code: number;
  remark?: string | undefined;
  msgId: string;
  queueOffset: number;
  physicalOffset: number;
}

const text = (ext: Record<string, string | number | boolean>): Record<string, string> => {
  const out = Object.create(null) as Record<string, string>;
  for (const [k, v] of Object.entries(ext)) out[k] = String(v);
  return out;
};

/** Message properties in the wire encoding (`k\u0001v\u0002…`). */
export const props = (p: Record<string, string>): string => encodeProperties(p);

export async function startFeatureBroker(
  overrides: Partial<BrokerConfig> = {},
  options: FeatureBrokerOptions = {},
): Promise<FeatureBroker> {
  // The core's test broker, with small segments (cheap preallocation for the file store).
  const base = await startTestBroker(
    { mappedFileSizeCommitLog: 4 * 1024 * 1024, mappedFileSizeConsumeQueue: 1000 * 20, ...overrides },
    {
      ...(options.dir === undefined ? {} : { dir: options.dir }),
      ...(options.clock === undefined ? {} : { clock: options.clock }),
      createStore: (c) => {
        const deps = options.clock === undefined ? {} : { clock: options.clock };
        return options.store === 'file' ? createFileStore(c, deps) : createMemoryStore(c, deps);
      },
    },
  );
  const { broker, addr, dir, client } = base;
  const invoke = (code: number, ext: Record<string, string | number | boolean> = {}, body?: Buffer) =>
    client.invoke(addr, createRequest(code, text(ext), body));
  const pullResponse = (group: string, topic: string, queueId: number, offset: number): Promise<RemotingCommand> => {
    const header = PullMessageRequestHeader.encode({
      consumerGroup: group,
      topic,
      queueId,
      queueOffset: offset,
      maxMsgNums: 32,
      // Subscription in the request: no heartbeat needed for a one-off pull.
      sysFlag: PullSysFlag.SUBSCRIPTION,
      commitOffset: 0,
      suspendTimeoutMillis: 0,
      subVersion: 0,
      subscription: '*',
      expressionType: 'TAG',
    });
    return client.invoke(addr, createRequest(RequestCode.PULL_MESSAGE, header));
  };
  return {
    broker,
    addr,
    dir,
    client,
    invoke,
    async send(topic, p, body = 'hello', opts = {}) {
      const header = SendMessageRequestHeaderV2.encode({
        producerGroup: opts.producerGroup ?? 'pg',
        topic,
        defaultTopic: 'TBW102',
        defaultTopicQueueNums: 4,
        queueId: opts.queueId ?? 0,
        sysFlag: opts.sysFlag ?? 0,
        bornTimestamp: Date.now(),
        flag: 0,
        properties: props(p),
        reconsumeTimes: 0,
      });
      const r = await client.invoke(addr, createRequest(RequestCode.SEND_MESSAGE_V2, header, Buffer.from(body)));
      const msgId = r.extFields.msgId ?? '';
      return {
        code: r.code,
        remark: r.remark,
        msgId,
        queueOffset: Number(r.extFields.queueOffset),
        physicalOffset: decodeOffsetMsgId(msgId)?.physicalOffset ?? -1,
      };
    },
    async pull(group, topic, queueId, offset) {
      const r = await pullResponse(group, topic, queueId, offset);
      return r.code === 0 && r.body ? decodeStoredRecords(r.body) : [];
    },
    pullResponse,
    heartbeat: (data) => client.invoke(addr, createRequest(RequestCode.HEART_BEAT, text({}), encodeHeartbeat(data))),
    async stop() {
      await client.close();
      await broker.shutdown();
    },
    close: () => base.close(),
  };
}
