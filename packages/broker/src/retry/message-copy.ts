import {
  decodeProperties,
  encodeProperties,
  MessageConst,
  type MessageView,
  tagsHashCode,
} from '@rocketmq-ts/protocol';
import type { MessageInput } from '@rocketmq-ts/store';

// Re-storing a stored message elsewhere (send-back to %RETRY%/%DLQ%, delivery of a due
// scheduled message, commit of a transaction half message) always starts from the stored
// record: same body, flag, sysFlag, born data and reconsume count, new topic/queue and
// properties. These helpers build that input; callers decide what changes.

/** A stored record as the input of a new append, unchanged apart from what `patch` overrides. */
export function copyOf(view: MessageView, patch: Partial<MessageInput> = {}): MessageInput {
  const input: MessageInput = {
    topic: view.topic,
    queueId: view.queueId,
    flag: view.flag,
    body: view.body,
    properties: view.propertiesString,
    sysFlag: view.sysFlag,
    bornTimestamp: view.bornTimestamp,
    bornHost: view.bornHost,
    reconsumeTimes: view.reconsumeTimes,
    preparedTransactionOffset: view.preparedTransactionOffset,
    ...patch,
  };
  // The tag hash follows the (possibly new) properties unless the caller set one.
  if (patch.tagsCode === undefined) {
    input.tagsCode = tagsHashCode(decodeProperties(input.properties).get(MessageConst.PROPERTY_TAGS));
  }
  return input;
}

/** Properties string with `remove` keys deleted and `set` entries written. */
export function editProperties(
  text: string,
  edit: { remove?: (key: string) => boolean; set?: Record<string, string> },
): string {
  const props = decodeProperties(text);
  if (edit.remove) for (const key of [...props.keys()]) if (edit.remove(key)) props.delete(key);
  if (edit.set) for (const [k, v] of Object.entries(edit.set)) props.set(k, v);
  return encodeProperties(props);
}
