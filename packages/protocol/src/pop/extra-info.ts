import { err, ok, type Result } from '@rocketmq-ts/common';
import { POP_ORDER_REVIVE_QUEUE, type PopRetryFlag } from './pop-names.js';

// extraInfo (`POP_CK`, the remoting receipt handle): eight fields joined by one space,
//   ckQueueOffset popTime invisibleTime reviveQid topicType brokerName queueId queueOffset
// and a ninth, the CommitLog offset, appended by the gRPC proxy. topicType is the retry flag
// (0 normal, 1 retry v1, 2 retry v2); reviveQid 999 marks a FIFO pop (no checkpoint).

export interface ExtraInfo {
  /** Start offset of the pop batch in its queue (the checkpoint's `so`). */
  ckQueueOffset: number;
  popTime: number;
  invisibleTime: number;
  reviveQid: number;
  retryFlag: PopRetryFlag;
  brokerName: string;
  queueId: number;
  queueOffset: number;
  /** Only in proxy receipt handles. */
  commitLogOffset?: number;
}

const SEP = ' ';

export function buildExtraInfo(e: ExtraInfo): string {
  const base = `${e.ckQueueOffset}${SEP}${e.popTime}${SEP}${e.invisibleTime}${SEP}${e.reviveQid}${SEP}${e.retryFlag}${SEP}${e.brokerName}${SEP}${e.queueId}${SEP}${e.queueOffset}`;
  return e.commitLogOffset === undefined ? base : `${base}${SEP}${e.commitLogOffset}`;
}

const INTEGER = /^-?\d{1,19}$/;

function integer(text: string | undefined, name: string): Result<number, string> {
  if (text === undefined || !INTEGER.test(text)) return err(`extraInfo field ${name} is not a number: ${text ?? ''}`);
  const n = Number(text);
  return Number.isSafeInteger(n) ? ok(n) : err(`extraInfo field ${name} out of range: ${text}`);
}

/** Parses a handle of 8 or 9 fields; anything else is an error value, never a throw. */
export function parseExtraInfo(text: string): Result<ExtraInfo, string> {
  const parts = text.split(SEP);
  if (parts.length !== 8 && parts.length !== 9) return err(`extraInfo has ${parts.length} fields, expected 8 or 9`);
  const names = ['ckQueueOffset', 'popTime', 'invisibleTime', 'reviveQid', 'topicType'] as const;
  const nums: number[] = [];
  for (let i = 0; i < names.length; i++) {
    const r = integer(parts[i], names[i]!);
    if (!r.ok) return r;
    nums.push(r.value);
  }
  const flag = nums[4]!;
  if (flag !== 0 && flag !== 1 && flag !== 2) return err(`extraInfo topicType must be 0, 1 or 2: ${flag}`);
  const brokerName = parts[5]!;
  if (brokerName === '') return err('extraInfo brokerName is empty');
  const queueId = integer(parts[6], 'queueId');
  if (!queueId.ok) return queueId;
  const queueOffset = integer(parts[7], 'queueOffset');
  if (!queueOffset.ok) return queueOffset;
  const info: ExtraInfo = {
    ckQueueOffset: nums[0]!,
    popTime: nums[1]!,
    invisibleTime: nums[2]!,
    reviveQid: nums[3]!,
    retryFlag: flag,
    brokerName,
    queueId: queueId.value,
    queueOffset: queueOffset.value,
  };
  if (parts.length === 9) {
    const phy = integer(parts[8], 'commitLogOffset');
    if (!phy.ok) return phy;
    info.commitLogOffset = phy.value;
  }
  return ok(info);
}

export const isOrderExtraInfo = (e: Pick<ExtraInfo, 'reviveQid'>): boolean => e.reviveQid === POP_ORDER_REVIVE_QUEUE;
