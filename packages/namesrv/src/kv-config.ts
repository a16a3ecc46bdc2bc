import { type Logger, RocketMQError, StateFile, silentLogger } from '@rocketmq-ts/common';

// KV config (PUT/GET/DELETE_KV_CONFIG, GET_KVLIST_BY_NAMESPACE), persisted like Java's
// KVConfigManager to `kvConfigPath` as {"configTable":{namespace:{key:value}}}.
//
// Durability: the table is a StateFile (atomic replace), so a crash leaves either the old
// or the new table, never a torn one. A change's promise resolves once a write that includes
// it is on disk; changes arriving while a write is in flight are batched into the next one.

export const NAMESPACE_ORDER_TOPIC_CONFIG = 'ORDER_TOPIC_CONFIG';

export class KVConfigManager {
  private readonly table = new Map<string, Map<string, string>>();
  private readonly log: Logger;
  private gen = 0;
  private readonly file: StateFile;

  constructor(
    private readonly path: string,
    logger: Logger = silentLogger,
  ) {
    this.log = logger;
    this.file = new StateFile(path);
  }

  /** Changes on every put/delete (route bodies embed orderTopicConf, so they cache on it). */
  get generation(): number {
    return this.gen;
  }

  /** Reads the file if it exists. A file that is not a KV table fails the start. */
  async load(): Promise<void> {
    const text = await this.file.read();
    if (text === undefined) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      throw new RocketMQError(`kv config ${this.path} is not JSON`, { code: 1, cause: e });
    }
    const configTable = (parsed as { configTable?: unknown } | null)?.configTable ?? {};
    if (typeof configTable !== 'object' || configTable === null) {
      throw new RocketMQError(`kv config ${this.path} has no configTable object`, { code: 1 });
    }
    for (const [ns, kv] of Object.entries(configTable)) {
      if (typeof kv !== 'object' || kv === null) continue;
      const m = new Map<string, string>();
      for (const [k, v] of Object.entries(kv)) if (typeof v === 'string') m.set(k, v);
      this.table.set(ns, m);
    }
    this.gen++;
    this.log.info({ path: this.path, namespaces: this.table.size }, 'kv config loaded');
  }

  get(namespace: string, key: string): string | undefined {
    return this.table.get(namespace)?.get(key);
  }

  getNamespace(namespace: string): ReadonlyMap<string, string> | undefined {
    return this.table.get(namespace);
  }

  put(namespace: string, key: string, value: string): Promise<void> {
    let ns = this.table.get(namespace);
    if (!ns) {
      ns = new Map();
      this.table.set(namespace, ns);
    }
    const prev = ns.get(key);
    ns.set(key, value);
    this.gen++;
    this.log.info({ namespace, key, value, prev }, 'putKVConfig');
    return this.persist();
  }

  delete(namespace: string, key: string): Promise<void> {
    const ns = this.table.get(namespace);
    if (!ns?.delete(key)) return Promise.resolve();
    if (ns.size === 0) this.table.delete(namespace);
    this.gen++;
    this.log.info({ namespace, key }, 'deleteKVConfig');
    return this.persist();
  }

  /** Resolves when every change made so far is on disk. */
  flush(): Promise<void> {
    return this.file.idle();
  }

  private persist(): Promise<void> {
    return this.file.save(() => this.serialize());
  }

  private serialize(): string {
    // fromEntries defines own properties, so a namespace called __proto__ stays data.
    const configTable = Object.fromEntries([...this.table].map(([ns, kv]) => [ns, Object.fromEntries(kv)]));
    return JSON.stringify({ configTable });
  }
}
