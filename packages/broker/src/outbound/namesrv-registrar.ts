import type { Logger } from '@rocketmq-ts/common';
import {
  bodyCrc,
  createRequest,
  type DataVersion,
  encodeRegisterBrokerBody,
  MQVersion,
  RegisterBrokerRequestHeader,
  RegisterBrokerResponseHeader,
  RequestCode,
  ResponseCode,
  type TopicConfig,
  UnRegisterBrokerRequestHeader,
} from '@rocketmq-ts/protocol';
import type { RemotingClient } from '@rocketmq-ts/remoting';
import type { BrokerIdentity, TopicView } from '../runtime/ports.js';

interface RegistrarOptions {
  identity: BrokerIdentity;
  /** `ip:haPort`; required by the header even without replication. */
  haServerAddr: string | (() => string);
  /** A slave learns its master from the answer (haServerAddr and masterAddr of the live id 0). */
  onRegistered?: (answer: { haServerAddr: string | undefined; masterAddr: string | undefined }) => void;
  namesrvAddrs: string[];
  /** Period of the full re-registration (registerNameServerPeriod). */
  periodMs: number;
  timeoutMs: number;
  /** NameServer-side expiry of this broker (brokerNotActiveTimeoutMillis). */
  heartbeatTimeoutMs: number;
  /** Topic table and its version, read at every registration. */
  topics(): Iterable<TopicView>;
  dataVersion(): DataVersion;
  /** Effective broker permission (applied to every topic's perm, as Java does when not writable). */
  brokerPermission(): number;
  client: Pick<RemotingClient, 'invoke'>;
  logger: Logger;
}

/**
 * REGISTER_BROKER to every NameServer: at start, every `registerNameServerPeriod`, and when
 * topics change; UNREGISTER_BROKER at shutdown. Requests are coalesced: a registration asked
 * for while one is running causes exactly one more, which carries the latest topic table, and
 * the caller's promise resolves once that one is done (so "topic created" can mean "routable").
 * Failures are logged, never thrown: the next period retries.
 */
export class NamesrvRegistrar {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private started = false;

  constructor(private readonly opts: RegistrarOptions) {}

  start(): Promise<void> {
    this.started = true;
    this.timer = setInterval(() => void this.registerAll(), this.opts.periodMs);
    this.timer.unref();
    return this.registerAll();
  }

  /**
   * A topic changed: registers now once started. Before start() it does nothing: topics
   * created while the broker starts (system topics) must not make it routable before it serves.
   */
  topicsChanged(): Promise<void> {
    return this.started ? this.registerAll() : Promise.resolve();
  }

  registerAll(): Promise<void> {
    if (this.stopped || this.opts.namesrvAddrs.length === 0) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await this.registerOnce();
      } while (this.again && !this.stopped);
    })().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.stopped = true;
    await this.running?.catch(() => undefined);
    const { identity, client, namesrvAddrs, timeoutMs, logger } = this.opts;
    const ext = UnRegisterBrokerRequestHeader.encode({
      brokerName: identity.brokerName,
      brokerAddr: identity.brokerAddr,
      clusterName: identity.clusterName,
      brokerId: identity.brokerId,
    });
    await Promise.all(
      namesrvAddrs.map(async (addr) => {
        try {
          await client.invoke(addr, createRequest(RequestCode.UNREGISTER_BROKER, { ...ext }), timeoutMs);
          logger.info({ namesrv: addr }, 'unregistered from NameServer');
        } catch (err) {
          logger.warn({ err, namesrv: addr }, 'unregister from NameServer failed');
        }
      }),
    );
  }

  private async registerOnce(): Promise<void> {
    const { identity, client, namesrvAddrs, timeoutMs, logger } = this.opts;
    const brokerPerm = this.opts.brokerPermission();
    const table = new Map<string, TopicConfig>();
    for (const t of this.opts.topics()) {
      // A broker that is not writable/readable advertises every topic that way (Java does the same).
      table.set(t.topicName, { ...t, perm: t.perm & (brokerPerm | ~6) });
    }
    const body = encodeRegisterBrokerBody(
      {
        topicConfigSerializeWrapper: { topicConfigTable: table, dataVersion: this.opts.dataVersion() },
        filterServerList: [],
      },
      { compressed: false, version: MQVersion.V5_3_3 },
    );
    const ext = RegisterBrokerRequestHeader.encode({
      brokerName: identity.brokerName,
      brokerAddr: identity.brokerAddr,
      clusterName: identity.clusterName,
      haServerAddr: typeof this.opts.haServerAddr === 'string' ? this.opts.haServerAddr : this.opts.haServerAddr(),
      brokerId: identity.brokerId,
      heartbeatTimeoutMillis: this.opts.heartbeatTimeoutMs,
      enableActingMaster: false,
      compressed: false,
      bodyCrc32: bodyCrc(body),
    });
    await Promise.all(
      namesrvAddrs.map(async (addr) => {
        try {
          const res = await client.invoke(
            addr,
            createRequest(RequestCode.REGISTER_BROKER, { ...ext }, body),
            timeoutMs,
          );
          if (res.code !== ResponseCode.SUCCESS) {
            logger.warn({ namesrv: addr, code: res.code, remark: res.remark }, 'NameServer refused registration');
          } else {
            logger.debug({ namesrv: addr, topics: table.size }, 'registered with NameServer');
            const h = RegisterBrokerResponseHeader.decode(res.extFields ?? {});
            if (h.ok) this.opts.onRegistered?.({ haServerAddr: h.value.haServerAddr, masterAddr: h.value.masterAddr });
          }
        } catch (err) {
          logger.warn({ err, namesrv: addr }, 'register with NameServer failed');
        }
      }),
    );
  }
}
