import { ResponseCode } from '@rocketmq-ts/protocol';
import { type BrokerLiveInfo, elect } from './elect-policy.js';
import { type ControllerEvent, EventType } from './events.js';

// The controller's state machine (RocketMQ's ReplicasInfoManager): per broker set the
// registered replicas and the SyncStateInfo. Decisions (`alterSyncStateSet`, `electMaster`, …)
// read the state and return a ControllerResult with the events to log; only `apply` changes
// the state. No I/O, no clock: liveness comes in as a function, so replaying the same events
// always gives the same state.

export interface ReplicaEntry {
  address: string;
  registerCheckCode: string;
}

export interface BrokerSet {
  clusterName: string;
  brokerName: string;
  /** Starts at 1 (FIRST_BROKER_CONTROLLER_ID). */
  nextAssignBrokerId: number;
  replicas: Map<number, ReplicaEntry>;
  masterEpoch: number;
  syncStateSetEpoch: number;
  syncStateSet: Set<number>;
  masterBrokerId?: number | undefined;
}

/** What a decision answers: a response code, typed header fields, a body value, events to log. */
export interface ControllerResult<H = Record<string, never>, B = undefined> {
  code: number;
  remark?: string | undefined;
  header: H;
  body?: B | undefined;
  events: ControllerEvent[];
}

export interface Liveness {
  /** Live info of (brokerName, id) if its heartbeat has not expired. */
  liveInfo(clusterName: string, brokerName: string, brokerId: number): BrokerLiveInfo | undefined;
}

export interface MasterInfo {
  masterBrokerId?: number | undefined;
  masterAddress?: string | undefined;
  masterEpoch?: number | undefined;
  syncStateSetEpoch?: number | undefined;
}

export interface SyncStateSetValue {
  syncStateSet: number[];
  syncStateSetEpoch: number;
}

export interface ElectBody {
  brokerMemberGroup?: { cluster: string; brokerName: string; brokerAddrs: Map<number, string> } | undefined;
  syncStateSet: number[];
}

export const FIRST_BROKER_CONTROLLER_ID = 1;

const fail = <H, B>(code: number, remark: string, header: H): ControllerResult<H, B> => ({
  code,
  remark,
  header,
  events: [],
});
const done = <H, B>(header: H, body: B | undefined, events: ControllerEvent[] = []): ControllerResult<H, B> => ({
  code: ResponseCode.SUCCESS,
  header,
  body,
  events,
});
const sortedIds = (s: Iterable<number>) => [...s].sort((a, b) => a - b);

export class ReplicasInfo {
  private readonly sets = new Map<string, BrokerSet>();

  /** Read-only view of one broker set (tests, admin). */
  get(brokerName: string): Readonly<BrokerSet> | undefined {
    return this.sets.get(brokerName);
  }

  brokerNames(): string[] {
    return [...this.sets.keys()].sort();
  }

  private alive(set: BrokerSet, id: number, live: Liveness): boolean {
    return live.liveInfo(set.clusterName, set.brokerName, id) !== undefined;
  }

  // ---- decisions -------------------------------------------------------------------------

