// Turns MessageInput into stored records. Validation and sizing happen once in prepare();
// write() then encodes straight into the caller's buffer once the physical and queue offsets
// are known. Shared by the file and memory stores so both produce identical bytes. The
// prepared record is one object that is both the encoder input and the layout, so an append
// allocates as little as possible (docs/store.md, "Hot path").
import {
  findIndexProperties,
  getPropertyFromString,
  type HostBytes,
  hostHexPrefix,
  type IndexPropertyRanges,
  isConsumableTransactionType,
  MAX_PROPERTIES_SIZE,
  MAX_V1_TOPIC_LENGTH,
  MessageConst,
  MessageSysFlag,
  offsetMsgIdWithPrefix,
  parseHost,
  type RecordLayout,
  type StoredRecordInput,
  storedRecordSize,
  writeStoredRecord,
} from '@rocketmq-ts/protocol';
import type { ConsumeQueue } from '../consumequeue/consume-queue.js';
import type { MessageInput, PutMessageStatus } from '../message-store.js';

/** A validated message with its record layout and the fields dispatch needs. */
export class PreparedRecord implements StoredRecordInput, RecordLayout, IndexPropertyRanges {
  readonly topic: string;
  readonly queueId: number;
  readonly flag: number;
  readonly body: Buffer;
  readonly properties: string;
  readonly bornTimestamp: number;
  readonly reconsumeTimes: number;
  readonly preparedTransactionOffset: number;
  /** Set when the record is placed (queue: the file store's ConsumeQueue, for dispatch). */
  queueOffset = 0;
  queue: ConsumeQueue | undefined = undefined;
  physicalOffset = 0;
  storeTimestamp = 0;
  /** Prepared and rolled-back transaction records get no ConsumeQueue entry (as in RocketMQ). */
  readonly consumable: boolean;
  readonly tagsCode: number;
  // Where TAGS, KEYS and UNIQ_KEY sit in `properties` (one scan; −1 when absent).
  tagsFrom = -1;
  tagsTo = -1;
  keysFrom = -1;
  keysTo = -1;
  uniqFrom = -1;
  uniqTo = -1;

  constructor(
    m: MessageInput,
    readonly bornHost: HostBytes,
    readonly storeHost: HostBytes,
    readonly sysFlag: number,
    readonly size: number,
    readonly topicLength: number,
    readonly propertiesLength: number,
    /** The topic's UTF-8 bytes (cached by the encoder per topic). */
    readonly topicBytes: Buffer,
  ) {
    this.topic = m.topic;
    this.queueId = m.queueId;
    this.flag = m.flag;
    this.body = m.body;
    this.properties = m.properties;
    this.bornTimestamp = m.bornTimestamp;
    this.reconsumeTimes = m.reconsumeTimes;
    this.preparedTransactionOffset = m.preparedTransactionOffset;
    this.consumable = isConsumableTransactionType(sysFlag);
    findIndexProperties(m.properties, this);
    this.tagsCode = m.tagsCode ?? (this.tagsFrom < 0 ? 0 : continueHash(0, m.properties, this.tagsFrom, this.tagsTo));
  }

  get v2(): boolean {
    return this.topicLength > MAX_V1_TOPIC_LENGTH;
  }
}

const MAX_TOPIC_BYTES = 32767;
const HOST_FLAGS = MessageSysFlag.BORNHOST_V6_FLAG | MessageSysFlag.STOREHOSTADDRESS_V6_FLAG;

export class RecordEncoder {
  readonly storeHost: HostBytes;
  readonly msgIdPrefix: string;
  /** UTF-8 bytes of recent topics: their length sizes the record, their bytes are copied into it. */
  private readonly topicBytes = new Map<string, Buffer>();
  private lastTopic = '';
  private lastTopicBytes: Buffer = Buffer.alloc(0);

  constructor(
    storeHost: string,
    private readonly maxMessageSize: number,
    /** Largest record a segment can take (segment size minus the blank filler header). */
    private readonly maxRecordSize: number,
  ) {
    const h = parseHost(storeHost);
    if (!h) throw new TypeError(`storeHost is not ip:port: ${storeHost}`);
    this.storeHost = h;
    this.msgIdPrefix = hostHexPrefix(h);
  }

