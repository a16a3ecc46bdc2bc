// Slave side of controller-mode replication (RocketMQ 5.x AutoSwitchHAClient): connects to the
// master's HA address, sends its handshake (broker id), reads the master's epoch list, truncates
// its own log to the consistent point (never below it, never an acknowledged message of the
// master's history), then appends every transfer at exactly its end, records each new epoch
// before the bytes of that epoch, and acknowledges what it wrote (or flushed, SYNC_FLUSH).
import type * as net from 'node:net';
import type { Logger } from '@rocketmq-ts/common';
import { encodeSlaveAck, encodeSlaveHandshake, HA_STATE_HANDSHAKE, MasterMessageDecoder } from './autoswitch-wire.js';
import { consistentPoint, type EpochFile } from './epoch-file.js';
import { ReplicaLink } from './ha-connection.js';
import type { ReplicaAppendStatus } from './replica-log.js';

export interface AutoSwitchSlaveLog {
  getMaxPhyOffset(): number;
  replicaAckOffset(): number;
  appendReplicated(offset: number, data: Buffer): ReplicaAppendStatus;
  onReplicaProgress(listener: (written: number, flushed: number) => void): void;
  drainReplica(): Promise<void>;
  truncateTail(offset: number): Promise<void>;
}

export interface AutoSwitchClientConfig {
  brokerId: number;
  asyncLearner: boolean;
  haSendHeartbeatInterval: number;
  haHousekeepingInterval: number;
  haReconnectInterval: number;
}

export type AutoSwitchClientState = 'READY' | 'HANDSHAKE' | 'TRANSFER' | 'SHUTDOWN';

export class AutoSwitchClient extends ReplicaLink<'HANDSHAKE' | 'TRANSFER'> {
  private decoder = new MasterMessageDecoder();
  private haAddr: string | undefined;
  /** The master epoch this slave follows: a master whose epoch list ends below it is not switched yet. */
  private minEpoch = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Frames waiting while an epoch entry is written (an entry lands before the bytes of its epoch). */
  private chain: Promise<void> | undefined;
  private masterConfirm = 0;
  /** Frames/bytes received on this connection (status). */
  transferred = 0;

  constructor(
    private readonly log: AutoSwitchSlaveLog,
    private readonly epochs: EpochFile,
    private readonly config: AutoSwitchClientConfig,
    logger: Logger,
  ) {
    super('SHUTDOWN', config, logger.child({ component: 'ha-autoswitch-slave' }));
    log.onReplicaProgress(() => this.ackIfGrown());
  }

  get currentState(): AutoSwitchClientState {
    return this.state;
  }

  get masterHaAddress(): string | undefined {
    return this.haAddr;
  }

  /** min(master's confirmOffset, local max): how far this slave's log is committed. */
  confirmOffset(): number {
    return Math.min(this.masterConfirm, this.log.getMaxPhyOffset());
  }

  /** Follows the master at `haAddr` from `epoch` on. */
  follow(haAddr: string, epoch: number): void {
    this.minEpoch = epoch;
    if (this.state === 'SHUTDOWN') {
      this.state = 'READY';
      this.timer = setInterval(() => this.tick(), 100);
      this.timer.unref();
    }
    if (haAddr !== this.haAddr) {
      this.haAddr = haAddr;
      this.drop();
      this.retryAt = 0;
    }
    this.tick();
  }

