import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  createRequest,
  decodeStoredRecords,
  encodeBatchBody,
  RequestCode,
  ResponseCode,
  UpdateConsumerOffsetRequestHeader,
} from '@rocketmq-ts/protocol';
import { RemotingClient } from '@rocketmq-ts/remoting';
import { tempDir } from '@rocketmq-ts/testkit';
import { consumerData, heartbeatRequest, pullRequest, sendRequest } from '../helpers/broker-harness.js';
import { type BrokerProcess, spawnBroker } from './broker-process.js';

/** Every message body in a queue, pulling from offset 0 until nothing is left. */
async function drain(b: BrokerProcess, topic: string, queueId: number): Promise<string[]> {
  const out: string[] = [];
  let offset = 0;
  for (;;) {
    const r = await b.invoke(pullRequest(topic, { queueId, offset }));
    if (r.code !== ResponseCode.SUCCESS) return out;
    for (const m of decodeStoredRecords(r.body!)) out.push(m.body.toString());
    offset = Number(r.extFields.nextBeginOffset);
  }
}

describe('mqbroker process on the file store', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let running: BrokerProcess | undefined;
  before(async () => {
    dir = await tempDir('mqbroker-');
  });
  after(async () => {
    if (running && running.proc.exitCode === null) await running.kill9();
    await dir.cleanup();
  });

  it('keeps messages, topics and consumer offsets across a clean restart', async () => {
    running = await spawnBroker(dir.path);
    const b = running;
    for (let i = 0; i < 20; i++) {
      const r = await b.invoke(sendRequest('Durable', `m${i}`, { queueId: i % 2 }));
      assert.equal(r.code, ResponseCode.SUCCESS, r.remark);
    }
    const batch = encodeBatchBody([0, 1, 2].map((i) => ({ flag: 0, body: Buffer.from(`b${i}`), properties: '' })));
    const br = await b.invoke(sendRequest('Durable', batch, { code: RequestCode.SEND_BATCH_MESSAGE, queueId: 1 }));
    assert.equal(br.code, ResponseCode.SUCCESS, br.remark);
    assert.equal(
      (await b.invoke(heartbeatRequest({ clientID: 'c@1', consumerDataSet: [consumerData('GD', 'Durable')] }))).code,
      0,
    );
    const upd = await b.invoke(
      createRequest(
        RequestCode.UPDATE_CONSUMER_OFFSET,
        UpdateConsumerOffsetRequestHeader.encode({
          consumerGroup: 'GD',
          topic: 'Durable',
          queueId: 1,
          commitOffset: 7,
        }),
      ),
    );
    assert.equal(upd.code, ResponseCode.SUCCESS);
    assert.equal(await b.stop(), 0, 'clean exit on SIGTERM');

    running = await spawnBroker(dir.path);
    const b2 = running;
    assert.deepEqual(
      await drain(b2, 'Durable', 0),
      [0, 2, 4, 6, 8, 10, 12, 14, 16, 18].map((i) => `m${i}`),
    );
    assert.deepEqual(await drain(b2, 'Durable', 1), [
      ...[1, 3, 5, 7, 9, 11, 13, 15, 17, 19].map((i) => `m${i}`),
      'b0',
      'b1',
      'b2',
    ]);
    const q = await b2.request(RequestCode.QUERY_CONSUMER_OFFSET, {
      consumerGroup: 'GD',
      topic: 'Durable',
      queueId: '1',
    });
    assert.equal(q.extFields.offset, '7');
    const retry = await b2.request(RequestCode.GET_MAX_OFFSET, { topic: '%RETRY%GD', queueId: '0' });
    assert.equal(retry.code, ResponseCode.SUCCESS, 'the retry topic survived the restart');
    const t0 = Number(
      (await b2.request(RequestCode.GET_EARLIEST_MSG_STORETIME, { topic: 'Durable', queueId: '0' })).extFields
        .timestamp,
    );
    const byTime = await b2.request(RequestCode.SEARCH_OFFSET_BY_TIMESTAMP, {
      topic: 'Durable',
      queueId: '0',
      timestamp: String(t0),
    });
    assert.equal(byTime.extFields.offset, '0');
    assert.equal(await b2.stop(), 0);
    running = undefined;
  });

  it('loses no acknowledged message when killed with SIGKILL under SYNC_FLUSH', async () => {
    const killDir = await tempDir('mqbroker-kill-');
    try {
      running = await spawnBroker(killDir.path, { flushDiskType: 'SYNC_FLUSH' });
      const b = running;
      const acked: string[] = [];
      let stop = false;
      // Four pipelined senders; the kill lands while requests are in flight.
      const senders = [0, 1, 2, 3].map(async (s) => {
        for (let i = 0; !stop; i++) {
          const body = `s${s}-${i}`;
          try {
            const r = await b.invoke(sendRequest('KillTopic', body, { queueId: s }), 5000);
            if (r.code === ResponseCode.SUCCESS) acked.push(body);
          } catch {
            return;
          }
        }
      });
      while (acked.length < 200) await new Promise((r) => setImmediate(r));
      await b.kill9();
      stop = true;
      await Promise.all(senders);
      running = await spawnBroker(killDir.path, { flushDiskType: 'SYNC_FLUSH' });
      const stored = new Set<string>();
      for (let q = 0; q < 4; q++) for (const body of await drain(running, 'KillTopic', q)) stored.add(body);
      const lost = acked.filter((m) => !stored.has(m));
      assert.deepEqual(lost, [], `${lost.length} of ${acked.length} acknowledged messages lost`);
      await running.stop();
      running = undefined;
    } finally {
      await killDir.cleanup();
    }
  });

  it('answers a long-polled pull when a message arrives (file store dispatch)', async () => {
    running = await spawnBroker(dir.path);
    const b = running;
    const max = Number(
      (await b.request(RequestCode.GET_MAX_OFFSET, { topic: 'Durable', queueId: '0' })).extFields.offset,
    );
    const started = Date.now();
    const held = b.invoke(pullRequest('Durable', { queueId: 0, offset: max, suspendMs: 15_000 }), 20_000);
    await b.invoke(sendRequest('Durable', 'wake-up', { queueId: 0 }));
    const r = await held;
    assert.equal(r.code, ResponseCode.SUCCESS);
    assert.equal(decodeStoredRecords(r.body!)[0]?.body.toString(), 'wake-up');
    assert.ok(Date.now() - started < 5000);
    assert.equal(await b.stop(), 0);
    running = undefined;
  });

  it('survives garbage on one connection while serving another', async () => {
    running = await spawnBroker(dir.path);
    const [host, port] = running.addr.split(':');
    const sock = connect(Number(port), host!);
    await new Promise<void>((resolve) => sock.once('connect', () => resolve()));
    const garbage = Buffer.alloc(12);
    garbage.writeInt32BE(8, 0);
    garbage.writeInt32BE(4, 4);
    garbage.write('{{{{', 8);
    sock.write(garbage);
    sock.write(Buffer.from([0xff, 0xff, 0xff, 0xff, 1, 2, 3]));
    await new Promise<void>((resolve) => {
      sock.once('close', () => resolve());
      sock.once('error', () => resolve());
    });
    const other = new RemotingClient();
    try {
      const r = await other.invoke(running.addr, sendRequest('Durable', 'after garbage', { queueId: 0 }));
      assert.equal(r.code, ResponseCode.SUCCESS);
    } finally {
      await other.close();
    }
    assert.equal(await running.stop(), 0);
    running = undefined;
  });
});

describe('mqbroker command line', () => {
  it('-p prints the effective configuration with -n applied, and bad flags exit non-zero', async () => {
    const { spawnSync } = await import('node:child_process');
    const { fileURLToPath } = await import('node:url');
    const main = fileURLToPath(new URL('../../src/main.js', import.meta.url));
    const p = spawnSync(process.execPath, [main, '-p', '-n', '10.0.0.1:9876;10.0.0.2:9876'], { encoding: 'utf8' });
    assert.equal(p.status, 0);
    assert.match(p.stdout, /^namesrvAddr=10\.0\.0\.1:9876;10\.0\.0\.2:9876$/m);
    assert.match(p.stdout, /^listenPort=10911$/m);
    assert.match(p.stdout, /^flushDiskType=ASYNC_FLUSH$/m);
    const bad = spawnSync(process.execPath, [main, '--bogus'], { encoding: 'utf8' });
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /bogus/);
  });
});
