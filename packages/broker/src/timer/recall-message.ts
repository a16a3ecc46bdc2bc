import type { Clock } from '@rocketmq-ts/common';
import {
  createResponse,
  decodeRecallHandle,
  encodeProperties,
  MessageConst,
  Perm,
  RecallMessageRequestHeader,
  RecallMessageResponseHeader,
  type RemotingCommand,
  RequestCode,
  ResponseCode,
  tagsHashCode,
} from '@rocketmq-ts/protocol';
import type { RequestHandler } from '@rocketmq-ts/remoting';
import type { MessageInput, MessageStore } from '@rocketmq-ts/store';
import { decodeHeader, success } from '../admin/respond.js';
import type { FeatureProcessor, TopicRegistry } from '../runtime/ports.js';
import { parseJavaLong, placeTimerMessage, type TimerRules, timerDeleteKey } from './timer-message.js';

// RECALL_MESSAGE (370, RocketMQ 5.3's RecallMessageProcessor): a recall is itself a timer
// message for the same slot, carrying TIMER_DEL_UNIQKEY = <topic>+<uniqKey>. When the slot
// fires, the wheel reads the delete markers first and drops the messages they name.

const RECALL_TAG = '_RECALL_TAG_';

export interface RecallDeps {
  rules: TimerRules;
  recallMessageEnable: boolean;
  allowRecallWhenBrokerNotWriteable: boolean;
  brokerName: string;
  isSlave: boolean;
  brokerPermission(): number;
  topics: Pick<TopicRegistry, 'get'>;
  store: Pick<MessageStore, 'putMessage'>;
  clock: Clock;
}

export function recallProcessor(deps: RecallDeps): FeatureProcessor {
  const fail = (request: RemotingCommand, code: number, remark: string) => createResponse(request, code, remark);
  const handler: RequestHandler = async (request, conn) => {
    const d = decodeHeader(request, RecallMessageRequestHeader);
    if (!d.ok) return d.response;
    const h = d.header;
    if (!deps.recallMessageEnable)
      return fail(request, ResponseCode.NO_PERMISSION, 'recall failed, operation is forbidden');
    const unavailable = 'recall failed, broker service not available';
    if (deps.isSlave) return fail(request, ResponseCode.SLAVE_NOT_AVAILABLE, unavailable);
    if ((deps.brokerPermission() & Perm.WRITE) === 0 && !deps.allowRecallWhenBrokerNotWriteable) {
      return fail(request, ResponseCode.SERVICE_NOT_AVAILABLE, unavailable);
    }
    if (deps.topics.get(h.topic) === undefined) {
      return fail(request, ResponseCode.TOPIC_NOT_EXIST, `recall failed, the topic[${h.topic}] not exist`);
    }
    const handle = decodeRecallHandle(h.recallHandle);
    if (!handle.ok) return fail(request, ResponseCode.ILLEGAL_OPERATION, handle.error);
    const hv = handle.value;
    if (hv.topic !== h.topic) return fail(request, ResponseCode.ILLEGAL_OPERATION, 'recall failed, topic not match');
    if (hv.brokerName !== deps.brokerName) return fail(request, ResponseCode.ILLEGAL_OPERATION, unavailable);
    const now = deps.clock.now();
    const timeLeft = Number(parseJavaLong(hv.timestamp) ?? -1n) - now;
    if (timeLeft <= 0 || timeLeft >= deps.rules.timerMaxDelaySec * 1000) {
      return fail(request, ResponseCode.ILLEGAL_OPERATION, 'recall failed, timestamp invalid');
    }
    const props: Record<string, string> = {
      [MessageConst.PROPERTY_TAGS]: RECALL_TAG,
      [MessageConst.PROPERTY_TIMER_DEL_UNIQKEY]: timerDeleteKey(hv.topic, hv.messageId),
      [MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX]: hv.messageId,
      [MessageConst.PROPERTY_TIMER_DELIVER_MS]: hv.timestamp,
      [MessageConst.PROPERTY_BORN_TIMESTAMP]: String(now),
    };
    if (h.producerGroup) props[MessageConst.PROPERTY_PRODUCER_GROUP] = h.producerGroup;
    const marker: MessageInput = {
      topic: hv.topic,
      queueId: 0,
      flag: 0,
      body: Buffer.from('0'),
      properties: encodeProperties(props),
      sysFlag: 0,
      bornTimestamp: now,
      bornHost: conn.remoteAddress,
      reconsumeTimes: 0,
      preparedTransactionOffset: 0,
      tagsCode: tagsHashCode(RECALL_TAG),
    };
    const placed = placeTimerMessage(marker, deps.rules, now);
    if (placed.kind !== 'parked') return fail(request, ResponseCode.SYSTEM_ERROR, 'recall failed, execute error');
    const put = await deps.store.putMessage(placed.msg);
    if (!put.append) return fail(request, ResponseCode.SYSTEM_ERROR, 'recall failed, execute error');
    return success(request, undefined, RecallMessageResponseHeader.encode({ msgId: hv.messageId }));
  };
  return { code: RequestCode.RECALL_MESSAGE, handler };
}
