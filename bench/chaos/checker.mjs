// The chaos checker: a pure function from a recorded history to a verdict (no I/O, no clock),
// so that it can be fed synthetic histories in tests (e2e/tests/chaos-checker.test.ts) and
// re-run on a saved history file (`node bench/chaos/check.mjs history.json`).
//
// History (what bench/chaos/run.mjs records; times are ms on one clock):
//   meta   { mode, groups: [brokerName], consumerGroups: [{ name, orderly }], ... }
//   events, each one of
//     send    { t:'send', id, key?, seq?, probe?, start, end, status, error?,
//               brokerName?, queueId?, queueOffset?, storeHost? }
//             status: 'SEND_OK' | 'FLUSH_SLAVE_TIMEOUT' | 'SLAVE_NOT_AVAILABLE' | 'FLUSH_DISK_TIMEOUT' | 'error'
//             storeHost: the broker that stored it (host:port, from the offset message id)
//     consume { t:'consume', group, id, key?, seq?, brokerName, queueId, queueOffset, time }
//     fault   { t:'fault', name, target, brokerName?, start, end }
//     check   { t:'check', kind:'slave-drain', brokerName, time, expected, missing: [id] }
//
// Definitions (docs/chaos.md):
//   acknowledged     status SEND_OK. FLUSH_SLAVE_TIMEOUT / SLAVE_NOT_AVAILABLE / FLUSH_DISK_TIMEOUT
//                    are "stored on the master only": reported, never counted as lost.
//   lost             acknowledged, and never consumed by a consumer group (per group).
//   duplicate        consumed more than once by one group: redelivered (same queue and offset:
//                    at-least-once, expected after failures) or stored twice (another queue or
//                    offset: the log holds the message twice).
//   out of order     first deliveries of a queue's offsets not increasing (queue order), or of a
//                    key's sequence numbers not increasing (FIFO group order), orderly groups only.
//                    A redelivery of something already seen is a duplicate, not disorder.
//   unavailable      per broker group, from the probes (a send every 100 ms to the group's queue 0):
//                    from the start of a probe not acknowledged (error, timeout, or a status other
//                    than SEND_OK: a SYNC_MASTER without its slave cannot take durable writes; or
//                    an acknowledgement slower than slowProbeMs, e.g. held by a partition) to the
//                    end of the next acknowledged one; summed, and the longest window.
//   split brain      two different brokers of one group both accepting writes at once: a tenure of
//                    a broker is a run of its acknowledgements with no gap above tenureGapMs; the
//                    broker surely accepted writes from the end of its tenure's first acknowledged
//                    send to the start of its last one. Two such spans of different brokers that
//                    overlap, or an acknowledged send of one broker that lies wholly inside another
//                    broker's span, is a split brain.
//   offset reused    one queue offset of a group seen holding two different messages (by an
//                    acknowledgement or a delivery): a log was truncated under a consumer, which
//                    then skips what was written at those offsets again (RocketMQ #6662: a master
//                    must not serve what its SyncStateSet does not hold yet).
//   recovery         per fault on a broker group: from the fault's start to the end of the first
//                    acknowledged probe of that group sent after it (kill → first acknowledged
//                    write: with a controller, on the new master), and which broker stored it.

export const ACKED = 'SEND_OK';
const STORED_STATUSES = new Set(['SEND_OK', 'FLUSH_SLAVE_TIMEOUT', 'SLAVE_NOT_AVAILABLE', 'FLUSH_DISK_TIMEOUT']);
const EXAMPLES = 10;

/**
 * @param {{ meta?: any, events: any[] }} history
 * @param {{ tenureGapMs?: number, slowProbeMs?: number }} [options]
 */
