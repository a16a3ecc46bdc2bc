import type { SlaveAck } from './ha-control.js';

// The master's SyncStateSet maintenance (RocketMQ's AutoSwitchHAService), pure:
// shrink drops members whose last caught-up time is older than haMaxTimeSlaveNotCatchup or that
// have no connection; expand adds a non-learner whose ack reached the master's max offset. The
// master itself always stays.

export function proposeSyncStateSet(input: {
  self: number;
  current: readonly number[];
  acks: readonly SlaveAck[];
  masterMaxOffset: number;
  now: number;
  haMaxTimeSlaveNotCatchup: number;
}): number[] {
  const byId = new Map(input.acks.map((a) => [a.brokerId, a]));
  const out = new Set<number>([input.self]);
  for (const id of input.current) {
    if (id === input.self) continue;
    const a = byId.get(id);
    if (a && input.now - a.lastCaughtUpTime <= input.haMaxTimeSlaveNotCatchup) out.add(id);
  }
  for (const a of input.acks) {
    if (!a.asyncLearner && a.ackOffset >= input.masterMaxOffset) out.add(a.brokerId);
  }
  return [...out].sort((x, y) => x - y);
}

export const sameSet = (a: readonly number[], b: readonly number[]): boolean =>
  a.length === b.length && a.every((x) => b.includes(x));
