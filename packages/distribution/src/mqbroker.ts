// `mqbroker [...] [--enable-proxy [-pc rmq-proxy.json]]`: the broker process. As in RocketMQ 5.x,
// `--enable-proxy` runs the gRPC proxy in the broker's process (Local mode): the arguments become
// mqproxy's `-pm local -bc <broker.conf>`. Without it, @rocketmq-ts/broker's own mqbroker runs
// unchanged. This is the composition root that joins the two: the broker package does not know
// the proxy.

const ENABLE = '--enable-proxy';

/** mqbroker's arguments with --enable-proxy → mqproxy's; throws on what the proxy cannot take. */
export function proxyArgsOf(argv: string[]): string[] {
  const out = ['-pm', 'local'];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === ENABLE) continue;
    if (a === '-h' || a === '--help') {
      out.push('-h');
      continue;
    }
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '-c' || a === '--configFile') out.push('-bc', value());
    else if (a === '-n' || a === '--namesrvAddr') out.push('-n', value());
    else if (a === '-pc' || a === '--proxyConfigPath') out.push('-pc', value());
    else throw new Error(`${a} is not supported with ${ENABLE} (use -n, -c and -pc)`);
  }
  return out;
}

const argv = process.argv.slice(2);
if (argv.includes(ENABLE)) {
  try {
    process.argv = [...process.argv.slice(0, 2), ...proxyArgsOf(argv)];
  } catch (err) {
    console.error(`mqbroker: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
  await import('./mqproxy.js');
} else {
  await import('@rocketmq-ts/broker/mqbroker');
}
