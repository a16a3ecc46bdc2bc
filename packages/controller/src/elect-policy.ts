// RocketMQ's DefaultElectPolicy as a pure function: candidates are the SyncStateSet's alive
// members, then (only with enableElectUncleanMaster) every alive registered replica. An alive
// old master stays unless another id is designated; a designated id wins only if it is an alive
// candidate; otherwise the best (epoch desc, maxOffset desc, electionPriority asc) wins.

/** What a controller knows of a live broker from its heartbeats. */
export interface BrokerLiveInfo {
  brokerId: number;
  /** The broker's last HA epoch. */
  epoch: number;
  maxOffset: number;
  confirmOffset: number;
  /** Lower wins; Integer.MAX_VALUE when the broker sets none. */
  electionPriority: number;
}

export interface ElectInput {
  syncStateSet: readonly number[];
  /** Every registered id; undefined unless unclean election is enabled. */
  allReplicas?: readonly number[] | undefined;
  oldMaster?: number | undefined;
  preferredId?: number | undefined;
  /** Live info of an alive broker, undefined when it is not alive. */
  liveInfo: (brokerId: number) => BrokerLiveInfo | undefined;
}

/**
 * Orders candidates best first. Offsets are compared as numbers, never as a difference cast to
 * 32 bits (apache/rocketmq#10578: offsets more than 2^31 apart chose the shorter log). Equal
 * candidates fall back to the lower id so the choice is deterministic.
 */
export function compareCandidates(a: BrokerLiveInfo, b: BrokerLiveInfo): number {
  if (a.epoch !== b.epoch) return b.epoch - a.epoch;
  if (a.maxOffset !== b.maxOffset) return b.maxOffset > a.maxOffset ? 1 : -1;
  if (a.electionPriority !== b.electionPriority) return a.electionPriority - b.electionPriority;
  return a.brokerId - b.brokerId;
}

function tryElect(ids: readonly number[], input: ElectInput): number | undefined {
  const alive: BrokerLiveInfo[] = [];
  for (const id of ids) {
    const info = input.liveInfo(id);
    if (info) alive.push(info);
  }
  if (alive.length === 0) return undefined;
  const { oldMaster, preferredId } = input;
  if (oldMaster !== undefined && alive.some((b) => b.brokerId === oldMaster)) {
    if (preferredId === undefined || preferredId === oldMaster) return oldMaster;
  }
  if (preferredId !== undefined) return alive.some((b) => b.brokerId === preferredId) ? preferredId : undefined;
  alive.sort(compareCandidates);
  return alive[0]?.brokerId;
}

/** The elected id, or undefined when no candidate qualifies. */
export function elect(input: ElectInput): number | undefined {
  return tryElect(input.syncStateSet, input) ?? (input.allReplicas ? tryElect(input.allReplicas, input) : undefined);
}
