// Turns MessageInput into stored records. Validation and sizing happen once in prepare();
// write() then encodes straight into the caller's buffer once the physical and queue offsets
// are known. Shared by the file and memory stores so both produce identical bytes.
import {
  getPropertyFromString,
  type HostBytes,
  hostHexPrefix,
  MAX_PROPERTIES_SIZE,
  MessageConst,
  MessageSysFlag,
  measureStoredRecord,
  offsetMsgIdWithPrefix,
  parseHost,
  type RecordLayout,
  tagsHashCode,
  writeStoredRecord,
} from '@rocketmq-ts/protocol';
import type { MessageInput, PutMessageStatus } from '../message-store.js';

/** A validated message with its record size and the fields dispatch needs. */
export interface PreparedRecord {
  msg: MessageInput;
  bornHost: HostBytes;
  layout: RecordLayout;
  tagsCode: number;
  /** Prepared and rolled-back transaction records get no ConsumeQueue entry (as in RocketMQ). */
  consumable: boolean;
  /** Filled in when the record is placed (file store: read back at dispatch). */
  queueOffset: number;
  physicalOffset: number;
  storeTimestamp: number;
}

const MAX_TOPIC_BYTES = 32767;

/** Whether a sysFlag marks a record that is never put in a ConsumeQueue. */
export function isConsumable(sysFlag: number): boolean {
  const t = sysFlag & MessageSysFlag.TRANSACTION_TYPE_MASK;
  return t === MessageSysFlag.TRANSACTION_NOT_TYPE || t === MessageSysFlag.TRANSACTION_COMMIT_TYPE;
}

export class RecordEncoder {
  readonly storeHost: HostBytes;
  readonly msgIdPrefix: string;

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
    const layout = measureStoredRecord(
      msg.topic,
      msg.properties,
      msg.body.length,
      msg.sysFlag,
      bornHost.v6,
      this.storeHost.v6,
    );
    if (layout.topicLength > MAX_TOPIC_BYTES) return 'MESSAGE_ILLEGAL';
    if (layout.propertiesLength > MAX_PROPERTIES_SIZE) return 'PROPERTIES_SIZE_EXCEEDED';
    if (layout.size > this.maxRecordSize) return 'MESSAGE_ILLEGAL';
    const tagsCode = msg.tagsCode ?? tagsHashCode(getPropertyFromString(msg.properties, MessageConst.PROPERTY_TAGS));
    return {
      msg,
      bornHost,
      layout,
      tagsCode,
      consumable: isConsumable(layout.sysFlag),
      queueOffset: 0,
      physicalOffset: 0,
      storeTimestamp: 0,
    };
  }

  write(
    target: Buffer,
    pos: number,
    p: PreparedRecord,
    queueOffset: number,
    physicalOffset: number,
    storeTimestamp: number,
  ): number {
    const m = p.msg;
    return writeStoredRecord(
      target,
      pos,
      {
        topic: m.topic,
        queueId: m.queueId,
        flag: m.flag,
        body: m.body,
        properties: m.properties,
        sysFlag: p.layout.sysFlag,
        bornTimestamp: m.bornTimestamp,
        bornHost: p.bornHost,
        storeTimestamp,
        storeHost: this.storeHost,
        reconsumeTimes: m.reconsumeTimes,
        preparedTransactionOffset: m.preparedTransactionOffset,
        queueOffset,
        physicalOffset,
      },
      p.layout,
    );
  }

  msgId(physicalOffset: number): string {
    return offsetMsgIdWithPrefix(this.msgIdPrefix, physicalOffset);
  }
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