  alterSyncStateSet(
    req: { brokerName: string; masterBrokerId?: number | undefined; masterEpoch?: number | undefined },
    proposed: SyncStateSetValue,
    live: Liveness,
  ): ControllerResult<{ newSyncStateSetEpoch?: number }, SyncStateSetValue> {
    const set = this.sets.get(req.brokerName);
    const h = {};
    if (!set) return fail(ResponseCode.CONTROLLER_ALTER_SYNC_STATE_SET_FAILED, 'Broker metadata is not existed', h);
    const next = new Set(proposed.syncStateSet);
    if (next.size === set.syncStateSet.size && [...next].every((id) => set.syncStateSet.has(id))) {
      return fail(
        ResponseCode.CONTROLLER_ALTER_SYNC_STATE_SET_FAILED,
        'The newSyncStateSet is equal with oldSyncStateSet, no needed to update syncStateSet',
        h,
      );
    }
    if (set.masterBrokerId === undefined || set.masterBrokerId !== req.masterBrokerId) {
      return fail(
        ResponseCode.CONTROLLER_INVALID_MASTER,
        `Rejecting alter syncStateSet request because the current leader is:{${set.masterBrokerId ?? null}}, not {${req.masterBrokerId ?? null}}`,
        h,
      );
    }
    if (req.masterEpoch !== set.masterEpoch) {
      return fail(
        ResponseCode.CONTROLLER_FENCED_MASTER_EPOCH,
        `Rejecting alter syncStateSet request because the current master epoch is:{${set.masterEpoch}}, not {${req.masterEpoch ?? null}}`,
        h,
      );
    }
    if (proposed.syncStateSetEpoch !== set.syncStateSetEpoch) {
      return fail(
        ResponseCode.CONTROLLER_FENCED_SYNC_STATE_SET_EPOCH,
        `Rejecting alter syncStateSet request because the current syncStateSet epoch is:{${set.syncStateSetEpoch}}, not {${proposed.syncStateSetEpoch}}`,
        h,
      );
    }
    for (const id of next) {
      if (!set.replicas.has(id)) {
        return fail(
          ResponseCode.CONTROLLER_INVALID_REPLICAS,
          `Rejecting alter syncStateSet request because the replicas {${id}} don't exist`,
          h,
        );
      }
      if (!this.alive(set, id, live)) {
        return fail(
          ResponseCode.CONTROLLER_BROKER_NOT_ALIVE,
          `Rejecting alter syncStateSet request because the replicas {${id}} don't alive`,
          h,
        );
      }
    }
    if (!next.has(set.masterBrokerId)) {
      return fail(
        ResponseCode.CONTROLLER_ALTER_SYNC_STATE_SET_FAILED,
        `Rejecting alter syncStateSet request because the newSyncStateSet don't contains origin leader {${set.masterBrokerId}}`,
        h,
      );
    }
    const epoch = set.syncStateSetEpoch + 1;
    const ids = sortedIds(next);
    return done({ newSyncStateSetEpoch: epoch }, { syncStateSet: ids, syncStateSetEpoch: epoch }, [
      { type: EventType.ALTER_SYNC_STATE_SET, brokerName: req.brokerName, newSyncStateSet: ids },
    ]);
  }

  /**
   * brokerId −1 (or absent) = triggered by the controller or an admin without a preference;
   * `designateElect` makes brokerId the only acceptable winner.
   */
  electMaster(
    req: { brokerName: string; brokerId?: number | undefined; designateElect?: boolean | undefined },
    live: Liveness,
    options: { enableElectUncleanMaster: boolean },
  ): ControllerResult<MasterInfo, ElectBody> {
    const set = this.sets.get(req.brokerName);
    if (!set) return fail(ResponseCode.CONTROLLER_BROKER_NEED_TO_BE_REGISTERED, "Broker hasn't been registered", {});
    const requested = req.brokerId === undefined || req.brokerId === -1 ? undefined : req.brokerId;
    const oldMaster = set.masterBrokerId;
    let winner: number | undefined;
    // First election of the set ("first caller wins"), only for a registered replica.
    if (set.masterEpoch === 0 && requested !== undefined && set.replicas.has(requested)) winner = requested;
    if (winner === undefined) {
      winner = elect({
        syncStateSet: sortedIds(set.syncStateSet),
        allReplicas: options.enableElectUncleanMaster ? sortedIds(set.replicas.keys()) : undefined,
        oldMaster,
        preferredId: req.designateElect ? requested : undefined,
        liveInfo: (id) => live.liveInfo(set.clusterName, set.brokerName, id),
      });
    }
    if (winner !== undefined && winner === oldMaster) {
      return {
        code: ResponseCode.CONTROLLER_MASTER_STILL_EXIST,
        remark: `The old master ${oldMaster} is still alive, not need to elect new master for broker ${set.brokerName}`,
        header: {
          masterBrokerId: oldMaster,
          masterAddress: set.replicas.get(oldMaster)?.address,
          masterEpoch: set.masterEpoch,
          syncStateSetEpoch: set.syncStateSetEpoch,
        },
        body: { syncStateSet: sortedIds(set.syncStateSet) },
        events: [],
      };
    }
    if (winner !== undefined) {
      const brokerAddrs = new Map<number, string>();
      for (const [id, r] of set.replicas) brokerAddrs.set(id, r.address);
      return done(
        {
          masterBrokerId: winner,
          masterAddress: set.replicas.get(winner)?.address,
          masterEpoch: set.masterEpoch + 1,
          syncStateSetEpoch: set.syncStateSetEpoch + 1,
        },
        {
          brokerMemberGroup: { cluster: set.clusterName, brokerName: set.brokerName, brokerAddrs },
          syncStateSet: [winner],
        },
        [
          {
            type: EventType.ELECT_MASTER,
            brokerName: set.brokerName,
            newMasterElected: true,
            newMasterBrokerId: winner,
          },
        ],
      );
    }
    if (requested === undefined) {
      // The controller saw the master go: record that there is none (masterEpoch still moves).
      return {
        code: ResponseCode.CONTROLLER_MASTER_NOT_AVAILABLE,
        remark: 'Old master has down and failed to elect a new broker master',
        header: {},
        events: [{ type: EventType.ELECT_MASTER, brokerName: set.brokerName, newMasterElected: false }],
      };
    }
    return fail(ResponseCode.CONTROLLER_ELECT_MASTER_FAILED, 'Failed to elect a new master', {});
  }

