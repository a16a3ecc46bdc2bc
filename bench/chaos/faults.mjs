// Fault injectors and their schedule. Each injector picks its target when it fires (the current
// master per the NameServer, the controller leader, an etcd member), breaks it, and returns a
// recover() that undoes it. The schedule alternates a quiet interval and one fault held for a
// while, chosen by a seeded PRNG (or in the given order with --order sequential).
import { mastersByRoute } from './cluster.mjs';

/** mulberry32: small, seedable, good enough to pick faults and durations reproducibly. */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const FAULTS = [
  'kill',
  'kill-slave',
  'stop',
  'partition-ha',
  'partition-client',
  'partition-controller',
  'kill-controller',
  'kill-etcd',
];

/** Expands the --faults list ("partition" = every partition that applies to the mode). */
export function faultList(text, mode, etcd) {
  const out = [];
  for (const f of text.split(',').map((s) => s.trim())) {
    if (!f) continue;
    if (f === 'partition') {
      out.push('partition-ha', 'partition-client');
      if (mode === 'controller') out.push('partition-controller');
    } else if (FAULTS.includes(f)) out.push(f);
    else throw new Error(`unknown fault "${f}" (known: ${FAULTS.join(', ')}, partition)`);
  }
  for (const f of out) {
    if ((f === 'partition-controller' || f === 'kill-controller') && mode !== 'controller')
      throw new Error(`${f} needs --mode controller`);
    if (f === 'kill-etcd' && !etcd) throw new Error('kill-etcd needs --etcd');
  }
  return [...new Set(out)];
}

/**
 * @param {{ cluster: any, admin: any, history: any, log: (s: string) => void, pick: <T>(xs: T[]) => T,
 *   controllerLeader: () => Promise<any>, slaveDrainMs: number, mode: string, workload: any }} ctx
 */
export function injectors(ctx) {
  const { cluster, admin, history, log } = ctx;

  async function masterTarget() {
    let masters;
    try {
      masters = await mastersByRoute(cluster, admin);
    } catch {
      masters = new Map();
    }
    const alive = [...masters.values()].filter((b) => b?.proc.alive);
    if (alive.length > 0) return ctx.pick(alive);
    // No master known (NameServer down or mid-failover): any live broker.
    return ctx.pick(cluster.brokers.filter((b) => b.proc.alive));
  }

  /**
   * Classic mode: while a master is down its slave must serve every message the group
   * acknowledged before the kill. A consumer group that never existed reads the topic from the
   * first offset (so only the slave can answer it) until it has them all, or the deadline.
   */
  async function slaveDrain(broker, killedAt) {
    const group = cluster.groups.find((g) => g.brokerName === broker.brokerName);
    if (ctx.mode !== 'classic' || group.brokers.length < 2) return;
    const expected = history.acked
      .filter((s) => s.brokerName === broker.brokerName && s.end <= killedAt)
      .map((s) => s.id);
    const started = Date.now();
    const missing = await ctx.workload.consumeAllWithFreshGroup(expected, ctx.slaveDrainMs);
    history.check({
      kind: 'slave-drain',
      brokerName: broker.brokerName,
      time: Date.now(),
      expected: expected.length,
      missing,
    });
    log(
      `  ${broker.brokerName} down: a new consumer group read ${expected.length - missing.length}/${expected.length} acknowledged messages from the slave in ${Date.now() - started} ms`,
    );
  }

  async function slaveTarget() {
    let masters;
    try {
      masters = new Set((await mastersByRoute(cluster, admin)).values());
    } catch {
      masters = new Set();
    }
    const slaves = cluster.brokers.filter((b) => b.proc.alive && !masters.has(b));
    if (slaves.length === 0) throw new Error('no slave alive');
    return ctx.pick(slaves);
  }

  return {
    async 'kill-slave'() {
      const b = await slaveTarget();
      await b.proc.kill9();
      return { target: b.name, brokerName: b.brokerName, recover: async () => void (await b.proc.start()) };
    },
    async kill() {
      const b = await masterTarget();
      const killedAt = Date.now();
      await b.proc.kill9();
      return {
        target: b.name,
        brokerName: b.brokerName,
        async during() {
          await slaveDrain(b, killedAt);
        },
        async recover() {
          await b.proc.start();
        },
      };
    },
    async stop() {
      const b = await masterTarget();
      b.proc.sigstop();
      return { target: b.name, brokerName: b.brokerName, recover: async () => b.proc.sigcont() };
    },
    async 'partition-ha'() {
      const b = await masterTarget();
      b.haProxy.partition();
      return { target: b.haProxy.name, brokerName: b.brokerName, recover: async () => b.haProxy.heal() };
    },
    async 'partition-client'() {
      const b = await masterTarget();
      b.clientProxy.partition();
      return { target: b.clientProxy.name, brokerName: b.brokerName, recover: async () => b.clientProxy.heal() };
    },
    async 'partition-controller'() {
      const c = await ctx.controllerLeader();
      c.proxy.partition();
      return { target: c.proxy.name, recover: async () => c.proxy.heal() };
    },
    async 'kill-controller'() {
      const c = await ctx.controllerLeader();
      await c.proc.kill9();
      return { target: c.proc.name, recover: async () => void (await c.proc.start()) };
    },
    async 'kill-etcd'() {
      const m = ctx.pick(cluster.etcd.members.filter((x) => x.process !== undefined));
      m.kill();
      return { target: `etcd-${m.name}`, recover: async () => m.start() };
    },
  };
}

/**
 * Runs faults until `until` (ms epoch) or maxFaults of them: quiet `intervalMs`, then one
 * fault held for faultMs × [0.5, 1.5), then recovered.
 */
export async function runSchedule({
  faults,
  order,
  maxFaults,
  random,
  intervalMs,
  faultMs,
  until,
  inject,
  history,
  log,
}) {
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  for (let n = 0; n < maxFaults; n++) {
    await sleep(intervalMs);
    if (Date.now() + faultMs / 2 > until) return;
    const name = order === 'sequential' ? faults[n % faults.length] : faults[Math.floor(random() * faults.length)];
    const holdMs = Math.round(faultMs * (0.5 + random()));
    const start = Date.now();
    let f;
    try {
      f = await inject[name]();
    } catch (e) {
      log(`fault ${name} not injected: ${e?.message ?? e}`);
      continue;
    }
    log(`fault ${name} on ${f.target} for ${holdMs} ms`);
    const rec = history.fault({ name, target: f.target, brokerName: f.brokerName, start, end: undefined });
    await Promise.all([sleep(holdMs), f.during?.()]);
    try {
      await f.recover();
    } catch (e) {
      log(`recovery from ${name} on ${f.target} failed: ${e?.message ?? e}`);
      rec.recoverError = String(e?.message ?? e);
    }
    rec.end = Date.now();
    log(`  recovered ${f.target} after ${rec.end - start} ms`);
  }
}