export function check(history, options = {}) {
  const tenureGapMs = options.tenureGapMs ?? 2000;
  const slowProbeMs = options.slowProbeMs ?? 2000;
  const events = history.events;
  const meta = history.meta ?? {};
  const sends = events.filter((e) => e.t === 'send');
  const consumes = events.filter((e) => e.t === 'consume');
  const consumerGroups = consumerGroupsOf(meta, consumes);

  const acked = sends.filter((s) => s.status === ACKED);
  const storedOnMasterOnly = sends.filter((s) => s.status !== ACKED && STORED_STATUSES.has(s.status));
  const failed = sends.filter((s) => !STORED_STATUSES.has(s.status));

  const perGroup = consumerGroups.map((g) => consumerGroupReport(g, acked, storedOnMasterOnly, consumes));
  const lostIds = new Set(perGroup.flatMap((g) => g.lost));
  const keyOrderStrict = meta.keyOrderStrict ?? (meta.groups ?? []).length <= 1;
  const splitBrain = splitBrainOf(acked, tenureGapMs);
  const offsetReuse = offsetReuseOf(sends, consumes);
  const unavailable = unavailabilityOf(sends, meta.groups ?? [], slowProbeMs);
  const slaveDrain = events
    .filter((e) => e.t === 'check' && e.kind === 'slave-drain')
    .map((e) => ({
      brokerName: e.brokerName,
      time: e.time,
      expected: e.expected,
      missing: e.missing.length,
      examples: e.missing.slice(0, EXAMPLES),
    }));
  const queueDisorder = perGroup.reduce((n, g) => n + g.outOfOrderQueue.count, 0);
  const keyDisorder = perGroup.reduce((n, g) => n + g.outOfOrderKey.count, 0);
  const slaveMissing = slaveDrain.reduce((n, c) => n + c.missing, 0);
  const failures = [];
  if (lostIds.size > 0) failures.push(`${lostIds.size} acknowledged message(s) lost`);
  if (splitBrain.length > 0) failures.push(`${splitBrain.length} split-brain interval(s)`);
  if (offsetReuse.count > 0) failures.push(`${offsetReuse.count} queue offset(s) holding two different messages`);
  if (queueDisorder > 0) failures.push(`${queueDisorder} out-of-order delivery(ies) within a queue`);
  if (keyOrderStrict && keyDisorder > 0) failures.push(`${keyDisorder} out-of-order delivery(ies) within a FIFO key`);
  if (slaveMissing > 0) failures.push(`${slaveMissing} acknowledged message(s) not consumable on the slave`);
  return {
    ok: failures.length === 0,
    failures,
    sends: {
      total: sends.length,
      acknowledged: acked.length,
      storedOnMasterOnly: storedOnMasterOnly.length,
      failed: failed.length,
      probes: sends.filter((s) => s.probe !== undefined).length,
    },
    lost: { total: lostIds.size, examples: [...lostIds].slice(0, EXAMPLES) },
    consumerGroups: perGroup.map(({ lost, ...rest }) => ({
      ...rest,
      lost: lost.length,
      lostExamples: lost.slice(0, EXAMPLES),
    })),
    keyOrderStrict,
    unavailable,
    splitBrain,
    offsetReuse,
    slaveDrain,
    faults: faultsOf(events, sends),
  };
}

/** Each fault with the time from its start to the first acknowledged probe of its group after it. */
function faultsOf(events, sends) {
  const probes = sends.filter((s) => s.probe !== undefined && s.status === ACKED).sort((a, b) => a.start - b.start);
  return events
    .filter((e) => e.t === 'fault')
    .map(({ t, ...f }) => {
      if (f.brokerName === undefined) return f;
      const before = probes.filter((p) => p.probe === f.brokerName && p.end <= f.start).at(-1);
      const first = probes.find((p) => p.probe === f.brokerName && p.start >= f.start);
      if (!first) return { ...f, firstAckAfterMs: undefined };
      return {
        ...f,
        firstAckAfterMs: first.end - f.start,
        firstAckStoreHost: first.storeHost,
        masterChanged: before !== undefined && before.storeHost !== first.storeHost,
      };
    });
}

