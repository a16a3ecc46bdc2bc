import { err, ok, type Result } from '@rocketmq-ts/common';

// RocketMQ 5.3's recall handle (RecallMessageHandle.HandleV1): the URL-safe Base64 (with
// padding) of `v1 <topic> <brokerName> <timestamp> <uniqKey>`, space-separated. The
// timestamp is the message's TIMER_OUT_MS + 1, so it falls in the same wheel slot.

export interface RecallHandle {
  topic: string;
  brokerName: string;
  /** As sent: the broker parses it as a long and refuses what is not one. */
  timestamp: string;
  /** UNIQ_KEY of the timer message. */
  messageId: string;
}

export function encodeRecallHandle(h: RecallHandle): string {
  const raw = ['v1', h.topic, h.brokerName, h.timestamp, h.messageId].join(' ');
  return Buffer.from(raw, 'utf8').toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
}

const BASE64URL = /^[A-Za-z0-9_-]*={0,2}$/;

/** Java's decodeHandle: errors carry its message, "recall handle is invalid". */
export function decodeRecallHandle(handle: string | undefined): Result<RecallHandle, string> {
  const invalid = err('recall handle is invalid');
  if (handle === undefined || handle.length === 0 || !BASE64URL.test(handle) || handle.length % 4 === 1) return invalid;
  const raw = Buffer.from(handle.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8');
  const items = raw.split(' ');
  if (items[0] !== 'v1' || items.length < 5) return invalid;
  return ok({ topic: items[1]!, brokerName: items[2]!, timestamp: items[3]!, messageId: items[4]! });
}
