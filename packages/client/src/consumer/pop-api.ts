import {
  AckMessageRequestHeader,
  ChangeInvisibleTimeRequestHeader,
  ChangeInvisibleTimeResponseHeader,
  type HeaderType,
  PopMessageRequestHeader,
  PopMessageResponseHeader,
  RequestCode,
  ResponseCode,
} from '@rocketmq-ts/protocol';
import { type ClientAPI, decodeHeader, request } from '../client-api.js';
import { brokerError } from '../errors.js';
import { decodePopMessages, type PopMessage } from './pop-message.js';

// The Pop requests of a client (Java MQClientAPIImpl popMessageAsync / ackMessageAsync /
// changeInvisibleTimeAsync): POP_MESSAGE, ACK_MESSAGE and CHANGE_MESSAGE_INVISIBLETIME, each
// answered by the master of the broker that owns the queue.

export type PopRequest = HeaderType<typeof PopMessageRequestHeader>;
export type AckRequest = HeaderType<typeof AckMessageRequestHeader>;
export type ChangeInvisibleRequest = HeaderType<typeof ChangeInvisibleTimeRequestHeader>;

/** FOUND: messages; NO_NEW_MSG: the long poll ended empty (POLLING_TIMEOUT, NO_MESSAGE, PULL_NOT_FOUND). */
export interface PopResult {
  status: 'FOUND' | 'NO_NEW_MSG';
  messages: PopMessage[];
  /** Messages left behind in the popped queues (the broker's estimate). */
  restNum: number;
}

const EMPTY_CODES: ReadonlySet<number> = new Set([
  ResponseCode.POLLING_TIMEOUT,
  ResponseCode.NO_MESSAGE,
  ResponseCode.PULL_NOT_FOUND,
]);

/**
 * POP_MESSAGE. The request waits up to `pollTime` at the broker, so its timeout is that plus
 * `timeoutMs`. Any other answer than a message list or an empty poll (POLLING_FULL, a missing
 * topic or group, no permission) is thrown as the broker's error.
 */
export async function popMessage(
  api: ClientAPI,
  addr: string,
  brokerName: string,
  header: PopRequest,
  timeoutMs: number,
): Promise<PopResult> {
  const r = await api.invoke(addr, request(RequestCode.POP_MESSAGE, PopMessageRequestHeader, header), timeoutMs);
  if (EMPTY_CODES.has(r.code)) return { status: 'NO_NEW_MSG', messages: [], restNum: 0 };
  if (r.code !== ResponseCode.SUCCESS) throw brokerError(addr, r);
  const h = decodeHeader(PopMessageResponseHeader, addr, r);
  const messages = r.body ? decodePopMessages(r.body, h, brokerName, header.topic, header.order === true) : [];
  return { status: 'FOUND', messages, restNum: h.restNum };
}

/** ACK_MESSAGE; any code but SUCCESS is thrown. */
export async function ackMessage(api: ClientAPI, addr: string, header: AckRequest): Promise<void> {
  await api.invokeOk(addr, request(RequestCode.ACK_MESSAGE, AckMessageRequestHeader, header));
}

/** CHANGE_MESSAGE_INVISIBLETIME; the answer carries what the new receipt handle is built from. */
export async function changeInvisibleTime(
  api: ClientAPI,
  addr: string,
  header: ChangeInvisibleRequest,
): Promise<{ popTime: number; invisibleTime: number; reviveQid: number }> {
  const cmd = request(RequestCode.CHANGE_MESSAGE_INVISIBLETIME, ChangeInvisibleTimeRequestHeader, header);
  const r = await api.invoke(addr, cmd);
  if (r.code !== ResponseCode.SUCCESS) throw brokerError(addr, r);
  return decodeHeader(ChangeInvisibleTimeResponseHeader, addr, r);
}
