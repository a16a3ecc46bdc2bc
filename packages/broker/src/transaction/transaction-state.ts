// Bookkeeping of the transaction check-back service, kept apart from I/O so decisions are
// pure and every state change happens in one place.
//
// Half messages sit in RMQ_SYS_TRANS_HALF_TOPIC queue 0; a commit or rollback appends an "op"
// record to RMQ_SYS_TRANS_OP_HALF_TOPIC naming the half message's queue offset. Every half
// offset below `halfOffset` is settled (committed, rolled back or discarded); above it,
// `resolved` holds the settled ones seen so far and `checks` how often each open one was
// checked. `opOffset` is how far the op queue has been read.

/** Tag of op records ("delete"), as RocketMQ writes them. */
export const REMOVE_TAG = 'd';

export interface CheckPolicy {
  /** `transactionTimeOut`: age before the first check. */
  timeoutMs: number;
  /** `transactionCheckInterval`: time between checks of one message. */
  intervalMs: number;
  /** `transactionCheckMax`: checks before the message is discarded. */
  maxChecks: number;
}

export const DEFAULT_CHECK_POLICY: CheckPolicy = { timeoutMs: 6000, intervalMs: 30_000, maxChecks: 15 };

interface CheckRecord {
  times: number;
  lastCheckAt: number;
}

type CheckDecision = 'settled' | 'too-young' | 'wait' | 'check' | 'discard';

/**
 * What to do with one open half message now. `immunityMs` overrides the first-check delay
 * (CHECK_IMMUNITY_TIME_IN_SECONDS on the message).
 */
export function decideCheck(
  storedAt: number,
  record: CheckRecord | undefined,
  now: number,
  policy: CheckPolicy,
  immunityMs?: number,
): CheckDecision {
  const firstAfter = immunityMs !== undefined && immunityMs > 0 ? immunityMs : policy.timeoutMs;
  if (now - storedAt < firstAfter) return 'too-young';
  if (!record) return 'check';
  if (record.times >= policy.maxChecks) return 'discard';
  return now - record.lastCheckAt >= policy.intervalMs ? 'check' : 'wait';
}

type StateEvent =
  | { kind: 'settled'; halfOffset: number }
  | { kind: 'checked'; halfOffset: number; at: number }
  | { kind: 'op-read'; nextOpOffset: number };

export interface PersistedState {
  halfOffset: number;
  opOffset: number;
  resolved: number[];
  checks: Record<string, CheckRecord>;
}

export class TransactionState {
  halfOffset = 0;
  opOffset = 0;
  private readonly resolved = new Set<number>();
  private readonly checks = new Map<number, CheckRecord>();
  /** Bumped by every change; the service persists when it moved. */
  version = 0;

  isSettled(halfOffset: number): boolean {
    return halfOffset < this.halfOffset || this.resolved.has(halfOffset);
  }

  checkRecord(halfOffset: number): CheckRecord | undefined {
    return this.checks.get(halfOffset);
  }

  apply(e: StateEvent): void {
    switch (e.kind) {
      case 'settled':
        if (e.halfOffset < this.halfOffset) return;
        this.resolved.add(e.halfOffset);
        this.checks.delete(e.halfOffset);
        // Settled offsets at the front let the low-water mark move.
        while (this.resolved.delete(this.halfOffset)) this.halfOffset++;
        break;
      case 'checked': {
        const r = this.checks.get(e.halfOffset);
        this.checks.set(e.halfOffset, { times: (r?.times ?? 0) + 1, lastCheckAt: e.at });
        break;
      }
      case 'op-read':
        if (e.nextOpOffset <= this.opOffset) return;
        this.opOffset = e.nextOpOffset;
        break;
    }
    this.version++;
  }

  /** The half queue may have been truncated below our mark (store replaced): follow it. */
  rebase(minHalfOffset: number): void {
    if (minHalfOffset <= this.halfOffset) return;
    for (const o of this.resolved) if (o < minHalfOffset) this.resolved.delete(o);
    for (const o of this.checks.keys()) if (o < minHalfOffset) this.checks.delete(o);
    this.halfOffset = minHalfOffset;
    while (this.resolved.delete(this.halfOffset)) this.halfOffset++;
    this.version++;
  }

  toJSON(): PersistedState {
    return {
      halfOffset: this.halfOffset,
      opOffset: this.opOffset,
      resolved: [...this.resolved].sort((a, b) => a - b),
      checks: Object.fromEntries([...this.checks].map(([k, v]) => [String(k), v])),
    };
  }

  static from(raw: unknown): TransactionState {
    const s = new TransactionState();
    if (typeof raw !== 'object' || raw === null) return s;
    const o = raw as Partial<PersistedState>;
    const n = (v: unknown): number => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : 0);
    s.halfOffset = n(o.halfOffset);
    s.opOffset = n(o.opOffset);
    for (const v of Array.isArray(o.resolved) ? o.resolved : []) if (n(v) >= s.halfOffset) s.resolved.add(n(v));
    for (const [k, v] of Object.entries(o.checks ?? {})) {
      const r = v as Partial<CheckRecord>;
      if (Number(k) >= s.halfOffset) s.checks.set(Number(k), { times: n(r.times), lastCheckAt: n(r.lastCheckAt) });
    }
    while (s.resolved.delete(s.halfOffset)) s.halfOffset++;
    return s;
  }
}
