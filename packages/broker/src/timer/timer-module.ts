import type { Clock, Logger } from '@rocketmq-ts/common';
import { RequestCode, RMQ_SYS_WHEEL_TIMER_TOPIC } from '@rocketmq-ts/protocol';
import {
  DEFAULT_TIMER_SLOTS_TOTAL,
  encodeTimerCheckpoint,
  type MessageInput,
  type MessageStore,
} from '@rocketmq-ts/store';
import { booleanConfig, numberConfig } from '../admin/config-values.js';
import { success } from '../admin/respond.js';
import type { FeatureProcessor, TopicRegistry } from '../runtime/ports.js';
import { recallProcessor } from './recall-message.js';
import { normalizePrecision, placeTimerMessage, type TimerPlacement, type TimerRules } from './timer-message.js';
import { TimerMessageService } from './timer-service.js';

// The timer feature as the composition root sees it: the send-path rule (place), the wheel
// service, RECALL_MESSAGE and GET_TIMER_CHECK_POINT, and the runtime figures. Config keys
// are RocketMQ's (MessageStoreConfig / BrokerConfig), with its defaults.

/** Java's runtime-info values when the wheel is off. */
const TIMER_OFF: Record<string, string> = {
  timerReadBehind: '0',
  timerOffsetBehind: '0',
  timerCongestNum: '0',
  timerEnqueueTps: '0.0',
  timerDequeueTps: '0.0',
};

export interface TimerModule {
  rules: TimerRules;
  /** The wheel; undefined when timerWheelEnable is false. */
  service: TimerMessageService | undefined;
  processors: FeatureProcessor[];
  /** What a send asking for the timer becomes (see placeTimerMessage). */
  place(msg: MessageInput, now: number): TimerPlacement;
  runtimeInfo(): Record<string, string>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface TimerModuleDeps {
  config: Readonly<Record<string, string | number | boolean>>;
  storePathRootDir: string;
  brokerName: string;
  /** Read on each use: in controller mode the role changes at run time. */
  readonly isSlave: boolean;
  /** Controller mode: a slave may be promoted, so the wheel service exists in every role. */
  mayBecomeMaster?: boolean;
  brokerPermission(): number;
  topics: Pick<TopicRegistry, 'get' | 'ensure'>;
  store: MessageStore;
  clock: Clock;
  logger: Logger;
}

export function createTimerModule(deps: TimerModuleDeps): TimerModule {
  const { config } = deps;
  const rules: TimerRules = {
    timerWheelEnable: booleanConfig(config, 'timerWheelEnable', true),
    timerPrecisionMs: normalizePrecision(numberConfig(config, 'timerPrecisionMs', 1000)),
    timerMaxDelaySec: numberConfig(config, 'timerMaxDelaySec', 3 * 24 * 3600),
  };
  // Only a master fires timers (Java: shouldRunningDequeue); the service starts and stops
  // with the master role (runtime/role-services.ts).
  const service =
    rules.timerWheelEnable && (!deps.isSlave || deps.mayBecomeMaster === true)
      ? new TimerMessageService(
          { store: deps.store, clock: deps.clock, logger: deps.logger.child({ component: 'timer' }) },
          {
            storePathRootDir: deps.storePathRootDir,
            timerPrecisionMs: rules.timerPrecisionMs,
            timerMaxDelaySec: rules.timerMaxDelaySec,
            timerRollWindowSlot: numberConfig(config, 'timerRollWindowSlot', 2 * 24 * 3600),
            timerFlushIntervalMs: numberConfig(config, 'timerFlushIntervalMs', 1000),
            mappedFileSizeTimerLog: numberConfig(config, 'mappedFileSizeTimerLog', 100 * 1024 * 1024),
            slotsTotal: DEFAULT_TIMER_SLOTS_TOTAL,
          },
        )
      : undefined;
  if (service) {
    deps.store.onMessageArrived((topic) => {
      if (topic === RMQ_SYS_WHEEL_TIMER_TOPIC) service.wake();
    });
  }
  const processors: FeatureProcessor[] = [
    recallProcessor({
      rules,
      recallMessageEnable: booleanConfig(config, 'recallMessageEnable', false),
      allowRecallWhenBrokerNotWriteable: booleanConfig(config, 'allowRecallWhenBrokerNotWriteable', true),
      brokerName: deps.brokerName,
      get isSlave() {
        return deps.isSlave;
      },
      brokerPermission: deps.brokerPermission,
      topics: deps.topics,
      store: deps.store,
      clock: deps.clock,
    }),
  ];
  if (service) {
    processors.push({
      code: RequestCode.GET_TIMER_CHECK_POINT,
      handler: (request) => success(request, encodeTimerCheckpoint(service.checkpoint())),
    });
  }
  return {
    rules,
    service,
    processors,
    place: (msg, now) => placeTimerMessage(msg, rules, now),
    runtimeInfo: () => service?.runtimeInfo() ?? TIMER_OFF,
    async start() {
      if (!service) return;
      // Java creates the timer topic (one queue) at start-up when the wheel is on.
      await deps.topics.ensure(RMQ_SYS_WHEEL_TIMER_TOPIC, 1, 6);
      await service.start();
    },
    async stop() {
      await service?.stop();
    },
  };
}
