import { createRequest, encodeHeartbeat, MASTER_ID, RequestCode } from '@rocketmq-ts/protocol';
import { Code, status, statusOfError } from '../grpc/codes.js';
import type { HeartbeatRequest, NotifyClientTerminationRequest, StatusOnly, TelemetryCommand } from '../grpc/types.js';
import type { TelemetryChannel } from './client-sessions.js';
import type { CallContext, ProxyDeps } from './proxy-deps.js';

// Heartbeat, NotifyClientTermination and Telemetry (the Java proxy's ClientActivity): a
// client's Settings arrive on its Telemetry stream and are answered there at once (clients
// block their start-up on that answer), and the stream is kept to push commands back.

/** How long after a client's last QueryRoute its Settings are sent again (see routeQueried). */
const SETTINGS_RESEND_DELAY_MS = 100;

export class ClientService {
  private readonly knownGroups = new Set<string>();
  private readonly resends = new Map<string, NodeJS.Timeout>();
  private heartbeating: Promise<void> | undefined;

  constructor(private readonly deps: ProxyDeps) {}

  async heartbeat(_req: HeartbeatRequest, ctx: CallContext): Promise<StatusOnly> {
    const session = this.deps.sessions.get(ctx.clientId);
    if (!session) {
      return { status: status(Code.UNRECOGNIZED_CLIENT_TYPE, 'client settings not received: open Telemetry first') };
    }
    this.deps.sessions.touch(ctx.clientId);
    const groups = this.deps.sessions.producerGroups();
    if ([...groups].some((g) => !this.knownGroups.has(g))) await this.heartbeatBrokers();
    return { status: status(Code.OK) };
  }

  async notifyClientTermination(_req: NotifyClientTerminationRequest, ctx: CallContext): Promise<StatusOnly> {
    const s = this.deps.sessions.remove(ctx.clientId);
    if (!s) return { status: status(Code.UNRECOGNIZED_CLIENT_TYPE, 'unknown client') };
    return { status: status(Code.OK) };
  }

  /** One Telemetry command from a client; answers go to `channel`. */
  async telemetry(cmd: TelemetryCommand, ctx: CallContext, channel: TelemetryChannel): Promise<void> {
    if (cmd.settings) {
      const settings = cmd.settings;
      if (!settings.publishing && !settings.subscription) {
        throw new Error('settings carry neither publishing nor subscription');
      }
      const groupName = settings.subscription?.group?.name;
      const group = groupName ? await this.deps.metadata.group(groupName).catch(() => undefined) : undefined;
      const merged = this.deps.sessions.update(ctx.clientId, settings, channel, group);
      channel.write({ status: status(Code.OK), settings: merged });
      if (settings.publishing) void this.heartbeatBrokers();
      return;
    }
    // ThreadStackTrace and VerifyMessageResult answer commands this proxy only sends on an
    // admin's request; their content is logged.
    if (cmd.threadStackTrace || cmd.verifyMessageResult) {
      this.deps.logger.debug({ clientId: ctx.clientId, status: cmd.status }, 'telemetry answer from client');
    }
    this.deps.sessions.touch(ctx.clientId);
  }

  /**
   * A client with a session asked for another route. The Node client (1.0.8) fetches the routes
   * of all its topics one after another, sends its Settings after the first, and only then
   * starts waiting for the answer: an answer that arrives while it is still fetching routes is
   * lost and its start-up waits forever. So the Settings go out once more shortly after the
   * client's last QueryRoute, when it is waiting; a client that already has them just applies
   * them again.
   */
  routeQueried(ctx: CallContext): void {
    const session = this.deps.sessions.get(ctx.clientId);
    if (!session || session.channels.size === 0) return;
    clearTimeout(this.resends.get(ctx.clientId));
    const timer = setTimeout(() => {
      this.resends.delete(ctx.clientId);
      for (const ch of session.channels)
        if (!ch.closed) ch.write({ status: status(Code.OK), settings: session.settings });
    }, SETTINGS_RESEND_DELAY_MS);
    timer.unref();
    this.resends.set(ctx.clientId, timer);
  }

  /**
   * HEART_BEAT with every producer group (= topic) of the proxy's producers to every master
   * of those topics, so a broker's transaction check finds a channel back to this proxy.
   */
  heartbeatBrokers(): Promise<void> {
    this.heartbeating ??= this.doHeartbeat().finally(() => {
      this.heartbeating = undefined;
    });
    return this.heartbeating;
  }

  private async doHeartbeat(): Promise<void> {
    const groups = this.deps.sessions.producerGroups();
    if (groups.size === 0) return;
    const addrs = new Set<string>();
    for (const topic of groups) {
      try {
        const route = await this.deps.routes.route(topic);
        for (const b of route.brokerDatas) {
          const addr = b.brokerAddrs.get(MASTER_ID);
          if (addr !== undefined) addrs.add(addr);
        }
      } catch {
        // A topic without a route has no broker to check it.
      }
    }
    const body = encodeHeartbeat({
      clientID: `proxy@${process.pid}`,
      producerDataSet: [...groups].map((groupName) => ({ groupName })),
      consumerDataSet: [],
    });
    await Promise.all(
      [...addrs].map((addr) =>
        this.deps.transport
          .invoke(
            addr,
            createRequest(RequestCode.HEART_BEAT, undefined, body),
            this.deps.config.brokerRequestTimeoutMillis,
          )
          .catch((err: unknown) => this.deps.logger.warn({ err, addr }, 'heartbeat to broker failed')),
      ),
    );
    for (const g of groups) this.knownGroups.add(g);
  }

  statusOf(e: unknown): StatusOnly {
    return { status: statusOfError(e) };
  }
}
