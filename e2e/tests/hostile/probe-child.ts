// The probe in a process of its own (forked by startProbeProcess): the abuses run in the
// harness process, and their own event-loop work (writing floods, counting 100,000 answers)
// must not be timed as the server's latency. Commands arrive over IPC: 'window', 'stop'.
import { startProbe } from './probe.js';

const [namesrvAddr, topic, interval] = process.argv.slice(2);
const probe = await startProbe(namesrvAddr!, topic!, Number(interval));
process.on('message', (m: { cmd: 'window' | 'stop'; id: number }) => {
  if (m.cmd === 'window') process.send!({ id: m.id, stats: probe.window() });
  else
    void probe.stop().then((stats) => {
      process.send!({ id: m.id, stats }, () => process.disconnect());
    });
});
// The harness went away: so does the probe.
process.on('disconnect', () => process.exit(0));
process.send!({ ready: true });
