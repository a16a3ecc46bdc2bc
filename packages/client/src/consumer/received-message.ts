import {
  createOffsetMsgId,
  decodeProperties,
  formatHost,
  MessageConst,
  type MessageProperties,
  MessageSysFlag,
  NAME_VALUE_SEPARATOR,
  PROPERTY_SEPARATOR,
  readInt64,
} from '@rocketmq-ts/protocol';
import type { MessageExt } from '../message.js';

const PROPERTY_SEPARATOR_BYTE = PROPERTY_SEPARATOR.charCodeAt(0);

/** Where the variable-position parts of one record sit in the response buffer. */
export interface RecordSpans {
  /** Start of the record. */
  pos: number;
  /** Start of STOREHOST (after BORNHOST and STORETIMESTAMP). */
  storeHostPos: number;
  propertiesPos: number;
  propertiesLength: number;
}

/**
 * A pulled message that reads from the response buffer on demand. Only what the consumer
 * itself needs (topic, body, queue offset, sysFlag) is read when the message is decoded; every
 * other field when first asked for, so a listener that looks at bodies alone never pays for
 * the UTF-8 properties string, its Map, two host strings, two hex ids and the other fixed
 * fields of each message. Every field can still be assigned, as on a plain MessageExt.
 *
 * The properties the push consumer adds (MIN_OFFSET, MAX_OFFSET, CONSUME_START_TIME) are kept
 * as numbers and enter the Map, after the stored ones, when it is first built.
 */
export class ReceivedMessage implements MessageExt {
  topic: string;
  body: Buffer;
  brokerName: string;
  queueOffset: number;
  sysFlag: number;

  protected readonly buf: Buffer;
  protected readonly spans: RecordSpans;
  protected props: MessageProperties | undefined;
  private tagsValue: string | undefined | null = null;
  private keysValue: string[] | undefined;
  private msgIdValue: string | undefined;
  private offsetMsgIdValue: string | undefined;
  private bornHostValue: string | undefined;
  private storeHostValue: string | undefined;
  private queueIdValue: number | undefined;
  private flagValue: number | undefined;
  private commitLogOffsetValue: number | undefined;
  private bornTimestampValue: number | undefined;
  private storeTimestampValue: number | undefined;
  private reconsumeTimesValue: number | undefined;
  private preparedTransactionOffsetValue: number | undefined;
  private minOffset = -1;
  private maxOffset = -1;
  private consumeStartAt = -1;

  constructor(buf: Buffer, spans: RecordSpans, topic: string, body: Buffer, brokerName: string) {
    this.buf = buf;
    this.spans = spans;
    this.topic = topic;
    this.body = body;
    this.brokerName = brokerName;
    this.queueOffset = readInt64(buf, spans.pos + 20);
    this.sysFlag = buf.readInt32BE(spans.pos + 36);
  }

  get queueId(): number {
    this.queueIdValue ??= this.buf.readInt32BE(this.spans.pos + 12);
    return this.queueIdValue;
  }
  set queueId(value: number) {
    this.queueIdValue = value;
  }

  get flag(): number {
    this.flagValue ??= this.buf.readInt32BE(this.spans.pos + 16);
    return this.flagValue;
  }
  set flag(value: number) {
    this.flagValue = value;
  }

  get commitLogOffset(): number {
    this.commitLogOffsetValue ??= readInt64(this.buf, this.spans.pos + 28);
    return this.commitLogOffsetValue;
  }
  set commitLogOffset(value: number) {
    this.commitLogOffsetValue = value;
  }

  get bornTimestamp(): number {
    this.bornTimestampValue ??= readInt64(this.buf, this.spans.pos + 40);
    return this.bornTimestampValue;
  }
  set bornTimestamp(value: number) {
    this.bornTimestampValue = value;
  }

  get storeTimestamp(): number {
    this.storeTimestampValue ??= readInt64(this.buf, this.spans.storeHostPos - 8);
    return this.storeTimestampValue;
  }
  set storeTimestamp(value: number) {
    this.storeTimestampValue = value;
  }

  /** RECONSUMETIMES and PREPAREDTRANSACTIONOFFSET follow STOREHOST. */
  private get afterStoreHost(): number {
    return this.spans.storeHostPos + (this.sysFlag & MessageSysFlag.STOREHOSTADDRESS_V6_FLAG ? 20 : 8);
  }

  get reconsumeTimes(): number {
    this.reconsumeTimesValue ??= this.buf.readInt32BE(this.afterStoreHost);
    return this.reconsumeTimesValue;
  }
  set reconsumeTimes(value: number) {
    this.reconsumeTimesValue = value;
  }

  get preparedTransactionOffset(): number {
    this.preparedTransactionOffsetValue ??= readInt64(this.buf, this.afterStoreHost + 4);
    return this.preparedTransactionOffsetValue;
  }
  set preparedTransactionOffset(value: number) {
    this.preparedTransactionOffsetValue = value;
  }

  get properties(): MessageProperties {
    let p = this.props;
    if (p === undefined) {
      const { propertiesPos, propertiesLength } = this.spans;
      p =
        propertiesLength > 0
          ? decodeProperties(this.buf.toString('utf8', propertiesPos, propertiesPos + propertiesLength))
          : new Map();
      if (this.minOffset >= 0) {
        p.set(MessageConst.PROPERTY_MIN_OFFSET, String(this.minOffset));
        p.set(MessageConst.PROPERTY_MAX_OFFSET, String(this.maxOffset));
      }
      if (this.consumeStartAt >= 0) p.set(MessageConst.PROPERTY_CONSUME_START_TIMESTAMP, String(this.consumeStartAt));
      this.props = p;
      this.addProperties(p);
    }
    return p;
  }

