// RocketMQ's message-trace records (the client's TraceDataEncoder format) as they are stored
// in RMQ_SYS_TRACE_TOPIC: records end with \u0002, fields are separated by \u0001, and every
// record message is indexed by the traced message's id (and its keys).

const FIELD = '\u0001';
const RECORD = '\u0002';

const MESSAGE_TYPES = ['Normal_Msg', 'Trans_Msg_Half', 'Trans_msg_Commit', 'Delay_Msg', 'Order_Msg'];

export interface TraceRecord {
  type: 'Pub' | 'SubBefore' | 'SubAfter' | 'EndTransaction';
  timestamp?: number;
  regionId?: string;
  groupName?: string;
  topic?: string;
  msgId: string;
  tags?: string;
  keys?: string;
  storeHost?: string;
  bodyLength?: number;
  costTime?: number;
  msgType?: string;
  offsetMsgId?: string;
  success?: boolean;
  clientHost?: string;
  requestId?: string;
  retryTimes?: number;
  contextCode?: number;
  transactionId?: string;
  transactionState?: string;
  fromTransactionCheck?: boolean;
}

const int = (s: string | undefined): number | undefined => {
  if (s === undefined || !/^-?\d+$/.test(s)) return undefined;
  return Number(s);
};
const bool = (s: string | undefined): boolean | undefined => (s === undefined ? undefined : s === 'true');
const msgType = (s: string | undefined): string | undefined => {
  const i = int(s);
  return i === undefined ? undefined : (MESSAGE_TYPES[i] ?? String(i));
};

/** The fields Pub and EndTransaction records begin with, in this order. */
const publishHead = (f: string[]) => ({
  timestamp: int(f[1]),
  regionId: f[2],
  groupName: f[3],
  topic: f[4],
  msgId: f[5] ?? '',
  tags: f[6],
  keys: f[7],
  storeHost: f[8],
});

/** Decodes the records of one trace message body; records of unknown types are skipped. */
export function decodeTraceData(data: string): TraceRecord[] {
  const out: TraceRecord[] = [];
  for (const rec of data.split(RECORD)) {
    if (rec === '') continue;
    const f = rec.split(FIELD);
    switch (f[0]) {
      case 'Pub':
        out.push({
          type: 'Pub',
          ...publishHead(f),
          bodyLength: int(f[9]),
          costTime: int(f[10]),
          msgType: msgType(f[11]),
          // 13 fields: no offsetMsgId; 14 or more: offsetMsgId, success[, clientHost]
          offsetMsgId: f.length >= 14 ? f[12] : undefined,
          success: bool(f.length >= 14 ? f[13] : f[12]),
          clientHost: f[14],
        });
        break;
      case 'SubBefore':
        out.push({
          type: 'SubBefore',
          timestamp: int(f[1]),
          regionId: f[2],
          groupName: f[3],
          requestId: f[4],
          msgId: f[5] ?? '',
          retryTimes: int(f[6]),
          keys: f[7],
        });
        break;
      case 'SubAfter':
        out.push({
          type: 'SubAfter',
          requestId: f[1],
          msgId: f[2] ?? '',
          costTime: int(f[3]),
          success: bool(f[4]),
          keys: f[5],
          contextCode: int(f[6]),
          timestamp: int(f[7]),
          groupName: f[8],
        });
        break;
      case 'EndTransaction':
        out.push({
          type: 'EndTransaction',
          ...publishHead(f),
          msgType: msgType(f[9]),
          transactionId: f[10],
          transactionState: f[11],
          fromTransactionCheck: bool(f[12]),
        });
        break;
      default:
        break;
    }
  }
  return out;
}
