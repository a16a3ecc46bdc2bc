import type { ConsumerConnection } from '@rocketmq-ts/client';
import { groupNameProblem } from '@rocketmq-ts/protocol';
import { badRequest } from '../server/http-io.js';
import type { Router } from '../server/router.js';
import { isSystemGroup } from '../server/sampler.js';
import type { ApiDeps } from './deps.js';
import { checkTopic } from './topic-routes.js';

// GET /api/groups, GET /api/groups/:group, POST /api/groups/:group/reset-offset.

const MAX_GROUPS_LISTED = 500;

function checkGroup(group: string): string {
  const problem = groupNameProblem(group);
  if (problem) throw badRequest(problem);
  return group;
}

export function groupRoutes(r: Router, d: ApiDeps): void {
  const connectionOf = (group: string): Promise<ConsumerConnection | undefined> =>
    d.admin.consumerConnection(group).catch(() => undefined);

  r.add('GET', '/api/groups', async ({ query }) => {
    const withSystem = query.bool('system', false);
    const names = new Set<string>();
    for (const m of await d.admin.masterAddrs()) {
      for (const g of await d.admin.subscriptionGroups(m.addr)) names.add(g.groupName);
    }
    const groups = [];
    for (const name of [...names].sort().slice(0, MAX_GROUPS_LISTED)) {
      if (!withSystem && isSystemGroup(name)) continue;
      const [progress, conn] = await Promise.all([
        d.admin.consumeStats(name).catch(() => undefined),
        connectionOf(name),
      ]);
      groups.push({
        group: name,
        online: conn?.connections.length ?? 0,
        messageModel: conn?.messageModel,
        consumeType: conn?.consumeType,
        totalLag: progress?.totalLag,
        consumeTps: progress?.consumeTps,
        inflight: progress?.queues.reduce((s, q) => s + q.inflight, 0),
      });
    }
    return { groups };
  });

  r.add('GET', '/api/groups/:group', async ({ path }) => {
    const group = checkGroup(path.group!);
    d.sampler.watch(group);
    const [progress, conn] = await Promise.all([
      d.admin.consumeStats(group).catch(() => undefined),
      connectionOf(group),
    ]);
    return {
      group,
      connections: conn?.connections ?? [],
      subscriptions: conn?.subscriptions ?? [],
      messageModel: conn?.messageModel,
      consumeType: conn?.consumeType,
      consumeFromWhere: conn?.consumeFromWhere,
      totalLag: progress?.totalLag ?? 0,
      consumeTps: progress?.consumeTps ?? 0,
      queues: (progress?.queues ?? []).map((q) => ({
        topic: q.mq.topic,
        brokerName: q.mq.brokerName,
        queueId: q.mq.queueId,
        brokerOffset: q.brokerOffset,
        consumerOffset: q.consumerOffset,
        lag: q.lag,
        inflight: q.inflight,
        lastTimestamp: q.lastTimestamp,
      })),
      lagHistory: d.sampler.lagOf(group),
      sampleIntervalMs: d.sampleIntervalMs,
    };
  });

  r.add('POST', '/api/groups/:group/reset-offset', async ({ path, body }) => {
    const group = checkGroup(path.group!);
    const topic = checkTopic(body.str('topic', 255));
    const timestamp = body.int('timestamp', 0, Number.MAX_SAFE_INTEGER);
    const reset = await d.admin.resetOffsetByTime(group, topic, timestamp, body.bool('force', true));
    return {
      group,
      topic,
      timestamp,
      queues: reset.map((q) => ({ brokerName: q.mq.brokerName, queueId: q.mq.queueId, offset: q.offset })),
    };
  });
}
