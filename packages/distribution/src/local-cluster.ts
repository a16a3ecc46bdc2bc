import { join, resolve } from 'node:path';
import { type Broker, type BrokerConfig, resolveBrokerConfig, startBroker } from '@rocketmq-ts/broker';
import { type Logger, readPropertiesFile, silentLogger } from '@rocketmq-ts/common';
import { type Dashboard, startDashboard } from '@rocketmq-ts/dashboard';
import { NamesrvController } from '@rocketmq-ts/namesrv';
import { type GrpcProxy, type ProxyConfig, startLocalProxy } from '@rocketmq-ts/proxy';

// NameServer + broker in one process: the `rocketmq-ts start` command and the fixture that
// cross-package tests start on port 0.

export interface LocalClusterOptions {
  /**
   * storePathRootDir of the broker (default: broker.conf's, else ./data) and home of the
   * NameServer's kvConfig.json (default ./data).
   */
  dataDir?: string;
  /** Default 9876; 0 = any free port. */
  namesrvPort?: number;
  /** Default: broker.conf's listenPort, else 10911; 0 = any free port. */
  brokerPort?: number;
  /** Bind address of both listeners. Default 0.0.0.0. */
  host?: string;
  /** Default: broker.conf's, else ASYNC_FLUSH. */
  flushDiskType?: 'SYNC_FLUSH' | 'ASYNC_FLUSH';
  /** broker.conf to overlay; options given explicitly win over it. */
  configFile?: string;
  /** Extra broker settings (tests); win over the file and the flags. */
  brokerConfig?: Partial<BrokerConfig>;
  /**
   * metricsPromExporterPort (metrics are PROM on 127.0.0.1 unless broker.conf says otherwise).
   * Default: broker.conf's, else 5557, or any free port when brokerPort is 0.
   */
  metricsPort?: number;
  /** Start the dashboard on this port (0 = any free port); no dashboard when omitted. */
  dashboardPort?: number;
  /** Dashboard bind address (default 127.0.0.1) and its token for mutating calls. */
  dashboardHost?: string;
  dashboardToken?: string;
  /** How often the dashboard samples throughput and lag (default 5000 ms). */
  dashboardSampleIntervalMs?: number;
  /** When the dashboard's port is taken: false = warn and run without it (default: fail). */
  dashboardRequired?: boolean;
  /** Port of the Local-mode gRPC proxy (`rocketmq-ts start` passes 8081); 0 = any free port; absent or false = no proxy. */
  proxyPort?: number | false;
  /** When the proxy's port is taken: false = warn and run without it (default: fail). */
  proxyRequired?: boolean;
  /** Extra proxy settings (rmq-proxy.json keys). */
  proxyConfig?: Partial<ProxyConfig>;
  logger?: Logger;
}

export interface LocalCluster {
  /** `ip:port` clients use for the NameServer. */
  namesrvAddr: string;
  /** Advertised broker address. */
  brokerAddr: string;
  namesrvPort: number;
  brokerPort: number;
  /** Effective storePathRootDir and flushDiskType of the broker. */
  dataDir: string;
  flushDiskType: string;
  broker: Broker;
  namesrv: NamesrvController;
  /** Present when started with dashboardPort. */
  dashboard?: Dashboard;
  /** The Local-mode gRPC proxy, unless disabled. */
  proxy: GrpcProxy | undefined;
  shutdown(): Promise<void>;
}

const isWildcard = (host: string): boolean => host === '0.0.0.0' || host === '::' || host === '';

/**
 * Starts a NameServer and a broker (cluster DefaultCluster, broker broker-a) registered with
 * it. The broker reaches the NameServer over loopback when bound to every interface, and then
 * advertises 127.0.0.1 (see the broker's advertised-address rules) unless broker.conf sets
 * brokerIP1; bound to one address, both use that address.
 */
