// The chaos checker (bench/chaos/checker.mjs, issue 15) fed synthetic histories: each kind of
// violation it exists for — acknowledged-but-lost, duplicates, disorder within a queue or a FIFO
// key, time without a writable master, two masters accepting writes at once, acknowledged
// messages missing on the slave — must be caught, and a clean history must pass.
import assert from 'node:assert/strict';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { repoRoot } from './repo-root.js';

interface SendEvent {
  t: 'send';
  id: string;
  key?: string;
  seq?: number;
  probe?: string;
  start: number;
  end: number;
  status: string;
  brokerName?: string;
  queueId?: number;
  queueOffset?: number;
  storeHost?: string;
}
interface ConsumeEvent {
  t: 'consume';
  group: string;
  id: string;
  key?: string;
  seq?: number;
  brokerName: string;
  queueId: number;
  queueOffset: number;
  time: number;
}
type ChaosEvent =
  | SendEvent
  | ConsumeEvent
  | { t: 'fault'; name: string; target: string; brokerName?: string; start: number; end: number }
  | { t: 'check'; kind: 'slave-drain'; brokerName: string; time: number; expected: number; missing: string[] };
interface History {
  meta: { groups: string[]; consumerGroups: Array<{ name: string; orderly: boolean }>; keyOrderStrict?: boolean };
  events: ChaosEvent[];
}
interface GroupReport {
  name: string;
  consumed: number;
  distinct: number;
  lost: number;
  lostStoredOnMasterOnly: number;
  duplicates: { redelivered: number; storedTwice: number };
  outOfOrderQueue: { count: number; examples: Array<{ queue: string; offset: number; after: number }> };
  outOfOrderKey: { count: number; examples: Array<{ key: string; seq: number; after: number }> };
}
interface CheckResult {
  ok: boolean;
  failures: string[];
  sends: { total: number; acknowledged: number; storedOnMasterOnly: number; failed: number; probes: number };
  lost: { total: number; examples: string[] };
  consumerGroups: GroupReport[];
  unavailable: Array<{
    brokerName: string;
    windows: number;
    totalMs: number;
    longestMs: number;
    unrecovered: boolean;
    intervals: Array<[number, number]>;
  }>;
  splitBrain: Array<{ brokerName: string; brokers: string[]; start: number; end: number; ms: number }>;
  offsetReuse: { count: number; examples: Array<{ place: string; ids: Record<string, string> }> };
  slaveDrain: Array<{ brokerName: string; expected: number; missing: number }>;
  faults: Array<{ name: string; firstAckAfterMs?: number; firstAckStoreHost?: string; masterChanged?: boolean }>;
}
interface Checker {
  check(h: History, options?: { tenureGapMs?: number; slowProbeMs?: number }): CheckResult;
  formatReport(r: CheckResult): string;
  recoveryStats(
    faults: CheckResult['faults'],
    name: string,
  ): { n: number; p50: number; p99: number; max: number } | undefined;
}

const A = '127.0.0.1:10911';
const B = '127.0.0.1:10921';

/** A small history builder: sends and their deliveries, with explicit times. */
class H {
  readonly events: ChaosEvent[] = [];
  private readonly offsets = new Map<string, number>();
  constructor(
    readonly groups = ['g-a'],
    readonly consumerGroups = [
      { name: 'cc', orderly: false },
      { name: 'fifo', orderly: true },
    ],
  ) {}

  /** An acknowledged send stored at the next offset of `queue` by `host`. */
  ack(id: string, t: number, o: { key?: string; seq?: number; queue?: number; host?: string; group?: string } = {}) {
    const brokerName = o.group ?? this.groups[0]!;
    const queueId = o.queue ?? 0;
    const q = `${brokerName}/${queueId}`;
    const queueOffset = this.offsets.get(q) ?? 0;
    this.offsets.set(q, queueOffset + 1);
    const e: SendEvent = {
      t: 'send',
      id,
      start: t,
      end: t + 5,
      status: 'SEND_OK',
      brokerName,
      queueId,
      queueOffset,
      storeHost: o.host ?? A,
    };
    if (o.key !== undefined) Object.assign(e, { key: o.key, seq: o.seq });
    this.events.push(e);
    return e;
  }

