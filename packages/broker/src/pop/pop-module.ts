import { RequestCode, ResponseCode } from '@rocketmq-ts/protocol';
import type { FeatureDeps, FeatureProcessor } from '../runtime/ports.js';
import { type AckDeps, AckMessageProcessor } from './ack-message.js';
import { PopOffsetResets } from './offset-resets.js';
import { ConsumerOrderInfo } from './order-info.js';
import { PopLongPolling } from './pop-long-polling.js';
import { PopMessageProcessor } from './pop-message.js';
import { PopQueryProcessors } from './pop-queries.js';
import { popSettings } from './pop-settings.js';
import { type Inflight, ReviveService } from './revive-service.js';

// Pop consumption (RocketMQ 5.x, RIP-19) as one module: its processors, the revive service,
// the pop long polling, and what admin reads of it (in-flight counts). The composition root
// creates it, registers its processors and feeds it store arrivals; start/stop follow the
// master role (runtime/role-services.ts) and may run any number of times.

const ORDER_INFO_PERSIST_MS = 5000;

export interface PopModule {
  processors: FeatureProcessor[];
  /** Store callback for every dispatched message. */
  notifyMessageArriving(topic: string, queueId: number, tagsCode: number | undefined): void;
  inflight(group: string, topic: string, queueId: number): Inflight;
  /**
   * An admin reset of a group's offsets (queueId → offset): applied under each queue's pop
   * lock, FIFO state of those queues dropped, and recorded durably so that the start-up
   * recovery does not undo it.
   */
  offsetReset(group: string, topic: string, queues: ReadonlyMap<number, number>): Promise<void>;
  /** Answers every suspended pop and notification now and suspends no more (shutdown). */
  stopPolling(): void;
  revive: ReviveService;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export type PopModuleDeps = Pick<
  FeatureDeps,
  'identity' | 'store' | 'topics' | 'groups' | 'offsets' | 'clock' | 'logger' | 'config' | 'stats' | 'configDir'
> & {
  brokerPermission(): number;
  addGet?(group: string, messages: number): void;
  metrics?: { recordGet(topic: string, group: string, queueId: number, messages: number, bytes: number): void };
  random?: () => number;
};

export function createPopModule(deps: PopModuleDeps): PopModule {
  const settings = popSettings(deps.config, deps.identity.clusterName, deps.identity.brokerName);
  const logger = deps.logger.child({ component: 'pop' });
  const polling = new PopLongPolling({
    checkIntervalMs: settings.popPollingCheckInterval,
    perKeyLimit: settings.popPollingSize,
    totalLimit: settings.maxPopPollingSize,
    clock: deps.clock,
    logger,
  });
  const resets = new PopOffsetResets(deps.configDir, logger);
  const revive = new ReviveService({ ...deps, logger }, settings, (group, topic, queueId) =>
    resets.resetTime(group, topic, queueId),
  );
  const orderInfo = new ConsumerOrderInfo(deps.configDir, deps.clock, logger);
  const enablePropertyFilter = deps.config.enablePropertyFilter === true || deps.config.enablePropertyFilter === 'true';
  const addGet = deps.addGet;
  const pop = new PopMessageProcessor({
    settings,
    identity: deps.identity,
    brokerPermission: deps.brokerPermission,
    enablePropertyFilter,
    store: deps.store,
    topics: deps.topics,
    groups: deps.groups,
    offsets: deps.offsets,
    polling,
    order: orderInfo,
    inflight: (group, topic, queueId) => revive.inflight(group, topic, queueId).count,
    clock: deps.clock,
    logger,
    ...(addGet ? { stats: { addGet } } : {}),
    ...(deps.metrics ? { metrics: deps.metrics } : {}),
    ...(deps.random ? { random: deps.random } : {}),
  });
  // FIFO acks and visibility changes run under the queue's pop lock.
  const lockKey = (topic: string, group: string, queueId: number) => `${topic}@${group}@${queueId}`;
  const order: NonNullable<AckDeps['order']> = {
    ack: (group, topic, queueId, offset, popTime) =>
      pop.locks.run(lockKey(topic, group, queueId), async () => {
        if (offset < deps.offsets.query(group, topic, queueId)) return ResponseCode.SUCCESS;
        const r = orderInfo.ack(topic, group, queueId, offset, popTime);
        if (r.kind === 'illegal') return ResponseCode.MESSAGE_ILLEGAL;
        if (r.kind === 'acked') {
          deps.offsets.commit(group, topic, queueId, r.commitOffset);
          polling.wake(topic, queueId);
        }
        return ResponseCode.SUCCESS;
      }),
    changeInvisible: (group, topic, queueId, offset, popTime, invisibleTime) =>
      pop.locks.run(lockKey(topic, group, queueId), async () => {
        const next = orderInfo.changeInvisible(topic, group, queueId, offset, popTime, invisibleTime);
        if (next !== undefined && next <= deps.clock.now()) polling.wake(topic, queueId);
        return {
          code: ResponseCode.SUCCESS,
          popTime,
          invisibleTime: next === undefined ? invisibleTime : next - popTime,
        };
      }),
  };
  const ack = new AckMessageProcessor({
    settings,
    identity: deps.identity,
    store: deps.store,
    topics: deps.topics,
    clock: deps.clock,
    logger,
    order,
  });
  const queries = new PopQueryProcessors({
    settings,
    brokerPermission: deps.brokerPermission,
    store: deps.store,
    topics: deps.topics,
    groups: deps.groups,
    offsets: deps.offsets,
    polling,
    clock: deps.clock,
  });
  // RocketMQ serves pops and notifications on the pull executor (they long-poll) and acks on
  // the ack executor; here acks share the pull pool.
  const processors: FeatureProcessor[] = [
    { code: RequestCode.POP_MESSAGE, handler: pop.handle, pool: 'pull' },
    { code: RequestCode.ACK_MESSAGE, handler: ack.ack, pool: 'pull' },
    { code: RequestCode.BATCH_ACK_MESSAGE, handler: ack.batchAck, pool: 'pull' },
    { code: RequestCode.CHANGE_MESSAGE_INVISIBLETIME, handler: ack.changeInvisibleTime, pool: 'pull' },
    { code: RequestCode.PEEK_MESSAGE, handler: queries.peek, pool: 'pull' },
    { code: RequestCode.NOTIFICATION, handler: queries.notification, pool: 'pull' },
    { code: RequestCode.POLLING_INFO, handler: queries.pollingInfo, pool: 'pull' },
  ];
  let persistTimer: NodeJS.Timeout | undefined;
  return {
    processors,
    revive,
    notifyMessageArriving(topic, queueId, tagsCode) {
      if (topic === settings.reviveTopic) revive.notifyArrival(queueId);
      else polling.notifyMessageArriving(topic, queueId, tagsCode);
    },
    inflight: (group, topic, queueId) => revive.inflight(group, topic, queueId),
    async offsetReset(group, topic, queues) {
      const time = deps.clock.now();
      for (const [queueId, offset] of queues) {
        await pop.locks.run(lockKey(topic, group, queueId), async () => {
          deps.offsets.commit(group, topic, queueId, offset);
          orderInfo.clear(topic, group, queueId);
        });
      }
      await resets.record(group, topic, queues, time);
      for (const queueId of queues.keys()) polling.wake(topic, queueId);
    },
    stopPolling: () => polling.stop(),
    async start() {
      if (persistTimer) return;
      await orderInfo.load();
      await resets.load();
      await revive.start();
      polling.start();
      persistTimer = setInterval(() => {
        orderInfo.persist().catch((err: unknown) => logger.error({ err }, 'persisting consumer order info failed'));
      }, ORDER_INFO_PERSIST_MS);
      persistTimer.unref();
    },
    async stop() {
      if (persistTimer) clearInterval(persistTimer);
      persistTimer = undefined;
      polling.stop();
      await revive.stop();
      await orderInfo.persist(true);
    },
  };
}
