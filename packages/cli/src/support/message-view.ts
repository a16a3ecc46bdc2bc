import type { MessageExt } from '@rocketmq-ts/client';
import { formatTime } from './output.js';

/** A message as JSON-friendly data. */
export function messageJson(m: MessageExt, withBody = true): Record<string, unknown> {
  return {
    topic: m.topic,
    msgId: m.msgId,
    offsetMsgId: m.offsetMsgId,
    tags: m.tags,
    keys: m.keys,
    queueId: m.queueId,
    brokerName: m.brokerName,
    queueOffset: m.queueOffset,
    commitLogOffset: m.commitLogOffset,
    reconsumeTimes: m.reconsumeTimes,
    bornTimestamp: m.bornTimestamp,
    bornHost: m.bornHost,
    storeTimestamp: m.storeTimestamp,
    storeHost: m.storeHost,
    sysFlag: m.sysFlag,
    flag: m.flag,
    properties: Object.fromEntries(m.properties),
    ...(withBody ? { body: m.body.toString('utf8') } : {}),
  };
}

/** The key: value block Java's queryMsgById prints. */
export function printMessageDetail(m: MessageExt): void {
  const rows: [string, unknown][] = [
    ['OffsetID', m.offsetMsgId],
    ['Topic', m.topic],
    ['Tags', `[${m.tags ?? ''}]`],
    ['Keys', `[${m.keys.join(' ')}]`],
    ['Queue ID', m.queueId],
    ['Queue Offset', m.queueOffset],
    ['CommitLog Offset', m.commitLogOffset],
    ['Reconsume Times', m.reconsumeTimes],
    ['Born Timestamp', formatTime(m.bornTimestamp)],
    ['Store Timestamp', formatTime(m.storeTimestamp)],
    ['Born Host', m.bornHost],
    ['Store Host', m.storeHost],
    ['System Flag', m.sysFlag],
    ['Properties', JSON.stringify(Object.fromEntries(m.properties))],
    ['Message Body', m.body.toString('utf8')],
  ];
  process.stdout.write(`${rows.map(([k, v]) => `${k.padEnd(20)}: ${String(v)}`).join('\n')}\n`);
}
