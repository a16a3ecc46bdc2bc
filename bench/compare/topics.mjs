// Many topics: the same produce load spread over 1, 64, 256 and 1024 topics × 8 queues, each count on
// its own fresh rocketmq-ts ASYNC_FLUSH server. Reports throughput and the loss relative to one topic.
//
// The machine is shared, so a neighbour's build can slow any single round: each count runs several
// rounds over the same topics and keeps its best. Only one server is alive at a time (an idle one
// still flushes its ConsumeQueues and would slow the one being measured).
import { ProcWatch, payloadPool, withDeadline } from './harness.mjs';
import { QUEUES } from './rocketmq.mjs';
import { startServer } from './servers.mjs';
import { createTarget } from './targets.mjs';

export async function manyTopics(cfg, root, { onServer } = {}) {
  const pool = payloadPool(cfg.size);
  const rows = [];
  for (const count of cfg.topicCounts) {
    const step = { count, row: { topics: count, queues: QUEUES } };
    rows.push(step.row);
    try {
      await setUp(step, cfg, root, onServer);
      // Each round runs the producers' settings (autoBatch on) and then, on the same topics, with
      // auto-batching off: batches are per topic, so spread over many topics they hardly form, and
      // the second figure separates that from what the topic count costs the broker.
      let best = Number.POSITIVE_INFINITY;
      let bestOff = Number.POSITIVE_INFINITY;
      for (let round = 0; round < cfg.topicRounds && !step.row.error; round++) {
        for (const autoBatch of [true, false]) {
          const secs = await withDeadline(
            step.target.produceSpread(cfg.topicsN, step.topics, {
              producers: cfg.producers,
              inflight: cfg.inflight,
              payload: (k) => pool[k & 1023],
              autoBatch,
            }),
            cfg.phaseDeadlineMs,
            `produce over ${count} topics`,
          );
          if (autoBatch) best = Math.min(best, secs);
          else bestOff = Math.min(bestOff, secs);
          console.log(
            `  round ${round + 1}: ${count} topics × ${QUEUES} queues, autoBatch ${autoBatch ? 'on' : 'off'}: ${Math.round(cfg.topicsN / secs)} msg/s`,
          );
        }
      }
      step.row.msgsPerSec = cfg.topicsN / best;
      step.row.MBps = (cfg.topicsN * cfg.size) / best / 1e6;
      step.row.msgsPerSecOff = cfg.topicsN / bestOff;
    } catch (e) {
      step.row.error = e.message;
      console.log(`  ${count} topics: FAILED ${e.message}`);
    } finally {
      await tearDown(step);
    }
  }
  return rows;
}

async function setUp(step, cfg, root, onServer) {
  const spec = { kind: 'rocketmq', label: `topics-${step.count}`, flush: 'ASYNC_FLUSH' };
  step.server = await startServer(spec, root, { cpuProfDir: cfg.cpuProfDir, readBatch: cfg.batch });
  onServer?.(step.server);
  step.target = await createTarget({ ...spec, options: step.server.options });
  step.watch = new ProcWatch(step.server.pid);
  const tag = Date.now().toString(36);
  step.topics = Array.from({ length: step.count }, (_, i) => `bench_${tag}_t${i}`);
  const t0 = performance.now();
  await withDeadline(step.target.prepareMany(step.topics), cfg.phaseDeadlineMs, `create ${step.count} topics`);
  step.row.createSecs = (performance.now() - t0) / 1000;
  console.log(`  ${step.count} topics × ${QUEUES} queues created in ${step.row.createSecs.toFixed(1)} s`);
}

async function tearDown(step) {
  if (step.watch) step.row.peakMiB = Math.max(step.watch.peakMiB, step.watch.stop()?.hwmMiB ?? 0);
  if (step.target) await step.target.close().catch(() => {});
  if (step.server) await step.server.stop();
}
