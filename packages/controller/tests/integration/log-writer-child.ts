// Child process for local-log-crash.test.ts (not a test): commits id applications to a
// LocalLogStore in <dir> as fast as it can and prints "acked <n>" (ids held) after each commit returns;
// the test kills it with SIGKILL mid-stream.
// usage: node log-writer-child.js <dir>
import { LocalLogStore } from '../../src/index.js';

const dir = process.argv[2] ?? '.';
const store = new LocalLogStore({ dir, address: 'child' });
await store.open();
for (;;) {
  const r = await store.transact((s) => {
    const next = s.getNextBrokerId({ clusterName: 'C', brokerName: 'b' }).header.nextBrokerId ?? 1;
    return s.applyBrokerId({
      clusterName: 'C',
      brokerName: 'b',
      appliedBrokerId: next,
      registerCheckCode: `h:${next};0`,
    });
  });
  if (r.ok) process.stdout.write(`acked ${await store.query((s) => s.get('b')?.replicas.size ?? 0)}\n`);
}
