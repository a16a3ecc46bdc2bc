import type { ControllerEvent } from '../events.js';
import type { ReplicasInfo } from '../replicas-info.js';

// Where the controller's state lives. Two implementations share this interface and one
// conformance suite: LocalLogStore (an append-only event log on this machine, one controller)
// and EtcdStore (the state in etcd, several controllers, leader by etcd election).
//
// A change is `transact(decide)`: the store runs `decide` against the newest committed state,
// durably commits the events it returns as one unit, and applies them. The etcd store makes the
// commit a compare-and-set on the state's revision and on its own leader key, and runs `decide`
// again when another commit got in first; so no decision is ever made on a stale view and a
// deposed leader commits nothing.

export interface Decision {
  events: ControllerEvent[];
}

export type TransactOutcome<R> = { ok: true; result: R } | { ok: false; reason: 'not-leader' | 'conflict' | 'closed' };

export interface ControllerStore {
  /** Loads the state (replays the log / reads etcd) and, for etcd, starts campaigning. */
  open(): Promise<void>;
  /** Runs `decide` on the newest state, commits its events atomically, then applies them. */
  transact<R extends Decision>(decide: (state: ReplicasInfo) => R): Promise<TransactOutcome<R>>;
  /** Runs a read on the newest committed state (etcd: a linearizable read). */
  query<R>(read: (state: ReplicasInfo) => R): Promise<R>;
  /** This node may change state (local: always once open). */
  isLeader(): boolean;
  /** The leader's controller address, if known. */
  leaderAddress(): string | undefined;
  /** Called when this node gains or loses leadership. */
  onLeadershipChange(listener: (leader: boolean) => void): void;
  close(): Promise<void>;
}

/** Serialises async critical sections: the store decides and commits one change at a time. */
export class Mutex {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.tail.then(fn, fn);
    this.tail = next.catch(() => {});
    return next;
  }
}