  /** Stops following (becoming master, or shutting down); waits for an in-flight truncation. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.drop();
    this.state = 'SHUTDOWN';
    this.haAddr = undefined;
    await this.chain?.catch(() => {});
  }

  protected get peer(): string | undefined {
    return this.haAddr;
  }

  protected encodeAck(offset: number): Buffer {
    return encodeSlaveAck(offset);
  }

  protected override mayConnect(): boolean {
    return this.chain === undefined;
  }

  protected onOpen(socket: net.Socket): void {
    this.decoder = new MasterMessageDecoder();
    this.state = 'HANDSHAKE';
    socket.write(encodeSlaveHandshake(this.config.brokerId, this.config.asyncLearner));
  }

  protected onData(chunk: Buffer): void {
    const r = this.decoder.push(chunk);
    if (!r.ok) {
      this.fail(r.error);
      return;
    }
    for (const m of r.messages) {
      if (m.state === HA_STATE_HANDSHAKE) {
        if (this.state !== 'HANDSHAKE') {
          this.fail('handshake out of turn');
          return;
        }
        const socket = this.socket;
        this.run(() => this.onHandshake(m.masterMaxOffset, m.lastEpoch, m.epochs, socket));
      } else {
        if (this.state !== 'TRANSFER' && !this.chain) {
          this.fail('transfer before handshake');
          return;
        }
        const body = m.body;
        const frame = { ...m, body };
        if (this.chain || frame.epoch > this.epochs.lastEpoch()) this.run(() => this.onTransfer(frame));
        else this.onTransferSync(frame);
      }
    }
  }

  /** Runs `step` after the steps queued before it; frames keep their order. */
  private run(step: () => Promise<void> | void): void {
    const prev = this.chain ?? Promise.resolve();
    const next = prev.then(step).catch((e: unknown) => this.fail(`replication step failed: ${String(e)}`));
    this.chain = next;
    void next.then(() => {
      if (this.chain === next) this.chain = undefined;
    });
  }

  private async onHandshake(
    masterMax: number,
    masterLastEpoch: number,
    masterEpochs: { epoch: number; startOffset: number }[],
    socket: net.Socket | undefined,
  ): Promise<void> {
    if (this.socket !== socket || !socket) return;
    if (masterLastEpoch < this.minEpoch) {
      this.fail(`master's last epoch ${masterLastEpoch} is below ${this.minEpoch}`);
      return;
    }
    await this.log.drainReplica();
    const localMax = this.log.getMaxPhyOffset();
    const cut = consistentPoint(this.epochs.entries(), localMax, masterEpochs, masterMax);
    if (cut < 0) {
      this.lastError = 'no consistent point with the master (no common epoch): manual repair needed';
      this.logger.error({ local: this.epochs.entries(), master: masterEpochs }, `ha: ${this.lastError}`);
      this.fail(this.lastError);
      return;
    }
    if (cut < localMax) {
      this.logger.warn({ from: localMax, to: cut }, 'ha: truncating the divergent tail before replicating');
      await this.log.truncateTail(cut);
      await this.epochs.truncateFromOffset(cut);
    }
    if (this.socket !== socket) return;
    this.state = 'TRANSFER';
    this.send(this.log.getMaxPhyOffset());
  }

  private async onTransfer(f: {
    offset: number;
    epoch: number;
    epochStartOffset: number;
    confirmOffset: number;
    body: Buffer;
  }): Promise<void> {
    if (f.epoch > this.epochs.lastEpoch()) {
      const start = f.epochStartOffset;
      if (!(await this.epochs.append(f.epoch, start))) {
        this.fail(`epoch ${f.epoch}@${start} refused after ${JSON.stringify(this.epochs.lastEntry())}`);
        return;
      }
    }
    this.onTransferSync(f);
  }

  private onTransferSync(f: { offset: number; epoch: number; confirmOffset: number; body: Buffer }): void {
    if (!this.socket) return;
    if (f.epoch < this.epochs.lastEpoch()) {
      this.fail(`transfer of epoch ${f.epoch} below ${this.epochs.lastEpoch()}`);
      return;
    }
    const max = this.log.getMaxPhyOffset();
    if (max !== 0 && max !== f.offset) {
      this.fail(`master pushed offset ${f.offset}, slave max is ${max}`);
      return;
    }
    this.masterConfirm = f.confirmOffset;
    if (f.body.length === 0) return;
    const s = this.log.appendReplicated(f.offset, f.body);
    if (s !== 'OK') {
      this.fail(`append at ${f.offset} refused: ${s}`);
      return;
    }
    this.transferred += f.body.length;
  }

  private ackIfGrown(): void {
    if (this.state !== 'TRANSFER' || !this.socket) return;
    const ack = this.log.replicaAckOffset();
    if (ack > this.reported) this.send(ack);
  }
}
