import { err, ok, type Result } from '@rocketmq-ts/common';
import { MAX_ENTRIES } from '../decode-limits.js';
import { encodeFastjson, parseFastjson } from './fastjson.js';
import { asObject, boundedArray, integerOf, textOf } from './json-fields.js';

// Controller-mode bodies, as fastjson writes RocketMQ's classes (remoting/protocol/body/
// SyncStateSet, ElectMasterResponseBody, BrokerMemberGroup, BrokerReplicasInfo): alphabetical
// fields, Map<Long, String> with bare numeric keys. Decoders return a Result and never throw.

/** SyncStateSet: the in-sync replica ids and the epoch they belong to. */
export interface SyncStateSetBody {
  syncStateSet: number[];
  syncStateSetEpoch: number;
}

export interface BrokerMemberGroupBody {
  cluster: string;
  brokerName: string;
  /** brokerId → address. */
  brokerAddrs: Map<number, string>;
}

export interface ElectMasterResponseBody {
  brokerMemberGroup?: BrokerMemberGroupBody | undefined;
  syncStateSet: number[];
}

export interface ReplicaIdentity {
  brokerName: string;
  brokerId: number;
  brokerAddress: string;
  alive: boolean;
}

export interface ReplicasInfoBody {
  masterBrokerId?: number | undefined;
  masterAddress?: string | undefined;
  masterEpoch: number;
  syncStateSetEpoch: number;
  inSyncReplicas: ReplicaIdentity[];
  notInSyncReplicas: ReplicaIdentity[];
}

/** BrokerReplicasInfo: brokerName → ReplicasInfo (CONTROLLER_GET_SYNC_STATE_DATA answer). */
export type BrokerReplicasInfoBody = Map<string, ReplicasInfoBody>;

const sorted = (ids: Iterable<number>) => [...ids].sort((a, b) => a - b);

export function encodeSyncStateSet(body: SyncStateSetBody): Buffer {
  return Buffer.from(
    encodeFastjson({ syncStateSet: sorted(body.syncStateSet), syncStateSetEpoch: body.syncStateSetEpoch }),
  );
}

function idList(v: unknown, what: string): Result<number[], string> {
  const arr = boundedArray(v, what);
  if (!arr.ok) return arr;
  // A Set, not out.includes: a 600 KB list of distinct ids took 23 s of quadratic scanning.
  const out = new Set<number>();
  for (const x of arr.value) {
    const id = integerOf(x);
    if (id === undefined) return err(`${what} holds a non-integer id`);
    out.add(id);
  }
  return ok([...out]);
}

function parseBody(body: Buffer | undefined, what: string): Result<unknown, string> {
  if (!body || body.length === 0) return err(`${what} body is empty`);
  const parsed = parseFastjson(body.toString('utf8'));
  return parsed.ok ? parsed : err(`${what} body is not JSON: ${parsed.error}`);
}

export function decodeSyncStateSet(body: Buffer | undefined): Result<SyncStateSetBody, string> {
  const parsed = parseBody(body, 'SyncStateSet');
  if (!parsed.ok) return parsed;
  const o = asObject(parsed.value);
  if (!o) return err('SyncStateSet body is not an object');
  const ids = idList(o.syncStateSet, 'syncStateSet');
  if (!ids.ok) return ids;
  const epoch = o.syncStateSetEpoch === undefined ? 0 : integerOf(o.syncStateSetEpoch);
  if (epoch === undefined) return err('syncStateSetEpoch is not an integer');
  return ok({ syncStateSet: ids.value, syncStateSetEpoch: epoch });
}

function memberGroupJson(g: BrokerMemberGroupBody) {
  const addrs = new Map<number, string>();
  for (const id of sorted(g.brokerAddrs.keys())) addrs.set(id, g.brokerAddrs.get(id) ?? '');
  return { brokerAddrs: addrs, brokerName: g.brokerName, cluster: g.cluster };
}

export function encodeElectMasterResponseBody(body: ElectMasterResponseBody): Buffer {
  return Buffer.from(
    encodeFastjson({
      brokerMemberGroup: body.brokerMemberGroup ? memberGroupJson(body.brokerMemberGroup) : undefined,
      syncStateSet: sorted(body.syncStateSet),
    }),
  );
}

