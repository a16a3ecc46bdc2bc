import { inflateSync } from 'node:zlib';
import { decodeStoredRecord, MessageConst, MessageSysFlag, MIN_RECORD_SIZE } from '@rocketmq-ts/protocol';
import type { MessageExt } from '../message.js';

/**
 * Decodes a pull/query/view response body record by record, straight from the buffer: no
 * intermediate JSON. Messages whose tag fails `accept` are skipped (the broker filters on
 * the tag hash only, and hashes can collide). Compressed bodies are inflated (zlib is what
 * every known producer uses; LZ4/ZSTD bodies are passed through untouched).
 */
export function decodeMessages(
  body: Buffer,
  brokerName: string,
  accept?: (tags: string | undefined) => boolean,
): MessageExt[] {
  const out: MessageExt[] = [];
  let pos = 0;
  while (pos + MIN_RECORD_SIZE <= body.length) {
    const v = decodeStoredRecord(body, pos);
    if (!v) break;
    pos += v.storeSize;
    const props = v.properties;
    const tags = props.get(MessageConst.PROPERTY_TAGS);
    if (accept && !accept(tags)) continue;
    let msgBody = v.body;
    if ((v.sysFlag & MessageSysFlag.COMPRESSED_FLAG) !== 0) {
      const type = v.sysFlag & MessageSysFlag.COMPRESSION_TYPE_MASK;
      if (type === 0 || type === MessageSysFlag.COMPRESSION_ZLIB_TYPE) {
        try {
          msgBody = inflateSync(v.body);
        } catch {
          // Leave the bytes as stored: a consumer sees something rather than losing the message.
        }
      }
    }
    const keys = props.get(MessageConst.PROPERTY_KEYS);
    out.push({
      topic: v.topic,
      body: msgBody,
      tags,
      keys: keys ? keys.split(MessageConst.KEY_SEPARATOR).filter((k) => k !== '') : [],
      msgId: props.get(MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX) ?? v.msgId,
      offsetMsgId: v.msgId,
      queueId: v.queueId,
      brokerName,
      queueOffset: v.queueOffset,
      commitLogOffset: v.physicalOffset,
      sysFlag: v.sysFlag,
      flag: v.flag,
      bornTimestamp: v.bornTimestamp,
      bornHost: v.bornHost,
      storeTimestamp: v.storeTimestamp,
      storeHost: v.storeHost,
      reconsumeTimes: v.reconsumeTimes,
      preparedTransactionOffset: v.preparedTransactionOffset,
      properties: props,
    });
  }
  return out;
}
