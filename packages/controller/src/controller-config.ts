import { homedir } from 'node:os';
import { join } from 'node:path';

// Controller configuration under RocketMQ's ControllerConfig key names, so a controller.conf
// written for RocketMQ works with `mqcontroller -c` (and the same keys in namesrv.properties
// with enableControllerInNamesrv=true). The consensus keys are read as follows:
//   controllerType         local (default; RocketMQ's "DLedger" with one peer means the same)
//                          or etcd (several controllers)
//   controllerDLegerPeers  "n0-host:port;n1-host:port;…": the remoting address of each
//                          controller; this one listens on the port of its own entry
//   controllerDLegerSelfId which entry is this controller
// "(accepted)" marks keys taken for compatibility that change nothing here.

export function defaultControllerConfig(env: { home?: string } = {}) {
  const home = env.home ?? homedir();
  return {
    rocketmqHome: '',
    configStorePath: join(home, 'controller', 'controller.properties'),
    controllerType: 'local',
    controllerDLegerGroup: 'DefaultControllerGroup',
    controllerDLegerPeers: 'n0-127.0.0.1:9878',
    controllerDLegerSelfId: 'n0',
    /** The local event log lives here (`events.log`). */
    controllerStorePath: join(home, 'DLedgerController'),
    /** Interface the remoting server binds; the advertised address is the own peer entry. */
    controllerBindAddress: '0.0.0.0',
    etcdEndpoints: 'http://127.0.0.1:2379',
    etcdKeyPrefix: '/rocketmq-ts/controller',
    /** TTL of the leader's lease: how long a dead leader keeps the role. */
    etcdLeaseTtlSeconds: 5,
    /** (accepted) */
    mappedFileSize: 1024 * 1024 * 1024,
    scanNotActiveBrokerInterval: 5000,
    scanInactiveMasterInterval: 5000,
    electMasterMaxRetryCount: 3,
    enableElectUncleanMaster: false,
    /** (accepted) reads on etcd are always linearizable; the local log is read in memory. */
    isProcessReadEvent: false,
    notifyBrokerRoleChanged: true,
    /** (accepted) there are no thread pools. */
    controllerThreadPoolNums: 16,
    controllerRequestThreadPoolQueueCapacity: 50000,
    configBlackList: 'configBlackList;configStorePath',
  };
}

export type ControllerConfig = ReturnType<typeof defaultControllerConfig>;

/** Keys an UPDATE_CONTROLLER_CONFIG may never touch (RocketMQ's fixed list plus configBlackList). */
export function configBlackList(config: ControllerConfig): Set<string> {
  return new Set([
    'configBlackList',
    'configStorePath',
    'rocketmqHome',
    ...config.configBlackList.split(';').filter(Boolean),
  ]);
}

export interface Peer {
  id: string;
  address: string;
}

/** Parses "n0-host:port;n1-host:port". */
export function parsePeers(text: string): Peer[] {
  const out: Peer[] = [];
  for (const part of text.split(';')) {
    const p = part.trim();
    if (!p) continue;
    const dash = p.indexOf('-');
    if (dash <= 0) throw new Error(`controllerDLegerPeers entry "${p}" is not id-host:port`);
    out.push({ id: p.slice(0, dash), address: p.slice(dash + 1) });
  }
  return out;
}

export function selfPeer(config: ControllerConfig): Peer {
  const self = parsePeers(config.controllerDLegerPeers).find((p) => p.id === config.controllerDLegerSelfId);
  if (!self) throw new Error(`controllerDLegerSelfId ${config.controllerDLegerSelfId} is not in controllerDLegerPeers`);
  return self;
}
