// A server process of bench/proxy/proxy-bench.mjs, reporting its CPU time over IPC:
//   node server.mjs local <dataDir>        NameServer + broker + Local-mode proxy (`rocketmq-ts start`'s startLocalCluster)
//   node server.mjs cluster <namesrvAddr>  a Cluster-mode proxy (`mqproxy`'s startClusterProxy)
const [mode, arg] = process.argv.slice(2);
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
  });
  stop = () => c.shutdown();
  process.send({ namesrv: c.namesrvAddr, broker: c.brokerAddr, grpc: `127.0.0.1:${c.proxy.port}` });
} else {
  const { startClusterProxy } = await import('@rocketmq-ts/proxy');
  const p = await startClusterProxy({
    config: { namesrvAddr: arg, grpcServerHost: '127.0.0.1', grpcServerPort: 0 },
  });
  // The floor: a grpc-js server in this process whose one unary method answers at once (the same
  // server options as the proxy's listener), to tell grpc-js's own cost per call from the proxy's.
  const grpc = await import('@grpc/grpc-js');
  const echo = new grpc.Server({ 'grpc.enable_channelz': 0 });
  const raw = (b) => b;
  const answer = Buffer.alloc(64, 1);
  echo.addService(
    {
      Echo: {
        path: '/bench.Floor/Echo',
        requestStream: false,
        responseStream: false,
        requestSerialize: raw,
        requestDeserialize: raw,
        responseSerialize: raw,
        responseDeserialize: raw,
      },
    },
    { Echo: (_call, callback) => callback(null, answer) },
  );
  const echoPort = await new Promise((resolve, reject) =>
    echo.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, port) =>
      e ? reject(e) : resolve(port),
    ),
  );
  stop = async () => {
    echo.forceShutdown();
    await p.shutdown();
  };
  process.send({ grpc: `127.0.0.1:${p.port}`, echo: `127.0.0.1:${echoPort}` });
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
