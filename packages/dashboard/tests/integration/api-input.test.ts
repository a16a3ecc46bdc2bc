// The API's answers to bad input, and who may change things. No cluster is needed: every
// request here is refused before the admin client is asked (the NameServer is unreachable).
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { type Dashboard, startDashboard } from '../../src/index.js';

interface Answer {
  status: number;
  body: { error?: { status: number; message: string } } & Record<string, unknown>;
  headers: Record<string, string | string[] | undefined>;
}

function call(
  d: Dashboard,
  method: string,
  path: string,
  opts: { body?: string | Buffer; headers?: Record<string, string> } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port: d.port, method, path, headers: { host: `127.0.0.1:${d.port}`, ...opts.headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: Answer['body'] = {};
          try {
            body = JSON.parse(text) as Answer['body'];
          } catch {
            body = { text };
          }
          resolve({ status: res.statusCode ?? 0, body, headers: res.headers });
        });
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

const json = { 'content-type': 'application/json' };
const UNREACHABLE = '127.0.0.1:1';

describe('dashboard API input checks', () => {
  let local: Dashboard;
  let open: Dashboard;
  let guarded: Dashboard;

  before(async () => {
    const common = { namesrvAddr: UNREACHABLE, port: 0, sampleIntervalMs: 3_600_000 };
    local = await startDashboard(common);
    // Bound to every interface without a token: reads only.
    open = await startDashboard({ ...common, host: '0.0.0.0' });
    guarded = await startDashboard({ ...common, host: '0.0.0.0', token: 's3cret' });
  });
  after(async () => {
    await Promise.all([local?.close(), open?.close(), guarded?.close()]);
  });

  it('binds to 127.0.0.1 by default', () => {
    assert.equal(local.host, '127.0.0.1');
    assert.match(local.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  });

  it('answers malformed, oversized and unknown requests with 4xx and a JSON error', async () => {
    const cases: [string, string, { body?: string | Buffer; headers?: Record<string, string> }, number][] = [
      ['POST', '/api/topics', { body: '{"topic":', headers: json }, 400],
      ['POST', '/api/topics', { body: '[1,2]', headers: json }, 400],
      [
        'POST',
        '/api/topics',
        { body: 'topic=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } },
        415,
      ],
      ['POST', '/api/topics', { body: Buffer.alloc(70_000, 0x20), headers: json }, 413],
      ['POST', '/api/topics', { body: '{"topic":"bad topic!"}', headers: json }, 400],
      ['POST', '/api/topics', { body: '{"topic":"T","readQueueNums":"many"}', headers: json }, 400],
      ['POST', '/api/topics', { body: '{}', headers: json }, 400],
      ['GET', '/api/topics/a%2', {}, 400],
      ['GET', '/api/topics/has%20space', {}, 400],
      ['GET', `/api/messages/by-key?topic=T&key=${'k'.repeat(2000)}`, {}, 400],
      ['GET', '/api/messages?topic=T&begin=2&end=1', {}, 400],
      ['GET', '/api/messages?topic=T&max=100000', {}, 400],
      ['GET', '/api/messages?topic=T&begin=yesterday', {}, 400],
      ['GET', '/api/messages/detail', {}, 400],
      ['POST', '/api/groups/G/reset-offset', { body: '{"topic":"T","timestamp":-5}', headers: json }, 400],
      ['POST', '/api/dlq/resend', { body: '{"topic":"NotDlq","msgIds":["x"]}', headers: json }, 400],
      ['POST', '/api/dlq/resend', { body: '{"topic":"%DLQ%G","msgIds":[]}', headers: json }, 400],
      [
        'POST',
        '/api/dlq/resend',
        { body: `{"topic":"%DLQ%G","msgIds":${JSON.stringify(Array(65).fill('x'))}}`, headers: json },
        400,
      ],
      ['GET', `/api/topics?${'x'.repeat(5000)}`, {}, 414],
      ['GET', '/api/nothing', {}, 404],
      ['DELETE', '/api/cluster', {}, 405],
      ['GET', '/etc/passwd', {}, 404],
      ['GET', '/api/cluster', { headers: { host: 'evil.example:80' } }, 421],
    ];
    for (const [method, path, opts, status] of cases) {
      const r = await call(local, method, path, opts);
      assert.equal(r.status, status, `${method} ${path.slice(0, 60)}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.error?.status, status, `${method} ${path.slice(0, 60)}`);
      assert.equal(typeof r.body.error?.message, 'string');
      assert.match(String(r.headers['content-type']), /^application\/json/);
    }
  });

  it('answers a broken HTTP request line with 400 JSON', async () => {
    const { connect } = await import('node:net');
    const text = await new Promise<string>((resolve, reject) => {
      const s = connect(local.port, '127.0.0.1', () => s.write('GARBAGE\r\n\r\n'));
      let got = '';
      s.on('data', (c: Buffer) => {
        got += c.toString();
      });
      s.on('end', () => resolve(got));
      s.on('error', reject);
    });
    assert.match(text, /^HTTP\/1\.1 400/);
    assert.match(text, /"status":400/);
  });

  it('refuses mutating calls off loopback without a configured token, and reads still pass the checks', async () => {
    const r = await call(open, 'POST', '/api/topics', { body: '{"topic":"T"}', headers: json });
    assert.equal(r.status, 403);
    assert.match(r.body.error!.message, /token/);
    const del = await call(open, 'DELETE', '/api/topics/T');
    assert.equal(del.status, 403);
    // A read reaches the admin client, which cannot reach the NameServer: 502, not 401/403.
    const read = await call(open, 'GET', '/api/topics');
    assert.equal(read.status, 502);
  });

  it('needs the bearer token for mutating calls when one is configured', async () => {
    const body = '{"topic":"bad topic!"}';
    assert.equal((await call(guarded, 'POST', '/api/topics', { body, headers: json })).status, 401);
    assert.equal(
      (await call(guarded, 'POST', '/api/topics', { body, headers: { ...json, authorization: 'Bearer wrong' } }))
        .status,
      401,
    );
    // With the token the request gets as far as validating the topic name.
    const ok = await call(guarded, 'POST', '/api/topics', {
      body,
      headers: { ...json, authorization: 'Bearer s3cret' },
    });
    assert.equal(ok.status, 400);
  });

  it('serves the UI with a content security policy', async () => {
    const r = await call(local, 'GET', '/', { headers: { 'accept-encoding': 'gzip' } });
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-encoding'], 'gzip');
    assert.match(String(r.headers['content-security-policy']), /script-src 'self' 'sha256-/);
    assert.equal(r.headers['x-frame-options'], 'DENY');
  });
});
