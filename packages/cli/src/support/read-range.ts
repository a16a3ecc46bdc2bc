import { LitePullConsumer, type MessageExt, type MessageQueue } from '@rocketmq-ts/client';
import { withAdmin } from './run.js';

export interface RangeOptions {
  namesrvAddr: string;
  topic: string;
  brokerName?: string | undefined;
  queueId?: number | undefined;
  /** Start at this queue offset (default: each queue's min offset). */
  offset?: number | undefined;
  /** Start at the first message stored at/after this time. */
  begin?: number | undefined;
  /** Stop at messages stored after this time. */
  end?: number | undefined;
  /** Stop after this many messages. */
  count?: number | undefined;
  /** Tag expression, `*` for all. */
  tags?: string | undefined;
  group: string;
}

/**
 * Reads the messages a topic holds right now, queue by queue, from a start point to the end
 * offset each queue had when the read began: what consumeMessage and printMsg print.
 */
export async function readRange(o: RangeOptions, onMessage: (m: MessageExt) => void): Promise<number> {
  const ranges = await withAdmin({ namesrvAddr: o.namesrvAddr }, async (admin) => {
    const stats = await admin.topicStats(o.topic);
    const out: { mq: MessageQueue; start: number; end: number }[] = [];
    for (const s of stats) {
      if (o.brokerName !== undefined && s.mq.brokerName !== o.brokerName) continue;
      if (o.queueId !== undefined && s.mq.queueId !== o.queueId) continue;
      let start = s.minOffset;
      if (o.offset !== undefined) start = Math.min(Math.max(o.offset, s.minOffset), s.maxOffset);
      else if (o.begin !== undefined) start = await admin.searchOffset(s.mq, o.begin);
      if (start < s.maxOffset) out.push({ mq: s.mq, start, end: s.maxOffset });
    }
    return out;
  });
  if (ranges.length === 0) return 0;
  const tagSet = o.tags && o.tags !== '*' ? new Set(o.tags.split('||').map((t) => t.trim())) : undefined;
  const lite = new LitePullConsumer({
    namesrvAddr: o.namesrvAddr,
    consumerGroup: o.group,
    autoCommit: false,
    pullBatchSize: 32,
  });
  lite.assign(ranges.map((r) => r.mq));
  await lite.start();
  let printed = 0;
  try {
    const remaining = new Map(ranges.map((r) => [`${r.mq.brokerName}@${r.mq.queueId}`, r]));
    for (const r of ranges) await lite.seek(r.mq, r.start);
    let idle = 0;
    while (remaining.size > 0 && (o.count === undefined || printed < o.count) && idle < 3) {
      const batch = await lite.poll(2000);
      if (batch.length === 0) {
        idle++;
        continue;
      }
      idle = 0;
      for (const m of batch) {
        const k = `${m.brokerName}@${m.queueId}`;
        const r = remaining.get(k);
        if (!r || m.queueOffset >= r.end) continue;
        if (m.queueOffset + 1 >= r.end) remaining.delete(k);
        if (o.end !== undefined && m.storeTimestamp > o.end) continue;
        if (tagSet && (m.tags === undefined || !tagSet.has(m.tags))) continue;
        if (o.count !== undefined && printed >= o.count) break;
        onMessage(m);
        printed++;
      }
    }
  } finally {
    await lite.shutdown();
  }
  return printed;
}
