import { producerInfo } from '@rocketmq-ts/client';
import { MASTER_ID } from '@rocketmq-ts/protocol';
import type { Router } from '../server/router.js';
import type { ApiDeps } from './deps.js';

// GET /api/cluster, /api/throughput, /api/producers.

/** First figure of a `"1.00 2.00 3.00"` TPS string (the 10-second rate). */
const firstTps = (v: string | undefined): number => Number((v ?? '0').split(' ')[0]) || 0;

export function clusterRoutes(r: Router, d: ApiDeps): void {
  r.add('GET', '/api/cluster', async () => {
    const info = await d.admin.clusterInfo();
    const clusters = [];
    for (const [clusterName, names] of [...info.clusterAddrTable].sort(([a], [b]) => a.localeCompare(b))) {
      const brokers = [];
      for (const brokerName of [...names].sort()) {
        const bd = info.brokerAddrTable.get(brokerName);
        if (!bd) continue;
        for (const [brokerId, addr] of [...bd.brokerAddrs].sort(([a], [b]) => a - b)) {
          let stats: Record<string, string> = {};
          let error: string | undefined;
          try {
            stats = await d.admin.brokerRuntimeStats(addr);
          } catch (e) {
            error = e instanceof Error ? e.message : String(e);
          }
          brokers.push({
            brokerName,
            brokerId,
            addr,
            role: brokerId === MASTER_ID ? 'MASTER' : 'SLAVE',
            version: stats.brokerVersionDesc ?? '',
            putTps: firstTps(stats.putTps),
            getTps: firstTps(stats.getTransferredTps),
            msgPutTotalTodayNow: Number(stats.msgPutTotalTodayNow ?? 0),
            msgGetTotalTodayNow: Number(stats.msgGetTotalTodayNow ?? 0),
            commitLogDiskRatio: Number(stats.commitLogDiskRatio ?? Number.NaN),
            commitLogMaxOffset: Number(stats.commitLogMaxOffset ?? 0),
            runtime: stats.runtime ?? '',
            error,
          });
        }
      }
      clusters.push({ clusterName, brokers });
    }
    return { clusters };
  });

  r.add('GET', '/api/throughput', async () => {
    const masters = await d.admin.masterAddrs();
    const brokers: Record<string, unknown> = {};
    for (const m of masters) brokers[m.brokerName] = d.sampler.throughputOf(m.brokerName);
    return { intervalMs: d.sampleIntervalMs, total: d.sampler.totalThroughput(), brokers };
  });

  r.add('GET', '/api/producers', async () => {
    const masters = await d.admin.masterAddrs();
    const producers = [];
    const unsupported: string[] = [];
    for (const m of masters) {
      try {
        for (const p of await producerInfo(d.admin, m.addr)) producers.push({ brokerName: m.brokerName, ...p });
      } catch {
        unsupported.push(m.brokerName);
      }
    }
    return { producers, unsupported };
  });
}
