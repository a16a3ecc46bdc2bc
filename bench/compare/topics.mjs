// Many topics: the same produce load spread over 1, 64, 256 and 1024 topics × 8 queues, each count on
// a fresh rocketmq-ts ASYNC_FLUSH server. Reports throughput and the loss relative to one topic.
import { ProcWatch, payloadPool, withDeadline } from './harness.mjs';
import { QUEUES } from './rocketmq.mjs';
import { startServer } from './servers.mjs';
import { createTarget } from './targets.mjs';

export async function manyTopics(cfg, root, { onServer } = {}) {
  const rows = [];
  const pool = payloadPool(cfg.size);
  for (const count of cfg.topicCounts) {
    const spec = { kind: 'rocketmq', label: `topics-${count}`, flush: 'ASYNC_FLUSH' };
    const row = { topics: count, queues: QUEUES };
    let server = null;
    let target = null;
    let watch = null;
    try {
      server = await startServer(spec, root, { cpuProfDir: cfg.cpuProfDir });
      onServer?.(server);
      target = await createTarget({ ...spec, options: server.options });
      watch = new ProcWatch(server.pid);
      const tag = Date.now().toString(36);
      const topics = Array.from({ length: count }, (_, i) => `bench_${tag}_t${i}`);
      const c0 = performance.now();
      await withDeadline(target.prepareMany(topics), cfg.phaseDeadlineMs, `create ${count} topics`);
      row.createSecs = (performance.now() - c0) / 1000;
      // Best of `rounds` runs over the same topics: the machine is shared, and one slow round from a
      // neighbour's build would otherwise read as a loss caused by the topic count.
      let secs = Number.POSITIVE_INFINITY;
      for (let round = 0; round < cfg.topicRounds; round++) {
        const s = await withDeadline(
          target.produceSpread(cfg.topicsN, topics, {
            producers: cfg.producers,
            inflight: cfg.inflight,
            payload: (k) => pool[k & 1023],
          }),
          cfg.phaseDeadlineMs,
          `produce over ${count} topics`,
        );
        secs = Math.min(secs, s);
      }
      row.msgsPerSec = cfg.topicsN / secs;
      row.MBps = (cfg.topicsN * cfg.size) / secs / 1e6;
      console.log(
        `  ${count} topics × ${QUEUES} queues: ${Math.round(row.msgsPerSec)} msg/s (topics created in ${row.createSecs.toFixed(1)} s)`,
      );
    } catch (e) {
      row.error = e.message;
      console.log(`  ${count} topics: FAILED ${e.message}`);
    } finally {
      if (watch) row.peakMiB = Math.max(watch.peakMiB, watch.stop()?.hwmMiB ?? 0);
      if (target) await target.close().catch(() => {});
      if (server) await server.stop();
    }
    rows.push(row);
  }
  return rows;
}
