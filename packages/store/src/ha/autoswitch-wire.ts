// The controller-mode HA byte protocol (RocketMQ 5.x AutoSwitchHAConnection / AutoSwitchHAClient),
// pure: bytes in, values out. One TCP connection per slave, opened by the slave to the master's
// haListenPort. Every message starts with the sender's state (HAConnectionState ordinal:
// HANDSHAKE=1, TRANSFER=2). Big-endian throughout.
//
//   slave → master
//     HANDSHAKE (16)  int state=1 · short isSyncFromLastFile · short isAsyncLearner · long slaveBrokerId
//     ACK       (12)  int state=2 · long slave max offset
//   master → slave
//     HANDSHAKE (20 + 12n)  int state=1 · int body size · long master maxPhyOffset · int master last epoch
//                           body: n × (int epoch · long startOffset), oldest first
//     TRANSFER  (36 + size) int state=2 · int body size · long offset · int epoch · long epochStartOffset
//                           · long confirmOffset; body: CommitLog bytes (size 0: heartbeat)
//
// A transfer never crosses a CommitLog segment nor an epoch boundary.
import type { EpochEntry } from './epoch-file.js';

export const HA_STATE_HANDSHAKE = 1;
export const HA_STATE_TRANSFER = 2;
export const SLAVE_HANDSHAKE_SIZE = 16;
export const SLAVE_ACK_SIZE = 12;
export const MASTER_HANDSHAKE_HEADER_SIZE = 20;
export const MASTER_TRANSFER_HEADER_SIZE = 36;
export const EPOCH_ENTRY_SIZE = 12;
/** Largest body the slave accepts (RocketMQ's slave read buffer is 4 MiB). */
export const MAX_HA_BODY = 4 * 1024 * 1024 - MASTER_TRANSFER_HEADER_SIZE;

export type SlaveMessage =
  | { state: 1; syncFromLastFile: boolean; asyncLearner: boolean; slaveBrokerId: number }
  | { state: 2; maxOffset: number };

export type MasterMessage =
  | { state: 1; masterMaxOffset: number; lastEpoch: number; epochs: EpochEntry[] }
  | {
      state: 2;
      offset: number;
      epoch: number;
      epochStartOffset: number;
      confirmOffset: number;
      /** A view of the socket bytes: copy before keeping past the callback. */
      body: Buffer;
    };

export type Decoded<T> = { ok: true; messages: T[] } | { ok: false; error: string };

export function encodeSlaveHandshake(slaveBrokerId: number, asyncLearner = false, syncFromLastFile = false): Buffer {
  const b = Buffer.allocUnsafe(SLAVE_HANDSHAKE_SIZE);
  b.writeInt32BE(HA_STATE_HANDSHAKE, 0);
  b.writeInt16BE(syncFromLastFile ? 1 : 0, 4);
  b.writeInt16BE(asyncLearner ? 1 : 0, 6);
  b.writeBigInt64BE(BigInt(slaveBrokerId), 8);
  return b;
}

export function encodeSlaveAck(maxOffset: number): Buffer {
  const b = Buffer.allocUnsafe(SLAVE_ACK_SIZE);
  b.writeInt32BE(HA_STATE_TRANSFER, 0);
  b.writeBigInt64BE(BigInt(maxOffset), 4);
  return b;
}

export function encodeMasterHandshake(masterMaxOffset: number, epochs: readonly EpochEntry[]): Buffer {
  const b = Buffer.allocUnsafe(MASTER_HANDSHAKE_HEADER_SIZE + EPOCH_ENTRY_SIZE * epochs.length);
  b.writeInt32BE(HA_STATE_HANDSHAKE, 0);
  b.writeInt32BE(EPOCH_ENTRY_SIZE * epochs.length, 4);
  b.writeBigInt64BE(BigInt(masterMaxOffset), 8);
  b.writeInt32BE(epochs[epochs.length - 1]?.epoch ?? 0, 16);
  let pos = MASTER_HANDSHAKE_HEADER_SIZE;
  for (const e of epochs) {
    b.writeInt32BE(e.epoch, pos);
    b.writeBigInt64BE(BigInt(e.startOffset), pos + 4);
    pos += EPOCH_ENTRY_SIZE;
  }
  return b;
}

export function encodeMasterTransferHeader(
  offset: number,
  size: number,
  epoch: number,
  epochStartOffset: number,
  confirmOffset: number,
): Buffer {
  const b = Buffer.allocUnsafe(MASTER_TRANSFER_HEADER_SIZE);
  b.writeInt32BE(HA_STATE_TRANSFER, 0);
  b.writeInt32BE(size, 4);
  b.writeBigInt64BE(BigInt(offset), 8);
  b.writeInt32BE(epoch, 16);
  b.writeBigInt64BE(BigInt(epochStartOffset), 20);
  b.writeBigInt64BE(BigInt(confirmOffset), 28);
  return b;
}

