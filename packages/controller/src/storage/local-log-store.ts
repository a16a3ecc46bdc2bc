import type { FileHandle } from 'node:fs/promises';
import { mkdir, open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Logger, silentLogger } from '@rocketmq-ts/common';
import { crc32 } from '@rocketmq-ts/protocol';
import { type ControllerEvent, parseEvent } from '../events.js';
import { ReplicasInfo } from '../replicas-info.js';
import { type ControllerStore, type Decision, Mutex, type TransactOutcome } from './controller-store.js';

// The single-controller store: an append-only log of committed changes in
// `<controllerStorePath>/events.log`. One record per change (all its events, so a change is all
// or nothing):  u32 payload length · u32 CRC32 of the payload · payload (UTF-8 JSON array of
// events), big-endian. A record is acknowledged only after fdatasync. At open the records are
// replayed in order; the first torn or corrupt record ends the log and the file is cut there
// (a crash mid-append leaves at most one such record, never acknowledged). There is no
// snapshot: a controller's log grows by a few records per failover, and replay is linear.

export const EVENT_LOG_FILE = 'events.log';
const HEADER = 8;
/** A change record larger than this is damage, not data. */
const MAX_RECORD = 16 * 1024 * 1024;

export interface LocalLogStoreOptions {
  dir: string;
  /** This controller's own address (it is always the leader). */
  address: string;
  logger?: Logger;
}

export interface ReplayReport {
  records: number;
  events: number;
  /** Bytes cut from the tail (a torn or corrupt last record). */
  truncatedBytes: number;
}

export function encodeRecord(events: ControllerEvent[]): Buffer {
  const payload = Buffer.from(JSON.stringify(events), 'utf8');
  const header = Buffer.alloc(HEADER);
  header.writeUInt32BE(payload.length, 0);
  header.writeUInt32BE(crc32(payload) >>> 0, 4);
  return Buffer.concat([header, payload]);
}

/** Parses records from the start; `validEnd` is where the last intact record ends. */
export function decodeRecords(data: Buffer): { changes: ControllerEvent[][]; validEnd: number } {
  const changes: ControllerEvent[][] = [];
  let pos = 0;
  while (pos + HEADER <= data.length) {
    const len = data.readUInt32BE(pos);
    const sum = data.readUInt32BE(pos + 4);
    if (len > MAX_RECORD || pos + HEADER + len > data.length) break;
    const payload = data.subarray(pos + HEADER, pos + HEADER + len);
    if (crc32(payload) >>> 0 !== sum) break;
    let parsed: unknown;
    try {
      parsed = JSON.parse(payload.toString('utf8'));
    } catch {
      break;
    }
    if (!Array.isArray(parsed)) break;
    const events: ControllerEvent[] = [];
    for (const raw of parsed) {
      const e = parseEvent(raw);
      if (!e.ok) break;
      events.push(e.value);
    }
    if (events.length !== parsed.length) break;
    changes.push(events);
    pos += HEADER + len;
  }
  return { changes, validEnd: pos };
}

export class LocalLogStore implements ControllerStore {
  private state = new ReplicasInfo();
  private fh: FileHandle | undefined;
  private size = 0;
  private readonly mutex = new Mutex();
  private readonly logger: Logger;
  private closed = false;
  report: ReplayReport = { records: 0, events: 0, truncatedBytes: 0 };

  constructor(private readonly options: LocalLogStoreOptions) {
    this.logger = options.logger ?? silentLogger;
  }

  get path(): string {
    return join(this.options.dir, EVENT_LOG_FILE);
  }

  async open(): Promise<void> {
    await mkdir(this.options.dir, { recursive: true });
    let data: Buffer;
    try {
      data = await readFile(this.path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      data = Buffer.alloc(0);
    }
    const { changes, validEnd } = decodeRecords(data);
    for (const events of changes) for (const e of events) this.state.apply(e);
    this.fh = await open(this.path, 'a+');
    if (validEnd < data.length) {
      this.logger.warn({ file: this.path, validEnd, size: data.length }, 'controller log: torn or corrupt tail cut');
      await this.fh.truncate(validEnd);
      await this.fh.sync();
    }
    this.size = validEnd;
    this.report = {
      records: changes.length,
      events: changes.reduce((n, c) => n + c.length, 0),
      truncatedBytes: data.length - validEnd,
    };
  }

  transact<R extends Decision>(decide: (state: ReplicasInfo) => R): Promise<TransactOutcome<R>> {
    return this.mutex.run(async () => {
      if (this.closed || !this.fh) return { ok: false, reason: 'closed' } as const;
      const result = decide(this.state);
      if (result.events.length === 0) return { ok: true, result } as const;
      const record = encodeRecord(result.events);
      // Position-less appends ('a' mode) land at the end; a failed write is not acknowledged
      // and the next open cuts whatever part of it reached the disk.
      await this.fh.write(record);
      await this.fh.datasync();
      this.size += record.length;
      for (const e of result.events) this.state.apply(e);
      return { ok: true, result } as const;
    });
  }

  query<R>(read: (state: ReplicasInfo) => R): Promise<R> {
    return Promise.resolve(read(this.state));
  }

  isLeader(): boolean {
    return this.fh !== undefined && !this.closed;
  }

  leaderAddress(): string | undefined {
    return this.options.address;
  }

  onLeadershipChange(): void {
    // Always the leader while open.
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.mutex.run(async () => {
      await this.fh?.close();
      this.fh = undefined;
    });
  }
}
