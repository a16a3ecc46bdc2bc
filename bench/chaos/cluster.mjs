// The system under test: a NameServer (with the embedded controller in controller mode), broker
// groups of `replicas` brokers, optionally three standalone controllers on a three-member etcd,
// and the TCP proxies the fault injectors cut:
//
//   HA link       broker i advertises brokerIP2=127.0.2.(i+1) with its own haListenPort; its HA
//                 server binds 127.0.0.1 and a proxy on 127.0.2.(i+1):port forwards to it, so
//                 every slave replicating from broker i goes through that proxy.
//   controllers   controller j is named n<j>-127.0.4.(j+1):port in controllerDLegerPeers and
//                 binds 127.0.0.1 (controllerBindAddress); a proxy on the advertised address
//                 forwards to it, so every broker (and a forwarding follower) reaches it through
//                 the proxy, the leader address it learns included.
//   clients       one proxy per broker on 127.0.0.1; the harness's clients map each broker
//                 address to its proxy in their transport (ProducerOptions.transportFactory).
//
// Ports are fixed at start (free on 127.0.0.1 and on the alias), so a restarted broker keeps
// its address. Linux routes all of 127.0.0.0/8 to the loopback interface.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort, Proc } from './procs.mjs';
import { TcpProxy } from './tcp-proxy.mjs';

const LOCAL = '127.0.0.1';
const haHost = (i) => `127.0.2.${i + 1}`;
const controllerHost = (j) => `127.0.4.${j + 1}`;

const props = (o) =>
  `${Object.entries(o)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n')}\n`;

/**
 * @param {{ root: string, dir: string, mode: 'classic'|'controller', groups: number, replicas: number,
 *   etcd: boolean, lib: any, log: (s: string) => void }} o
 */
export async function startCluster(o) {
  const bin = (n) => join(o.root, 'packages/distribution/bin', `${n}.js`);
  const logDir = join(o.dir, 'logs');
  await mkdir(logDir, { recursive: true });
  const cluster = {
    clusterName: 'ChaosCluster',
    namesrv: undefined,
    namesrvAddr: '',
    controllers: [],
    etcd: undefined,
    brokers: [],
    groups: [],
    proxies: [],
    clientProxyOf: new Map(),
  };
  const controllerMode = o.mode === 'controller';
  const tuneController = {
    scanNotActiveBrokerInterval: 1000,
    scanInactiveMasterInterval: 1000,
  };

  // Controllers: embedded in the NameServer (one), or three standalone ones on etcd.
  const nControllers = controllerMode ? (o.etcd ? 3 : 1) : 0;
  for (let j = 0; j < nControllers; j++) {
    const port = await freePort([LOCAL, controllerHost(j)]);
    const proxy = await new TcpProxy({
      name: `controller-${j}`,
      listenHost: controllerHost(j),
      listenPort: port,
      targetHost: LOCAL,
      targetPort: port,
    }).start();
    cluster.proxies.push(proxy);
    cluster.controllers.push({ index: j, id: `n${j}`, port, addr: proxy.address, proxy, proc: undefined });
  }
  const peers = cluster.controllers.map((c) => `${c.id}-${c.addr}`).join(';');

  if (o.etcd) {
    cluster.etcd = await o.lib.testkit.startEtcd(3);
    o.log(`etcd: ${cluster.etcd.endpoints.join(', ')}`);
    for (const c of cluster.controllers) {
      const conf = join(o.dir, `controller-${c.index}.conf`);
      await writeFile(
        conf,
        props({
          controllerType: 'etcd',
          controllerDLegerGroup: 'chaos',
          controllerDLegerPeers: peers,
          controllerDLegerSelfId: c.id,
          controllerBindAddress: LOCAL,
          controllerStorePath: join(o.dir, `controller-${c.index}`),
          etcdEndpoints: cluster.etcd.endpoints.join(','),
          etcdKeyPrefix: '/rocketmq-ts/chaos',
          etcdLeaseTtlSeconds: 3,
          ...tuneController,
        }),
      );
      c.proc = new Proc({
        name: `controller-${c.index}`,
        bin: bin('mqcontroller'),
        args: ['-c', conf],
        ready: /The Controller boot success/,
        logDir,
      });
    }
    await Promise.all(cluster.controllers.map((c) => c.proc.start()));
  }

  // NameServer: fixed port so that a restart (controller leader loss) keeps the address.
  const nsPort = await freePort();
  const nsConf = join(o.dir, 'namesrv.properties');
  const embedded = controllerMode && !o.etcd;
  await writeFile(
    nsConf,
    props({
      listenPort: nsPort,
      bindAddress: LOCAL,
      ...(embedded
        ? {
            enableControllerInNamesrv: true,
            controllerDLegerGroup: 'chaos',
            controllerDLegerPeers: peers,
            controllerDLegerSelfId: 'n0',
            controllerBindAddress: LOCAL,
            controllerStorePath: join(o.dir, 'controller'),
            ...tuneController,
          }
        : {}),
    }),
  );
  cluster.namesrv = new Proc({
    name: 'namesrv',
    bin: bin('mqnamesrv'),
    args: ['-c', nsConf],
    ready: embedded ? /The Controller boot success/ : /Name Server boot success/,
    logDir,
  });
  await cluster.namesrv.start();
  cluster.namesrvAddr = `${LOCAL}:${nsPort}`;
  if (embedded) cluster.controllers[0].proc = cluster.namesrv;

  // Brokers.
  for (let g = 0; g < o.groups; g++) {
    const brokerName = `chaos-${String.fromCharCode(97 + g)}`;
    const group = { brokerName, brokers: [] };
    cluster.groups.push(group);
    for (let r = 0; r < o.replicas; r++) {
      const i = cluster.brokers.length;
      const port = await freePort();
      const haPort = await freePort([LOCAL, haHost(i)]);
      const haProxy = await new TcpProxy({
        name: `ha-${brokerName}-${r}`,
        listenHost: haHost(i),
        listenPort: haPort,
        targetHost: LOCAL,
        targetPort: haPort,
      }).start();
      const clientProxy = await new TcpProxy({
        name: `client-${brokerName}-${r}`,
        listenHost: LOCAL,
        listenPort: await freePort(),
        targetHost: LOCAL,
        targetPort: port,
      }).start();
      cluster.proxies.push(haProxy, clientProxy);
      const addr = `${LOCAL}:${port}`;
      cluster.clientProxyOf.set(addr, clientProxy.address);
      const storeDir = join(o.dir, `${brokerName}-${r}`);
      await mkdir(storeDir, { recursive: true });
      const common = {
        brokerClusterName: cluster.clusterName,
        brokerName,
        namesrvAddr: cluster.namesrvAddr,
        listenPort: port,
        haListenPort: haPort,
        listenHost: LOCAL,
        brokerIP1: LOCAL,
        brokerIP2: haHost(i),
        fastRemotingEnable: false,
        storePathRootDir: join(storeDir, 'store'),
        mappedFileSizeCommitLog: 16 * 1024 * 1024,
        registerNameServerPeriod: 2000,
        slaveSyncInterval: 1000,
        haReconnectInterval: 500,
        autoCreateTopicEnable: false,
      };
      const role = controllerMode
        ? {
            brokerRole: 'SLAVE',
            brokerId: -1,
            enableControllerMode: true,
            controllerAddr: cluster.controllers.map((c) => c.addr).join(';'),
            allAckInSyncStateSet: true,
            controllerHeartBeatTimeoutMills: 3000,
            brokerHeartbeatInterval: 500,
            syncBrokerMetadataPeriod: 1000,
            checkSyncStateSetPeriod: 1000,
            haMaxTimeSlaveNotCatchup: 5000,
          }
        : { brokerRole: r === 0 ? 'SYNC_MASTER' : 'SLAVE', brokerId: r };
      const conf = join(storeDir, 'broker.conf');
      await writeFile(conf, props({ ...common, ...role }));
      const broker = {
        index: i,
        name: `${brokerName}-${r}`,
        brokerName,
        replica: r,
        addr,
        haProxy,
        clientProxy,
        proc: new Proc({
          name: `${brokerName}-${r}`,
          bin: bin('mqbroker'),
          args: ['-c', conf],
          ready: /The broker\[[^,]+, (\S+:\d+)\] boot success/,
          logDir,
        }),
      };
      cluster.brokers.push(broker);
      group.brokers.push(broker);
    }
  }
  return cluster;
}

