// The IndexFile set: keys `<topic>#<key>` for each KEYS entry and the UNIQ_KEY of every
// record, queried newest file first within a store-time range.
import { mkdir, readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock, Logger } from '@rocketmq-ts/common';
import { IndexFile, indexKeyHash } from './index-file.js';

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
/** RocketMQ names index files by creation time, yyyyMMddHHmmssSSS (local time there; UTC here). */
function indexFileName(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}${pad(d.getUTCMilliseconds(), 3)}`;
}

export class IndexService {
  readonly files: IndexFile[] = [];
  private rolling: Promise<IndexFile> | undefined;
  /** Keys that arrived while a new file was being created. */
  private backlog: [number, number, number][] = [];
  /** Set by close once no roll is under way. */
  private closed = false;

  constructor(
    readonly dir: string,
    private readonly slotNum: number,
    private readonly maxIndexNum: number,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  async load(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const names = (await readdir(this.dir)).filter((n) => /^\d{17}$/.test(n)).sort();
    for (let i = 0; i < names.length; i++) {
      const last = i === names.length - 1;
      this.files.push(await IndexFile.open(join(this.dir, names[i]!), this.slotNum, this.maxIndexNum, last));
    }
  }

  /** A creation-time name, bumped past the previous file's so names stay unique and ordered. */
  private nextName(prevPath: string | undefined): string {
    const name = indexFileName(this.clock.now());
    const prevName = prevPath?.slice(-17);
    if (!prevName || name > prevName) return name;
    return (BigInt(prevName) + 1n).toString().padStart(17, '0');
  }

  /** Creates the first index file if there is none. */
  async ensureFile(): Promise<void> {
    if (this.files.length > 0) return;
    const path = join(this.dir, this.nextName(undefined));
    this.files.push(await IndexFile.create(path, this.slotNum, this.maxIndexNum));
  }

  /** Physical offset of the newest indexed record (RocketMQ's indexLastUpdatePhyoffset). */
  get lastUpdate(): { timestamp: number; phyOffset: number } {
    const f = this.files[this.files.length - 1];
    return { timestamp: f?.endTimestamp ?? 0, phyOffset: f?.endPhyOffset ?? 0 };
  }

  put(key: string, phyOffset: number, storeTimestamp: number): void {
    this.putHash(indexKeyHash(key), phyOffset, storeTimestamp);
  }

  /** `javaHash` is String.hashCode of the key; made non-negative as RocketMQ does. */
  putHash(javaHash: number, phyOffset: number, storeTimestamp: number): void {
    const hash = javaHash === -2147483648 ? 0 : Math.abs(javaHash);
    const f = this.files[this.files.length - 1];
    if (!this.rolling && f?.writable && f.put(hash, phyOffset, storeTimestamp)) return;
    this.backlog.push([hash, phyOffset, storeTimestamp]);
    this.roll();
  }

  private roll(): void {
    if (this.rolling || this.closed) return;
    const prev = this.files[this.files.length - 1];
    const path = join(this.dir, this.nextName(prev?.path));
    this.rolling = (async () => {
      if (prev?.writable) {
        await prev.flush();
        prev.seal();
      }
      return IndexFile.create(path, this.slotNum, this.maxIndexNum);
    })();
    this.rolling.then(
      (f) => {
        this.files.push(f);
        this.rolling = undefined;
        const keys = this.backlog;
        this.backlog = [];
        for (const [h, p, t] of keys) {
          if (!f.put(h, p, t)) {
            this.backlog.push([h, p, t]);
          }
        }
        if (this.backlog.length > 0) this.roll();
      },
      (e) => {
        this.rolling = undefined;
        this.logger.error({ err: e }, 'cannot create index file');
      },
    );
  }

  /** Candidate physical offsets (hash matches; callers verify the record), newest first. */
  async query(key: string, maxNum: number, begin: number, end: number): Promise<number[]> {
    const hash = indexKeyHash(key);
    const out: number[] = [];
    for (let i = this.files.length - 1; i >= 0 && out.length < maxNum; i--) {
      const f = this.files[i]!;
      if (f.indexCount <= 1) continue;
      if (f.endTimestamp < begin - 1000 || f.beginTimestamp > end) continue;
      await f.select(hash, maxNum, begin, end, out);
    }
    return out;
  }

  /**
   * Waits for every roll under way, the ones it chains included: a roll that leaves a backlog
   * starts the next as it ends, so one await is not enough (a flush then missed the keys of the
   * newest file, and close() closed files the chained roll was still writing).
   */
  private async settleRolls(): Promise<void> {
    while (this.rolling) await this.rolling.catch(() => {});
  }

  async flush(): Promise<void> {
    await this.settleRolls();
    const f = this.files[this.files.length - 1];
    if (f?.writable) await f.flush();
  }

  /** Deletes files wholly below `minPhy` (never the newest). */
  async deleteBelow(minPhy: number): Promise<void> {
    while (this.files.length > 1 && this.files[0]!.endPhyOffset < minPhy) {
      const f = this.files.shift()!;
      await f.close().catch(() => {});
      await unlink(f.path).catch(() => {});
      this.logger.info({ path: f.path }, 'index file deleted');
    }
  }

  async close(): Promise<void> {
    await this.settleRolls();
    // From here no roll starts (no file is created after close), and each file closes only
    // once its writes and reads are done: a descriptor number closed under a write in flight
    // is reused by the next open of the process (another store's CommitLog segment), and the
    // write lands there.
    this.closed = true;
    for (const f of this.files) await f.close().catch(() => {});
    this.files.length = 0;
  }
}
