import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MQAdmin, MQBrokerError, MQClientError, Producer } from '@rocketmq-ts/client';
import { type Logger, silentLogger } from '@rocketmq-ts/common';
import { clusterRoutes } from '../api/cluster-routes.js';
import type { ApiDeps } from '../api/deps.js';
import { groupRoutes } from '../api/group-routes.js';
import { messageRoutes } from '../api/message-routes.js';
import { topicRoutes } from '../api/topic-routes.js';
import { type AccessPolicy, checkMutation, isLoopbackHost } from './access.js';
import { HttpError, MAX_URL_LENGTH, Params, readJsonBody, sendError, sendJson } from './http-io.js';
import { Router } from './router.js';
import { StatsSampler } from './sampler.js';
import { StaticAssets } from './static-assets.js';

/** Dashboard requests handled at once (each may query the NameServer and brokers). */
const MAX_IN_FLIGHT = 64;
const MAX_IN_FLIGHT_PER_CONNECTION = 8;

export interface DashboardOptions {
  /** NameServer address list, `host:port;host:port`. */
  namesrvAddr: string;
  /** Default 8082; 0 = any free port. */
  port?: number;
  /** Address to bind. Default 127.0.0.1. */
  host?: string;
  /** Bearer token mutating calls must carry; required for them when `host` is not loopback. */
  token?: string;
  /** How often throughput and lag are sampled (default 5000 ms). */
  sampleIntervalMs?: number;
  /** Points kept per series (default 360: 30 minutes at 5 s). */
  historySize?: number;
  logger?: Logger;
}

export interface Dashboard {
  /** The bound port. */
  port: number;
  host: string;
  /** `http://host:port/`. */
  url: string;
  close(): Promise<void>;
}

const MUTATING = new Set(['POST', 'PUT', 'DELETE', 'PATCH']);

/** Starts the dashboard's HTTP server (the UI and /api/*) over an admin client of `namesrvAddr`. */
export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  const logger = options.logger ?? silentLogger;
  const host = options.host ?? '127.0.0.1';
  const sampleIntervalMs = options.sampleIntervalMs ?? 5000;
  const admin = new MQAdmin({ namesrvAddr: options.namesrvAddr, requestTimeoutMs: 5000, logger });
  const sampler = new StatsSampler(admin, {
    intervalMs: sampleIntervalMs,
    capacity: options.historySize ?? 360,
    maxGroups: 64,
    logger,
  });
  let producer: Promise<Producer> | undefined;
  const deps: ApiDeps = {
    admin,
    sampler,
    sampleIntervalMs,
    producer() {
      producer ??= (async () => {
        const p = new Producer({ namesrvAddr: options.namesrvAddr, producerGroup: 'DASHBOARD_RESEND_GROUP', logger });
        await p.start();
        return p;
      })();
      return producer;
    },
  };
  const router = new Router();
  clusterRoutes(router, deps);
  topicRoutes(router, deps);
  groupRoutes(router, deps);
  messageRoutes(router, deps);
  router.add('GET', '/api/health', async () => ({ ok: true, namesrvAddr: options.namesrvAddr }));

  const assets = await StaticAssets.load();
  if (assets.missing.length > 0)
    logger.warn({ missing: assets.missing }, 'dashboard UI files missing: run npm run build');
  const policy: AccessPolicy = { host, token: options.token };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const target = req.url ?? '/';
    if (target.length > MAX_URL_LENGTH) throw new HttpError(414, `request target over ${MAX_URL_LENGTH} characters`);
    const url = new URL(target, 'http://dashboard.invalid');
    const method = req.method ?? 'GET';
    if (isLoopbackHost(host)) checkHostHeader(req);
    if (!url.pathname.startsWith('/api/')) {
      if ((method === 'GET' || method === 'HEAD') && assets.serve(req, res, url.pathname)) return;
      throw new HttpError(404, `not found: ${url.pathname}`);
    }
    const { handler, path } = router.match(method, url.pathname);
    if (MUTATING.has(method)) checkMutation(req, policy);
    const body = MUTATING.has(method) ? await readJsonBody(req) : {};
    const value = await handler({
      path,
      query: Params.fromQuery(url.searchParams),
      body: new Params(body, 'body'),
      req,
    });
    sendJson(res, 200, value);
  };

  // Node parses and dispatches every pipelined request of a connection at once: a client
  // pipelining 100,000 GETs started 100,000 admin queries (the broker stalled for seconds).
  // Past MAX_IN_FLIGHT requests being handled, the rest are answered 503 at once.
  let inFlight = 0;
  const perSocket = new WeakMap<object, number>();
  const server = createServer({ maxHeaderSize: 16 * 1024, requestTimeout: 60_000 }, (req, res) => {
    const socket = req.socket;
    // Browsers never pipeline; pausing does not stop the parser from dispatching what one chunk
    // already holds (thousands of tiny GETs, each answer queued behind the first), which stalled
    // the whole process under a pipelined flood. A connection past its bound is closed instead.
    if (socket.destroyed) return;
    if ((perSocket.get(socket) ?? 0) >= MAX_IN_FLIGHT_PER_CONNECTION) {
      socket.destroy();
      return;
    }
    if (inFlight >= MAX_IN_FLIGHT) {
      req.resume();
      sendError(res, 503, 'dashboard busy');
      return;
    }
    inFlight++;
    // A connection with requests pending is not read further until they are answered.
    const mine = (perSocket.get(socket) ?? 0) + 1;
    perSocket.set(socket, mine);
    if (mine >= MAX_IN_FLIGHT_PER_CONNECTION) socket.pause();
    res.once('close', () => {
      inFlight--;
      const left = (perSocket.get(socket) ?? 1) - 1;
      perSocket.set(socket, left);
      if (left < MAX_IN_FLIGHT_PER_CONNECTION && !socket.destroyed) socket.resume();
    });
    handle(req, res).catch((e: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (e instanceof HttpError) sendError(res, e.status, e.message);
      else if (e instanceof MQClientError || e instanceof MQBrokerError) sendError(res, 502, e.message);
      else {
        logger.warn({ err: e, url: req.url }, 'dashboard request failed');
        sendError(res, 500, e instanceof Error ? e.message : String(e));
      }
      // Drain what is left of a rejected body without reading it into memory.
      req.resume();
    });
  });
  server.on('clientError', (_e, socket) => {
    if (socket.writable)
      socket.end(
        'HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n{"error":{"status":400,"message":"malformed HTTP request"}}',
      );
    else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8082, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  sampler.start();
  const port = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  let closed: Promise<void> | undefined;
  return {
    port,
    host,
    url: `http://${shownHost}:${port}/`,
    close() {
      closed ??= (async () => {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await sampler.stop();
        if (producer) await (await producer.catch(() => undefined))?.shutdown();
        await admin.close();
      })();
      return closed;
    },
  };
}

/**
 * On loopback, a page from another site could reach us through DNS rebinding under its own
 * host name; only loopback names are accepted in Host.
 */
function checkHostHeader(req: IncomingMessage): void {
  const h = (req.headers.host ?? '').toLowerCase();
  const name = h.startsWith('[') ? h.slice(1, h.indexOf(']')) : h.split(':')[0]!;
  if (!isLoopbackHost(name)) throw new HttpError(421, `Host ${h} is not this dashboard's (loopback only)`);
}
