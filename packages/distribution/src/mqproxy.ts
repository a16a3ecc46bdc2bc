// `mqproxy [-n namesrv] [-pc rmq-proxy.json] [-pm cluster|local] [-bc broker.conf]`: the gRPC
// proxy process. Cluster mode (default) routes to brokers found through the NameServers; Local
// mode also starts a broker from broker.conf in this process and calls it directly.
import { readFile } from 'node:fs/promises';
import { loadBrokerConfigFile, startBroker } from '@rocketmq-ts/broker';
import { shutdownOnSignals } from '@rocketmq-ts/common';
import { createLogger } from '@rocketmq-ts/common/pino-logger';
import { type ProxyConfig, resolveProxyConfig, startClusterProxy, startLocalProxy } from '@rocketmq-ts/proxy';

const USAGE = `usage: mqproxy [-n namesrvAddr] [-pc rmq-proxy.json] [-pm cluster|local] [-bc broker.conf]
  -n   NameServer list 'ip:port;ip:port' (default: rmq-proxy.json, else $NAMESRV_ADDR, else 127.0.0.1:9876)
  -pc  proxy config file (JSON, RocketMQ's keys: grpcServerPort, namesrvAddr, rocketMQClusterName, ...)
  -pm  proxy mode: cluster (default) or local (a broker from -bc runs in this process)
  -bc  broker.conf for local mode
  -h   help`;

/** RocketMQ's two-letter flags (-pc, -pm, -bc) are not POSIX short options: read them by hand. */
function parse(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-h' || a === '--help') out.h = 'true';
    else if (/^--?(n|pc|pm|bc|namesrvAddr|proxyConfigPath|proxyMode|brokerConfigPath)$/.test(a)) {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      out[a.replace(/^--?/, '')] = v;
    } else throw new Error(`unknown option ${a}\n${USAGE}`);
  }
  return out;
}

async function main(): Promise<void> {
  const args = parse(process.argv.slice(2));
  if (args.h) {
    console.log(USAGE);
    return;
  }
  const file = args.pc ?? args.proxyConfigPath;
  const json = file ? (JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>) : {};
  const overrides: Partial<ProxyConfig> = {};
  const ns = args.n ?? args.namesrvAddr ?? (json.namesrvAddr === undefined ? process.env.NAMESRV_ADDR : undefined);
  if (ns) overrides.namesrvAddr = ns;
  const mode = args.pm ?? args.proxyMode;
  if (mode) overrides.proxyMode = mode.toUpperCase() as ProxyConfig['proxyMode'];
  const { config, unknown } = resolveProxyConfig(json, overrides);
  const logger = createLogger('proxy', (process.env.ROCKETMQ_LOG_LEVEL as 'info' | undefined) ?? 'info');
  if (unknown.length > 0) logger.warn({ keys: unknown }, 'unknown rmq-proxy.json keys ignored');
  if (config.proxyMode === 'LOCAL') {
    const { config: bc } = await loadBrokerConfigFile(args.bc ?? args.brokerConfigPath, {
      namesrvAddr: config.namesrvAddr,
    });
    const broker = await startBroker({ config: bc, logger: logger.child({ role: 'broker' }) });
    const proxy = await startLocalProxy(broker, { config, logger });
    console.log(`The broker[${bc.brokerName}, ${broker.brokerAddr}] boot success. name server is ${bc.namesrvAddr}`);
    console.log(`The proxy (LOCAL, broker ${broker.brokerAddr}) boot success, gRPC port ${proxy.port}`);
    shutdownOnSignals(async () => {
      await proxy.shutdown();
      await broker.shutdown();
    }, logger);
    return;
  }
  const proxy = await startClusterProxy({ config, logger });
  console.log(`The proxy (CLUSTER, name server ${config.namesrvAddr}) boot success, gRPC port ${proxy.port}`);
  shutdownOnSignals(() => proxy.shutdown(), logger);
}

main().catch((err: unknown) => {
  console.error(`mqproxy: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
