// Master side of controller-mode replication (RocketMQ 5.x AutoSwitchHAService +
// AutoSwitchHAConnection): a listener on haListenPort, one connection per slave keyed by the
// broker id from its handshake, the epoch list in the handshake, transfers that never cross an
// epoch (or segment) boundary and carry the confirmOffset, and the write gate that answers a
// send only when the SyncStateSet holds it. Wire format: autoswitch-wire.ts; rules:
// docs/controller.md ("Replication with epochs").
import type * as net from 'node:net';
import { Fifo, type Logger } from '@rocketmq-ts/common';
import type { PutMessageResult } from '../message-store.js';
import {
  encodeMasterHandshake,
  encodeMasterTransferHeader,
  HA_STATE_HANDSHAKE,
  HA_STATE_TRANSFER,
  SlaveMessageDecoder,
} from './autoswitch-wire.js';
import type { EpochFile } from './epoch-file.js';
import { closeServer, listenHA, MasterConnection, type TransferSource } from './ha-connection.js';

export interface AutoSwitchMasterLog extends TransferSource {
  getMaxPhyOffset(): number;
  getMinPhyOffset(): number;
  readonly commitLogSegmentSize: number;
  /** Bytes below this are written (what a transfer may carry). */
  replicaAckOffset(): number;
  onReplicaProgress(listener: (written: number, flushed: number) => void): void;
}

export interface AutoSwitchServiceConfig {
  haListenPort: number;
  host: string;
  haSendHeartbeatInterval: number;
  haHousekeepingInterval: number;
  haTransferBatchSize: number;
  /** ms a write waits for the SyncStateSet's acks before FLUSH_SLAVE_TIMEOUT. */
  slaveTimeout: number;
  /** true (rocketmq-ts default): every SyncStateSet member must hold a write before it is answered. */
  allAckInSyncStateSet: boolean;
  /**
   * With allAckInSyncStateSet=false: replicas (master included) that must hold a write; any
   * connected replica's ack counts, as in RocketMQ's GroupTransferService. Not capped by the
   * SyncStateSet's size: too few replicas → FLUSH_SLAVE_TIMEOUT after slaveTimeout.
   */
  inSyncReplicas: number;
  /** A write is refused (IN_SYNC_REPLICAS_NOT_ENOUGH) while the SyncStateSet is smaller. */
  minInSyncReplicas?: number | undefined;
}

export interface SlaveProgress {
  brokerId: number;
  ackOffset: number;
  lastCaughtUpTime: number;
  asyncLearner: boolean;
  addr: string;
}

interface Waiter {
  end: number;
  deadline: number;
  result: PutMessageResult;
  resolve: (r: PutMessageResult) => void;
}

class Connection extends MasterConnection {
  brokerId = -1;
  asyncLearner = false;
  /** -1 before the first ack. */
  ackOffset = -1;
  lastCaughtUpTime = 0;
  /** Where the transfer stood the last time nothing was left to send, and when. */
  private tipOffset = -1;
  private tipTime = 0;
  private readonly decoder = new SlaveMessageDecoder();

  constructor(
    socket: net.Socket,
    private readonly service: AutoSwitchService,
  ) {
    super(socket, service.log, service.logger);
  }

  protected onChunk(chunk: Buffer): void {
    const r = this.decoder.push(chunk);
    if (!r.ok) {
      this.close(r.error);
      return;
    }
    for (const m of r.messages) {
      if (this.closed) return;
      if (m.state === HA_STATE_HANDSHAKE) {
        if (this.brokerId >= 0) {
          this.close('second handshake');
          return;
        }
        this.brokerId = m.slaveBrokerId;
        this.asyncLearner = m.asyncLearner;
        this.service.adopt(this);
        const epochs = this.service.epochs.entries();
        this.socket.write(encodeMasterHandshake(this.service.log.getMaxPhyOffset(), epochs));
      } else if (m.state === HA_STATE_TRANSFER) {
        if (this.brokerId < 0) {
          this.close('ack before handshake');
          return;
        }
        const max = this.service.log.getMaxPhyOffset();
        if (m.maxOffset > max) {
          // A slave ahead of this master (or a bogus peer): never count it, never ship over it.
          this.service.logger.error({ slave: this.addr, ack: m.maxOffset, max }, 'ha: slave ack beyond the master log');
          this.close('ack beyond master');
          return;
        }
        if (this.next < 0) {
          // An empty slave starts at the master's first segment. Before that segment's file exists
          // the min offset is the append position; the segment it will start at is what counts.
          const seg = this.service.log.commitLogSegmentSize;
          const min = this.service.log.getMinPhyOffset();
          this.next = m.maxOffset === 0 ? min - (min % seg) : m.maxOffset;
          this.service.logger.info(
            { slave: this.addr, brokerId: this.brokerId, from: this.next },
            'ha: slave handshake done, transfer starts',
          );
        }
        this.ackOffset = m.maxOffset;
        if (this.tipOffset >= 0 && m.maxOffset >= this.tipOffset) this.lastCaughtUpTime = this.tipTime;
        if (m.maxOffset >= this.service.log.replicaAckOffset()) this.lastCaughtUpTime = Date.now();
        this.service.acked();
        this.pump();
      }
    }
  }

