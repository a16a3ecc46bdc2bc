import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  createRequest,
  decodeCommand,
  FrameSplitter,
  RegisterBrokerRequestHeader,
  RequestCode,
  ResponseCode,
} from '@rocketmq-ts/protocol';
import { RemotingClient } from '@rocketmq-ts/remoting';
import { zeroBomb } from '@rocketmq-ts/testkit';
import { type StartedProcess, startRocketmqTs } from './start-process.js';

// Hostile input against the `rocketmq-ts start` process (NameServer + broker in one process),
// over real sockets: each abuse must cost at most its own connection or an error answer,
// never the process (issue 18).

/** A JSON-header frame (length word included) with `header` as its header text. */
function jsonFrame(header: string, body?: Buffer): Buffer {
  const h = Buffer.from(header, 'utf8');
  const bodyLength = body?.length ?? 0;
  const out = Buffer.alloc(8 + h.length + bodyLength);
  out.writeInt32BE(4 + h.length + bodyLength, 0);
  out.writeUInt32BE(h.length, 4);
  h.copy(out, 8);
  body?.copy(out, 8 + h.length);
  return out;
}

interface Exchange {
  /** The first answer, when one came before the connection closed. */
  code?: number;
  remark?: string | undefined;
  closed: boolean;
}

/** Writes `frame` on a fresh connection; resolves with the first answer or the close. */
function exchange(addr: string, frame: Buffer, timeoutMs = 10_000): Promise<Exchange> {
  const [host, port] = addr.split(':') as [string, string];
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), host);
    const splitter = new FrameSplitter();
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer and no close from ${addr} within ${timeoutMs} ms`));
    }, timeoutMs);
    const done = (x: Exchange): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(x);
    };
    socket.on('data', (chunk) => {
      const { frames } = splitter.push(chunk);
      const first = frames[0];
      if (first === undefined) return;
      const cmd = decodeCommand(first);
      done(cmd.ok ? { code: cmd.value.code, remark: cmd.value.remark, closed: false } : { closed: false });
    });
    socket.on('close', () => done({ closed: true }));
    socket.on('error', () => undefined);
    socket.write(frame);
  });
}

/** Resident set of process `pid` in MiB (Linux /proc). */
function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

const nestedArrays = (depth: number): string => `${'['.repeat(depth)}"x"${']'.repeat(depth)}`;
const nestedObjects = (depth: number): string => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

describe('rocketmq-ts start under hostile input (issue 18)', () => {
  let started: StartedProcess;
  let namesrv = '';
  let broker = '';
  const client = new RemotingClient({ requestTimeoutMs: 5000 });

  /** The process is alive and both ports answer a normal request. */
  async function stillAnswers(): Promise<void> {
    assert.equal(started.proc.exitCode, null, `process exited: ${started.stderr().slice(-2000)}`);
    const cluster = await client.invoke(namesrv, createRequest(RequestCode.GET_BROKER_CLUSTER_INFO));
    assert.equal(cluster.code, ResponseCode.SUCCESS, cluster.remark);
    const offset = await client.invoke(
      broker,
      createRequest(RequestCode.GET_MAX_OFFSET, { topic: 'TBW102', queueId: '0' }),
    );
    assert.equal(offset.code, ResponseCode.SUCCESS, offset.remark);
  }

  before(async () => {
    started = await startRocketmqTs();
    ({ namesrv, broker } = started);
  });
  after(async () => {
    await client.close();
    await started.kill();
  });

  // Finding 1: 4,100 levels got an error answer, 4,200 overflowed the stack in the header
  // codec's re-serialisation of extFields and killed the process.
  for (const [what, value] of [
    ['arrays 4,200 deep', nestedArrays(4200)],
    ['objects 4,200 deep', nestedObjects(4200)],
    ['arrays 100,000 deep', nestedArrays(100_000)],
  ] as const) {
    it(`a header whose extFields value nests ${what} costs only its connection`, async () => {
      const frame = jsonFrame(`{"code":30,"opaque":7,"extFields":{"topic":${value},"queueId":"0"}}`);
      for (const addr of [namesrv, broker]) {
        const x = await exchange(addr, frame);
        assert.ok(x.closed || x.code !== ResponseCode.SUCCESS, `${addr}: ${JSON.stringify(x)}`);
      }
      await stillAnswers();
    });
  }

  // Finding 3: a 1 MiB REGISTER_BROKER body inflating to 1 GiB was inflated without a limit
  // (RSS 112 -> 2,174 MiB, other clients stalled up to 2.5 s).
  it('refuses a zlib bomb in REGISTER_BROKER with SYSTEM_ERROR, RSS bounded, other clients answered', async () => {
    const pid = started.proc.pid!;
    const rssBefore = rssMiB(pid);
    let rssPeak = rssBefore;
    const request = createRequest(
      RequestCode.REGISTER_BROKER,
      RegisterBrokerRequestHeader.encode({
        brokerName: 'bomb',
        brokerAddr: '127.0.0.1:1',
        clusterName: 'BombCluster',
        haServerAddr: '127.0.0.1:2',
        brokerId: 0,
        compressed: true,
      }),
      zeroBomb(1024),
    );
    request.version = 479;
    let done = false;
    const answered = client.invoke(namesrv, request, 30_000).finally(() => {
      done = true;
    });
    // Meanwhile another client keeps asking the same NameServer.
    let pings = 0;
    let slowestMs = 0;
    while (!done) {
      const t0 = performance.now();
      const r = await client.invoke(namesrv, createRequest(RequestCode.GET_BROKER_CLUSTER_INFO));
      slowestMs = Math.max(slowestMs, performance.now() - t0);
      assert.equal(r.code, ResponseCode.SUCCESS);
      pings++;
      rssPeak = Math.max(rssPeak, rssMiB(pid));
    }
    const response = await answered;
    assert.equal(response.code, ResponseCode.SYSTEM_ERROR);
    assert.match(response.remark ?? '', /RegisterBrokerBody: inflated body exceeds \d+ bytes/);
    rssPeak = Math.max(rssPeak, rssMiB(pid));
    assert.ok(rssPeak - rssBefore < 256, `RSS ${rssBefore.toFixed(0)} -> ${rssPeak.toFixed(0)} MiB`);
    assert.ok(pings >= 1 && slowestMs < 1000, `${pings} pings, slowest ${slowestMs.toFixed(1)} ms`);
    const cluster = await client.invoke(namesrv, createRequest(RequestCode.GET_BROKER_CLUSTER_INFO));
    assert.doesNotMatch(cluster.body?.toString() ?? '', /BombCluster/);
    await stillAnswers();
  });
});
