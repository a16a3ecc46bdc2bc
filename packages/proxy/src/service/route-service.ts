import { isIPv4, isIPv6 } from 'node:net';
import { MASTER_ID, Perm, type QueueData } from '@rocketmq-ts/protocol';
import { Code, ProxyError, status, statusOfError } from '../grpc/codes.js';
import {
  AddressScheme,
  type Endpoints,
  type MessageQueue,
  Permission,
  type QueryAssignmentRequest,
  type QueryAssignmentResponse,
  type QueryRouteRequest,
  type QueryRouteResponse,
} from '../grpc/types.js';
import { checkGroup } from './consumer-service.js';
import { checkTopic } from './convert.js';
import { acceptedTypes } from './metadata.js';
import type { ProxyDeps } from './proxy-deps.js';

// QueryRoute and QueryAssignment (the Java proxy's RouteActivity). Queues are numbered per
// broker as Java numbers them: read-only first, then write-only, then read-write, so that
// queue 0 is READ_WRITE for a usual topic (the Node client only looks at queue 0).

const schemeOf = (host: string): number =>
  isIPv4(host) ? AddressScheme.IPv4 : isIPv6(host) ? AddressScheme.IPv6 : AddressScheme.DOMAIN_NAME;

function queuesOf(q: QueueData): Array<{ id: number; permission: number }> {
  const readable = (q.perm & Perm.READ) !== 0;
  const writable = (q.perm & Perm.WRITE) !== 0;
  let readOnly = 0;
  let writeOnly = 0;
  let readWrite = 0;
  if (readable && writable) {
    readWrite = Math.min(q.readQueueNums, q.writeQueueNums);
    readOnly = q.readQueueNums - readWrite;
    writeOnly = q.writeQueueNums - readWrite;
  } else if (readable) readOnly = q.readQueueNums;
  else if (writable) writeOnly = q.writeQueueNums;
  const out: Array<{ id: number; permission: number }> = [];
  let id = 0;
  for (let i = 0; i < readOnly; i++) out.push({ id: id++, permission: Permission.READ });
  for (let i = 0; i < writeOnly; i++) out.push({ id: id++, permission: Permission.WRITE });
  for (let i = 0; i < readWrite; i++) out.push({ id: id++, permission: Permission.READ_WRITE });
  if (out.length === 0) out.push({ id: 0, permission: Permission.NONE });
  return out;
}

export class RouteService {
  constructor(private readonly deps: ProxyDeps) {}

  /**
   * What a client is told to connect to for a broker: Cluster mode, the address the client
   * used (this proxy), with the gRPC port; Local mode, the broker's own host with the gRPC port.
   */
  endpointsFor(brokerAddr: string, request: Endpoints | undefined): Endpoints {
    const port = this.deps.grpcPort();
    const asked = request?.addresses?.[0];
    if (this.deps.config.proxyMode === 'CLUSTER' && asked?.host) {
      const p = this.deps.config.useEndpointPortFromRequest && asked.port ? asked.port : port;
      return { scheme: request?.scheme || schemeOf(asked.host), addresses: [{ host: asked.host, port: p }] };
    }
    const host = brokerAddr.slice(0, brokerAddr.lastIndexOf(':'));
    return { scheme: schemeOf(host), addresses: [{ host, port }] };
  }

  async queryRoute(req: QueryRouteRequest): Promise<QueryRouteResponse> {
    try {
      const topic = checkTopic(req.topic?.name);
      const route = await this.deps.routes.route(topic);
      const types = acceptedTypes(await this.deps.metadata.topicMessageType(topic));
      const messageQueues: MessageQueue[] = [];
      for (const q of route.queueDatas) {
        const addr = route.brokerDatas.find((b) => b.brokerName === q.brokerName)?.brokerAddrs.get(MASTER_ID);
        if (addr === undefined) continue;
        const broker = { name: q.brokerName, id: MASTER_ID, endpoints: this.endpointsFor(addr, req.endpoints) };
        for (const { id, permission } of queuesOf(q)) {
          messageQueues.push({ topic: { name: topic }, id, permission, broker, acceptMessageTypes: types });
        }
      }
      return { status: status(Code.OK), messageQueues };
    } catch (e) {
      return { status: statusOfError(e) };
    }
  }

  async queryAssignment(req: QueryAssignmentRequest): Promise<QueryAssignmentResponse> {
    try {
      const topic = checkTopic(req.topic?.name);
      const group = checkGroup(req.group?.name);
      const route = await this.deps.routes.route(topic);
      const fifo = (await this.deps.metadata.group(group)).consumeMessageOrderly;
      const types = acceptedTypes(await this.deps.metadata.topicMessageType(topic));
      const assignments: Array<{ messageQueue: MessageQueue }> = [];
      for (const q of route.queueDatas) {
        if ((q.perm & Perm.READ) === 0 || q.readQueueNums <= 0) continue;
        const addr = route.brokerDatas.find((b) => b.brokerName === q.brokerName)?.brokerAddrs.get(MASTER_ID);
        if (addr === undefined) continue;
        const broker = { name: q.brokerName, id: MASTER_ID, endpoints: this.endpointsFor(addr, req.endpoints) };
        const ids = fifo ? [...Array(q.readQueueNums).keys()] : [-1];
        for (const id of ids) {
          assignments.push({
            messageQueue: {
              topic: { name: topic },
              id,
              permission: Permission.READ_WRITE,
              broker,
              acceptMessageTypes: types,
            },
          });
        }
      }
      if (assignments.length === 0) throw new ProxyError(Code.FORBIDDEN, 'no readable queue');
      return { status: status(Code.OK), assignments };
    } catch (e) {
      return { status: statusOfError(e) };
    }
  }
}
