import { Perm, type RemotingCommand, ResponseCode } from '@rocketmq-ts/protocol';
import type { Connection } from '@rocketmq-ts/remoting';
import { FAQ_URL, reply } from '../processors/request-util.js';
import type { TopicRegistry, TopicView } from '../runtime/ports.js';

// The refusals the pop processors share, in RocketMQ's wording.

export const topicNotExist = (request: RemotingCommand, topic: string): RemotingCommand =>
  reply(request, ResponseCode.TOPIC_NOT_EXIST, `topic[${topic}] not exist, apply first please! ${FAQ_URL}`);

export const groupNotExist = (request: RemotingCommand, group: string): RemotingCommand =>
  reply(request, ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST, `subscription group [${group}] does not exist, ${FAQ_URL}`);

export const queueIdIllegal = (
  request: RemotingCommand,
  code: number,
  queueId: number,
  topic: string,
  readQueueNums: number,
  remote: string,
): RemotingCommand =>
  reply(
    request,
    code,
    `queueId[${queueId}] is illegal, topic:[${topic}] topicConfig.readQueueNums:[${readQueueNums}] consumer:[${remote}]`,
  );

/** Every queue of a topic for queueId −1, else the one named. */
export const queuesOf = (queueId: number, readQueueNums: number): number[] =>
  queueId < 0 ? Array.from({ length: readQueueNums }, (_, i) => i) : [queueId];

export type TopicCheck = { ok: true; topic: TopicView } | { ok: false; response: RemotingCommand };

/** POP / PEEK / NOTIFICATION topic checks in RocketMQ's order: exists, readable, queueId in range. */
export function checkReadableQueue(
  topics: Pick<TopicRegistry, 'get'>,
  request: RemotingCommand,
  conn: Connection,
  topic: string,
  queueId: number,
): TopicCheck {
  const t = topics.get(topic);
  if (t === undefined) return { ok: false, response: topicNotExist(request, topic) };
  if ((t.perm & Perm.READ) === 0) {
    return {
      ok: false,
      response: reply(request, ResponseCode.NO_PERMISSION, `the topic[${topic}] peeking message is forbidden`),
    };
  }
  if (queueId >= t.readQueueNums) {
    return {
      ok: false,
      response: queueIdIllegal(
        request,
        ResponseCode.INVALID_PARAMETER,
        queueId,
        topic,
        t.readQueueNums,
        conn.remoteAddress,
      ),
    };
  }
  return { ok: true, topic: t };
}