  getNextBrokerId(req: { clusterName?: string | undefined; brokerName?: string | undefined }) {
    const set = req.brokerName === undefined ? undefined : this.sets.get(req.brokerName);
    return done(
      {
        clusterName: req.clusterName,
        brokerName: req.brokerName,
        nextBrokerId: set ? set.nextAssignBrokerId : FIRST_BROKER_CONTROLLER_ID,
      },
      undefined,
    );
  }

  applyBrokerId(req: {
    clusterName?: string | undefined;
    brokerName?: string | undefined;
    appliedBrokerId?: number | undefined;
    registerCheckCode?: string | undefined;
  }): ControllerResult<{ clusterName?: string | undefined; brokerName?: string | undefined }> {
    const header = { clusterName: req.clusterName, brokerName: req.brokerName };
    const { clusterName, brokerName, appliedBrokerId: id, registerCheckCode: code } = req;
    if (clusterName === undefined || brokerName === undefined || id === undefined || code === undefined || id < 0) {
      return fail(
        ResponseCode.CONTROLLER_INVALID_REQUEST,
        'clusterName, brokerName, appliedBrokerId and registerCheckCode are required',
        header,
      );
    }
    const event: ControllerEvent = {
      type: EventType.APPLY_BROKER_ID,
      clusterName,
      brokerName,
      brokerAddress: code.split(';')[0] ?? '',
      newBrokerId: id,
      registerCheckCode: code,
    };
    const set = this.sets.get(brokerName);
    if (!set) {
      if (id === FIRST_BROKER_CONTROLLER_ID) return done(header, undefined, [event]);
      return fail(
        ResponseCode.CONTROLLER_BROKER_ID_INVALID,
        `Broker-set: ${brokerName} hasn't been registered in controller, but broker try to apply brokerId: ${id}`,
        header,
      );
    }
    const taken = set.replicas.get(id);
    if (!taken || taken.registerCheckCode === code) return done(header, undefined, [event]);
    return fail(
      ResponseCode.CONTROLLER_BROKER_ID_INVALID,
      `Fail to apply brokerId: ${id} in broker-set: ${brokerName}`,
      header,
    );
  }

