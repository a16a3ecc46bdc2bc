// A server process of bench/proxy/proxy-bench.mjs, reporting its CPU time over IPC:
//   node server.mjs local <dataDir>        NameServer + broker + Local-mode proxy (`rocketmq-ts start`'s startLocalCluster)
//   node server.mjs cluster <namesrvAddr>  a Cluster-mode proxy (`mqproxy`'s startClusterProxy)
// PROXY_BENCH_SERVER=http2|grpc-js: the proxies' gRPC server (grpcServerImplementation).
const [mode, arg] = process.argv.slice(2);
const grpcServerImplementation = process.env.PROXY_BENCH_SERVER ?? 'http2';
const silentLogger = { info() {}, warn() {}, error() {}, debug() {}, trace() {}, child: () => silentLogger };
let stop;
if (mode === 'local') {
  const { startLocalCluster } = await import('rocketmq-ts');
  const c = await startLocalCluster({
    dataDir: arg,
    namesrvPort: 0,
    brokerPort: 0,
    metricsPort: 0,
    host: '127.0.0.1',
    proxyPort: 0,
    proxyConfig: { grpcServerImplementation },
  });
  stop = () => c.shutdown();
  process.send({ namesrv: c.namesrvAddr, broker: c.brokerAddr, grpc: `127.0.0.1:${c.proxy.port}` });
} else {
  const { startClusterProxy } = await import('@rocketmq-ts/proxy');
  const p = await startClusterProxy({
    config: { namesrvAddr: arg, grpcServerHost: '127.0.0.1', grpcServerPort: 0, grpcServerImplementation },
  });
  // The floors: one unary method (Heartbeat) that answers at once, served by each gRPC server
  // implementation of the proxy with the same handler API, to tell the server's own cost per
  // call from the proxy's work.
  const { listenGrpcJs, listenHttp2, codec } = await import('@rocketmq-ts/proxy');
  const answer = codec('HeartbeatResponse').decode(codec('HeartbeatResponse').encode({ status: { code: 20000 } }));
  const handlers = { unary: { Heartbeat: () => Promise.resolve(answer.value) }, serverStream: {}, bidi: {} };
  const opts = { host: '127.0.0.1', port: 0, maxReceiveBytes: 4 << 20, logger: silentLogger };
  const floors = { http2: await listenHttp2(handlers, opts), 'grpc-js': await listenGrpcJs(handlers, opts) };
  stop = async () => {
    await Promise.all(Object.values(floors).map((f) => f.shutdown()));
    await p.shutdown();
  };
  process.send({
    grpc: `127.0.0.1:${p.port}`,
    floors: Object.fromEntries(Object.entries(floors).map(([k, f]) => [k, `127.0.0.1:${f.port}`])),
  });
}
let last = process.cpuUsage();
process.on('message', async (m) => {
  if (m === 'cpu') {
    const u = process.cpuUsage(last);
    last = process.cpuUsage();
    process.send({ cpuMs: (u.user + u.system) / 1000 });
  } else if (m === 'stop') {
    await stop();
    process.exit(0);
  }
});
