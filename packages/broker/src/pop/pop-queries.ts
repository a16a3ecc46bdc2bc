import type { Clock } from '@rocketmq-ts/common';
import {
  createResponse,
  NotificationRequestHeader,
  PeekMessageRequestHeader,
  Perm,
  PollingInfoRequestHeader,
  popRetryTopicV1,
  popRetryTopicV2,
  type RemotingCommand,
  ResponseCode,
} from '@rocketmq-ts/protocol';
import type { Connection } from '@rocketmq-ts/remoting';
import type { MessageStore } from '@rocketmq-ts/store';
import { decodeHeader, reply } from '../processors/request-util.js';
import type { ConsumerOffsetStore, SubscriptionGroupRegistry, TopicRegistry } from '../runtime/ports.js';
import type { PopLongPolling } from './pop-long-polling.js';
import { MAX_POP_MSG_NUMS } from './pop-message.js';
import { checkReadableQueue, groupNotExist, queuesOf } from './pop-replies.js';
import type { PopSettings } from './pop-settings.js';

// PEEK_MESSAGE (200052): messages from the group's pop offset, no checkpoint, nothing moves.
// NOTIFICATION (200054): "is there anything to pop?", long-polled like a pop.
// POLLING_INFO (200055): how many pops are suspended under topic@group@queueId.

export interface PopQueryDeps {
  settings: PopSettings;
  brokerPermission(): number;
  store: Pick<MessageStore, 'getMessage' | 'getMaxOffsetInQueue' | 'getMinOffsetInQueue'>;
  topics: Pick<TopicRegistry, 'get'>;
  groups: Pick<SubscriptionGroupRegistry, 'getOrCreate'>;
  offsets: Pick<ConsumerOffsetStore, 'query'>;
  polling: PopLongPolling;
  clock: Clock;
}

export class PopQueryProcessors {
  constructor(private readonly deps: PopQueryDeps) {}

  readonly peek = async (request: RemotingCommand, conn: Connection): Promise<RemotingCommand> => {
    const decoded = decodeHeader(PeekMessageRequestHeader, request);
    if (!decoded.ok) return decoded.response;
    const h = decoded.value;
    if (h.maxMsgNums > MAX_POP_MSG_NUMS) {
      return reply(request, ResponseCode.INVALID_PARAMETER, "the broker peek message's num is greater than 32");
    }
    const t = checkReadableQueue(this.deps.topics, request, conn, h.topic, h.queueId);
    if (!t.ok) return t.response;
    const group = await this.deps.groups.getOrCreate(h.consumerGroup);
    if (group === undefined) {
      return groupNotExist(request, h.consumerGroup);
    }
    const queues = queuesOf(h.queueId, t.topic.readQueueNums);
    const records: Buffer[] = [];
    let restNum = 0;
    for (const q of queues) {
      const want = h.maxMsgNums - records.length;
      const max = this.deps.store.getMaxOffsetInQueue(h.topic, q);
      const offset = this.offsetOf(h.consumerGroup, h.topic, q);
      if (want <= 0) {
        restNum += Math.max(0, max - offset);
        continue;
      }
      const r = await this.deps.store.getMessage(h.topic, q, offset, want, this.deps.settings.maxTransferBytes);
      records.push(...r.records);
      restNum += Math.max(0, r.maxOffset - r.nextBeginOffset);
    }
    const response = createResponse(
      request,
      records.length > 0 ? ResponseCode.SUCCESS : ResponseCode.PULL_NOT_FOUND,
      records.length > 0 ? 'FOUND' : 'NO_MESSAGE_IN_QUEUE',
      { popTime: '0', invisibleTime: '0', reviveQid: '0', restNum: String(restNum) },
    );
    if (records.length === 1) response.body = records[0];
    else if (records.length > 1) response.bodyParts = records;
    return response;
  };

  readonly notification = async (request: RemotingCommand, conn: Connection): Promise<RemotingCommand | undefined> => {
    const decoded = decodeHeader(NotificationRequestHeader, request);
    if (!decoded.ok) return decoded.response;
    const h = decoded.value;
    if (h.bornTime === 0) h.bornTime = this.deps.clock.now();
    if (this.deps.clock.now() - h.bornTime - h.pollTime > 500) {
      return reply(request, ResponseCode.POLLING_TIMEOUT, 'the broker notification is timeout too much');
    }
    if ((this.deps.brokerPermission() & Perm.READ) === 0) {
      return reply(
        request,
        ResponseCode.NO_PERMISSION,
        `the broker[${this.deps.settings.brokerName}] peeking message is forbidden`,
      );
    }
    const t = checkReadableQueue(this.deps.topics, request, conn, h.topic, h.queueId);
    if (!t.ok) return t.response;
    const group = await this.deps.groups.getOrCreate(h.consumerGroup);
    if (group === undefined) {
      return groupNotExist(request, h.consumerGroup);
    }
    const queues = queuesOf(h.queueId, t.topic.readQueueNums);
    const retry = h.order ? [] : [popRetryTopicV1(h.consumerGroup, h.topic), popRetryTopicV2(h.consumerGroup, h.topic)];
    this.deps.polling.watch(h.topic, retry);
    const waitQueue = h.queueId < 0 ? -1 : h.queueId;
    const deadline = h.bornTime + h.pollTime;
    const answer = (hasMsg: boolean, pollingFull = false) =>
      createResponse(request, ResponseCode.SUCCESS, undefined, {
        hasMsg: String(hasMsg),
        ...(pollingFull ? { pollingFull: 'true' } : {}),
      });
    const run = (suspend: boolean): RemotingCommand | Promise<RemotingCommand | undefined> => {
      const mark = this.deps.polling.mark(h.topic, waitQueue);
      const has =
        queues.some((q) => this.hasMessage(h.consumerGroup, h.topic, q)) ||
        retry.some((rt) => this.deps.topics.get(rt) !== undefined && this.hasMessage(h.consumerGroup, rt, 0));
      const left = deadline - this.deps.clock.now();
      if (has || !suspend || left <= 0) return answer(has);
      const held = this.deps.polling.suspend(
        { topic: h.topic, group: h.consumerGroup, queueId: waitQueue },
        mark,
        left,
        conn,
        undefined,
        () => run(this.deps.clock.now() < deadline),
      );
      if (held === 'stopped') return answer(false);
      return held === 'full' ? answer(false, true) : held;
    };
    return run(h.pollTime > 0);
  };

  readonly pollingInfo = (request: RemotingCommand, conn: Connection): RemotingCommand => {
    const decoded = decodeHeader(PollingInfoRequestHeader, request);
    if (!decoded.ok) return decoded.response;
    const h = decoded.value;
    const t = checkReadableQueue(this.deps.topics, request, conn, h.topic, h.queueId);
    if (!t.ok) return t.response;
    const n = this.deps.polling.pollingNum(h.topic, h.consumerGroup, h.queueId < 0 ? -1 : h.queueId);
    return createResponse(request, ResponseCode.SUCCESS, undefined, { pollingNum: String(n) });
  };

  private offsetOf(group: string, topic: string, q: number): number {
    const committed = this.deps.offsets.query(group, topic, q);
    return committed >= 0 ? committed : Math.max(0, this.deps.store.getMinOffsetInQueue(topic, q));
  }

  private hasMessage(group: string, topic: string, q: number): boolean {
    return this.deps.store.getMaxOffsetInQueue(topic, q) > this.offsetOf(group, topic, q);
  }
}
