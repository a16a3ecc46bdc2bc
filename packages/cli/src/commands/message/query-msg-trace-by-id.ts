import { decodeTraceData, RMQ_SYS_TRACE_TOPIC, type TraceRecord } from '@rocketmq-ts/protocol';
import type { Command } from 'commander';
import { parseTimestamp, printJson } from '../../support/output.js';
import { action, type CommonOptions, int, subcommand, withAdmin } from '../../support/run.js';

// mqadmin queryMsgTraceById: the trace records of one message id, found through the broker's
// index of the trace topic (trace messages are keyed by the ids they describe), printed as
// RocketMQ's tool prints them: the Pub record, then per consumer group its SubAfter records,
// each with its time and cost.

interface Options extends CommonOptions {
  msgId: string;
  traceTopic: string;
  beginTimestamp?: string;
  endTimestamp?: string;
  maxNum: number;
}

/** One record as the tool shows it (Java's TraceView). */
export interface TraceView {
  type: TraceRecord['type'];
  groupName: string;
  clientHost: string;
  timestamp: number;
  costTime: number;
  status: 'success' | 'failed';
  record: TraceRecord;
}

const pad2 = (n: number) => String(n).padStart(2, '0');
/** `yyyy-MM-dd HH:mm:ss`, local time, as Java's DateFormatUtils prints it. */
function localTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
}

const row = (cells: readonly string[]) =>
  `${cells
    .map((c, i) => (i < 4 ? c.padEnd(i === 0 ? 10 : 20) : c.padEnd(10)))
    .join(' ')
    .trimEnd()}\n`;

export function formatTrace(views: readonly TraceView[]): string {
  let out = '';
  const subs = new Map<string, TraceView[]>();
  const ends: TraceView[] = [];
  for (const v of views) {
    if (v.type === 'Pub') {
      out += row(['#Type', '#ProducerGroup', '#ClientHost', '#SendTime', '#CostTimes', '#Status']);
      out += row(['Pub', v.groupName, v.clientHost, localTime(v.timestamp), `${v.costTime}ms`, v.status]);
      out += '\n';
    } else if (v.type === 'SubAfter') {
      const list = subs.get(v.groupName) ?? [];
      list.push(v);
      subs.set(v.groupName, list);
    } else if (v.type === 'EndTransaction') ends.push(v);
  }
  for (const list of subs.values()) {
    out += row(['#Type', '#ConsumerGroup', '#ClientHost', '#ConsumerTime', '#CostTimes', '#Status']);
    for (const v of list) {
      out += row(['Sub', v.groupName, v.clientHost, localTime(v.timestamp), `${v.costTime}ms`, v.status]);
    }
    out += '\n';
  }
  for (const v of ends) {
    out += row(['#Type', '#ProducerGroup', '#ClientHost', '#EndTime', '#State', '#FromCheck']);
    out += row([
      'EndTx',
      v.groupName,
      v.clientHost,
      localTime(v.timestamp),
      v.record.transactionState,
      String(v.record.fromTransactionCheck),
    ]);
    out += '\n';
  }
  return out;
}

export function register(program: Command): void {
  subcommand(program, 'queryMsgTraceById', 'Query a message trace')
    .requiredOption('-i, --msgId <id>', 'message id')
    .option('-t, --traceTopic <topic>', 'the name value of message trace topic', RMQ_SYS_TRACE_TOPIC)
    .option('-b, --beginTimestamp <ts>', 'begin timestamp')
    .option('-e, --endTimestamp <ts>', 'end timestamp')
    .option('-c, --maxNum <n>', 'the maximum number of messages to query', int('maxNum'), 64)
    .action(
      action<Options>(async (o) => {
        const begin = o.beginTimestamp ? parseTimestamp(o.beginTimestamp) : 0;
        const end = o.endTimestamp ? parseTimestamp(o.endTimestamp) : Number.MAX_SAFE_INTEGER;
        const msgId = o.msgId.trim();
        const list = await withAdmin(o, (admin) => admin.queryMessageByKey(o.traceTopic, msgId, o.maxNum, begin, end));
        const views: TraceView[] = [];
        for (const m of list) {
          const decoded = decodeTraceData(m.body.toString('utf8'));
          if (!decoded.ok) {
            process.stderr.write(`trace message ${m.msgId}: ${decoded.error}\n`);
            continue;
          }
          for (const r of decoded.value) {
            if (r.msgId !== msgId) continue;
            views.push({
              type: r.type,
              groupName: r.groupName,
              clientHost: r.clientHost || m.bornHost,
              timestamp: r.timestamp,
              costTime: r.costTime,
              status: r.success ? 'success' : 'failed',
              record: r,
            });
          }
        }
        views.sort((a, b) => a.timestamp - b.timestamp);
        if (o.json) printJson(views);
        else process.stdout.write(formatTrace(views));
      }),
    );
}
