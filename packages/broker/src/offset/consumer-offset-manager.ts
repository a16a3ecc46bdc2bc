import { join } from 'node:path';
import type { Logger } from '@rocketmq-ts/common';
import { StateFile } from '@rocketmq-ts/common';
import type { ConsumerOffsetStore } from '../runtime/ports.js';

const SEP = '@';
const key = (topic: string, group: string): string => topic + SEP + group;

function splitKey(k: string): { topic: string; group: string } | undefined {
  // Topic names cannot contain '@' (TopicValidator), so the first '@' splits the key.
  const i = k.indexOf(SEP);
  return i <= 0 ? undefined : { topic: k.slice(0, i), group: k.slice(i + 1) };
}

/**
 * Committed consumer offsets (Java ConsumerOffsetManager), keyed `topic@group` → queueId →
 * offset as in Java's consumerOffset.json. Commits only touch memory; the file is written
 * every `flushConsumerOffsetInterval` when something changed, and at shutdown.
 */
export class ConsumerOffsetManager implements ConsumerOffsetStore {
  private readonly table = new Map<string, Map<number, number>>();
  private readonly file: StateFile;
  private dirty = false;

  constructor(
    configDir: string,
    private readonly logger: Logger,
  ) {
    this.file = new StateFile(join(configDir, 'consumerOffset.json'));
  }

  async load(): Promise<void> {
    const raw = (await this.file.load()) as { offsetTable?: Record<string, Record<string, unknown>> } | undefined;
    if (!raw?.offsetTable) return;
    for (const [k, queues] of Object.entries(raw.offsetTable)) {
      if (splitKey(k) === undefined || typeof queues !== 'object' || queues === null) continue;
      const m = new Map<number, number>();
      for (const [q, off] of Object.entries(queues)) {
        const qid = Number(q);
        if (Number.isInteger(qid) && typeof off === 'number') m.set(qid, off);
      }
      this.table.set(k, m);
    }
    this.logger.info({ entries: this.table.size }, 'consumer offsets loaded');
  }

  query(group: string, topic: string, queueId: number): number {
    return this.table.get(key(topic, group))?.get(queueId) ?? -1;
  }

  commit(group: string, topic: string, queueId: number, offset: number): void {
    const k = key(topic, group);
    let m = this.table.get(k);
    if (m === undefined) {
      m = new Map();
      this.table.set(k, m);
    }
    if (m.get(queueId) !== offset) {
      m.set(queueId, offset);
      this.dirty = true;
    }
  }

  queueOffsets(group: string, topic: string): Map<number, number> {
    return new Map(this.table.get(key(topic, group)) ?? []);
  }

  /** Every (group, topic) with committed offsets, and its queue → offset map (read-only view). */
  *entries(): Iterable<{ group: string; topic: string; queues: ReadonlyMap<number, number> }> {
    for (const [k, queues] of this.table) {
      const s = splitKey(k);
      if (s) yield { group: s.group, topic: s.topic, queues };
    }
  }

  topicsOf(group: string): string[] {
    const out: string[] = [];
    for (const k of this.table.keys()) {
      const s = splitKey(k);
      if (s && s.group === group) out.push(s.topic);
    }
    return out;
  }

  groupsOf(topic: string): string[] {
    const out: string[] = [];
    for (const k of this.table.keys()) {
      const s = splitKey(k);
      if (s && s.topic === topic) out.push(s.group);
    }
    return out;
  }

  removeGroup(group: string): void {
    for (const k of [...this.table.keys()]) {
      if (splitKey(k)?.group === group) {
        this.table.delete(k);
        this.dirty = true;
      }
    }
  }

  removeTopic(topic: string): void {
    for (const k of [...this.table.keys()]) {
      if (splitKey(k)?.topic === topic) {
        this.table.delete(k);
        this.dirty = true;
      }
    }
  }

  /** Writes consumerOffset.json if anything changed since the last write (or when forced). */
  async persist(force = false): Promise<void> {
    if (!this.dirty && !force) return;
    this.dirty = false;
    await this.file.save(() => this.encode());
  }

  encode(): string {
    const offsetTable: Record<string, Record<string, number>> = {};
    for (const [k, m] of this.table) offsetTable[k] = Object.fromEntries(m);
    return JSON.stringify({ offsetTable }, null, 2);
  }
}