  prepare(msg: MessageInput): PreparedRecord | PutMessageStatus {
    if (msg.body.length > this.maxMessageSize) return 'MESSAGE_ILLEGAL';
    if (msg.topic.length === 0 || msg.queueId < 0) return 'MESSAGE_ILLEGAL';
    const bornHost = parseHost(msg.bornHost);
    if (!bornHost) return 'MESSAGE_ILLEGAL';
    let topic = msg.topic === this.lastTopic ? this.lastTopicBytes : this.topicBytes.get(msg.topic);
    if (topic === undefined) {
      topic = Buffer.from(msg.topic, 'utf8');
      if (this.topicBytes.size > 10_000) this.topicBytes.clear();
      this.topicBytes.set(msg.topic, topic);
    }
    this.lastTopic = msg.topic;
    this.lastTopicBytes = topic;
    const topicLength = topic.length;
    if (topicLength > MAX_TOPIC_BYTES) return 'MESSAGE_ILLEGAL';
    const propertiesLength = msg.properties.length === 0 ? 0 : Buffer.byteLength(msg.properties, 'utf8');
    if (propertiesLength > MAX_PROPERTIES_SIZE) return 'PROPERTIES_SIZE_EXCEEDED';
    const storeV6 = this.storeHost.v6;
    const size = storedRecordSize(msg.body.length, topicLength, propertiesLength, bornHost.v6, storeV6);
    if (size > this.maxRecordSize) return 'MESSAGE_ILLEGAL';
    let sysFlag = msg.sysFlag & ~HOST_FLAGS;
    if (bornHost.v6) sysFlag |= MessageSysFlag.BORNHOST_V6_FLAG;
    if (storeV6) sysFlag |= MessageSysFlag.STOREHOSTADDRESS_V6_FLAG;
    return new PreparedRecord(msg, bornHost, this.storeHost, sysFlag, size, topicLength, propertiesLength, topic);
  }

  /**
   * Encodes `p` at buf[pos]; p.queueOffset / physicalOffset / storeTimestamp must be set.
   * Without `crc` BODYCRC is left 0 for the CommitLog writer to fill in (fillBodyCrcs).
   */
  write(target: Buffer, pos: number, p: PreparedRecord, crc = true): number {
    return crc ? writeStoredRecord(target, pos, p, p) : writeStoredRecord(target, pos, p, p, 0);
  }

  msgId(physicalOffset: number): string {
    return offsetMsgIdWithPrefix(this.msgIdPrefix, physicalOffset);
  }
}

/** Java String.hashCode continued over `s` from state `h`. */
function continueHash(h: number, s: string, from = 0, to = s.length): number {
  for (let i = from; i < to; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

const scratch: IndexPropertyRanges = { tagsFrom: -1, tagsTo: -1, keysFrom: -1, keysTo: -1, uniqFrom: -1, uniqTo: -1 };

/**
 * Calls `fn` with the String.hashCode of `<topic>#<key>` for each space-separated KEYS entry
 * and for the UNIQ_KEY, without building the key strings.
 */
export function forEachIndexKeyHash(topic: string, properties: string, fn: (hash: number) => void): void {
  findIndexProperties(properties, scratch);
  forEachIndexKeyHashIn(topic, properties, scratch, fn);
}

/** forEachIndexKeyHash with the property positions already found (the append path's form). */
export function forEachIndexKeyHashIn(
  topic: string,
  properties: string,
  r: IndexPropertyRanges,
  fn: (hash: number) => void,
): void {
  if (r.keysFrom < 0 && r.uniqFrom < 0) return;
  const base = continueHash(continueHash(0, topic), '#');
  if (r.keysFrom >= 0) {
    let start = r.keysFrom;
    for (let i = start; i <= r.keysTo; i++) {
      if (i === r.keysTo || properties.charCodeAt(i) === 32) {
        if (i > start) fn(continueHash(base, properties, start, i));
        start = i + 1;
      }
    }
  }
  if (r.uniqFrom >= 0) fn(continueHash(base, properties, r.uniqFrom, r.uniqTo));
}

/** Index keys of a record: each space-separated KEYS entry and the UNIQ_KEY, as `<topic>#<key>`. */
export function indexKeys(topic: string, properties: string): string[] {
  const out: string[] = [];
  const keys = getPropertyFromString(properties, MessageConst.PROPERTY_KEYS);
  if (keys) {
    for (const k of keys.split(MessageConst.KEY_SEPARATOR)) if (k.length > 0) out.push(`${topic}#${k}`);
  }
  const uniq = getPropertyFromString(properties, MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX);
  if (uniq) out.push(`${topic}#${uniq}`);
  return out;
}