  registerBroker(
    req: {
      clusterName?: string | undefined;
      brokerName?: string | undefined;
      brokerId?: number | undefined;
      brokerAddress?: string | undefined;
    },
    live: Liveness,
  ): ControllerResult<
    MasterInfo & { clusterName?: string | undefined; brokerName?: string | undefined },
    SyncStateSetValue
  > {
    const header = { clusterName: req.clusterName, brokerName: req.brokerName };
    const set = req.brokerName === undefined ? undefined : this.sets.get(req.brokerName);
    if (!set) {
      return fail(
        ResponseCode.CONTROLLER_BROKER_NEED_TO_BE_REGISTERED,
        `Broker-set: ${req.brokerName ?? null} hasn't been registered in controller`,
        header,
      );
    }
    if (req.brokerId === undefined || !set.replicas.has(req.brokerId)) {
      return fail(
        ResponseCode.CONTROLLER_BROKER_NEED_TO_BE_REGISTERED,
        `BrokerId: ${req.brokerId ?? null} hasn't been registered in broker-set: ${set.brokerName}`,
        header,
      );
    }
    const master = set.masterBrokerId;
    const out = { ...header } as MasterInfo & typeof header;
    if (master !== undefined && this.alive(set, master, live)) {
      out.masterBrokerId = master;
      out.masterAddress = set.replicas.get(master)?.address;
      out.masterEpoch = set.masterEpoch;
      out.syncStateSetEpoch = set.syncStateSetEpoch;
    }
    const events: ControllerEvent[] = [];
    const address = req.brokerAddress ?? '';
    if (address !== set.replicas.get(req.brokerId)?.address) {
      events.push({
        type: EventType.UPDATE_BROKER_ADDRESS,
        clusterName: set.clusterName,
        brokerName: set.brokerName,
        brokerAddress: address,
        brokerId: req.brokerId,
      });
    }
    return done(out, { syncStateSet: sortedIds(set.syncStateSet), syncStateSetEpoch: set.syncStateSetEpoch }, events);
  }

  getReplicaInfo(req: { brokerName?: string | undefined }): ControllerResult<MasterInfo, SyncStateSetValue> {
    const set = req.brokerName === undefined ? undefined : this.sets.get(req.brokerName);
    if (!set) return fail(ResponseCode.CONTROLLER_BROKER_METADATA_NOT_EXIST, 'Broker metadata is not existed', {});
    const master = set.masterBrokerId;
    return done(
      {
        masterBrokerId: master,
        masterAddress: master === undefined ? undefined : set.replicas.get(master)?.address,
        masterEpoch: set.masterEpoch,
      },
      { syncStateSet: sortedIds(set.syncStateSet), syncStateSetEpoch: set.syncStateSetEpoch },
    );
  }

  cleanBrokerData(
    req: {
      clusterName?: string | undefined;
      brokerName: string;
      brokerControllerIdsToClean?: string | undefined;
      isCleanLivingBroker?: boolean | undefined;
    },
    live: Liveness,
  ): ControllerResult {
    const set = this.sets.get(req.brokerName);
    const idsText = req.brokerControllerIdsToClean?.trim() ?? '';
    let ids: number[] | undefined;
    if (idsText !== '') {
      ids = [];
      for (const part of idsText.split(';')) {
        if (!/^-?\d{1,18}$/.test(part.trim())) {
          return fail(
            ResponseCode.CONTROLLER_INVALID_CLEAN_BROKER_METADATA,
            `Please set the option <brokerControllerIdsToClean> according to the format, bad id: ${part}`,
            {},
          );
        }
        ids.push(Number(part.trim()));
      }
    }
    if (!req.isCleanLivingBroker) {
      if (ids === undefined && set?.masterBrokerId !== undefined) {
        return fail(
          ResponseCode.CONTROLLER_INVALID_CLEAN_BROKER_METADATA,
          `Broker ${req.brokerName} is still alive, clean up failure`,
          {},
        );
      }
      for (const id of ids ?? []) {
        if (live.liveInfo(set?.clusterName ?? req.clusterName ?? '', req.brokerName, id)) {
          return fail(
            ResponseCode.CONTROLLER_INVALID_CLEAN_BROKER_METADATA,
            `Broker [${req.brokerName},  ${id}] is still alive, clean up failure`,
            {},
          );
        }
      }
    }
    if (!set) {
      return fail(
        ResponseCode.CONTROLLER_INVALID_CLEAN_BROKER_METADATA,
        `Broker ${req.brokerName} is not existed,clean broker data failure.`,
        {},
      );
    }
    return done({}, undefined, [
      { type: EventType.CLEAN_BROKER_DATA, brokerName: req.brokerName, brokerIdSetToClean: ids },
    ]);
  }

  /** Broker sets whose master is not alive while some replica is (the leader re-elects them). */
  scanNeedReelect(live: Liveness): string[] {
    const out: string[] = [];
    for (const set of this.sets.values()) {
      const m = set.masterBrokerId;
      if (m === undefined || this.alive(set, m, live)) continue;
      if ([...set.replicas.keys()].some((id) => this.alive(set, id, live))) out.push(set.brokerName);
    }
    return out.sort();
  }