/**
 * Starts the brokers: in controller mode the first replica of each group first ("first caller
 * wins" the first election), the others once it is master.
 */
export async function startBrokers(cluster, admin, log) {
  const first = cluster.groups.map((g) => g.brokers[0]);
  await Promise.all(first.map((b) => b.proc.start()));
  await waitMasters(cluster, admin, 60_000, first);
  const rest = cluster.brokers.filter((b) => b.replica > 0);
  await Promise.all(rest.map((b) => b.proc.start()));
  log(`brokers up: ${cluster.brokers.map((b) => `${b.name}@${b.addr}`).join(', ')}`);
}

/** Current master of every group per the NameServer (brokerName → broker), undefined if none. */
export async function mastersByRoute(cluster, admin) {
  const info = await admin.clusterInfo();
  const out = new Map();
  for (const g of cluster.groups) {
    const addr = info.brokerAddrTable.get(g.brokerName)?.brokerAddrs.get(0);
    out.set(
      g.brokerName,
      g.brokers.find((b) => b.addr === addr),
    );
  }
  return out;
}

/** Waits until every group has a master (optionally: one of `expected`). */
export async function waitMasters(cluster, admin, timeoutMs, expected) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const m = await mastersByRoute(cluster, admin);
      const all = [...m.values()].every((b) => b?.proc.alive && (!expected || expected.includes(b)));
      if (all) return m;
    } catch {
      // NameServer not answering yet
    }
    if (Date.now() > deadline) throw new Error('not every broker group has a master');
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function stopCluster(cluster) {
  for (const p of cluster.proxies) p.heal();
  const procs = [...cluster.brokers.map((b) => b.proc), ...cluster.controllers.map((c) => c.proc), cluster.namesrv];
  const unique = [...new Set(procs.filter(Boolean))];
  await Promise.all(unique.map((p) => p.terminate()));
  await Promise.all(unique.map((p) => p.close()));
  await Promise.all(cluster.proxies.map((p) => p.close()));
  await cluster.etcd?.stop();
}
