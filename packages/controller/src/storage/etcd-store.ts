import { type Logger, silentLogger } from '@rocketmq-ts/common';
import { Etcd3, type Lease } from 'etcd3';
import { ReplicasInfo } from '../replicas-info.js';
import { type ControllerStore, type Decision, Mutex, type TransactOutcome } from './controller-store.js';

// The multi-controller store: the controller state is one JSON value in etcd at
// `<prefix>/state`, and the current value is the state (no log to replay or compact).
//
// Leadership: every controller holds a lease (TTL `leaseTtlSeconds`, kept alive) and a key
// `<prefix>/election/<leaseId>` = its controller address, bound to that lease. The key with the
// lowest create_revision is the leader; a candidate never acts before the keys created before
// its own are gone, so while the leader's key exists no one else leads. A leader steps down the
// moment its lease is lost or its key is gone.
//
// Changes: under one local mutex the leader reads the state and its mod_revision
// (linearizable), runs the decision, and commits with
//   Txn(If mod_revision(state) == seen AND create_revision(my key) == mine, Then put(state))
// so a change computed from a stale view, or by a deposed leader, never lands. A failed compare
// re-reads and decides again (at most `maxConflictRetries`).

export interface EtcdStoreOptions {
  endpoints: string[];
  /** Key prefix shared by the controllers of one group. */
  prefix: string;
  /** This controller's address (the election key's value). */
  address: string;
  leaseTtlSeconds?: number;
  /** How often the election keys are read, ms. */
  pollIntervalMs?: number;
  maxConflictRetries?: number;
  logger?: Logger;
}

export class EtcdStore implements ControllerStore {
  private readonly client: Etcd3;
  private readonly mutex = new Mutex();
  private readonly logger: Logger;
  private readonly listeners: Array<(leader: boolean) => void> = [];
  private lease: Lease | undefined;
  private myKey = '';
  private myCreateRevision = '';
  private leader = false;
  private leaderAddr: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private polling = false;

  constructor(private readonly options: EtcdStoreOptions) {
    this.logger = options.logger ?? silentLogger;
    this.client = new Etcd3({
      hosts: options.endpoints,
      defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + 3000 }),
    });
  }

  private get stateKey(): string {
    return `${this.options.prefix}/state`;
  }

  private get electionPrefix(): string {
    return `${this.options.prefix}/election/`;
  }

  async open(): Promise<void> {
    await this.campaign();
    await this.poll();
    this.timer = setInterval(() => void this.poll(), this.options.pollIntervalMs ?? 250);
  }

  private async campaign(): Promise<void> {
    const lease = this.client.lease(this.options.leaseTtlSeconds ?? 5, { autoKeepAlive: true });
    const id = await lease.grant();
    this.myKey = `${this.electionPrefix}${id}`;
    const put = await lease.put(this.myKey).value(this.options.address).exec();
    this.myCreateRevision = put.header.revision;
    this.lease = lease;
    lease.on('lost', (e) => {
      this.logger.warn({ err: e.message }, 'controller lease lost; stepping down and campaigning again');
      this.setLeader(false);
      if (this.lease === lease && !this.closed) {
        this.lease = undefined;
        this.campaign().catch((err: unknown) => this.logger.warn({ err: String(err) }, 'campaign failed'));
      }
    });
  }

  /** Reads the election keys: the oldest alive one leads. */
  private async poll(): Promise<void> {
    if (this.polling || this.closed) return;
    this.polling = true;
    try {
      const res = await this.client.getAll().prefix(this.electionPrefix).sort('Create', 'Ascend').limit(1).exec();
      const first = res.kvs[0];
      this.leaderAddr = first?.value.toString('utf8');
      const mine = first !== undefined && this.lease !== undefined && first.key.toString('utf8') === this.myKey;
      if (!mine && this.lease !== undefined && res.kvs.length === 0) {
        // Our key vanished (lease revoked behind our back): campaign again.
        this.logger.warn({}, 'controller election key gone; campaigning again');
      }
      this.setLeader(mine);
    } catch (e) {
      this.logger.warn({ err: (e as Error).message }, 'etcd unreachable; not leading');
      this.setLeader(false);
    } finally {
      this.polling = false;
    }
  }

  private setLeader(leader: boolean): void {
    if (leader === this.leader) return;
    this.leader = leader;
    if (leader) this.leaderAddr = this.options.address;
    this.logger.info({ leader, address: this.options.address }, 'controller leadership changed');
    for (const l of this.listeners) l(leader);
  }

  private async readState(): Promise<{ state: ReplicasInfo; revision: string }> {
    const res = await this.client.get(this.stateKey).exec();
    const kv = res.kvs[0];
    if (!kv) return { state: new ReplicasInfo(), revision: '0' };
    return { state: ReplicasInfo.fromJSON(JSON.parse(kv.value.toString('utf8'))), revision: kv.mod_revision };
  }

  transact<R extends Decision>(decide: (state: ReplicasInfo) => R): Promise<TransactOutcome<R>> {
    return this.mutex.run(async () => {
      for (let attempt = 0; attempt <= (this.options.maxConflictRetries ?? 3); attempt++) {
        if (this.closed) return { ok: false, reason: 'closed' } as const;
        if (!this.leader) return { ok: false, reason: 'not-leader' } as const;
        const { state, revision } = await this.readState();
        const result = decide(state);
        if (result.events.length === 0) return { ok: true, result } as const;
        for (const e of result.events) state.apply(e);
        const txn = await this.client
          .if(this.stateKey, 'Mod', '==', revision)
          .and(this.myKey, 'Create', '==', this.myCreateRevision)
          .then(this.client.put(this.stateKey).value(JSON.stringify(state.toJSON())))
          .commit();
        if (txn.succeeded) return { ok: true, result } as const;
        // Someone else wrote, or our election key is gone: re-check leadership, then retry.
        await this.poll();
      }
      return { ok: false, reason: 'conflict' } as const;
    });
  }

  async query<R>(read: (state: ReplicasInfo) => R): Promise<R> {
    return read((await this.readState()).state);
  }

  isLeader(): boolean {
    return this.leader;
  }

  leaderAddress(): string | undefined {
    return this.leaderAddr;
  }

  onLeadershipChange(listener: (leader: boolean) => void): void {
    this.listeners.push(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.setLeader(false);
    await this.mutex.run(async () => {});
    try {
      await this.lease?.revoke();
    } catch {
      // etcd gone: the lease expires by itself.
    }
    this.client.close();
  }
}