  /** Ids of (clusterName, brokerName) → is `id` its current master. */
  isMaster(brokerName: string, id: number): boolean {
    return this.sets.get(brokerName)?.masterBrokerId === id;
  }

  // ---- the one place state changes ---------------------------------------------------------

  apply(event: ControllerEvent): void {
    switch (event.type) {
      case EventType.ALTER_SYNC_STATE_SET: {
        const set = this.sets.get(event.brokerName);
        if (!set) return;
        set.syncStateSet = new Set(event.newSyncStateSet);
        set.syncStateSetEpoch += 1;
        return;
      }
      case EventType.APPLY_BROKER_ID: {
        let set = this.sets.get(event.brokerName);
        if (!set) {
          set = {
            clusterName: event.clusterName,
            brokerName: event.brokerName,
            nextAssignBrokerId: FIRST_BROKER_CONTROLLER_ID,
            replicas: new Map(),
            masterEpoch: 0,
            syncStateSetEpoch: 0,
            syncStateSet: new Set(),
          };
          this.sets.set(event.brokerName, set);
        }
        if (!set.replicas.has(event.newBrokerId)) {
          set.replicas.set(event.newBrokerId, {
            address: event.brokerAddress,
            registerCheckCode: event.registerCheckCode,
          });
          // Java adds one per id applied; never hand out an id below one already taken.
          set.nextAssignBrokerId = Math.max(set.nextAssignBrokerId + 1, event.newBrokerId + 1);
        }
        return;
      }
      case EventType.ELECT_MASTER: {
        const set = this.sets.get(event.brokerName);
        if (!set) return;
        set.masterEpoch += 1;
        if (event.newMasterElected && event.newMasterBrokerId !== undefined) {
          set.masterBrokerId = event.newMasterBrokerId;
          set.syncStateSet = new Set([event.newMasterBrokerId]);
          set.syncStateSetEpoch += 1;
        } else {
          set.masterBrokerId = undefined;
        }
        return;
      }
      case EventType.CLEAN_BROKER_DATA: {
        const ids = event.brokerIdSetToClean;
        if (!ids || ids.length === 0) {
          this.sets.delete(event.brokerName);
          return;
        }
        const set = this.sets.get(event.brokerName);
        if (!set) return;
        for (const id of ids) {
          set.replicas.delete(id);
          set.syncStateSet.delete(id);
          if (set.masterBrokerId === id) set.masterBrokerId = undefined;
        }
        if (set.replicas.size === 0 || set.syncStateSet.size === 0) this.sets.delete(event.brokerName);
        return;
      }
      case EventType.UPDATE_BROKER_ADDRESS: {
        const r = this.sets.get(event.brokerName)?.replicas.get(event.brokerId);
        if (r) r.address = event.brokerAddress;
        return;
      }
    }
  }

  // ---- snapshot (the etcd store keeps the state, not the log) ------------------------------

  toJSON(): unknown {
    return [...this.sets.values()].map((s) => ({
      ...s,
      replicas: [...s.replicas].map(([id, r]) => [id, r.address, r.registerCheckCode]),
      syncStateSet: sortedIds(s.syncStateSet),
    }));
  }

  static fromJSON(v: unknown): ReplicasInfo {
    const info = new ReplicasInfo();
    if (!Array.isArray(v)) throw new Error('controller state is not an array');
    for (const raw of v as Array<Record<string, unknown>>) {
      const replicas = new Map<number, ReplicaEntry>();
      for (const [id, address, registerCheckCode] of raw.replicas as Array<[number, string, string]>) {
        replicas.set(id, { address, registerCheckCode });
      }
      const set: BrokerSet = {
        clusterName: String(raw.clusterName),
        brokerName: String(raw.brokerName),
        nextAssignBrokerId: Number(raw.nextAssignBrokerId),
        replicas,
        masterEpoch: Number(raw.masterEpoch),
        syncStateSetEpoch: Number(raw.syncStateSetEpoch),
        syncStateSet: new Set(raw.syncStateSet as number[]),
        masterBrokerId: typeof raw.masterBrokerId === 'number' ? raw.masterBrokerId : undefined,
      };
      info.sets.set(set.brokerName, set);
    }
    return info;
  }
}
