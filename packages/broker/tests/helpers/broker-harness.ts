import {
  createRequest,
  encodeHeartbeat,
  type HeartbeatData,
  PullMessageRequestHeader,
  PullSysFlag,
  type RemotingCommand,
  RequestCode,
  SendMessageRequestHeaderV2,
} from '@rocketmq-ts/protocol';
import { RemotingClient } from '@rocketmq-ts/remoting';
import { createMemoryStore } from '@rocketmq-ts/store';
import { tempDir } from '@rocketmq-ts/testkit';
import { type BrokerConfig, resolveBrokerConfig } from '../../src/broker-config.js';
import { type Broker, type BrokerOptions, startBroker } from '../../src/runtime/lifecycle.js';

// A broker on 127.0.0.1 port 0 in a temp dir with the memory store, plus a raw remoting
// client. Tests talk the wire protocol to it.

export interface TestBroker {
  broker: Broker;
  addr: string;
  dir: string;
  client: RemotingClient;
  invoke(code: number, ext?: Record<string, string>, body?: Buffer, timeoutMs?: number): Promise<RemotingCommand>;
  close(): Promise<void>;
}

export async function startTestBroker(
  overrides: Partial<BrokerConfig> = {},
  options: Partial<BrokerOptions> & { dir?: string } = {},
): Promise<TestBroker> {
  const tmp = options.dir === undefined ? await tempDir('broker-test-') : undefined;
  const dir = options.dir ?? tmp!.path;
  const { config } = resolveBrokerConfig(new Map(), {
    brokerName: 'broker-a',
    listenPort: 0,
    listenHost: '127.0.0.1',
    brokerIP1: '127.0.0.1',
    storePathRootDir: dir,
    pullHoldCheckIntervalMills: 100,
    ...overrides,
  });
  const broker = await startBroker({ config, createStore: (c) => createMemoryStore(c), ...options });
  const client = new RemotingClient({ requestTimeoutMs: 10_000 });
  const addr = `127.0.0.1:${broker.port}`;
  return {
    broker,
    addr,
    dir,
    client,
    invoke: (code, ext = {}, body, timeoutMs) => client.invoke(addr, createRequest(code, { ...ext }, body), timeoutMs),
    async close() {
      await client.close();
      await broker.shutdown();
      await tmp?.cleanup();
    },
  };
}

export interface SendOptions {
  queueId?: number;
  properties?: string;
  reconsumeTimes?: number;
  maxReconsumeTimes?: number;
  code?: number;
  sysFlag?: number;
}

export function sendRequest(topic: string, body: Buffer | string, o: SendOptions = {}): RemotingCommand {
  const ext = SendMessageRequestHeaderV2.encode({
    producerGroup: 'PG',
    topic,
    defaultTopic: 'TBW102',
    defaultTopicQueueNums: 4,
    queueId: o.queueId ?? 0,
    sysFlag: o.sysFlag ?? 0,
    bornTimestamp: Date.now(),
    flag: 0,
    properties: o.properties,
    reconsumeTimes: o.reconsumeTimes,
    maxReconsumeTimes: o.maxReconsumeTimes,
    batch: o.code === RequestCode.SEND_BATCH_MESSAGE ? true : undefined,
  });
  return createRequest(o.code ?? RequestCode.SEND_MESSAGE_V2, ext, typeof body === 'string' ? Buffer.from(body) : body);
}

export const props = (p: Record<string, string>): string =>
  Object.entries(p)
    .map(([k, v]) => `${k}\u0001${v}\u0002`)
    .join('');

export interface PullOptions {
  group?: string;
  queueId?: number;
  offset?: number;
  maxMsgNums?: number;
  suspendMs?: number;
  subscription?: string;
  sysFlag?: number;
  commitOffset?: number;
}

export function pullRequest(topic: string, o: PullOptions = {}): RemotingCommand {
  const sysFlag = o.sysFlag ?? PullSysFlag.SUBSCRIPTION | (o.suspendMs !== undefined ? PullSysFlag.SUSPEND : 0);
  const ext = PullMessageRequestHeader.encode({
    consumerGroup: o.group ?? 'CG',
    topic,
    queueId: o.queueId ?? 0,
    queueOffset: o.offset ?? 0,
    maxMsgNums: o.maxMsgNums ?? 32,
    sysFlag,
    commitOffset: o.commitOffset ?? 0,
    suspendTimeoutMillis: o.suspendMs ?? 0,
    subscription: o.subscription ?? '*',
    subVersion: 0,
    expressionType: 'TAG',
  });
  return createRequest(RequestCode.PULL_MESSAGE, ext);
}

/** A pull carrying an SQL92 subscription in its header (as lite-pull and pull consumers send). */
export function sqlPull(topic: string, expression: string, group = 'CG'): RemotingCommand {
  const ext = PullMessageRequestHeader.encode({
    consumerGroup: group,
    topic,
    queueId: 0,
    queueOffset: 0,
    maxMsgNums: 32,
    sysFlag: PullSysFlag.SUBSCRIPTION,
    commitOffset: 0,
    suspendTimeoutMillis: 0,
    subscription: expression,
    subVersion: 0,
    expressionType: 'SQL92',
  });
  return createRequest(RequestCode.PULL_MESSAGE, ext);
}

export function heartbeatRequest(data: Partial<HeartbeatData> & { clientID: string }): RemotingCommand {
  return createRequest(
    RequestCode.HEART_BEAT,
    {},
    encodeHeartbeat({ producerDataSet: [], consumerDataSet: [], ...data }),
  );
}

export function consumerData(group: string, topic: string, subString = '*') {
  return {
    groupName: group,
    consumeType: 'CONSUME_PASSIVELY' as const,
    messageModel: 'CLUSTERING' as const,
    consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' as const,
    unitMode: false,
    subscriptionDataSet: [
      { topic, subString, tagsSet: [], codeSet: [], subVersion: Date.now(), expressionType: 'TAG' },
    ],
  };
}