/** p50/p99 (nearest rank) of the recovery times of one kind of fault. */
export function recoveryStats(faults, name) {
  const xs = faults
    .filter((f) => f.name === name && f.firstAckAfterMs !== undefined)
    .map((f) => f.firstAckAfterMs)
    .sort((a, b) => a - b);
  if (xs.length === 0) return undefined;
  const at = (q) => xs[Math.min(xs.length - 1, Math.ceil(q * xs.length) - 1)];
  return { n: xs.length, p50: at(0.5), p99: at(0.99), max: xs.at(-1) };
}

function consumerGroupsOf(meta, consumes) {
  const known = new Map((meta.consumerGroups ?? []).map((g) => [g.name, { name: g.name, orderly: !!g.orderly }]));
  for (const c of consumes) if (!known.has(c.group)) known.set(c.group, { name: c.group, orderly: false });
  return [...known.values()];
}

function consumerGroupReport(group, acked, storedOnMasterOnly, consumes) {
  const mine = consumes.filter((c) => c.group === group.name).sort(byTime);
  /** id → first consume and the set of (queue, offset) places it came from. */
  const seen = new Map();
  let redelivered = 0;
  let storedTwice = 0;
  const duplicateExamples = [];
  const firsts = [];
  for (const c of mine) {
    const place = `${c.brokerName}/${c.queueId}/${c.queueOffset}`;
    const prev = seen.get(c.id);
    if (prev === undefined) {
      seen.set(c.id, { places: new Set([place]) });
      firsts.push(c);
      continue;
    }
    if (prev.places.has(place)) redelivered++;
    else {
      storedTwice++;
      prev.places.add(place);
    }
    if (duplicateExamples.length < EXAMPLES) duplicateExamples.push({ id: c.id, place, time: c.time });
  }
  const lost = acked.filter((s) => !seen.has(s.id)).map((s) => s.id);
  const lostStoredOnMasterOnly = storedOnMasterOnly.filter((s) => !seen.has(s.id)).length;
  return {
    name: group.name,
    orderly: group.orderly,
    consumed: mine.length,
    distinct: seen.size,
    lost,
    lostStoredOnMasterOnly,
    duplicates: { redelivered, storedTwice, examples: duplicateExamples },
    outOfOrderQueue: group.orderly ? queueDisorder(firsts) : { count: 0, examples: [] },
    outOfOrderKey: group.orderly ? keyDisorder(firsts) : { count: 0, examples: [] },
  };
}

/** Queue offsets at which two different message ids were acknowledged or delivered. */
function offsetReuseOf(sends, consumes) {
  const at = new Map();
  const note = (brokerName, queueId, queueOffset, id, how) => {
    if (brokerName === undefined || queueId === undefined || queueOffset === undefined) return;
    const k = `${brokerName}/${queueId}/${queueOffset}`;
    if (!at.has(k)) at.set(k, new Map());
    const ids = at.get(k);
    if (!ids.has(id)) ids.set(id, how);
  };
  for (const s of sends)
    if (STORED_STATUSES.has(s.status)) note(s.brokerName, s.queueId, s.queueOffset, s.id, s.status);
  for (const c of consumes) note(c.brokerName, c.queueId, c.queueOffset, c.id, 'delivered');
  const out = { count: 0, examples: [] };
  for (const [place, ids] of at) {
    if (ids.size < 2) continue;
    out.count++;
    if (out.examples.length < EXAMPLES) out.examples.push({ place, ids: Object.fromEntries(ids) });
  }
  return out;
}

/** First deliveries per queue must come in offset order. */
function queueDisorder(firsts) {
  const last = new Map();
  const out = { count: 0, examples: [] };
  for (const c of firsts) {
    const q = `${c.brokerName}/${c.queueId}`;
    const prev = last.get(q);
    if (prev !== undefined && c.queueOffset < prev.queueOffset) {
      out.count++;
      if (out.examples.length < EXAMPLES)
        out.examples.push({ queue: q, offset: c.queueOffset, after: prev.queueOffset, id: c.id, time: c.time });
    }
    if (prev === undefined || c.queueOffset > prev.queueOffset) last.set(q, c);
  }
  return out;
}

