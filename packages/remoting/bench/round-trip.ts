// Request/response round trips per second over loopback, server and clients in one process.
// Not a test. Build, then run:
//   node packages/remoting/dist/bench/round-trip.js [durationMs=2000] [bodyBytes=128]
// Each row uses `connections` clients (one socket each), each keeping `depth` requests in
// flight (pipelining on the socket). Server and clients share one event loop and CPU, so
// the figure is a lower bound for the server alone.
import { createRequest, createResponse, emptyFields, type RemotingCommand, ResponseCode } from '@rocketmq-ts/protocol';
import { RemotingClient } from '../src/remoting-client.js';
import { RemotingServer } from '../src/remoting-server.js';

const SEND_MESSAGE = 10;
const durationMs = Number(process.argv[2] ?? 2000);
const bodyBytes = Number(process.argv[3] ?? 128);
const matrix: [connections: number, depth: number][] = [
  [1, 1],
  [1, 16],
  [1, 128],
  [4, 32],
  [16, 16],
];

const server = new RemotingServer({ port: 0, host: '127.0.0.1' });
// What a broker's send path answers with: a few header fields, no body.
server.registerProcessor(SEND_MESSAGE, (req) => {
  const fields = emptyFields();
  fields.msgId = '7F00000100002A9F0000000000000000';
  fields.queueId = req.extFields.queueId ?? '0';
  fields.queueOffset = '0';
  return createResponse(req, ResponseCode.SUCCESS, undefined, fields);
});
const port = await server.listen();
const addr = `127.0.0.1:${port}`;
const body = Buffer.alloc(bodyBytes, 0x61);

function sendRequest(): RemotingCommand {
  const fields = emptyFields();
  fields.producerGroup = 'bench_group';
  fields.topic = 'BenchTopic';
  fields.queueId = '1';
  fields.sysFlag = '0';
  fields.bornTimestamp = '1700000000000';
  return createRequest(SEND_MESSAGE, fields, body);
}

async function worker(client: RemotingClient, until: number, counts: { done: number; failed: number }): Promise<void> {
  while (Date.now() < until) {
    const res = await client.invoke(addr, sendRequest(), 10_000);
    if (res.code === ResponseCode.SUCCESS) counts.done++;
    else counts.failed++;
  }
}

async function run(
  connections: number,
  depth: number,
): Promise<{ rps: number; avgMs: number; cpuUs: number; failed: number }> {
  const clients = Array.from({ length: connections }, () => new RemotingClient());
  await Promise.all(clients.map((c) => c.getConnection(addr)));
  // Warm-up so JIT and socket buffers settle before measuring.
  const warm = { done: 0, failed: 0 };
  await Promise.all(clients.map((c) => worker(c, Date.now() + 200, warm)));
  const counts = { done: 0, failed: 0 };
  const cpu0 = process.cpuUsage();
  const started = Date.now();
  const until = started + durationMs;
  await Promise.all(clients.flatMap((c) => Array.from({ length: depth }, () => worker(c, until, counts))));
  const elapsed = (Date.now() - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  await Promise.all(clients.map((c) => c.close()));
  const rps = counts.done / elapsed;
  // Little's law: in flight = throughput x latency.
  // CPU time (both ends: one process) per round trip: steadier than req/s on a shared box.
  const cpuUs = (cpu.user + cpu.system) / Math.max(1, counts.done);
  return { rps, avgMs: ((connections * depth) / rps) * 1000, cpuUs, failed: counts.failed };
}

const rows: string[] = [];
const pad = (s: string | number, n: number): string => String(s).padStart(n);
rows.push(
  `round trips over loopback, ${durationMs} ms per row, ${bodyBytes}-byte request body, node ${process.version}`,
);
rows.push(
  `${pad('conns', 6)} ${pad('depth', 6)} ${pad('in flight', 10)} ${pad('req/s', 10)} ${pad('avg ms', 8)} ${pad('CPU µs/rt', 10)}`,
);
for (const [connections, depth] of matrix) {
  const r = await run(connections, depth);
  rows.push(
    `${pad(connections, 6)} ${pad(depth, 6)} ${pad(connections * depth, 10)} ${pad(Math.round(r.rps), 10)} ${pad(r.avgMs.toFixed(3), 8)} ${pad(r.cpuUs.toFixed(1), 10)}` +
      (r.failed > 0 ? `  (${r.failed} failed)` : ''),
  );
  process.stdout.write(`${rows.at(-1)}\n`);
}
await server.close(0);
process.stdout.write(`\n${rows.join('\n')}\n`);
