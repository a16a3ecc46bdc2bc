// Consumer side of the latency phase, in its own thread with its own target instance.
// Each payload starts with its send time (u64 ns, CLOCK_MONOTONIC) and sequence number (u32 at 8).
import { setTimeout as sleep } from 'node:timers/promises';
import { parentPort, workerData } from 'node:worker_threads';
import { nowNs, withDeadline } from './harness.mjs';
import { createTarget } from './targets.mjs';

const { spec, topic, n, batch, deadlineMs } = workerData;
const target = await createTarget(spec);
await target.prepare(topic);
const lat = new Float64Array(n);
const seq = new Uint32Array(n);
let k = 0;
let signalled = false;
const ready = () => {
  if (!signalled) {
    signalled = true;
    parentPort.postMessage({ type: 'ready' });
  }
};
const consuming = target.consume(n, {
  topic,
  batch,
  onReady: ready,
  onMessage: (buf) => {
    if (k >= n) return;
    const b = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
    const t = nowNs();
    seq[k] = b.readUInt32LE(8);
    lat[k++] = Number(t - b.readBigUInt64LE(0)) / 1e6;
  },
});
if (!target.signalsReady) {
  await sleep(500); // let the subscription / first pull get established
  ready();
}
await withDeadline(consuming, deadlineMs, `${spec.label} latency consumer`);
await target.close();
parentPort.postMessage({ type: 'done', lat: lat.subarray(0, k), seq: seq.subarray(0, k) });
