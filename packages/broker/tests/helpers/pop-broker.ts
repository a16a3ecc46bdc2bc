import { ManualClock } from '@rocketmq-ts/common';
import { createRequest, encodeProperties, type RemotingCommand, ResponseCode } from '@rocketmq-ts/protocol';
import { createFileStore, createMemoryStore } from '@rocketmq-ts/store';
import type { BrokerConfig } from '../../src/broker-config.js';
import { sendRequest, startTestBroker, type TestBroker } from './broker-harness.js';
import type { Invoke } from './pop-client.js';

// A broker for pop tests: real sockets on port 0, the memory or file store, a manual clock
// (invisibility expires when the test says so) and a fast revive pass.

export interface PopBroker extends TestBroker {
  clock: ManualClock;
  call: Invoke;
  send(
    topic: string,
    body: string,
    o?: { queueId?: number; tags?: string; flag?: number; props?: Record<string, string> },
  ): Promise<number>;
  /** One read-and-revive pass of every revive queue, awaited. */
  revive(): Promise<void>;
}

export async function startPopBroker(
  overrides: Partial<BrokerConfig> & Record<string, unknown> = {},
  o: { store?: 'memory' | 'file'; dir?: string; clock?: ManualClock } = {},
): Promise<PopBroker> {
  const clock = o.clock ?? new ManualClock(Date.now());
  const b = await startTestBroker(
    {
      mappedFileSizeCommitLog: 4 * 1024 * 1024,
      mappedFileSizeConsumeQueue: 1000 * 20,
      reviveInterval: 25,
      popFromRetryProbability: 0,
      ...overrides,
    } as Partial<BrokerConfig>,
    {
      clock,
      ...(o.dir === undefined ? {} : { dir: o.dir }),
      createStore: (c) => (o.store === 'file' ? createFileStore(c) : createMemoryStore(c)),
    },
  );
  const call: Invoke = (cmd: RemotingCommand) => b.client.invoke(b.addr, cmd);
  return {
    ...b,
    clock,
    call,
    async send(topic, body, so = {}) {
      const all = { ...(so.props ?? {}), ...(so.tags ? { TAGS: so.tags } : {}) };
      const props = Object.keys(all).length > 0 ? encodeProperties(all) : undefined;
      const req = sendRequest(topic, body, { queueId: so.queueId ?? 0, ...(props ? { properties: props } : {}) });
      // SEND_MESSAGE_V2 names its fields a..m; h is the flag.
      if (so.flag !== undefined) req.extFields.h = String(so.flag);
      const r = await b.client.invoke(b.addr, req);
      if (r.code !== ResponseCode.SUCCESS) throw new Error(`send failed: ${r.code} ${r.remark}`);
      return Number(r.extFields.queueOffset);
    },
    revive: () => b.broker.components.pop.revive.drain(),
  };
}

export const raw = (code: number, ext: Record<string, string | number>, body?: Buffer): RemotingCommand =>
  createRequest(code, Object.fromEntries(Object.entries(ext).map(([k, v]) => [k, String(v)])), body);
