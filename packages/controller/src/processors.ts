import { applyProperties, formatProperties, type Logger, parseProperties } from '@rocketmq-ts/common';
import {
  AlterSyncStateSetRequestHeader,
  AlterSyncStateSetResponseHeader,
  ApplyBrokerIdRequestHeader,
  ApplyBrokerIdResponseHeader,
  type BrokerReplicasInfoBody,
  CleanControllerBrokerDataRequestHeader,
  ControllerHeartbeatRequestHeader,
  createResponse,
  decodeBrokerNameList,
  decodeSyncStateSet,
  ElectMasterRequestHeader,
  ElectMasterResponseHeader,
  emptyFields,
  encodeBrokerReplicasInfo,
  encodeElectMasterResponseBody,
  encodeSyncStateSet,
  GetMetaDataResponseHeader,
  GetNextBrokerIdRequestHeader,
  GetNextBrokerIdResponseHeader,
  GetReplicaInfoRequestHeader,
  GetReplicaInfoResponseHeader,
  type HeaderSchema,
  RegisterBrokerToControllerRequestHeader,
  RegisterBrokerToControllerResponseHeader,
  type RemotingCommand,
  type ReplicaIdentity,
  RequestCode,
  ResponseCode,
} from '@rocketmq-ts/protocol';
import type { Connection, RequestHandler } from '@rocketmq-ts/remoting';
import { type ControllerConfig, configBlackList } from './controller-config.js';
import type { BrokerHeartbeatManager } from './heartbeat.js';
import type { ControllerResult, ElectBody, ReplicasInfo, SyncStateSetValue } from './replicas-info.js';
import type { ControllerStore } from './storage/controller-store.js';

// The controller's remoting requests (RocketMQ's ControllerRequestProcessor): decode the header
// with its schema, run the decision through the store (changes) or on the newest state (reads),
// encode the answer. A node that is not the leader forwards state requests to the leader it
// knows, once (a forwarded request reaching a non-leader is answered CONTROLLER_NOT_LEADER).

/** Marks a request forwarded by a follower, so it is never forwarded twice. */
export const FORWARDED_FIELD = '__controllerForwarded';

export interface ProcessorDeps {
  store: ControllerStore;
  heartbeats: BrokerHeartbeatManager;
  config: ControllerConfig;
  logger: Logger;
  /** This controller's advertised address. */
  address(): string;
  /** Sends a request to another controller (forwarding); rejects on failure. */
  forward(addr: string, request: RemotingCommand): Promise<RemotingCommand>;
  /** A new master was elected (notify the members). */
  onElected(brokerName: string, header: Record<string, string>, body: Buffer | undefined): void;
}

type Entries = Array<[code: number, handler: RequestHandler]>;

function header<T>(
  schema: HeaderSchema<T>,
  req: RemotingCommand,
): { ok: true; value: T } | { ok: false; res: RemotingCommand } {
  const r = schema.decode(req.extFields);
  if (r.ok) return r;
  return { ok: false, res: createResponse(req, ResponseCode.CONTROLLER_INVALID_REQUEST, r.error.message) };
}

function answer<H>(req: RemotingCommand, r: ControllerResult<H, unknown>, schema: HeaderSchema<H>, body?: Buffer) {
  return createResponse(req, r.code, r.remark, schema.encode(r.header), body);
}

const syncBody = (b: SyncStateSetValue | undefined) => (b ? encodeSyncStateSet(b) : undefined);