  send(e: Omit<SendEvent, 't'>) {
    this.events.push({ t: 'send', ...e });
  }

  /** Delivers a send to consumer group `group` at `t`. */
  deliver(group: string, s: SendEvent, t: number, place: Partial<ConsumeEvent> = {}) {
    const e: ConsumeEvent = {
      t: 'consume',
      group,
      id: s.id,
      brokerName: s.brokerName!,
      queueId: s.queueId!,
      queueOffset: s.queueOffset!,
      time: t,
      ...place,
    };
    if (s.key !== undefined) Object.assign(e, { key: s.key, seq: s.seq });
    this.events.push(e);
  }

  deliverAll(s: SendEvent, t: number) {
    for (const g of this.consumerGroups) this.deliver(g.name, s, t);
  }

  history(extra: Partial<History['meta']> = {}): History {
    return { meta: { groups: this.groups, consumerGroups: this.consumerGroups, ...extra }, events: this.events };
  }
}

describe('chaos checker', () => {
  let checker: Checker;
  before(async () => {
    checker = (await import(pathToFileURL(path.join(repoRoot(), 'bench', 'chaos', 'checker.mjs')).href)) as Checker;
  });

  it('passes a clean history: everything acknowledged consumed once, in order', () => {
    const h = new H();
    for (let i = 0; i < 20; i++) h.deliverAll(h.ack(`m${i}`, i * 10, { key: 'k', seq: i }), i * 10 + 7);
    const r = checker.check(h.history());
    assert.equal(r.ok, true, r.failures.join('; '));
    assert.equal(r.lost.total, 0);
    assert.equal(r.sends.acknowledged, 20);
    for (const g of r.consumerGroups) {
      assert.equal(g.distinct, 20);
      assert.deepEqual(g.duplicates, { redelivered: 0, storedTwice: 0, examples: [] });
      assert.equal(g.outOfOrderQueue.count + g.outOfOrderKey.count, 0);
    }
    assert.deepEqual(r.splitBrain, []);
    assert.match(checker.formatReport(r), /\| verdict \| PASS \|/);
  });

  it('reports an acknowledged message no group consumed as lost, and fails', () => {
    const h = new H();
    h.deliverAll(h.ack('m0', 0), 10);
    h.ack('m1', 20);
    const half = h.ack('m2', 30);
    h.deliver('cc', half, 40); // the orderly group never gets m2
    const r = checker.check(h.history());
    assert.equal(r.ok, false);
    assert.equal(r.lost.total, 2);
    assert.deepEqual(new Set(r.lost.examples), new Set(['m1', 'm2']));
    assert.equal(r.consumerGroups.find((g) => g.name === 'cc')!.lost, 1);
    assert.equal(r.consumerGroups.find((g) => g.name === 'fifo')!.lost, 2);
    assert.match(r.failures.join(';'), /2 acknowledged message\(s\) lost/);
    assert.match(checker.formatReport(r), /FAIL/);
  });

  it('does not count master-only acknowledgements or failed sends as lost, but reports them', () => {
    const h = new H();
    h.deliverAll(h.ack('m0', 0), 10);
    h.send({ id: 'm1', start: 20, end: 3020, status: 'FLUSH_SLAVE_TIMEOUT', brokerName: 'g-a', storeHost: A });
    h.send({ id: 'm2', start: 20, end: 25, status: 'SLAVE_NOT_AVAILABLE', brokerName: 'g-a', storeHost: A });
    h.send({ id: 'm3', start: 30, end: 5030, status: 'error' });
    const r = checker.check(h.history());
    assert.equal(r.ok, true, r.failures.join('; '));
    assert.deepEqual(r.sends, { total: 4, acknowledged: 1, storedOnMasterOnly: 2, failed: 1, probes: 0 });
    assert.equal(r.consumerGroups[0]!.lostStoredOnMasterOnly, 2);
  });

  it('tells redeliveries (same queue offset) from messages stored twice, without failing', () => {
    const h = new H();
    const m0 = h.ack('m0', 0);
    const m1 = h.ack('m1', 10);
    h.deliverAll(m0, 20);
    h.deliverAll(m1, 21);
    h.deliver('cc', m0, 30); // redelivered: same place
    h.deliver('cc', m1, 31, { queueOffset: 7 }); // the same id at another offset: stored twice
    const r = checker.check(h.history());
    assert.equal(r.ok, true);
    const cc = r.consumerGroups.find((g) => g.name === 'cc')!;
    assert.equal(cc.consumed, 4);
    assert.equal(cc.distinct, 2);
    assert.equal(cc.duplicates.redelivered, 1);
    assert.equal(cc.duplicates.storedTwice, 1);
  });

  it('catches disorder within a queue and within a FIFO key in an orderly group', () => {
    const h = new H();
    const s = [0, 1, 2, 3].map((i) => h.ack(`m${i}`, i * 10, { key: 'k', seq: i }));
    for (const [i, m] of s.entries()) h.deliver('cc', m, 100 - i); // concurrently: order not checked
    h.deliver('fifo', s[0]!, 100);
    h.deliver('fifo', s[2]!, 101);
    h.deliver('fifo', s[1]!, 102); // before m2 in the queue and in the key: disorder
    h.deliver('fifo', s[3]!, 103);
    const r = checker.check(h.history());
    assert.equal(r.ok, false);
    const fifo = r.consumerGroups.find((g) => g.name === 'fifo')!;
    assert.equal(fifo.outOfOrderQueue.count, 1);
    assert.deepEqual(
      { offset: fifo.outOfOrderQueue.examples[0]!.offset, after: fifo.outOfOrderQueue.examples[0]!.after },
      { offset: 1, after: 2 },
    );
    assert.equal(fifo.outOfOrderKey.count, 1);
    assert.equal(fifo.outOfOrderKey.examples[0]!.seq, 1);
    const cc = r.consumerGroups.find((g) => g.name === 'cc')!;
    assert.equal(cc.outOfOrderQueue.count + cc.outOfOrderKey.count, 0);
  });

  it('treats a rewind (redelivery from an earlier offset) as duplicates, not disorder', () => {
    const h = new H();
    const s = [0, 1, 2, 3].map((i) => h.ack(`m${i}`, i * 10, { key: 'k', seq: i }));
    let t = 100;
    for (const i of [0, 1, 2, 1, 2, 3]) h.deliver('fifo', s[i]!, t++);
    for (const m of s) h.deliver('cc', m, t++);
    const r = checker.check(h.history());
    assert.equal(r.ok, true, r.failures.join('; '));
    const fifo = r.consumerGroups.find((g) => g.name === 'fifo')!;
    assert.equal(fifo.duplicates.redelivered, 2);
    assert.equal(fifo.outOfOrderQueue.count + fifo.outOfOrderKey.count, 0);
  });

  it('counts key disorder across broker groups but fails only on queue disorder there', () => {
    const h = new H(['g-a', 'g-b']);
    // The key moved to g-b while g-a was down; g-a's older message came later.
    const old = h.ack('m0', 0, { key: 'k', seq: 0, group: 'g-a' });
    const moved = h.ack('m1', 10, { key: 'k', seq: 1, group: 'g-b', host: B });
    h.deliverAll(moved, 20);
    h.deliverAll(old, 30);
    const r = checker.check(h.history());
    assert.equal(r.consumerGroups.find((g) => g.name === 'fifo')!.outOfOrderKey.count, 1);
    assert.equal(r.ok, true, r.failures.join('; '));
    assert.equal(checker.check(h.history({ keyOrderStrict: true })).ok, false);
  });

  it('measures the time without a writable master from the probes', () => {
    const h = new H();
    const probe = (i: number, start: number, end: number, status: string) =>
      h.send({ id: `p${i}`, probe: 'g-a', start, end, status, brokerName: 'g-a', storeHost: A });
    probe(0, 0, 10, 'SEND_OK');
    probe(1, 100, 110, 'SEND_OK');
    probe(2, 200, 1200, 'error'); // the master died
    probe(3, 1300, 2300, 'error');
    probe(4, 2400, 5400, 'FLUSH_SLAVE_TIMEOUT'); // back, without its slave: not writable yet
    probe(5, 5500, 5510, 'SEND_OK');
    probe(6, 5600, 9600, 'SEND_OK'); // held by a partition for 4 s: slow counts as unavailable
    probe(7, 9700, 9710, 'SEND_OK');
    probe(8, 9800, 10800, 'error'); // down at the end
    const r = checker.check(h.history());
    const u = r.unavailable.find((x) => x.brokerName === 'g-a')!;
    assert.deepEqual(u.intervals, [
      [200, 5510],
      [5600, 9600],
      [9800, 10800],
    ]);
    assert.equal(u.windows, 3);
    assert.equal(u.totalMs, 5310 + 4000 + 1000);
    assert.equal(u.longestMs, 5310);
    assert.equal(u.unrecovered, true);
    // Probe sends are ordinary messages: acknowledged ones must be consumed too.
    assert.equal(r.lost.total, 5);
  });

  it('catches two masters of one group acknowledging writes at the same time', () => {
    const h = new H();
    for (let t = 0; t <= 5000; t += 100) h.deliverAll(h.ack(`a${t}`, t, { host: A }), t + 50);
    for (let t = 2000; t <= 4000; t += 100) h.deliverAll(h.ack(`b${t}`, t + 30, { host: B, queue: 1 }), t + 80);
    const r = checker.check(h.history());
    assert.equal(r.ok, false);
    assert.equal(r.splitBrain.length >= 1, true);
    const s = r.splitBrain[0]!;
    assert.deepEqual([...s.brokers].sort(), [A, B].sort());
    assert.ok(s.start >= 2000 && s.end <= 4100 && s.ms > 1500, JSON.stringify(s));
    assert.match(r.failures.join(';'), /split-brain/);
  });

  it('catches a single acknowledgement of a deposed master inside the new master’s tenure', () => {
    const h = new H();
    for (let t = 0; t <= 3000; t += 100) h.deliverAll(h.ack(`a${t}`, t, { host: A }), t + 50);
    for (let t = 6000; t <= 12000; t += 100) h.deliverAll(h.ack(`b${t}`, t, { host: B }), t + 50);
    h.deliverAll(h.ack('stray', 9000, { host: A }), 9050); // A still took a write at 9 s
    const r = checker.check(h.history());
    assert.equal(r.splitBrain.length, 1, JSON.stringify(r.splitBrain));
    assert.deepEqual(r.splitBrain[0]!.brokers, [B, A]);
    assert.equal(r.splitBrain[0]!.start, 9000);
  });

  it('does not call a failover and a failback split brain', () => {
    const h = new H();
    for (let t = 0; t <= 3000; t += 100) h.deliverAll(h.ack(`a${t}`, t, { host: A }), t + 50);
    for (let t = 6000; t <= 9000; t += 100) h.deliverAll(h.ack(`b${t}`, t, { host: B }), t + 50);
    for (let t = 14000; t <= 16000; t += 100) h.deliverAll(h.ack(`c${t}`, t, { host: A }), t + 50);
    const r = checker.check(h.history());
    assert.deepEqual(r.splitBrain, []);
    assert.equal(r.ok, true, r.failures.join('; '));
  });

  it('catches a queue offset read from a divergent tail and then reused by the new master (#6662)', () => {
    const h = new H();
    h.deliverAll(h.ack('m0', 0, { host: A }), 10);
    // The old master stored m1 at offset 1 without its SyncStateSet (not acknowledged) and let
    // the consumers read it; the new master, whose log ended at offset 0, acknowledged m2 at
    // offset 1, which the consumers (already past offset 1) never read.
    h.send({
      id: 'm1',
      start: 20,
      end: 3020,
      status: 'FLUSH_SLAVE_TIMEOUT',
      brokerName: 'g-a',
      queueId: 0,
      queueOffset: 1,
      storeHost: A,
    });
    h.events.push({ t: 'consume', group: 'cc', id: 'm1', brokerName: 'g-a', queueId: 0, queueOffset: 1, time: 30 });
    h.events.push({ t: 'consume', group: 'fifo', id: 'm1', brokerName: 'g-a', queueId: 0, queueOffset: 1, time: 30 });
    h.send({
      id: 'm2',
      start: 4000,
      end: 4005,
      status: 'SEND_OK',
      brokerName: 'g-a',
      queueId: 0,
      queueOffset: 1,
      storeHost: B,
    });
    const r = checker.check(h.history());
    assert.equal(r.ok, false);
    assert.equal(r.lost.total, 1);
    assert.equal(r.offsetReuse.count, 1);
    assert.deepEqual(r.offsetReuse.examples[0], {
      place: 'g-a/0/1',
      ids: { m1: 'FLUSH_SLAVE_TIMEOUT', m2: 'SEND_OK' },
    });
    assert.match(r.failures.join(';'), /1 queue offset\(s\) holding two different messages/);
    assert.match(checker.formatReport(r), /g-a\/0\/1: m1 \(FLUSH_SLAVE_TIMEOUT\) vs m2 \(SEND_OK\)/);
  });

  it('times each fault to the first acknowledged write of its group, and notes a new master', () => {
    const h = new H();
    const probe = (i: number, start: number, end: number, status: string, host = A) =>
      h.send({ id: `p${i}`, probe: 'g-a', start, end, status, brokerName: 'g-a', storeHost: host });
    probe(0, 0, 10, 'SEND_OK');
    h.events.push({ t: 'fault', name: 'kill', target: 'g-a-0', brokerName: 'g-a', start: 50, end: 4000 });
    probe(1, 100, 1100, 'error');
    probe(2, 1200, 1210, 'SEND_OK', B); // the new master
    probe(3, 5000, 5010, 'SEND_OK', B);
    h.events.push({ t: 'fault', name: 'kill', target: 'g-a-1', brokerName: 'g-a', start: 6000, end: 9000 });
    probe(4, 6100, 9100, 'SEND_OK', A); // slow, on the old master again
    h.events.push({ t: 'fault', name: 'kill', target: 'g-a-0', brokerName: 'g-a', start: 9500, end: 9600 }); // never recovered
    h.events.push({ t: 'fault', name: 'kill-etcd', target: 'etcd-e0', start: 100, end: 200 });
    const r = checker.check(h.history());
    assert.deepEqual(
      r.faults.map((f) => [f.name, f.firstAckAfterMs, f.masterChanged]),
      [
        ['kill', 1160, true],
        ['kill', 3100, true],
        ['kill', undefined, undefined],
        ['kill-etcd', undefined, undefined],
      ],
    );
    assert.deepEqual(checker.recoveryStats(r.faults, 'kill'), { n: 2, p50: 1160, p99: 3100, max: 3100 });
    assert.equal(checker.recoveryStats(r.faults, 'kill-etcd'), undefined);
    assert.match(checker.formatReport(r), /kill → first acknowledged write \| p50 1\.16 s, p99 3\.10 s/);
  });

  it('fails when acknowledged messages were not consumable on the slave while the master was down', () => {
    const h = new H();
    h.deliverAll(h.ack('m0', 0), 10);
    h.events.push({ t: 'check', kind: 'slave-drain', brokerName: 'g-a', time: 20, expected: 3, missing: ['x'] });
    const r = checker.check(h.history());
    assert.equal(r.ok, false);
    assert.deepEqual(
      r.slaveDrain.map((c) => [c.expected, c.missing]),
      [[3, 1]],
    );
    assert.match(checker.formatReport(r), /2\/3 acknowledged consumed/);
  });
});
