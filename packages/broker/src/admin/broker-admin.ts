import { formatProperties } from '@rocketmq-ts/common';
import { CURRENT_VERSION, RequestCode, readStoreTimestamp } from '@rocketmq-ts/protocol';
import type { RequestHandler } from '@rocketmq-ts/remoting';
import type { FeatureDeps, FeatureProcessor } from '../runtime/ports.js';
import { fastjsonBody } from './admin-json.js';
import { success } from './respond.js';
import type { TpsSampler } from './tps-sampler.js';

// GET_BROKER_RUNTIME_INFO (28) and GET_BROKER_CONFIG (26): what `mqadmin brokerStatus`,
// `clusterList` and `getBrokerConfig` print. Runtime values are strings, keyed as RocketMQ
// keys them, so the Java tools parse them unchanged.

const BROKER_VERSION_DESC = 'V5_3_3';
export const PUT_SERIES = 'put';
export const GET_SERIES = 'get';

/** `[ d days, h hours, m minutes, s seconds ]` (Java's runtime field). */
export function formatRuntime(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `[ ${Math.floor(s / 86_400)} days, ${Math.floor((s % 86_400) / 3600)} hours, ${Math.floor((s % 3600) / 60)} minutes, ${s % 60} seconds ]`;
}

/** Put total: the send path's counter when wired, else the store's append count. */
export function putTotalOf(deps: Pick<FeatureDeps, 'store' | 'stats'>): () => number {
  return () => deps.stats?.putTotal() ?? Number(deps.store.runtimeInfo().putMessageTimesTotal ?? 0);
}

export function getTotalOf(deps: Pick<FeatureDeps, 'stats'>): () => number {
  return () => deps.stats?.getTotal() ?? 0;
}

export function brokerAdminProcessors(
  deps: Pick<FeatureDeps, 'store' | 'clock' | 'config' | 'stats' | 'replication' | 'timer'>,
  sampler: TpsSampler,
  bootTimestamp: number,
): FeatureProcessor[] {
  const runtimeInfo: RequestHandler = async (request) => {
    const now = deps.clock.now();
    const put = sampler.morning(PUT_SERIES);
    const get = sampler.morning(GET_SERIES);
    const earliest = await earliestMessageTime(deps);
    const table: Record<string, string> = {
      ...deps.store.runtimeInfo(),
      ...deps.timer?.runtimeInfo(),
      brokerVersionDesc: BROKER_VERSION_DESC,
      brokerVersion: String(CURRENT_VERSION),
      msgPutTotalYesterdayMorning: String(put.yesterday),
      msgPutTotalTodayMorning: String(put.today),
      msgPutTotalTodayNow: String(putTotalOf(deps)()),
      msgGetTotalYesterdayMorning: String(get.yesterday),
      msgGetTotalTodayMorning: String(get.today),
      msgGetTotalTodayNow: String(getTotalOf(deps)()),
      commitLogMinOffset: String(deps.store.getMinPhyOffset()),
      commitLogMaxOffset: String(deps.store.getMaxPhyOffset()),
      putTps: sampler.tpsString(PUT_SERIES, now),
      getTransferredTps: sampler.tpsString(GET_SERIES, now),
      getFoundTps: sampler.tpsString(GET_SERIES, now),
      getMissTps: '0.00 0.00 0.00',
      getTotalTps: sampler.tpsString(GET_SERIES, now),
      bootTimestamp: String(bootTimestamp),
      runtime: formatRuntime(now - bootTimestamp),
      startAcceptSendRequestTimeStamp: '0',
      earliestMessageTimeStamp: String(earliest),
      pageCacheLockTimeMills: '0',
      sendThreadPoolQueueSize: '0',
      sendThreadPoolQueueCapacity: String(deps.config.sendThreadPoolQueueCapacity ?? 10000),
      pullThreadPoolQueueSize: '0',
      pullThreadPoolQueueCapacity: String(deps.config.pullThreadPoolQueueCapacity ?? 100000),
      queryThreadPoolQueueSize: '0',
      queryThreadPoolQueueCapacity: String(deps.config.queryThreadPoolQueueCapacity ?? 20000),
      remainTransientStoreBufferNumbs: '0',
      ...deps.replication?.runtimeInfo(),
    };
    table.dispatchBehindBytes ??= '0';
    return success(request, fastjsonBody({ table }));
  };

  const brokerConfig: RequestHandler = (request) => {
    const body = Buffer.from(formatProperties({ ...deps.config }), 'utf8');
    const ext = Object.create(null) as Record<string, string>;
    ext.version = `{"counter":0,"stateVersion":0,"timestamp":${bootTimestamp}}`;
    return success(request, body, ext);
  };

  return [
    { code: RequestCode.GET_BROKER_RUNTIME_INFO, handler: runtimeInfo },
    { code: RequestCode.GET_BROKER_CONFIG, handler: brokerConfig },
  ];
}

/** Store time of the oldest CommitLog record, -1 when the log is empty. */
async function earliestMessageTime(deps: Pick<FeatureDeps, 'store'>): Promise<number> {
  const { store } = deps;
  if (store.getMaxPhyOffset() <= store.getMinPhyOffset()) return -1;
  const first = await store.lookMessageByOffset(store.getMinPhyOffset());
  return first ? readStoreTimestamp(first, 0) : -1;
}
