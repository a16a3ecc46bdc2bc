// HEART_BEAT (34) body and its parts, as the Java client serialises them (fastjson field
// names). Consumers and producers both send it; the broker keeps the latest per client.

export type ConsumeType = 'CONSUME_ACTIVELY' | 'CONSUME_PASSIVELY' | 'CONSUME_POP';
export type MessageModel = 'CLUSTERING' | 'BROADCASTING';
export type ConsumeFromWhere =
  | 'CONSUME_FROM_LAST_OFFSET'
  | 'CONSUME_FROM_FIRST_OFFSET'
  | 'CONSUME_FROM_TIMESTAMP'
  | 'CONSUME_FROM_LAST_OFFSET_AND_FROM_MIN_WHEN_BOOT_FIRST'
  | 'CONSUME_FROM_MIN_OFFSET'
  | 'CONSUME_FROM_MAX_OFFSET';

export interface SubscriptionData {
  topic: string;
  subString: string;
  tagsSet: string[];
  codeSet: number[];
  subVersion: number;
  expressionType: string;
  classFilterMode?: boolean;
}

export interface ConsumerData {
  groupName: string;
  consumeType: ConsumeType;
  messageModel: MessageModel;
  consumeFromWhere: ConsumeFromWhere;
  subscriptionDataSet: SubscriptionData[];
  unitMode: boolean;
}

export interface ProducerData {
  groupName: string;
}

export interface HeartbeatData {
  clientID: string;
  producerDataSet: ProducerData[];
  consumerDataSet: ConsumerData[];
  heartbeatFingerprint?: number;
  withoutSub?: boolean;
}

const str = (v: unknown, d = ''): string => (typeof v === 'string' ? v : v === undefined || v === null ? d : String(v));
const num = (v: unknown, d = 0): number =>
  typeof v === 'number' ? v : typeof v === 'string' && v !== '' ? Number(v) : d;
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const obj = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

export function normaliseSubscription(v: unknown): SubscriptionData {
  const o = obj(v);
  return {
    topic: str(o.topic),
    subString: str(o.subString, '*'),
    tagsSet: arr(o.tagsSet).map((t) => str(t)),
    codeSet: arr(o.codeSet).map((c) => num(c)),
    subVersion: num(o.subVersion),
    expressionType: str(o.expressionType, 'TAG'),
    classFilterMode: o.classFilterMode === true,
  };
}

/**
 * Parses a heartbeat body. Tolerant the way fastjson is: missing sets become empty, numbers
 * sent as strings are read. Returns an error string when the body is not a JSON object or
 * has no client id.
 */
export function decodeHeartbeat(body: Buffer | undefined): HeartbeatData | string {
  if (!body || body.length === 0) return 'heartbeat body is empty';
  let raw: unknown;
  try {
    raw = JSON.parse(body.toString('utf8'));
  } catch (e) {
    return `heartbeat body is not JSON: ${(e as Error).message}`;
  }
  const o = obj(raw);
  const clientID = str(o.clientID);
  if (clientID === '') return 'heartbeat has no clientID';
  return {
    clientID,
    producerDataSet: arr(o.producerDataSet).map((p) => ({ groupName: str(obj(p).groupName) })),
    consumerDataSet: arr(o.consumerDataSet).map((c) => {
      const d = obj(c);
      return {
        groupName: str(d.groupName),
        consumeType: str(d.consumeType, 'CONSUME_PASSIVELY') as ConsumeType,
        messageModel: str(d.messageModel, 'CLUSTERING') as MessageModel,
        consumeFromWhere: str(d.consumeFromWhere, 'CONSUME_FROM_LAST_OFFSET') as ConsumeFromWhere,
        subscriptionDataSet: arr(d.subscriptionDataSet).map(normaliseSubscription),
        unitMode: d.unitMode === true,
      };
    }),
    heartbeatFingerprint: num(o.heartbeatFingerprint),
    withoutSub: o.withoutSub === true,
  };
}

export function encodeHeartbeat(h: HeartbeatData): Buffer {
  return Buffer.from(JSON.stringify(h), 'utf8');
}