/** First deliveries per FIFO key must come in send order (seq). */
function keyDisorder(firsts) {
  const last = new Map();
  const out = { count: 0, examples: [] };
  for (const c of firsts) {
    if (c.key === undefined || c.seq === undefined) continue;
    const prev = last.get(c.key);
    if (prev !== undefined && c.seq < prev) {
      out.count++;
      if (out.examples.length < EXAMPLES) out.examples.push({ key: c.key, seq: c.seq, after: prev, time: c.time });
    }
    if (prev === undefined || c.seq > prev) last.set(c.key, c.seq);
  }
  return out;
}

function unavailabilityOf(sends, groups, slowProbeMs) {
  const byGroup = new Map(groups.map((g) => [g, []]));
  for (const s of sends) {
    if (s.probe === undefined) continue;
    if (!byGroup.has(s.probe)) byGroup.set(s.probe, []);
    byGroup.get(s.probe).push(s);
  }
  const out = [];
  for (const [brokerName, probes] of byGroup) {
    probes.sort((a, b) => a.start - b.start);
    const windows = [];
    let openedAt;
    for (const p of probes) {
      const acked = p.status === ACKED;
      const slow = acked && p.end - p.start > slowProbeMs;
      if (!acked || slow) openedAt ??= p.start;
      if (acked && openedAt !== undefined) {
        windows.push([openedAt, p.end]);
        openedAt = undefined;
      }
    }
    const last = probes.at(-1);
    if (openedAt !== undefined && last) windows.push([openedAt, last.end]);
    const lengths = windows.map(([a, b]) => b - a);
    out.push({
      brokerName,
      probes: probes.length,
      windows: windows.length,
      totalMs: lengths.reduce((a, b) => a + b, 0),
      longestMs: lengths.reduce((a, b) => Math.max(a, b), 0),
      unrecovered: openedAt !== undefined,
      intervals: windows,
    });
  }
  return out;
}

function splitBrainOf(acked, tenureGapMs) {
  const byGroup = new Map();
  for (const s of acked) {
    if (!s.brokerName || !s.storeHost) continue;
    if (!byGroup.has(s.brokerName)) byGroup.set(s.brokerName, []);
    byGroup.get(s.brokerName).push(s);
  }
  const out = [];
  for (const [brokerName, list] of byGroup) {
    const tenures = tenuresOf(list, tenureGapMs);
    for (let i = 0; i < tenures.length; i++) {
      for (let j = i + 1; j < tenures.length; j++) {
        const a = tenures[i];
        const b = tenures[j];
        if (a.host === b.host) continue;
        // Both surely accepting writes over a common interval.
        const start = Math.max(a.spanStart, b.spanStart);
        const end = Math.min(a.spanEnd, b.spanEnd);
        if (a.spanStart < a.spanEnd && b.spanStart < b.spanEnd && start < end) {
          out.push({ brokerName, brokers: [a.host, b.host], start, end, ms: end - start });
          continue;
        }
        // Or one acknowledged send of one wholly inside the other's span.
        const stray = strayIn(a, b) ?? strayIn(b, a);
        if (stray) out.push({ brokerName, ...stray });
      }
    }
  }
  return out.sort((x, y) => x.start - y.start);
}

/** The first send of tenure `t` accepted while `master` was surely accepting writes. */
function strayIn(t, master) {
  if (master.spanStart >= master.spanEnd) return undefined;
  const s = t.sends.find((x) => x.start > master.spanStart && x.end < master.spanEnd);
  return s && { brokers: [master.host, t.host], start: s.start, end: s.end, ms: s.end - s.start };
}

