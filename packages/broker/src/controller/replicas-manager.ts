import { type Clock, type Logger, silentLogger, systemClock } from '@rocketmq-ts/common';
import {
  decodeSyncStateSet,
  NotifyBrokerRoleChangedRequestHeader,
  type RemotingCommand,
  ResponseCode,
} from '@rocketmq-ts/protocol';
import { RemotingClient } from '@rocketmq-ts/remoting';
import { BrokerIdentityFiles } from './broker-identity.js';
import { ControllerApi, type MasterView } from './controller-api.js';
import type { HaControl } from './ha-control.js';
import { proposeSyncStateSet, sameSet } from './sync-state-set.js';

// A broker in controller mode (RocketMQ's ReplicasManager): starts fenced, finds the controller
// leader, gets a broker id (brokerIdentity files, GET_NEXT / APPLY), registers, heartbeats to
// every controller, asks for an election when there is no master, and switches role whenever
// the controller names a newer master epoch (answers, NOTIFY_BROKER_ROLE_CHANGED, or the
// GET_REPLICA_INFO poll). As master it keeps the SyncStateSet (shrink/expand → ALTER). All role
// changes go through one queue and only move forward in masterEpoch.

export type BrokerControllerRole = 'fenced' | 'master' | 'slave';

export interface ReplicasManagerOptions {
  clusterName: string;
  brokerName: string;
  /** This broker's remoting address (what the controller hands to slaves and notifies). */
  brokerAddr: string;
  /** storePathRootDir: the brokerIdentity files. */
  storeDir: string;
  controllerAddrs: string[];
  ha: HaControl;
  heartbeatIntervalMs?: number;
  heartbeatTimeoutMs?: number;
  syncBrokerMetadataPeriod?: number;
  checkSyncStateSetPeriod?: number;
  haMaxTimeSlaveNotCatchup?: number;
  electionPriority?: number;
  /**
   * A learner (RocketMQ's asyncLearner) replicates but never joins the SyncStateSet; it also
   * never asks the controller to elect it, so it cannot win the first election of an empty group.
   */
  asyncLearner?: boolean;
  /** Pause between start-up attempts (RocketMQ: 5 s). */
  retryIntervalMs?: number;
  clock?: Clock;
  logger?: Logger;
}

export interface RoleState {
  role: BrokerControllerRole;
  brokerId: number;
  masterEpoch: number;
  masterBrokerId?: number | undefined;
  masterAddress?: string | undefined;
  syncStateSet: number[];
  syncStateSetEpoch: number;
}

export class ReplicasManager {
  private readonly client = new RemotingClient();
  private readonly api: ControllerApi;
  private readonly files: BrokerIdentityFiles;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly timers: NodeJS.Timeout[] = [];
  private leader: string | undefined;
  private stopped = false;
  private queue: Promise<unknown> = Promise.resolve();
  private altering = false;
  /** An ALTER's outcome is unknown (lost reply, refusal): the HA side keeps old ∪ proposed until a poll. */
  private unsettled = false;
  /**
   * When the last request the controller leader answered was sent (clock ms): a master's lease
   * on its role runs from there (docs/controller.md, "Master lease").
   */
  lastContactAt = 0;
  readonly state: RoleState = { role: 'fenced', brokerId: -1, masterEpoch: 0, syncStateSet: [], syncStateSetEpoch: 0 };
  /** Resolves when the broker has a confirmed role for the first time. */
  readonly ready: Promise<void>;
  private resolveReady!: () => void;
  private readonly listeners: Array<(s: RoleState) => void> = [];

  constructor(private readonly o: ReplicasManagerOptions) {
    this.api = new ControllerApi(this.client, { clusterName: o.clusterName, brokerName: o.brokerName });
    this.files = new BrokerIdentityFiles(o.storeDir);
    this.logger = (o.logger ?? silentLogger).child({ component: 'replicas-manager' });
    this.clock = o.clock ?? systemClock;
    this.ready = new Promise((r) => {
      this.resolveReady = r;
    });
  }

  onRoleChange(listener: (s: RoleState) => void): void {
    this.listeners.push(listener);
  }

  /** Starts the start-up loop in the background; see `ready`. */
  start(): void {
    void this.startupLoop();
  }

