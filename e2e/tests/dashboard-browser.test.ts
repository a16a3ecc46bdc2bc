// The dashboard in a real browser (Debian's chromium driven by playwright-core) against a real
// `rocketmq-ts start` on free ports: every page loads without console errors, a topic created
// in the UI shows up in mqadmin, the lag chart follows sent messages, a message is found by
// key with its trace, and a DLQ message resent from the UI is consumed again.
// DASHBOARD_SCREENSHOTS=<dir> also saves a PNG of each page there (docs/dashboard/).
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type MessageExt, MQAdmin, Producer, PushConsumer } from '@rocketmq-ts/client';
import { decodeTraceData, RMQ_SYS_TRACE_TOPIC } from '@rocketmq-ts/protocol';
import { eventually, tempDir } from '@rocketmq-ts/testkit';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { runNode } from './client-support.js';
import { repoRoot } from './repo-root.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const root = repoRoot();
const bin = (name: string) => path.join(root, 'packages', 'distribution', 'bin', `${name}.js`);
const shots = process.env.DASHBOARD_SCREENSHOTS;

describe('dashboard in chromium', { timeout: 150_000 }, () => {
  let server: ChildProcess | undefined;
  let out = '';
  let dir: { path: string; cleanup: () => Promise<void> };
  let namesrvAddr = '';
  let url = '';
  let context: BrowserContext;
  let page: Page;
  let admin: MQAdmin;
  let producer: Producer;
  const consumers: PushConsumer[] = [];
  const consoleErrors: string[] = [];
  const run = `${process.pid}_${Date.now().toString(36)}`;

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install chromium (.ci/run does)`);
    dir = await tempDir('rmq-dashboard-e2e-');
    // The broker creates RMQ_SYS_TRACE_TOPIC, so traced clients have somewhere to write.
    const conf = path.join(dir.path, 'broker.conf');
    await writeFile(conf, 'traceTopicEnable=true\n');
    server = spawn(
      process.execPath,
      [
        bin('rocketmq-ts'),
        'start',
        '--data-dir',
        path.join(dir.path, 'data'),
        '--namesrv-port',
        '0',
        '--broker-port',
        '0',
        '--host',
        '127.0.0.1',
        '--dashboard-port',
        '0',
        '--dashboard-sample-interval',
        '500',
        '--no-proxy',
        '-c',
        conf,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    server.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    server.stderr?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const m = await eventually(() => /\(clients: ([\d.:]+)\).*dashboard (http:\/\/\S+\/)/.exec(out) ?? undefined, {
      timeoutMs: 30_000,
      message: `rocketmq-ts start with the dashboard; output: ${out}`,
    });
    namesrvAddr = m[1]!;
    url = m[2]!;
    admin = new MQAdmin({ namesrvAddr });
    producer = new Producer({ namesrvAddr, producerGroup: `PG_${run}` });
    await producer.start();
    context = await chromium.launchPersistentContext(path.join(dir.path, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1200, height: 760 },
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (msg) => {
      if (msg.type() === 'error') consoleErrors.push(`${page.url()}: ${msg.text()}`);
    });
    page.on('pageerror', (e) => consoleErrors.push(`${page.url()}: ${e.message}`));
  });

  after(async () => {
    await context?.close().catch(() => undefined);
    for (const c of consumers) await c.shutdown().catch(() => undefined);
    await producer?.shutdown().catch(() => undefined);
    await admin?.close().catch(() => undefined);
    server?.kill('SIGKILL');
    await dir?.cleanup();
  });

  /** Opens a page of the UI and waits until `selector` shows. */
  async function open(hash: string, selector: string, shot?: string): Promise<void> {
    await page.goto(`${url}#/${hash}`);
    await page.waitForSelector(selector, { timeout: 15_000 });
    if (shots && shot) await page.screenshot({ path: path.join(shots, `${shot}.png`) });
  }

  async function createTopic(topic: string): Promise<void> {
    await admin.createTopic({ topic, clusterName: 'DefaultCluster', readQueueNums: 2, writeQueueNums: 2 });
    await eventually(async () => (await admin.topicRoute(topic).catch(() => undefined)) !== undefined, {
      message: `route of ${topic}`,
    });
  }

  it('serves the UI small: app.js, app.css and the page under 300 KB gzipped, loaded within seconds', async (t) => {
    let bytes = 0;
    for (const p of ['', 'assets/app.js', 'assets/app.css', 'assets/favicon.svg']) {
      const r = await fetch(url + p, { headers: { 'accept-encoding': 'gzip' } });
      assert.equal(r.status, 200, p);
      bytes += Number(r.headers.get('content-length'));
    }
    await open('', '#brokers tbody tr', 'cluster');
    // (a string: this file is compiled without the DOM's types)
    const timing = await page.evaluate<{ load: number; dcl: number }>(
      `(() => { const n = performance.getEntriesByType('navigation')[0]; return { load: n.loadEventEnd, dcl: n.domContentLoadedEventEnd }; })()`,
    );
    t.diagnostic(
      `page weight ${bytes} B gzipped; DOMContentLoaded ${timing.dcl.toFixed(0)} ms, load ${timing.load.toFixed(0)} ms`,
    );
    assert.ok(bytes < 300 * 1024, `${bytes} B`);
    assert.ok(timing.load > 0 && timing.load < 5000, `load took ${timing.load} ms`);
    assert.match((await page.textContent('#brokers')) ?? '', /broker-a.*MASTER/s);
  });

  it('creates a topic from the Topics page, and mqadmin topicList lists it', async () => {
    const topic = `UiTopic_${run}`;
    await open('topics', '#topic-form');
    await page.fill('#topic-name', topic);
    await page.selectOption('#topic-type', 'FIFO');
    await page.click('#topic-save');
    await page.waitForSelector(`#notice:has-text("${topic}")`);
    const list = await runNode(bin('mqadmin'), ['topicList', '-n', namesrvAddr]);
    assert.equal(list.code, 0, list.stderr);
    assert.ok(list.stdout.split('\n').includes(topic), list.stdout);
    await page.waitForSelector(`tr[data-topic="${topic}"]`);
    if (shots) await page.screenshot({ path: path.join(shots, 'topics.png') });
    await open(`topics/${topic}`, '#queues tbody tr', 'topic');
    assert.match((await page.textContent('#topic-config')) ?? '', /Message typeFIFO/);
  });

  it('shows a group, its lag chart rising with sent messages and falling as they are consumed', async () => {
    const topic = `LagTopic_${run}`;
    const group = `LagGroup_${run}`;
    await createTopic(topic);
    const consumed = new Set<string>();
    const start = async () => {
      const c = new PushConsumer({ namesrvAddr, consumerGroup: group });
      c.subscribe(topic, '*');
      c.registerMessageListener({
        type: 'concurrently',
        consume: (msgs: MessageExt[]) => {
          for (const m of msgs) consumed.add(m.msgId);
        },
      });
      await c.start();
      consumers.push(c);
      return c;
    };
    const first = await start();
    await eventually(
      async () => (await admin.consumerConnection(group).catch(() => undefined))?.connections.length === 1,
      {
        message: 'consumer online',
      },
    );
    // A few messages on every queue, consumed, so the group has committed offsets to lag behind.
    for (let i = 0; i < 4; i++) await producer.send({ topic, body: `warm-up ${i}` });
    await eventually(() => consumed.size === 4, { timeoutMs: 20_000, message: 'warm-up consumed' });
    await first.shutdown();
    for (let i = 0; i < 20; i++) await producer.send({ topic, body: `lag ${i}`, keys: `lag-${i}` });
    await open(`groups/${group}`, '#lag-chart canvas');
    // The chart's newest point reaches the 20 waiting messages.
    await page.waitForSelector('#lag-chart[data-last="20"]', { timeout: 20_000 });
    await page.waitForSelector('#total-lag:has-text("20")');
    if (shots) await page.screenshot({ path: path.join(shots, 'group.png') });
    await start();
    await eventually(() => consumed.size === 24, { timeoutMs: 20_000, message: 'consumed' });
    await page.waitForSelector('#lag-chart[data-last="0"]', { timeout: 20_000 });
    await open('groups', `tr[data-group="${group}"]`, 'groups');
  });

  it('finds a message by key and shows its properties, body and its publish and consume trace', async () => {
    const topic = `KeyTopic_${run}`;
    await createTopic(topic);
    const key = `order-${run}`;
    // Traced clients write RocketMQ's trace records (Pub, SubBefore, SubAfter) to RMQ_SYS_TRACE_TOPIC.
    const traced = new Producer({ namesrvAddr, producerGroup: `TPG_${run}`, enableTrace: true });
    await traced.start();
    const c = new PushConsumer({ namesrvAddr, consumerGroup: `TCG_${run}`, enableTrace: true });
    c.subscribe(topic, '*');
    let got = 0;
    c.registerMessageListener({
      type: 'concurrently',
      consume: (msgs: MessageExt[]) => {
        got += msgs.length;
      },
    });
    await c.start();
    consumers.push(c);
    await eventually(
      async () => (await admin.consumerConnection(`TCG_${run}`).catch(() => undefined))?.connections.length === 1,
      { message: 'traced consumer online' },
    );
    const sent = await traced.send({ topic, body: 'hello dashboard', keys: key, tags: 'TagA' });
    await eventually(() => got === 1, { timeoutMs: 20_000, message: 'traced message consumed' });
    await eventually(
      async () => {
        const found = await admin.queryMessageByKey(RMQ_SYS_TRACE_TOPIC, sent.msgId).catch(() => []);
        const types = new Set(
          found.flatMap((m) => {
            const r = decodeTraceData(m.body.toString('utf8'));
            return r.ok ? r.value.filter((x) => x.msgId === sent.msgId).map((x) => x.type) : [];
          }),
        );
        return types.has('Pub') && types.has('SubBefore') && types.has('SubAfter');
      },
      { timeoutMs: 20_000, message: 'trace records written' },
    );
    await traced.shutdown();
    await open('messages', '#message-search');
    await page.click('#mode-key');
    await page.fill('#msg-topic', topic);
    await page.fill('#msg-key', key);
    await page.click('#msg-search-go');
    await page.waitForSelector(`#messages tr[data-msgid="${sent.msgId}"]`);
    if (shots) await page.screenshot({ path: path.join(shots, 'messages.png') });
    await page.click(`#messages tr[data-msgid="${sent.msgId}"] a`);
    await page.waitForSelector('#message-body:has-text("hello dashboard")');
    assert.match((await page.textContent('#message-properties')) ?? '', new RegExp(`KEYS${key}`));
    for (const type of ['Pub', 'SubBefore', 'SubAfter']) await page.waitForSelector(`#trace tr[data-type="${type}"]`);
    if (shots) await page.screenshot({ path: path.join(shots, 'message.png'), fullPage: true });
  });

  it('resends a DLQ message from the Messages page, and the group consumes it', async () => {
    const topic = `DlqTopic_${run}`;
    const group = `DlqGroup_${run}`;
    await createTopic(topic);
    const seen = new Map<string, number>();
    const c = new PushConsumer({ namesrvAddr, consumerGroup: group });
    c.subscribe(topic, '*');
    c.registerMessageListener({
      type: 'concurrently',
      consume: (msgs: MessageExt[], ctx) => {
        // (the resend is a new message with the same keys and body)
        for (const m of msgs) seen.set(m.keys.join(' '), (seen.get(m.keys.join(' ')) ?? 0) + 1);
        // First delivery: straight to the DLQ. The next one (the resend) succeeds.
        if (msgs.some((m) => seen.get(m.keys.join(' ')) === 1)) {
          ctx.delayLevelWhenNextConsume = -1;
          return 'RECONSUME_LATER';
        }
        return 'CONSUME_SUCCESS';
      },
    });
    await c.start();
    consumers.push(c);
    await eventually(
      async () => (await admin.consumerConnection(group).catch(() => undefined))?.connections.length === 1,
      {
        message: 'consumer online',
      },
    );
    const sent = await producer.send({ topic, body: 'poison', keys: `dlq-${run}` });
    await eventually(
      async () => (await admin.queryMessageByKey(`%DLQ%${group}`, `dlq-${run}`).catch(() => [])).length === 1,
      {
        timeoutMs: 20_000,
        message: 'message in the DLQ',
      },
    );
    await page.goto(`${url}#/messages?${new URLSearchParams({ topic: `%DLQ%${group}` })}`);
    await page.waitForSelector('#message-search');
    await page.click('#msg-search-go');
    await page.waitForSelector(`#messages tr[data-msgid="${sent.msgId}"] input.dlq-pick`);
    await page.check(`#messages tr[data-msgid="${sent.msgId}"] input.dlq-pick`);
    await page.click('#dlq-resend');
    await page.waitForSelector('#notice:has-text("Resent 1")');
    if (shots) await page.screenshot({ path: path.join(shots, 'dlq.png') });
    await eventually(() => (seen.get(`dlq-${run}`) ?? 0) >= 2, {
      timeoutMs: 20_000,
      message: 'resent message consumed',
    });
  });

  it('loads the producers page and the dark theme, with no console errors on any page', async () => {
    await open('producers', '#producers tbody tr', 'producers');
    assert.match((await page.textContent('#producers')) ?? '', new RegExp(`PG_${run}`));
    await page.click('#theme-toggle');
    assert.equal(await page.evaluate<string>('document.documentElement.dataset.theme'), 'dark');
    await open('', '#throughput-chart canvas', 'cluster-dark');
    await page.click('#theme-toggle');
    assert.deepEqual(consoleErrors, []);
  });
});