/** Master side: the slave's handshake and acks, split at any byte (a partial message waits). */
export class SlaveMessageDecoder {
  private buf = Buffer.alloc(0);

  push(chunk: Buffer): Decoded<SlaveMessage> {
    const buf = this.buf.length > 0 ? Buffer.concat([this.buf, chunk]) : chunk;
    const messages: SlaveMessage[] = [];
    let pos = 0;
    while (buf.length - pos >= 4) {
      const state = buf.readInt32BE(pos);
      if (state === HA_STATE_HANDSHAKE) {
        if (buf.length - pos < SLAVE_HANDSHAKE_SIZE) break;
        const id = Number(buf.readBigInt64BE(pos + 8));
        if (id < 0) return { ok: false, error: `bad slave broker id ${id}` };
        messages.push({
          state: 1,
          syncFromLastFile: buf.readInt16BE(pos + 4) === 1,
          asyncLearner: buf.readInt16BE(pos + 6) === 1,
          slaveBrokerId: id,
        });
        pos += SLAVE_HANDSHAKE_SIZE;
      } else if (state === HA_STATE_TRANSFER) {
        if (buf.length - pos < SLAVE_ACK_SIZE) break;
        const off = Number(buf.readBigInt64BE(pos + 4));
        if (off < 0) return { ok: false, error: `negative slave offset ${off}` };
        messages.push({ state: 2, maxOffset: off });
        pos += SLAVE_ACK_SIZE;
      } else {
        return { ok: false, error: `unexpected slave state ${state}` };
      }
    }
    this.buf = pos === buf.length ? Buffer.alloc(0) : Buffer.from(buf.subarray(pos));
    return { ok: true, messages };
  }
}

/** Slave side: the master's handshake and transfers; waits for whole messages (apache/rocketmq#5651). */
export class MasterMessageDecoder {
  private buf = Buffer.alloc(0);

  constructor(private readonly maxBody = MAX_HA_BODY) {}

  push(chunk: Buffer): Decoded<MasterMessage> {
    const buf = this.buf.length > 0 ? Buffer.concat([this.buf, chunk]) : chunk;
    const messages: MasterMessage[] = [];
    let pos = 0;
    while (buf.length - pos >= 8) {
      const state = buf.readInt32BE(pos);
      const size = buf.readInt32BE(pos + 4);
      if (size < 0 || size > this.maxBody) return { ok: false, error: `bad body size ${size}` };
      if (state === HA_STATE_HANDSHAKE) {
        if (size % EPOCH_ENTRY_SIZE !== 0)
          return { ok: false, error: `handshake body size ${size} not a multiple of 12` };
        if (buf.length - pos < MASTER_HANDSHAKE_HEADER_SIZE + size) break;
        const epochs: EpochEntry[] = [];
        for (let p = pos + MASTER_HANDSHAKE_HEADER_SIZE; p < pos + MASTER_HANDSHAKE_HEADER_SIZE + size; p += 12) {
          epochs.push({ epoch: buf.readInt32BE(p), startOffset: Number(buf.readBigInt64BE(p + 4)) });
        }
        messages.push({
          state: 1,
          masterMaxOffset: Number(buf.readBigInt64BE(pos + 8)),
          lastEpoch: buf.readInt32BE(pos + 16),
          epochs,
        });
        pos += MASTER_HANDSHAKE_HEADER_SIZE + size;
      } else if (state === HA_STATE_TRANSFER) {
        if (buf.length - pos < MASTER_TRANSFER_HEADER_SIZE + size) break;
        const offset = Number(buf.readBigInt64BE(pos + 8));
        if (offset < 0) return { ok: false, error: `negative transfer offset ${offset}` };
        messages.push({
          state: 2,
          offset,
          epoch: buf.readInt32BE(pos + 16),
          epochStartOffset: Number(buf.readBigInt64BE(pos + 20)),
          confirmOffset: Number(buf.readBigInt64BE(pos + 28)),
          body: buf.subarray(pos + MASTER_TRANSFER_HEADER_SIZE, pos + MASTER_TRANSFER_HEADER_SIZE + size),
        });
        pos += MASTER_TRANSFER_HEADER_SIZE + size;
      } else {
        return { ok: false, error: `unexpected master state ${state}` };
      }
    }
    this.buf = pos === buf.length ? Buffer.alloc(0) : Buffer.from(buf.subarray(pos));
    return { ok: true, messages };
  }
}
