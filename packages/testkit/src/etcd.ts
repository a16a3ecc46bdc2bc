import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Starts Debian's etcd (package etcd-server, /usr/bin/etcd) for tests: free loopback ports, a
// fresh data dir, stopped (SIGKILL) and removed by stop(). Several members form one cluster.

export const ETCD_BIN = process.env.ETCD_BIN ?? '/usr/bin/etcd';

export const etcdAvailable = (): boolean => existsSync(ETCD_BIN);

/** A port that was free a moment ago (bind 0, read, close). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface EtcdMember {
  name: string;
  clientUrl: string;
  peerUrl: string;
  dataDir: string;
  process: ChildProcess | undefined;
  /** Starts (or restarts) this member with its data dir. */
  start(): void;
  /** kill -9. */
  kill(): void;
}

export interface EtcdCluster {
  members: EtcdMember[];
  /** Client URLs of all members. */
  endpoints: string[];
  stop(): Promise<void>;
}

/** Starts `size` etcd members as one cluster; resolves once every member answers /health. */
export async function startEtcd(size = 1): Promise<EtcdCluster> {
  const root = await mkdtemp(join(tmpdir(), 'rocketmq-ts-etcd-'));
  const ports: Array<[number, number]> = [];
  for (let i = 0; i < size; i++) ports.push([await freePort(), await freePort()]);
  const initial = ports.map(([, peer], i) => `e${i}=http://127.0.0.1:${peer}`).join(',');
  const members: EtcdMember[] = ports.map(([client, peer], i) => {
    const m: EtcdMember = {
      name: `e${i}`,
      clientUrl: `http://127.0.0.1:${client}`,
      peerUrl: `http://127.0.0.1:${peer}`,
      dataDir: join(root, `e${i}`),
      process: undefined,
      start() {
        const args = [
          `--name=${m.name}`,
          `--data-dir=${m.dataDir}`,
          `--listen-client-urls=${m.clientUrl}`,
          `--advertise-client-urls=${m.clientUrl}`,
          `--listen-peer-urls=${m.peerUrl}`,
          `--initial-advertise-peer-urls=${m.peerUrl}`,
          `--initial-cluster=${initial}`,
          '--initial-cluster-state=new',
          '--initial-cluster-token=rocketmq-ts-test',
          '--heartbeat-interval=50',
          '--election-timeout=500',
          '--log-level=error',
        ];
        m.process = spawn(ETCD_BIN, args, { stdio: ['ignore', 'ignore', 'ignore'] });
      },
      kill() {
        m.process?.kill('SIGKILL');
        m.process = undefined;
      },
    };
    return m;
  });
  for (const m of members) m.start();
  const deadline = Date.now() + 20_000;
  for (const m of members) {
    for (;;) {
      try {
        const res = await fetch(`${m.clientUrl}/health`);
        const body = (await res.json()) as { health?: string };
        if (body.health === 'true') break;
      } catch {
        // not up yet
      }
      if (Date.now() > deadline) throw new Error(`etcd member ${m.name} did not become healthy`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    members,
    endpoints: members.map((m) => m.clientUrl),
    async stop() {
      for (const m of members) m.kill();
      await rm(root, { recursive: true, force: true });
    },
  };
}