  private async startupLoop(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.startOnce();
        return;
      } catch (e) {
        this.logger.warn({ err: (e as Error).message }, 'controller-mode start-up failed; retrying');
        await new Promise((r) => setTimeout(r, this.o.retryIntervalMs ?? 5000));
      }
    }
  }

  private async startOnce(): Promise<void> {
    const leader = await this.findLeader();
    const id = await this.obtainBrokerId(leader);
    this.state.brokerId = id;
    const sentAt = this.clock.now();
    const reg = await this.api.register(leader, id, this.o.brokerAddr);
    if (reg.code !== ResponseCode.SUCCESS) throw new Error(`REGISTER_BROKER answered ${reg.code} ${reg.remark ?? ''}`);
    this.lastContactAt = sentAt;
    this.sendHeartbeats();
    if (reg.master.masterBrokerId !== undefined && reg.master.masterAddress) {
      await this.applyRole(reg.master, reg.syncStateSet?.syncStateSet);
    } else {
      await this.elect(leader);
    }
    if (this.state.role === 'fenced') throw new Error('no master elected yet');
    this.timers.push(
      setInterval(() => this.sendHeartbeats(), this.o.heartbeatIntervalMs ?? 1000),
      setInterval(() => void this.poll(), this.o.syncBrokerMetadataPeriod ?? 5000),
      setInterval(() => void this.checkSyncStateSet(), this.o.checkSyncStateSetPeriod ?? 5000),
    );
    this.resolveReady();
  }

  /** GET_CONTROLLER_METADATA_INFO on each controller until one names the leader. */
  private async findLeader(): Promise<string> {
    let last: unknown;
    for (const addr of this.o.controllerAddrs) {
      try {
        const m = await this.api.metadata(addr);
        const leader = m.isLeader ? addr : m.controllerLeaderAddress;
        if (leader) {
          this.leader = leader;
          return leader;
        }
      } catch (e) {
        last = e;
      }
    }
    throw new Error('no controller leader found', { cause: last });
  }

  private async obtainBrokerId(leader: string): Promise<number> {
    const names = { clusterName: this.o.clusterName, brokerName: this.o.brokerName };
    const known = await this.files.read();
    if (known) {
      if (known.clusterName !== names.clusterName || known.brokerName !== names.brokerName) {
        throw new Error(
          `brokerIdentity names ${known.clusterName}/${known.brokerName}, config ${names.clusterName}/${names.brokerName}`,
        );
      }
      return known.brokerId;
    }
    let temp = await this.files.readTemp();
    if (!temp) {
      const next = await this.api.nextBrokerId(leader);
      temp = { ...names, brokerId: next, registerCheckCode: `${this.o.brokerAddr};${this.clock.now()}` };
      await this.files.writeTemp(temp);
    }
    const res = await this.api.applyBrokerId(leader, temp.brokerId, temp.registerCheckCode ?? '');
    if (res.code !== ResponseCode.SUCCESS) {
      await this.files.dropTemp();
      throw new Error(`APPLY_BROKER_ID ${temp.brokerId} answered ${res.code} ${res.remark ?? ''}`);
    }
    await this.files.confirm(temp);
    return temp.brokerId;
  }

  private sendHeartbeats(): void {
    if (this.stopped || this.state.brokerId < 0) return;
    const ha = this.o.ha;
    for (const addr of this.o.controllerAddrs) {
      this.api
        .heartbeat(addr, {
          brokerAddr: this.o.brokerAddr,
          brokerId: this.state.brokerId,
          epoch: ha.lastEpoch(),
          maxOffset: ha.maxOffset(),
          confirmOffset: ha.confirmOffset(),
          timeoutMs: this.o.heartbeatTimeoutMs ?? 10_000,
          electionPriority: this.o.electionPriority ?? 2147483647,
        })
        .catch(() => {
          // An unreachable controller must not stop heartbeats to the others (#5929).
        });
    }
  }

  private async elect(leader: string): Promise<void> {
    if (this.o.asyncLearner) return;
    const r = await this.api.electMaster(leader, this.state.brokerId);
    if (r.code === ResponseCode.SUCCESS || r.code === ResponseCode.CONTROLLER_MASTER_STILL_EXIST) {
      await this.applyRole(r.master, r.syncStateSet?.syncStateSet);
    }
  }

  /** Applies a master view if its epoch is newer than ours (serialised). */
  private applyRole(view: MasterView, syncStateSet?: number[]): Promise<void> {
    const run = async () => {
      const { masterBrokerId, masterAddress, masterEpoch } = view;
      if (masterBrokerId === undefined || masterEpoch === undefined || !masterAddress) return;
      const s = this.state;
      if (masterEpoch < s.masterEpoch || (masterEpoch === s.masterEpoch && s.role !== 'fenced')) {
        if (
          masterEpoch === s.masterEpoch &&
          s.role === 'master' &&
          syncStateSet &&
          !this.altering &&
          ((view.syncStateSetEpoch ?? 0) > s.syncStateSetEpoch ||
            (this.unsettled && (view.syncStateSetEpoch ?? 0) >= s.syncStateSetEpoch))
        ) {
          s.syncStateSet = syncStateSet;
          s.syncStateSetEpoch = view.syncStateSetEpoch ?? s.syncStateSetEpoch;
          this.unsettled = false;
          this.o.ha.setSyncStateSet(syncStateSet);
        }
        return;
      }
      this.unsettled = false;
      if (masterBrokerId === s.brokerId) {
        const set = syncStateSet && syncStateSet.length > 0 ? syncStateSet : [s.brokerId];
        await this.o.ha.changeToMaster(masterEpoch, set);
        s.role = 'master';
        s.syncStateSet = set;
      } else {
        await this.o.ha.changeToSlave(masterAddress, masterBrokerId, masterEpoch);
        s.role = 'slave';
        s.syncStateSet = syncStateSet ?? [];
      }
      s.masterEpoch = masterEpoch;
      s.masterBrokerId = masterBrokerId;
      s.masterAddress = masterAddress;
      s.syncStateSetEpoch = view.syncStateSetEpoch ?? s.syncStateSetEpoch;
      this.logger.info({ role: s.role, masterEpoch, masterBrokerId }, 'role changed by the controller');
      for (const l of this.listeners) l({ ...s });
    };
    const next = this.queue.then(run, run);
    this.queue = next.catch((e: unknown) => this.logger.warn({ err: String(e) }, 'role change failed'));
    return next;
  }

  /** NOTIFY_BROKER_ROLE_CHANGED (1008) from the controller: the same rule as the poll. */
  onNotify(request: RemotingCommand): void {
    const h = NotifyBrokerRoleChangedRequestHeader.decode(request.extFields);
    if (!h.ok) return;
    const set = request.body ? decodeSyncStateSet(request.body) : undefined;
    void this.applyRole(h.value, set?.ok ? set.value.syncStateSet : undefined).catch(() => {});
  }

  private async poll(): Promise<void> {
    if (this.stopped) return;
    try {
      const leader = this.leader ?? (await this.findLeader());
      const sentAt = this.clock.now();
      const r = await this.api.replicaInfo(leader);
      if (r.code === ResponseCode.SUCCESS) this.lastContactAt = sentAt;
      if (r.code === ResponseCode.CONTROLLER_NOT_LEADER) {
        this.leader = undefined;
        return;
      }
      if (r.code === ResponseCode.CONTROLLER_BROKER_METADATA_NOT_EXIST) {
        await this.api.register(leader, this.state.brokerId, this.o.brokerAddr);
        return;
      }
      if (r.code !== ResponseCode.SUCCESS) return;
      const view = { ...r.master, syncStateSetEpoch: r.syncStateSet?.syncStateSetEpoch };
      if ((view.masterEpoch ?? 0) > this.state.masterEpoch || this.state.role === 'master') {
        if (view.masterBrokerId !== undefined && view.masterAddress)
          await this.applyRole(view, r.syncStateSet?.syncStateSet);
        else await this.elect(leader);
      } else if (view.masterBrokerId === undefined) {
        await this.elect(leader);
      }
    } catch (e) {
      this.leader = undefined;
      this.logger.debug({ err: (e as Error).message }, 'replica info poll failed');
    }
  }

  /** As master: propose shrink/expand and ALTER when it differs; ack counting uses old ∪ new meanwhile (#5663). */
  async checkSyncStateSet(): Promise<void> {
    const s = this.state;
    if (this.stopped || s.role !== 'master' || this.altering || this.unsettled) return;
    const proposed = proposeSyncStateSet({
      self: s.brokerId,
      current: s.syncStateSet,
      acks: this.o.ha.slaveAcks(),
      masterMaxOffset: this.o.ha.answeredOffset?.() ?? this.o.ha.maxOffset(),
      now: this.clock.now(),
      haMaxTimeSlaveNotCatchup: this.o.haMaxTimeSlaveNotCatchup ?? 15_000,
    });
    if (sameSet(proposed, s.syncStateSet)) return;
    this.altering = true;
    const local = s.syncStateSet;
    this.o.ha.setSyncStateSet([...new Set([...local, ...proposed])].sort((a, b) => a - b));
    try {
      const leader = this.leader ?? (await this.findLeader());
      const r = await this.api.alterSyncStateSet(leader, s.brokerId, s.masterEpoch, {
        syncStateSet: proposed,
        syncStateSetEpoch: s.syncStateSetEpoch,
      });
      if (r.code === ResponseCode.SUCCESS && r.syncStateSet && s.role === 'master') {
        s.syncStateSet = r.syncStateSet.syncStateSet;
        s.syncStateSetEpoch = r.syncStateSet.syncStateSetEpoch;
        this.logger.info({ syncStateSet: s.syncStateSet, epoch: s.syncStateSetEpoch }, 'SyncStateSet altered');
      } else {
        // A refusal may come from an earlier ALTER that committed unseen (stale epoch): the
        // controller's set is unknown until the next poll, so the union stays meanwhile.
        this.unsettled = s.role === 'master';
        this.logger.warn({ code: r.code, remark: r.remark }, 'ALTER_SYNC_STATE_SET refused');
      }
    } catch (e) {
      // The reply was lost, not necessarily the change (#5663): it may be committed with the
      // newcomer in it. Acks keep counting old ∪ proposed until a poll names the set.
      this.unsettled = s.role === 'master';
      this.logger.warn({ err: (e as Error).message }, 'ALTER_SYNC_STATE_SET failed');
    } finally {
      if (!this.unsettled) this.o.ha.setSyncStateSet(s.syncStateSet);
      this.altering = false;
    }
  }

  async shutdown(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    await this.queue.catch(() => {});
    await this.client.close();
  }
}
