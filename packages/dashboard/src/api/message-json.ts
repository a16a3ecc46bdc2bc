import type { MessageExt } from '@rocketmq-ts/client';

/** Body bytes shown at most; the rest is counted in bodySize. */
const BODY_PREVIEW_BYTES = 16 * 1024;

export interface MessageSummary {
  msgId: string;
  offsetMsgId: string;
  topic: string;
  tags: string | undefined;
  keys: string[];
  brokerName: string;
  queueId: number;
  queueOffset: number;
  storeTimestamp: number;
  bornTimestamp: number;
  reconsumeTimes: number;
  bodySize: number;
}

export const summaryOf = (m: MessageExt): MessageSummary => ({
  msgId: m.msgId,
  offsetMsgId: m.offsetMsgId,
  topic: m.topic,
  tags: m.tags,
  keys: m.keys,
  brokerName: m.brokerName,
  queueId: m.queueId,
  queueOffset: m.queueOffset,
  storeTimestamp: m.storeTimestamp,
  bornTimestamp: m.bornTimestamp,
  reconsumeTimes: m.reconsumeTimes,
  bodySize: m.body.length,
});

/** Printable UTF-8 shows as text; anything else as base64. */
function bodyView(body: Buffer): { body: string; bodyEncoding: 'utf8' | 'base64'; bodyTruncated: boolean } {
  const slice = body.subarray(0, BODY_PREVIEW_BYTES);
  const text = slice.toString('utf8');
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters mark a binary body
  const binary = text.includes('\uFFFD') || /[\u0000-\u0008\u000E-\u001F]/.test(text);
  return {
    body: binary ? slice.toString('base64') : text,
    bodyEncoding: binary ? 'base64' : 'utf8',
    bodyTruncated: body.length > slice.length,
  };
}

export const detailOf = (m: MessageExt) => ({
  ...summaryOf(m),
  bornHost: m.bornHost,
  storeHost: m.storeHost,
  commitLogOffset: m.commitLogOffset,
  sysFlag: m.sysFlag,
  flag: m.flag,
  preparedTransactionOffset: m.preparedTransactionOffset,
  properties: Object.fromEntries([...m.properties].sort(([a], [b]) => a.localeCompare(b))),
  ...bodyView(m.body),
});
