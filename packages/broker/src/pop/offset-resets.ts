import { join } from 'node:path';
import type { Logger } from '@rocketmq-ts/common';
import { StateFile } from '@rocketmq-ts/common';

// Admin resets of pop offsets (INVOKE_BROKER_TO_RESET_OFFSET), remembered so that a restart
// keeps them. At start the revive service moves each pop offset past every checkpoint it
// re-reads from the revive log (docs/pop.md); a checkpoint of a pop made before a reset must
// not move the offset back over the reset, so recovery asks resetTime() and skips those.
// Stored in popOffsetReset.json (`topic@group` → queueId → {offset, time}), written durably
// before the reset is answered; one entry per queue, replaced by the next reset of it.

export const OFFSET_RESET_FILE = 'popOffsetReset.json';

interface ResetEntry {
  offset: number;
  /** Broker clock at the reset (compared with checkpoints' popTime). */
  time: number;
}

const keyOf = (topic: string, group: string): string => `${topic}@${group}`;

export class PopOffsetResets {
  private readonly table = new Map<string, Map<number, ResetEntry>>();
  private readonly file: StateFile;

  constructor(
    configDir: string,
    private readonly logger: Logger,
  ) {
    this.file = new StateFile(join(configDir, OFFSET_RESET_FILE));
  }

  async load(): Promise<void> {
    const text = await this.file.read();
    if (text === undefined) return;
    try {
      const parsed = JSON.parse(text) as { resetTable?: Record<string, Record<string, unknown>> };
      for (const [k, queues] of Object.entries(parsed.resetTable ?? {})) {
        const m = new Map<number, ResetEntry>();
        for (const [q, raw] of Object.entries(queues)) {
          const e = raw as Partial<ResetEntry> | null;
          const qid = Number(q);
          if (Number.isInteger(qid) && typeof e?.offset === 'number' && typeof e.time === 'number') {
            m.set(qid, { offset: e.offset, time: e.time });
          }
        }
        if (m.size > 0) this.table.set(k, m);
      }
    } catch (err) {
      this.logger.error({ err, path: this.file.path }, 'pop offset resets unreadable; ignored');
    }
  }

  /** Time of the last reset of this queue's offset, or undefined. */
  resetTime(group: string, topic: string, queueId: number): number | undefined {
    return this.table.get(keyOf(topic, group))?.get(queueId)?.time;
  }

  /** Records resets of `queues` (queueId → offset) at `time`; resolves once durable. */
  record(group: string, topic: string, queues: ReadonlyMap<number, number>, time: number): Promise<void> {
    const k = keyOf(topic, group);
    let m = this.table.get(k);
    if (m === undefined) {
      m = new Map();
      this.table.set(k, m);
    }
    for (const [q, offset] of queues) m.set(q, { offset, time });
    return this.file.save(() => this.render());
  }

  private render(): string {
    const resetTable: Record<string, Record<string, ResetEntry>> = {};
    for (const [k, queues] of this.table) resetTable[k] = Object.fromEntries(queues);
    return JSON.stringify({ resetTable });
  }
}