  /** What a subclass adds to the Map when it is first built, after the stored properties. */
  protected addProperties(_p: MessageProperties): void {}

  /** Whether the stored properties have `key`, read from the record's bytes (no Map built). */
  protected hasStoredProperty(key: string): boolean {
    if (this.props !== undefined) return this.props.has(key);
    const { propertiesPos, propertiesLength } = this.spans;
    const bytes = this.buf.subarray(propertiesPos, propertiesPos + propertiesLength);
    const needle = `${key}${NAME_VALUE_SEPARATOR}`;
    for (let i = bytes.indexOf(needle); i >= 0; i = bytes.indexOf(needle, i + 1)) {
      // A key starts the properties or follows a PROPERTY_SEPARATOR.
      if (i === 0 || bytes[i - 1] === PROPERTY_SEPARATOR_BYTE) return true;
    }
    return false;
  }
  set properties(value: MessageProperties) {
    this.props = value;
  }

  get tags(): string | undefined {
    if (this.tagsValue === null) this.tagsValue = this.properties.get(MessageConst.PROPERTY_TAGS);
    return this.tagsValue;
  }
  set tags(value: string | undefined) {
    this.tagsValue = value;
  }

  get keys(): string[] {
    if (this.keysValue === undefined) {
      const keys = this.properties.get(MessageConst.PROPERTY_KEYS);
      this.keysValue = keys ? keys.split(MessageConst.KEY_SEPARATOR).filter((k) => k !== '') : [];
    }
    return this.keysValue;
  }
  set keys(value: string[]) {
    this.keysValue = value;
  }

  /** Client message id (UNIQ_KEY) when present, else the offset id. */
  get msgId(): string {
    this.msgIdValue ??= this.properties.get(MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX) ?? this.offsetMsgId;
    return this.msgIdValue;
  }
  set msgId(value: string) {
    this.msgIdValue = value;
  }

  get offsetMsgId(): string {
    if (this.offsetMsgIdValue === undefined) {
      const p = this.spans.storeHostPos;
      const v6 = (this.sysFlag & MessageSysFlag.STOREHOSTADDRESS_V6_FLAG) !== 0;
      const host = { bytes: this.buf.subarray(p, p + (v6 ? 20 : 8)), v6 };
      this.offsetMsgIdValue = createOffsetMsgId(host, this.commitLogOffset);
    }
    return this.offsetMsgIdValue;
  }
  set offsetMsgId(value: string) {
    this.offsetMsgIdValue = value;
  }

  get bornHost(): string {
    this.bornHostValue ??= formatHost(
      this.buf,
      this.spans.pos + 48,
      (this.sysFlag & MessageSysFlag.BORNHOST_V6_FLAG) !== 0,
    );
    return this.bornHostValue;
  }
  set bornHost(value: string) {
    this.bornHostValue = value;
  }

  get storeHost(): string {
    this.storeHostValue ??= formatHost(
      this.buf,
      this.spans.storeHostPos,
      (this.sysFlag & MessageSysFlag.STOREHOSTADDRESS_V6_FLAG) !== 0,
    );
    return this.storeHostValue;
  }
  set storeHost(value: string) {
    this.storeHostValue = value;
  }

  /** The queue's offset range at pull time (MIN_OFFSET / MAX_OFFSET properties). */
  setQueueRange(minOffset: number, maxOffset: number): void {
    if (this.props !== undefined) {
      this.props.set(MessageConst.PROPERTY_MIN_OFFSET, String(minOffset));
      this.props.set(MessageConst.PROPERTY_MAX_OFFSET, String(maxOffset));
    } else {
      this.minOffset = minOffset;
      this.maxOffset = maxOffset;
    }
  }

  /** When the listener was handed the message (CONSUME_START_TIME property). */
  setConsumeStart(now: number): void {
    if (this.props !== undefined) this.props.set(MessageConst.PROPERTY_CONSUME_START_TIMESTAMP, String(now));
    else this.consumeStartAt = now;
  }

  /** Plain data, as a JSON encoder or a structured clone would want it (getters are not own properties). */
  toJSON(): MessageExt {
    return {
      topic: this.topic,
      body: this.body,
      tags: this.tags,
      keys: this.keys,
      msgId: this.msgId,
      offsetMsgId: this.offsetMsgId,
      queueId: this.queueId,
      brokerName: this.brokerName,
      queueOffset: this.queueOffset,
      commitLogOffset: this.commitLogOffset,
      sysFlag: this.sysFlag,
      flag: this.flag,
      bornTimestamp: this.bornTimestamp,
      bornHost: this.bornHost,
      storeTimestamp: this.storeTimestamp,
      storeHost: this.storeHost,
      reconsumeTimes: this.reconsumeTimes,
      preparedTransactionOffset: this.preparedTransactionOffset,
      properties: this.properties,
    };
  }
}

/** Sets the pull-time properties on a message of any kind. */
export function setQueueRange(m: MessageExt, minOffset: number, maxOffset: number): void {
  if (m instanceof ReceivedMessage) m.setQueueRange(minOffset, maxOffset);
  else {
    m.properties.set(MessageConst.PROPERTY_MIN_OFFSET, String(minOffset));
    m.properties.set(MessageConst.PROPERTY_MAX_OFFSET, String(maxOffset));
  }
}

export function setConsumeStart(m: MessageExt, now: number): void {
  if (m instanceof ReceivedMessage) m.setConsumeStart(now);
  else m.properties.set(MessageConst.PROPERTY_CONSUME_START_TIMESTAMP, String(now));
}