export function controllerProcessors(deps: ProcessorDeps): Entries {
  const { store, heartbeats: live, config } = deps;
  const notLeader = (req: RemotingCommand) =>
    createResponse(req, ResponseCode.CONTROLLER_NOT_LEADER, 'The controller is not in leader state');

  /** Runs `local` on the leader; elsewhere forwards to the leader, or answers NOT_LEADER. */
  const onLeader =
    (local: RequestHandler): RequestHandler =>
    async (req, conn) => {
      if (store.isLeader()) return local(req, conn);
      const leader = store.leaderAddress();
      if (req.extFields[FORWARDED_FIELD] || !leader || leader === deps.address()) return notLeader(req);
      const fwd = { ...req, extFields: { ...req.extFields, [FORWARDED_FIELD]: 'true' } };
      try {
        return await deps.forward(leader, fwd);
      } catch (e) {
        deps.logger.warn({ leader, err: (e as Error).message }, 'forwarding to the controller leader failed');
        return notLeader(req);
      }
    };

  /** Commits a decision; NOT_LEADER when leadership was lost before the commit. */
  const change = async <R extends ControllerResult<unknown, unknown>>(
    req: RemotingCommand,
    decide: (s: ReplicasInfo) => R,
  ): Promise<{ ok: true; r: R } | { ok: false; res: RemotingCommand }> => {
    const out = await store.transact(decide);
    if (out.ok) return { ok: true, r: out.result };
    return {
      ok: false,
      res:
        out.reason === 'not-leader'
          ? notLeader(req)
          : createResponse(req, ResponseCode.SYSTEM_ERROR, `controller commit failed: ${out.reason}`),
    };
  };

  const alter: RequestHandler = async (req) => {
    const h = header(AlterSyncStateSetRequestHeader, req);
    if (!h.ok) return h.res;
    const body = decodeSyncStateSet(req.body);
    if (!body.ok) return createResponse(req, ResponseCode.CONTROLLER_INVALID_REQUEST, body.error);
    const c = await change(req, (s) =>
      s.alterSyncStateSet(
        {
          brokerName: h.value.brokerName ?? '',
          masterBrokerId: h.value.masterBrokerId,
          masterEpoch: h.value.masterEpoch,
        },
        body.value,
        live,
      ),
    );
    if (!c.ok) return c.res;
    return answer(req, c.r, AlterSyncStateSetResponseHeader, syncBody(c.r.body));
  };

  const electMaster: RequestHandler = async (req) => {
    const h = header(ElectMasterRequestHeader, req);
    if (!h.ok) return h.res;
    const c = await change(req, (s) =>
      s.electMaster(h.value, live, { enableElectUncleanMaster: config.enableElectUncleanMaster }),
    );
    if (!c.ok) return c.res;
    const body = c.r.body ? encodeElectMasterResponseBody(c.r.body as ElectBody) : undefined;
    const res = answer(req, c.r, ElectMasterResponseHeader, body);
    if (c.r.code === ResponseCode.SUCCESS) deps.onElected(h.value.brokerName, res.extFields, body);
    return res;
  };

  const register: RequestHandler = async (req) => {
    const h = header(RegisterBrokerToControllerRequestHeader, req);
    if (!h.ok) return h.res;
    const c = await change(req, (s) => s.registerBroker(h.value, live));
    if (!c.ok) return c.res;
    return answer(req, c.r, RegisterBrokerToControllerResponseHeader, syncBody(c.r.body));
  };

  const replicaInfo: RequestHandler = async (req) => {
    const h = header(GetReplicaInfoRequestHeader, req);
    if (!h.ok) return h.res;
    const r = await store.query((s) => s.getReplicaInfo(h.value));
    return answer(req, r, GetReplicaInfoResponseHeader, syncBody(r.body));
  };

  const syncStateData: RequestHandler = async (req) => {
    const names = decodeBrokerNameList(req.body);
    if (!names.ok) return createResponse(req, ResponseCode.CONTROLLER_INVALID_REQUEST, names.error);
    const table: BrokerReplicasInfoBody = await store.query((s) => {
      const out: BrokerReplicasInfoBody = new Map();
      for (const name of names.value) {
        const set = s.get(name);
        if (!set) continue;
        const inSync: ReplicaIdentity[] = [];
        const notInSync: ReplicaIdentity[] = [];
        for (const [id, r] of [...set.replicas].sort((a, b) => a[0] - b[0])) {
          const replica = {
            brokerName: name,
            brokerId: id,
            brokerAddress: r.address,
            alive: live.liveInfo(set.clusterName, name, id) !== undefined,
          };
          (set.syncStateSet.has(id) ? inSync : notInSync).push(replica);
        }
        const m = set.masterBrokerId;
        out.set(name, {
          masterBrokerId: m,
          masterAddress: m === undefined ? undefined : set.replicas.get(m)?.address,
          masterEpoch: set.masterEpoch,
          syncStateSetEpoch: set.syncStateSetEpoch,
          inSyncReplicas: inSync,
          notInSyncReplicas: notInSync,
        });
      }
      return out;
    });
    return createResponse(req, ResponseCode.SUCCESS, undefined, emptyFields(), encodeBrokerReplicasInfo(table));
  };

  const metadata: RequestHandler = (req) => {
    const peers = config.controllerDLegerPeers
      .split(';')
      .filter(Boolean)
      .map((p) => `${p.replace('-', ':')};`)
      .join('');
    const leaderAddr = store.leaderAddress();
    const self = config.controllerDLegerPeers.split(';').find((p) => p.endsWith(`-${leaderAddr}`));
    return createResponse(
      req,
      ResponseCode.SUCCESS,
      undefined,
      GetMetaDataResponseHeader.encode({
        group: config.controllerDLegerGroup,
        controllerLeaderId: self?.split('-')[0] ?? (store.isLeader() ? config.controllerDLegerSelfId : undefined),
        controllerLeaderAddress: leaderAddr,
        isLeader: store.isLeader(),
        peers,
      }),
    );
  };

  const heartbeat: RequestHandler = (req, conn: Connection) => {
    const h = header(ControllerHeartbeatRequestHeader, req);
    if (!h.ok) return h.res;
    const v = h.value;
    if (v.brokerId === undefined)
      return createResponse(req, ResponseCode.CONTROLLER_INVALID_REQUEST, 'Heart beat with empty brokerId');
    live.onHeartbeat({
      clusterName: v.clusterName,
      brokerName: v.brokerName,
      brokerAddr: v.brokerAddr,
      brokerId: v.brokerId,
      timeoutMs: v.heartbeatTimeoutMills,
      epoch: v.epoch,
      maxOffset: v.maxOffset,
      confirmOffset: v.confirmOffset,
      electionPriority: v.electionPriority,
      channel: conn,
    });
    return createResponse(req, ResponseCode.SUCCESS, 'Heart beat success');
  };

  const clean: RequestHandler = async (req) => {
    const h = header(CleanControllerBrokerDataRequestHeader, req);
    if (!h.ok) return h.res;
    const c = await change(req, (s) => s.cleanBrokerData(h.value, live));
    if (!c.ok) return c.res;
    return createResponse(req, c.r.code, c.r.remark);
  };

  const nextId: RequestHandler = async (req) => {
    const h = header(GetNextBrokerIdRequestHeader, req);
    if (!h.ok) return h.res;
    const r = await store.query((s) => s.getNextBrokerId(h.value));
    return answer(req, r, GetNextBrokerIdResponseHeader);
  };

  const applyId: RequestHandler = async (req) => {
    const h = header(ApplyBrokerIdRequestHeader, req);
    if (!h.ok) return h.res;
    const c = await change(req, (s) => s.applyBrokerId(h.value));
    if (!c.ok) return c.res;
    return answer(req, c.r, ApplyBrokerIdResponseHeader);
  };

  const updateConfig: RequestHandler = (req) => {
    if (!req.body || req.body.length === 0) return createResponse(req, ResponseCode.SUCCESS);
    const props = parseProperties(req.body.toString('utf8'));
    const black = configBlackList(config);
    if ([...props.keys()].some((k) => black.has(k))) {
      return createResponse(req, ResponseCode.NO_PERMISSION, 'Can not update config in black list.');
    }
    try {
      const { config: next } = applyProperties(config, props);
      Object.assign(config, next);
    } catch (e) {
      return createResponse(req, ResponseCode.SYSTEM_ERROR, (e as Error).message);
    }
    deps.logger.info({ keys: [...props.keys()] }, 'controller config updated');
    return createResponse(req, ResponseCode.SUCCESS);
  };

  const getConfig: RequestHandler = (req) =>
    createResponse(req, ResponseCode.SUCCESS, undefined, emptyFields(), Buffer.from(formatProperties(config)));

  return [
    [RequestCode.CONTROLLER_ALTER_SYNC_STATE_SET, onLeader(alter)],
    [RequestCode.CONTROLLER_ELECT_MASTER, onLeader(electMaster)],
    [RequestCode.CONTROLLER_REGISTER_BROKER, onLeader(register)],
    [RequestCode.CONTROLLER_GET_REPLICA_INFO, onLeader(replicaInfo)],
    [RequestCode.CONTROLLER_GET_METADATA_INFO, metadata],
    [RequestCode.CONTROLLER_GET_SYNC_STATE_DATA, onLeader(syncStateData)],
    [RequestCode.BROKER_HEARTBEAT, heartbeat],
    [RequestCode.UPDATE_CONTROLLER_CONFIG, updateConfig],
    [RequestCode.GET_CONTROLLER_CONFIG, getConfig],
    [RequestCode.CLEAN_BROKER_DATA, onLeader(clean)],
    [RequestCode.CONTROLLER_GET_NEXT_BROKER_ID, onLeader(nextId)],
    [RequestCode.CONTROLLER_APPLY_BROKER_ID, onLeader(applyId)],
  ];
}