  /** A frame never crosses an epoch's end. */
  protected room(): number {
    const svc = this.service;
    const entry = svc.epochs.entryAt(this.next);
    const epochEnd = entry ? svc.epochs.endOf(entry.epoch) : undefined;
    const room = epochEnd === undefined ? svc.config.haTransferBatchSize : epochEnd - this.next;
    return Math.min(room, svc.config.haTransferBatchSize);
  }

  protected header(from: number, size: number): Buffer {
    const entry = this.service.epochs.entryAt(from);
    return encodeMasterTransferHeader(
      from,
      size,
      entry?.epoch ?? 0,
      entry?.startOffset ?? 0,
      this.service.confirmOffset(),
    );
  }

  protected override atTip(): void {
    this.tipOffset = this.next;
    this.tipTime = Date.now();
  }

  protected removed(): void {
    this.service.removed(this);
  }
}

export class AutoSwitchService {
  private server: net.Server | undefined;
  private readonly connections = new Set<Connection>();
  private readonly waiters = new Fifo<Waiter>();
  private timers: NodeJS.Timeout[] = [];
  private boundPort = 0;
  private active = false;
  private selfId = 0;
  /** Members whose acks count (the SyncStateSet, or old ∪ proposed during an ALTER), self included. */
  private members = new Set<number>();
  private lastConfirm = 0;
  /** Highest end of a write answered PUT_OK: a slave that holds it may join the SyncStateSet. */
  answeredEnd = 0;
  readonly logger: Logger;
  /** Told when a slave connects or leaves (the controller client re-checks the SyncStateSet). */
  onSlaveChange: () => void = () => {};

  constructor(
    readonly log: AutoSwitchMasterLog,
    readonly epochs: EpochFile,
    readonly config: AutoSwitchServiceConfig,
    logger: Logger,
  ) {
    this.logger = logger.child({ component: 'ha-autoswitch-master' });
    log.onReplicaProgress(() => {
      if (!this.active) return;
      for (const c of this.connections) c.wake();
      if (this.members.size <= 1) this.acked();
    });
  }

  get port(): number {
    return this.boundPort;
  }

  get isActive(): boolean {
    return this.active;
  }

  async start(): Promise<number> {
    const server = await listenHA(this.config.haListenPort, this.config.host, (socket) => {
      // Only a master serves slaves; anyone connecting to a slave or a fenced broker is dropped.
      if (!this.active) {
        socket.destroy();
        return;
      }
      this.connections.add(new Connection(socket, this));
    });
    this.server = server;
    this.boundPort = (server.address() as net.AddressInfo).port;
    const hk = setInterval(() => {
      const now = Date.now();
      for (const c of this.connections)
        c.housekeep(now, this.config.haHousekeepingInterval, this.config.haSendHeartbeatInterval);
    }, 500);
    const ex = setInterval(() => this.expire(false), 20);
    hk.unref();
    ex.unref();
    this.timers.push(hk, ex);
    return this.boundPort;
  }

  /** Becomes the master serving slaves, counting acks of `syncStateSet`. */
  activate(selfId: number, syncStateSet: number[]): void {
    this.selfId = selfId;
    this.active = true;
    this.setSyncStateSet(syncStateSet);
    this.lastConfirm = this.log.replicaAckOffset();
    this.answeredEnd = this.lastConfirm;
  }

  /** No longer master: every waiting write fails (FLUSH_SLAVE_TIMEOUT, never SEND_OK), slaves are dropped. */
  deactivate(): void {
    this.active = false;
    for (const c of [...this.connections]) c.close('no longer master');
    this.expire(true);
  }

  async stop(): Promise<void> {
    this.deactivate();
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    const s = this.server;
    this.server = undefined;
    await closeServer(s);
  }

  setSyncStateSet(ids: readonly number[]): void {
    this.members = new Set([...ids, this.selfId]);
    this.acked();
  }

