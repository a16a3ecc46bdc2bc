import {
  emptyTraceRecord,
  MessageConst,
  RMQ_SYS_TRACE_TOPIC,
  type TraceMessageType,
  type TraceRecord,
  type TransactionState,
  UniqKeyGenerator,
} from '@rocketmq-ts/protocol';
import type { MessageListener } from '../consumer/listener.js';
import type { Message, MessageExt, SendResult } from '../message.js';
import type { TraceDispatcher } from './trace-dispatcher.js';

// What RocketMQ's trace hooks record (SendMessageTraceHookImpl, ConsumeMessageTraceHookImpl,
// EndTransactionTraceHookImpl), built from our producer's and consumer's values.

/** The trace options of producers and push consumers (Java's enableMsgTrace / customizedTraceTopic). */
export interface TraceOptions {
  /** Write message trace records to the trace topic (default false). */
  enableTrace?: boolean;
  /** Trace topic, default RMQ_SYS_TRACE_TOPIC (the broker creates it with traceTopicEnable=true). */
  traceTopic?: string;
}

export const traceTopicOf = (o: TraceOptions): string => o.traceTopic ?? RMQ_SYS_TRACE_TOPIC;

/** Java's MixAll.DEFAULT_TRACE_REGION_ID, for records of messages that carry no MSG_REGION. */
export const DEFAULT_TRACE_REGION_ID = 'DefaultRegion';

const keysText = (keys: string | readonly string[] | undefined): string =>
  keys === undefined ? '' : typeof keys === 'string' ? keys : keys.join(' ');

/** Pub: one send that the broker answered (Java writes nothing for failures or trace-off brokers). */
export function pubRecord(
  group: string,
  msg: Pick<Message, 'topic' | 'tags' | 'keys'>,
  bodyLength: number,
  result: SendResult,
  storeHost: string,
  startedAt: number,
  msgType: TraceMessageType,
): TraceRecord | undefined {
  if (result.traceOn === false) return undefined;
  return {
    ...emptyTraceRecord('Pub'),
    timestamp: startedAt,
    regionId: result.regionId ?? DEFAULT_TRACE_REGION_ID,
    groupName: group,
    topic: msg.topic,
    msgId: result.msgId,
    tags: msg.tags ?? '',
    keys: keysText(msg.keys),
    storeHost,
    bodyLength,
    costTime: Date.now() - startedAt,
    msgType,
    offsetMsgId: result.offsetMsgId,
    success: result.sendStatus === 'SEND_OK',
  };
}

/**
 * EndTransaction: after the local transaction's answer (`fromTransactionCheck` false) and after
 * a check-back's answer (true), as Java's doExecuteEndTransactionHook is called from both.
 */
export function endTransactionRecord(
  group: string,
  msg: Pick<Message, 'topic' | 'tags' | 'keys'>,
  result: Pick<SendResult, 'msgId' | 'regionId' | 'transactionId'>,
  storeHost: string,
  state: TransactionState,
  fromTransactionCheck: boolean,
): TraceRecord {
  return {
    ...emptyTraceRecord('EndTransaction'),
    timestamp: Date.now(),
    regionId: result.regionId ?? DEFAULT_TRACE_REGION_ID,
    groupName: group,
    topic: msg.topic,
    msgId: result.msgId,
    tags: msg.tags ?? '',
    keys: keysText(msg.keys),
    storeHost,
    msgType: 'Trans_msg_Commit',
    transactionId: result.transactionId ?? result.msgId,
    transactionState: state,
    fromTransactionCheck,
  };
}

const requestIds = new UniqKeyGenerator('127.0.0.1');

/** The SubBefore records of one consume call, kept for its SubAfter. */
export interface SubBefore {
  records: TraceRecord[];
  startedAt: number;
  count: number;
}

/**
 * SubBefore, one record per message of a consume call (ConsumeMessageTraceHookImpl's before):
 * a message whose TRACE_ON is "false" is left out; the region is the message's MSG_REGION.
 */
export function traceSubBefore(msgs: readonly MessageExt[], group: string, trace: TraceDispatcher): SubBefore {
  const now = Date.now();
  const requestId = requestIds.next(now);
  const records: TraceRecord[] = [];
  for (const m of msgs) {
    if (m.properties.get(MessageConst.PROPERTY_TRACE_SWITCH) === 'false') continue;
    records.push({
      ...emptyTraceRecord('SubBefore'),
      timestamp: now,
      regionId: m.properties.get(MessageConst.PROPERTY_MSG_REGION) ?? DEFAULT_TRACE_REGION_ID,
      groupName: group,
      requestId,
      topic: m.topic,
      msgId: m.msgId,
      tags: m.tags ?? '',
      keys: m.keys.join(' '),
      storeHost: m.storeHost,
      bodyLength: m.body.length,
      retryTimes: m.reconsumeTimes,
    });
  }
  for (const r of records) trace.append(r);
  return { records, startedAt: now, count: msgs.length };
}

/** SubAfter for each SubBefore record: the call's time shared among its messages, as Java does. */
export function traceSubAfter(b: SubBefore, success: boolean, contextCode: number, trace: TraceDispatcher): void {
  const costTime = Math.floor((Date.now() - b.startedAt) / Math.max(1, b.count));
  const now = Date.now();
  for (const r of b.records) trace.append({ ...r, type: 'SubAfter', timestamp: now, costTime, success, contextCode });
}

/**
 * A listener that writes SubBefore before and SubAfter after each call of `listener` (one
 * record per message, the call's time shared among them, as Java does). Messages whose
 * TRACE_ON property is "false" are not traced.
 */
export function tracedListener(listener: MessageListener, group: string, trace: TraceDispatcher): MessageListener {
  const before = (msgs: MessageExt[]) => traceSubBefore(msgs, group, trace);
  const after = (b: SubBefore, success: boolean, contextCode: number) => traceSubAfter(b, success, contextCode, trace);
  // ConsumeReturnType ordinals: SUCCESS 0, EXCEPTION 2, RETURNNULL 3, FAILED 4.
  const run = async <S>(b: SubBefore, call: () => unknown, ok: S): Promise<S | undefined> => {
    try {
      const status = (await call()) as S | undefined;
      const success = status === undefined || status === ok;
      after(b, success, status === undefined ? 3 : success ? 0 : 4);
      return status;
    } catch (e) {
      after(b, false, 2);
      throw e;
    }
  };
  if (listener.type === 'concurrently') {
    return {
      type: 'concurrently',
      consume: (msgs, ctx) => run(before(msgs), () => listener.consume(msgs, ctx), 'CONSUME_SUCCESS' as const),
    };
  }
  return {
    type: 'orderly',
    consume: (msgs, ctx) => run(before(msgs), () => listener.consume(msgs, ctx), 'SUCCESS' as const),
  };
}
