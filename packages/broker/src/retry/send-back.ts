import {
  ConsumerSendMsgBackRequestHeader,
  decodeStoredRecord,
  dlqTopicOf,
  MessageConst,
  MQVersion,
  Perm,
  RequestCode,
  ResponseCode,
  retryTopicOf,
} from '@rocketmq-ts/protocol';
import type { RequestHandler } from '@rocketmq-ts/remoting';
import type { MessageInput } from '@rocketmq-ts/store';
import { numberConfig } from '../admin/config-values.js';
import { decodeHeader, failure, success } from '../admin/respond.js';
import type { FeatureDeps, FeatureProcessor } from '../runtime/ports.js';
import { toScheduled } from '../schedule/delay-levels.js';
import { copyOf, editProperties } from './message-copy.js';

// CONSUMER_SEND_MSG_BACK (36): a consumer failed to process a message and hands it back by
// its CommitLog offset. The broker re-stores a copy for redelivery through the delay levels
// into %RETRY%<group>, or into %DLQ%<group> once the retries are used up.

const DLQ_QUEUE_NUMS = 1;
const READ_WRITE = Perm.READ | Perm.WRITE;

/** Where a failed message goes next: pure decision from the counters. */
type SendBackTarget = { kind: 'dlq' } | { kind: 'retry'; delayLevel: number };

export function sendBackTarget(reconsumeTimes: number, maxReconsumeTimes: number, delayLevel: number): SendBackTarget {
  if (reconsumeTimes >= maxReconsumeTimes || delayLevel < 0) return { kind: 'dlq' };
  // Level 0 lets the broker back off: first retry at level 3 (10 s), then one level more each time.
  return { kind: 'retry', delayLevel: delayLevel === 0 ? 3 + reconsumeTimes : delayLevel };
}

export function sendBackProcessor(
  deps: Pick<FeatureDeps, 'store' | 'topics' | 'groups' | 'clock' | 'logger' | 'config' | 'identity'>,
  delayLevelsMs: number[],
): FeatureProcessor {
  const handler: RequestHandler = async (request) => {
    const h = decodeHeader(request, ConsumerSendMsgBackRequestHeader);
    if (!h.ok) return h.response;
    const header = h.header;
    const group = await deps.groups.getOrCreate(header.group);
    if (!group) {
      return failure(
        request,
        ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST,
        `subscription group not exist, ${header.group}`,
      );
    }
    // brokerPermission is changed at runtime by admins to drain a broker (wipe write perm).
    if ((numberConfig(deps.config, 'brokerPermission', READ_WRITE) & Perm.WRITE) === 0) {
      return failure(
        request,
        ResponseCode.NO_PERMISSION,
        `the broker[${deps.identity.brokerAddr}] sending message is forbidden`,
      );
    }
    if (group.retryQueueNums <= 0) return success(request);

    let topic = retryTopicOf(header.group);
    let queueNums = group.retryQueueNums;
    const retry = await deps.topics.ensure(topic, queueNums, READ_WRITE);
    if ((retry.perm & Perm.WRITE) === 0) {
      return failure(request, ResponseCode.NO_PERMISSION, `the topic[${topic}] sending message is forbidden`);
    }

    const record = await deps.store.lookMessageByOffset(header.offset);
    const view = record ? decodeStoredRecord(record) : undefined;
    if (!view) return failure(request, ResponseCode.SYSTEM_ERROR, `look message by offset failed, ${header.offset}`);

    const maxReconsumeTimes =
      request.version >= MQVersion.V3_4_9 && header.maxReconsumeTimes !== undefined
        ? header.maxReconsumeTimes
        : group.retryMaxTimes;
    const target = sendBackTarget(view.reconsumeTimes, maxReconsumeTimes, header.delayLevel);
    if (target.kind === 'dlq') {
      topic = dlqTopicOf(header.group);
      queueNums = DLQ_QUEUE_NUMS;
      await deps.topics.ensure(topic, queueNums, READ_WRITE);
    }

    const set: Record<string, string> = {
      [MessageConst.PROPERTY_ORIGIN_MESSAGE_ID]:
        view.properties.get(MessageConst.PROPERTY_ORIGIN_MESSAGE_ID) ?? view.msgId,
    };
    if (!view.properties.has(MessageConst.PROPERTY_RETRY_TOPIC)) set[MessageConst.PROPERTY_RETRY_TOPIC] = view.topic;
    let input: MessageInput = copyOf(view, {
      topic,
      queueId: Math.floor(Math.random() * queueNums),
      reconsumeTimes: view.reconsumeTimes + 1,
      // A DELAY left from an earlier pass must not re-park a DLQ message.
      properties: editProperties(view.propertiesString, {
        remove: (k) => k === MessageConst.PROPERTY_DELAY_TIME_LEVEL,
        set,
      }),
    });
    if (target.kind === 'retry') input = toScheduled(input, target.delayLevel, delayLevelsMs, deps.clock.now());

    const put = await deps.store.putMessage(input);
    // *_TIMEOUT / SLAVE_NOT_AVAILABLE still wrote the record; failing would make the client
    // send the message a second time itself.
    if (!put.append) {
      deps.logger.warn({ group: header.group, offset: header.offset, status: put.status }, 'send back failed');
      return failure(request, ResponseCode.SYSTEM_ERROR, put.status);
    }
    return success(request);
  };
  // Java runs send-back on the send executor: it is a write, limited with the sends.
  return { code: RequestCode.CONSUMER_SEND_MSG_BACK, handler, pool: 'send' };
}