  syncStateSet(): number[] {
    return [...this.members].sort((a, b) => a - b);
  }

  /** A second connection from the same broker id replaces the first (acks are per replica). */
  adopt(c: Connection): void {
    for (const o of this.connections) if (o !== c && o.brokerId === c.brokerId) o.close('replaced');
    this.onSlaveChange();
  }

  removed(c: Connection): void {
    this.connections.delete(c);
    if (c.brokerId >= 0) this.onSlaveChange();
  }

  slaves(): SlaveProgress[] {
    const out: SlaveProgress[] = [];
    for (const c of this.connections) {
      if (c.brokerId < 0 || c.ackOffset < 0) continue;
      out.push({
        brokerId: c.brokerId,
        ackOffset: c.ackOffset,
        lastCaughtUpTime: c.lastCaughtUpTime,
        asyncLearner: c.asyncLearner,
        addr: c.addr,
      });
    }
    return out;
  }

  private ackOf(id: number): number {
    let best = -1;
    for (const c of this.connections) if (c.brokerId === id && c.ackOffset > best) best = c.ackOffset;
    return best;
  }

  /**
   * How many replicas (self included) hold everything below `end`: with all-ack the SyncStateSet
   * members, otherwise every connected replica (RocketMQ counts each connection's ack).
   */
  private holders(end: number): number {
    let n = 0;
    if (this.config.allAckInSyncStateSet) {
      for (const id of this.members) {
        if (id === this.selfId) n++;
        else if (this.ackOf(id) >= end) n++;
      }
      return n;
    }
    const ids = new Set<number>([this.selfId]);
    for (const c of this.connections) if (c.brokerId >= 0 && c.ackOffset >= end) ids.add(c.brokerId);
    return ids.size;
  }

  private needed(): number {
    return this.config.allAckInSyncStateSet ? this.members.size : Math.max(1, this.config.inSyncReplicas);
  }

  /**
   * RocketMQ's write admission in controller mode: the SyncStateSet (old ∪ proposed while an
   * ALTER is in flight) must have at least minInSyncReplicas members.
   */
  inSyncReplicasEnough(): boolean {
    return !this.active || this.members.size >= (this.config.minInSyncReplicas ?? 1);
  }

  /**
   * The committed watermark: with one member or without all-ack, what is written; otherwise the
   * lowest ack among members, kept where it was while a member has no connection (apache/rocketmq#6662).
   */
  confirmOffset(): number {
    const written = this.log.replicaAckOffset();
    if (!this.active) return this.lastConfirm;
    if (this.members.size <= 1 || !this.config.allAckInSyncStateSet) {
      this.lastConfirm = written;
      return written;
    }
    let min = written;
    for (const id of this.members) {
      if (id === this.selfId) continue;
      const a = this.ackOf(id);
      if (a < 0) return this.lastConfirm;
      if (a < min) min = a;
    }
    if (min > this.lastConfirm) this.lastConfirm = min;
    return this.lastConfirm;
  }

  /** The store's write gate: an append is answered once enough members hold it. */
  readonly gate = (r: PutMessageResult): PutMessageResult | Promise<PutMessageResult> => {
    const a = r.append;
    if (!a || (r.status !== 'PUT_OK' && r.status !== 'FLUSH_DISK_TIMEOUT')) return r;
    if (!this.active) {
      if (r.status === 'PUT_OK') r.status = 'FLUSH_SLAVE_TIMEOUT';
      return r;
    }
    const end = a.wroteOffset + a.wroteBytes;
    if (this.holders(end) >= this.needed()) {
      if (end > this.answeredEnd) this.answeredEnd = end;
      return r;
    }
    return new Promise<PutMessageResult>((resolve) => {
      this.waiters.push({ end, deadline: Date.now() + this.config.slaveTimeout, result: r, resolve });
    });
  };

  acked(): void {
    const ws = this.waiters;
    const need = this.needed();
    for (let w = ws.peek(); w !== undefined && this.holders(w.end) >= need; w = ws.peek()) {
      ws.shift();
      if (w.end > this.answeredEnd) this.answeredEnd = w.end;
      w.resolve(w.result);
    }
  }

  private expire(all: boolean): void {
    const now = Date.now();
    const ws = this.waiters;
    for (let w = ws.peek(); w !== undefined && (all || w.deadline <= now); w = ws.peek()) {
      ws.shift();
      if (w.result.status === 'PUT_OK') w.result.status = 'FLUSH_SLAVE_TIMEOUT';
      w.resolve(w.result);
    }
  }
}