/** Runs of one broker's acknowledgements, split where no ack came for more than gapMs. */
function tenuresOf(list, gapMs) {
  const byHost = new Map();
  for (const s of list) {
    if (!byHost.has(s.storeHost)) byHost.set(s.storeHost, []);
    byHost.get(s.storeHost).push(s);
  }
  const tenures = [];
  for (const [host, sends] of byHost) {
    sends.sort((a, b) => a.end - b.end);
    let cur;
    for (const s of sends) {
      if (cur === undefined || s.end - cur.sends.at(-1).end > gapMs) {
        cur = { host, sends: [] };
        tenures.push(cur);
      }
      cur.sends.push(s);
    }
  }
  for (const t of tenures) {
    t.spanStart = t.sends.reduce((m, s) => Math.min(m, s.end), Number.POSITIVE_INFINITY);
    t.spanEnd = t.sends.reduce((m, s) => Math.max(m, s.start), Number.NEGATIVE_INFINITY);
  }
  return tenures;
}

const byTime = (a, b) => a.time - b.time;

/** The result as a text table (Markdown), for the console and docs. */
export function formatReport(r) {
  const lines = [];
  const row = (cells) => lines.push(`| ${cells.join(' | ')} |`);
  row(['check', 'result']);
  row(['---', '---']);
  row(['verdict', r.ok ? 'PASS' : `FAIL: ${r.failures.join('; ')}`]);
  row([
    'sends',
    `${r.sends.total} (acknowledged ${r.sends.acknowledged}, stored on master only ${r.sends.storedOnMasterOnly}, failed ${r.sends.failed}; probes ${r.sends.probes})`,
  ]);
  row(['acknowledged but lost', `${r.lost.total}${r.lost.total ? ` e.g. ${r.lost.examples.join(', ')}` : ''}`]);
  for (const g of r.consumerGroups) {
    const kind = g.orderly ? 'orderly' : 'concurrently';
    row([
      `group ${g.name} (${kind})`,
      `consumed ${g.consumed}, distinct ${g.distinct}, lost ${g.lost}, not consumed (master-only acks) ${g.lostStoredOnMasterOnly}`,
    ]);
    row([`  duplicates`, `redelivered ${g.duplicates.redelivered}, stored twice ${g.duplicates.storedTwice}`]);
    if (g.orderly)
      row([
        `  out of order`,
        `queue ${g.outOfOrderQueue.count}, FIFO key ${g.outOfOrderKey.count}${r.keyOrderStrict ? '' : ' (not strict: several groups)'}`,
      ]);
  }
  for (const u of r.unavailable)
    row([
      `no writable master: ${u.brokerName}`,
      `${fmtMs(u.totalMs)} in ${u.windows} window(s), longest ${fmtMs(u.longestMs)}${u.unrecovered ? ' (not recovered at the end)' : ''}`,
    ]);
  row([
    'split brain',
    r.splitBrain.length === 0
      ? 'none'
      : r.splitBrain.map((s) => `${s.brokerName} ${s.brokers.join(' & ')} for ${fmtMs(s.ms)}`).join('; '),
  ]);
  row([
    'queue offsets holding two messages',
    r.offsetReuse.count === 0
      ? 'none'
      : `${r.offsetReuse.count}, e.g. ${r.offsetReuse.examples
          .slice(0, 3)
          .map(
            (e) =>
              `${e.place}: ${Object.entries(e.ids)
                .map(([id, how]) => `${id} (${how})`)
                .join(' vs ')}`,
          )
          .join('; ')}`,
  ]);
  for (const c of r.slaveDrain)
    row([`slave drain (${c.brokerName} down)`, `${c.expected - c.missing}/${c.expected} acknowledged consumed`]);
  row(['faults', r.faults.map((f) => `${f.name}(${f.target})`).join(', ') || 'none']);
  for (const name of [...new Set(r.faults.map((f) => f.name))]) {
    const st = recoveryStats(r.faults, name);
    const moved = r.faults.filter((f) => f.name === name && f.masterChanged).length;
    if (st)
      row([
        `${name} → first acknowledged write`,
        `p50 ${fmtMs(st.p50)}, p99 ${fmtMs(st.p99)}, max ${fmtMs(st.max)} (n=${st.n}, on another broker ${moved})`,
      ]);
  }
  return lines.join('\n');
}

const fmtMs = (ms) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`);