function addrMap(v: unknown): Result<Map<number, string>, string> {
  const out = new Map<number, string>();
  if (v === undefined || v === null) return ok(out);
  const o = asObject(v);
  if (!o) return err('brokerAddrs is not an object');
  const keys = Object.keys(o);
  if (keys.length > MAX_ENTRIES) return err('brokerAddrs has too many entries');
  for (const k of keys) {
    const id = integerOf(k);
    if (id === undefined) return err(`brokerAddrs key ${k} is not an id`);
    out.set(id, textOf(o[k]));
  }
  return ok(out);
}

export function decodeElectMasterResponseBody(body: Buffer | undefined): Result<ElectMasterResponseBody, string> {
  const parsed = parseBody(body, 'ElectMasterResponseBody');
  if (!parsed.ok) return parsed;
  const o = asObject(parsed.value);
  if (!o) return err('ElectMasterResponseBody is not an object');
  const ids = idList(o.syncStateSet, 'syncStateSet');
  if (!ids.ok) return ids;
  const g = asObject(o.brokerMemberGroup);
  if (!g) return ok({ syncStateSet: ids.value });
  const addrs = addrMap(g.brokerAddrs);
  if (!addrs.ok) return addrs;
  return ok({
    syncStateSet: ids.value,
    brokerMemberGroup: { cluster: textOf(g.cluster), brokerName: textOf(g.brokerName), brokerAddrs: addrs.value },
  });
}

export function encodeBrokerReplicasInfo(table: BrokerReplicasInfoBody): Buffer {
  const out = new Map<string, unknown>();
  for (const [name, info] of table) {
    out.set(name, {
      inSyncReplicas: info.inSyncReplicas,
      masterAddress: info.masterAddress,
      masterBrokerId: info.masterBrokerId,
      masterEpoch: info.masterEpoch,
      notInSyncReplicas: info.notInSyncReplicas,
      syncStateSetEpoch: info.syncStateSetEpoch,
    });
  }
  return Buffer.from(encodeFastjson({ replicasInfoTable: out }));
}

function replicaList(v: unknown, what: string): Result<ReplicaIdentity[], string> {
  const arr = boundedArray(v, what);
  if (!arr.ok) return arr;
  const out: ReplicaIdentity[] = [];
  for (const x of arr.value) {
    const r = asObject(x);
    const id = integerOf(r?.brokerId);
    if (!r || id === undefined) return err(`${what} holds a replica without brokerId`);
    out.push({
      brokerName: textOf(r.brokerName),
      brokerId: id,
      brokerAddress: textOf(r.brokerAddress),
      alive: r.alive === true,
    });
  }
  return ok(out);
}

export function decodeBrokerReplicasInfo(body: Buffer | undefined): Result<BrokerReplicasInfoBody, string> {
  const parsed = parseBody(body, 'BrokerReplicasInfo');
  if (!parsed.ok) return parsed;
  const table = asObject(asObject(parsed.value)?.replicasInfoTable) ?? {};
  const out: BrokerReplicasInfoBody = new Map();
  const names = Object.keys(table);
  if (names.length > MAX_ENTRIES) return err('replicasInfoTable has too many entries');
  for (const name of names) {
    const i = asObject(table[name]);
    if (!i) return err(`replicasInfoTable.${name} is not an object`);
    const inSync = replicaList(i.inSyncReplicas, 'inSyncReplicas');
    if (!inSync.ok) return inSync;
    const notInSync = replicaList(i.notInSyncReplicas, 'notInSyncReplicas');
    if (!notInSync.ok) return notInSync;
    out.set(name, {
      masterBrokerId: integerOf(i.masterBrokerId),
      masterAddress: typeof i.masterAddress === 'string' ? i.masterAddress : undefined,
      masterEpoch: integerOf(i.masterEpoch) ?? 0,
      syncStateSetEpoch: integerOf(i.syncStateSetEpoch) ?? 0,
      inSyncReplicas: inSync.value,
      notInSyncReplicas: notInSync.value,
    });
  }
  return ok(out);
}

/** CONTROLLER_GET_SYNC_STATE_DATA request body: a JSON array of broker names. */
export function encodeBrokerNameList(names: string[]): Buffer {
  return Buffer.from(encodeFastjson(names));
}

export function decodeBrokerNameList(body: Buffer | undefined): Result<string[], string> {
  const parsed = parseBody(body, 'broker name list');
  if (!parsed.ok) return parsed;
  const arr = boundedArray(parsed.value, 'broker name list');
  if (!arr.ok) return arr;
  const out: string[] = [];
  for (const x of arr.value) {
    if (typeof x !== 'string') return err('broker name list holds a non-string');
    out.push(x);
  }
  return ok(out);
}