export async function startLocalCluster(options: LocalClusterOptions = {}): Promise<LocalCluster> {
  const logger = options.logger ?? silentLogger;
  const host = options.host ?? '0.0.0.0';
  const dataDir = resolve(options.dataDir ?? './data');
  const namesrv = new NamesrvController(
    {
      listenPort: options.namesrvPort ?? 9876,
      bindAddress: host,
      kvConfigPath: join(dataDir, 'namesrv', 'kvConfig.json'),
    },
    { logger: logger.child({ role: 'namesrv' }) },
  );
  await namesrv.start();
  try {
    const nsHost = isWildcard(host) ? '127.0.0.1' : host;
    const namesrvAddr = `${nsHost}:${namesrv.port}`;
    const fileProps = options.configFile ? await readPropertiesFile(options.configFile) : new Map<string, string>();
    // Precedence: explicit options > broker.conf > the launcher's defaults.
    const flags: Partial<BrokerConfig> = { namesrvAddr, listenHost: host };
    const pick = <K extends keyof BrokerConfig>(
      key: K,
      explicit: BrokerConfig[K] | undefined,
      fallback: BrokerConfig[K],
    ) => {
      if (explicit !== undefined) flags[key] = explicit;
      else if (!fileProps.has(key)) flags[key] = fallback;
    };
    pick('brokerClusterName', undefined, 'DefaultCluster');
    pick('brokerName', undefined, 'broker-a');
    pick('listenPort', options.brokerPort, 10911);
    pick('storePathRootDir', options.dataDir === undefined ? undefined : dataDir, dataDir);
    pick('flushDiskType', options.flushDiskType, 'ASYNC_FLUSH');
    pick('metricsExporterType', undefined, 'PROM');
    pick('metricsPromExporterHost', undefined, '127.0.0.1');
    pick('metricsPromExporterPort', options.metricsPort, options.brokerPort === 0 ? 0 : 5557);
    if (!isWildcard(host) && !fileProps.has('brokerIP1')) flags.brokerIP1 = host;
    const { config, unknown } = resolveBrokerConfig(fileProps, { ...flags, ...options.brokerConfig });
    if (unknown.length > 0) logger.warn({ keys: unknown }, 'unknown broker.conf keys ignored');
    const broker = await startBroker({ config, logger: logger.child({ role: 'broker' }) });
    const proxy =
      options.proxyPort === undefined || options.proxyPort === false
        ? undefined
        : await startLocalProxy(broker, {
            config: { grpcServerPort: options.proxyPort, grpcServerHost: host, namesrvAddr, ...options.proxyConfig },
            logger: logger.child({ role: 'proxy' }),
          }).catch(async (e: unknown) => {
            // The default port taken (two `rocketmq-ts start` on one host): remoting clients
            // still work, so run without the proxy, as with the dashboard.
            if (options.proxyRequired === false && (e as NodeJS.ErrnoException).code === 'EADDRINUSE') {
              logger.warn({ port: options.proxyPort }, 'gRPC proxy port in use: running without the proxy');
              return undefined;
            }
            await broker.shutdown();
            throw e;
          });
    broker.components.metrics?.proxyUp(proxy === undefined ? undefined : 'LOCAL');
    const dashboard =
      options.dashboardPort === undefined
        ? undefined
        : await startDashboard({
            namesrvAddr,
            port: options.dashboardPort,
            host: options.dashboardHost,
            token: options.dashboardToken,
            sampleIntervalMs: options.dashboardSampleIntervalMs,
            logger: logger.child({ role: 'dashboard' }),
          }).catch(async (e: unknown) => {
            if (options.dashboardRequired === false && (e as NodeJS.ErrnoException).code === 'EADDRINUSE') {
              logger.warn({ port: options.dashboardPort }, 'dashboard port in use: running without the dashboard');
              return undefined;
            }
            await proxy?.shutdown();
            await broker.shutdown();
            throw e;
          });
    let stopped: Promise<void> | undefined;
    return {
      namesrvAddr,
      brokerAddr: broker.brokerAddr,
      namesrvPort: namesrv.port,
      brokerPort: broker.port,
      dataDir: config.storePathRootDir,
      flushDiskType: config.flushDiskType,
      broker,
      namesrv,
      dashboard,
      proxy,
      shutdown() {
        stopped ??= (async () => {
          await dashboard?.close();
          await proxy?.shutdown();
          await broker.shutdown();
          await namesrv.shutdown();
        })();
        return stopped;
      },
    };
  } catch (e) {
    await namesrv.shutdown();
    throw e;
  }
}
