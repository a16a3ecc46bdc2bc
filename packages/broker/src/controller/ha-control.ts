// What the controller client (ReplicasManager) needs from the HA service in controller mode:
// RocketMQ's AutoSwitchHAService seen through a narrow interface, so the role logic can be
// tested without a store and the HA service can change without touching it.
//
// Contract (docs/controller.md): the controller client calls changeToMaster / changeToSlave only
// with an epoch strictly above the last one it applied; the HA side refuses an epoch below its
// last local epoch entry (the epoch file), truncates a former master's tail to the consistent
// point before it replicates as a slave, and does not accept writes until changeToMaster has
// resolved (dispatch caught up, epoch entry appended).

export interface SlaveAck {
  brokerId: number;
  /** Last offset the slave acknowledged. */
  ackOffset: number;
  /** Clock time the slave last held everything the master had (RocketMQ's caught-up time). */
  lastCaughtUpTime: number;
  /** Learners replicate but never join the SyncStateSet. */
  asyncLearner?: boolean;
}

export interface HaControl {
  /** Epoch of the last entry in the local epoch file (0 when empty). */
  lastEpoch(): number;
  /** The CommitLog's max physical offset. */
  maxOffset(): number;
  /** The committed watermark (RocketMQ's confirmOffset). */
  confirmOffset(): number;
  /** Become master at `epoch`: truncate to the last valid message, append (epoch, maxOffset), catch up dispatch, accept writes. */
  changeToMaster(epoch: number, syncStateSet: number[]): Promise<void>;
  /** Become slave of `masterAddress` (remoting address) at `epoch`; stop accepting writes first. */
  changeToSlave(masterAddress: string, masterBrokerId: number, epoch: number): Promise<void>;
  /** The master's view of its slaves (empty on a slave). */
  slaveAcks(): SlaveAck[];
  /**
   * Highest end of a write already acknowledged to a producer: a slave holding it may join the
   * SyncStateSet (then every later write waits for it too). Default: maxOffset().
   */
  answeredOffset?(): number;
  /** The SyncStateSet the master counts acks against: union of local and proposed while an ALTER is in flight. */
  setSyncStateSet(ids: number[]): void;
}

/** An HaControl that records what it is told (tests, and brokers without a file store). */
export class RecordingHaControl implements HaControl {
  role: 'none' | 'master' | 'slave' = 'none';
  epoch = 0;
  offset = 0;
  masterAddress: string | undefined;
  syncStateSet: number[] = [];
  acks: SlaveAck[] = [];
  readonly changes: Array<{ role: 'master' | 'slave'; epoch: number; masterAddress?: string }> = [];

  lastEpoch(): number {
    return this.epoch;
  }
  maxOffset(): number {
    return this.offset;
  }
  confirmOffset(): number {
    return this.offset;
  }
  async changeToMaster(epoch: number, syncStateSet: number[]): Promise<void> {
    if (epoch < this.epoch) throw new Error(`epoch ${epoch} below the local epoch ${this.epoch}`);
    this.role = 'master';
    this.epoch = epoch;
    this.syncStateSet = syncStateSet;
    this.masterAddress = undefined;
    this.changes.push({ role: 'master', epoch });
  }
  async changeToSlave(masterAddress: string, _masterBrokerId: number, epoch: number): Promise<void> {
    if (epoch < this.epoch) throw new Error(`epoch ${epoch} below the local epoch ${this.epoch}`);
    this.role = 'slave';
    this.epoch = epoch;
    this.masterAddress = masterAddress;
    this.changes.push({ role: 'slave', epoch, masterAddress });
  }
  slaveAcks(): SlaveAck[] {
    return this.role === 'master' ? this.acks : [];
  }
  setSyncStateSet(ids: number[]): void {
    this.syncStateSet = ids;
  }
}
