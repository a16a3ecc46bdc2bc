import { err, ok, type Result } from '@rocketmq-ts/common';
import { parseLenientJson } from './lenient-json.js';
import type {
  BrokerData,
  ClusterInfo,
  DataVersion,
  QueueData,
  TopicConfig,
  TopicConfigSerializeWrapper,
  TopicRouteData,
} from './route-types.js';

// Readers for route JSON in either form (bare or quoted integer keys). They validate shape
// and types, fill Java's defaults for absent fields, and never throw: a malformed body is a
// value (Result) the caller turns into a response code.

class ShapeError extends Error {}

type Obj = Record<string, unknown>;

function obj(v: unknown, what: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ShapeError(`${what} must be an object`);
  return v as Obj;
}

function optObj(v: unknown, what: string): Obj {
  return v === undefined || v === null ? {} : obj(v, what);
}

function arr(v: unknown, what: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new ShapeError(`${what} must be an array`);
  return v;
}

function str(v: unknown, what: string): string {
  if (typeof v !== 'string') throw new ShapeError(`${what} must be a string`);
  return v;
}

function optStr(v: unknown, what: string): string | undefined {
  return v === undefined || v === null ? undefined : str(v, what);
}

/** Integers may arrive as numbers or (BrowserCompatible longs) as numeric strings. */
function int(v: unknown, what: string, dflt?: number): number {
  if ((v === undefined || v === null) && dflt !== undefined) return dflt;
  const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) throw new ShapeError(`${what} must be an integer`);
  return n;
}

function bool(v: unknown, what: string, dflt: boolean): boolean {
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'boolean') throw new ShapeError(`${what} must be a boolean`);
  return v;
}

function guard<T>(what: string, fn: () => T): Result<T, string> {
  try {
    return ok(fn());
  } catch (e) {
    if (e instanceof ShapeError) return err(`${what}: ${e.message}`);
    throw e;
  }
}

function parsed<T>(input: Buffer | string, what: string, read: (v: unknown) => T): Result<T, string> {
  const json = parseLenientJson(input);
  if (!json.ok) return err(`${what}: ${json.error}`);
  return guard(what, () => read(json.value));
}

export function readQueueData(v: unknown): QueueData {
  const o = obj(v, 'queueData');
  return {
    brokerName: str(o.brokerName, 'queueData.brokerName'),
    readQueueNums: int(o.readQueueNums, 'queueData.readQueueNums', 0),
    writeQueueNums: int(o.writeQueueNums, 'queueData.writeQueueNums', 0),
    perm: int(o.perm, 'queueData.perm', 0),
    // Old servers spelt it topicSynFlag.
    topicSysFlag: int(o.topicSysFlag ?? o.topicSynFlag, 'queueData.topicSysFlag', 0),
  };
}

export function readBrokerData(v: unknown): BrokerData {
  const o = obj(v, 'brokerData');
  const brokerAddrs = new Map<number, string>();
  for (const [k, addr] of Object.entries(optObj(o.brokerAddrs, 'brokerData.brokerAddrs'))) {
    brokerAddrs.set(int(k, 'brokerData.brokerAddrs key'), str(addr, 'brokerData.brokerAddrs value'));
  }
  const b: BrokerData = {
    cluster: optStr(o.cluster, 'brokerData.cluster') ?? '',
    brokerName: str(o.brokerName, 'brokerData.brokerName'),
    brokerAddrs,
    enableActingMaster: bool(o.enableActingMaster, 'brokerData.enableActingMaster', false),
  };
  const zone = optStr(o.zoneName, 'brokerData.zoneName');
  if (zone !== undefined) b.zoneName = zone;
  return b;
}

export function readDataVersion(v: unknown): DataVersion {
  const o = obj(v, 'dataVersion');
  return {
    stateVersion: int(o.stateVersion, 'dataVersion.stateVersion', 0),
    timestamp: int(o.timestamp, 'dataVersion.timestamp', 0),
    counter: int(o.counter, 'dataVersion.counter', 0),
  };
}

export function readTopicConfig(v: unknown, nameFromKey?: string): TopicConfig {
  const o = obj(v, 'topicConfig');
  const filter = o.topicFilterType ?? 'SINGLE_TAG';
  if (filter !== 'SINGLE_TAG' && filter !== 'MULTI_TAG') throw new ShapeError('topicConfig.topicFilterType is invalid');
  const attributes: Record<string, string> = {};
  for (const [k, a] of Object.entries(optObj(o.attributes, 'topicConfig.attributes'))) {
    // A plain object would treat this key as its prototype.
    if (k !== '__proto__') attributes[k] = str(a, 'topicConfig.attributes value');
  }
  return {
    topicName: optStr(o.topicName, 'topicConfig.topicName') ?? nameFromKey ?? str(undefined, 'topicConfig.topicName'),
    // Java's TopicConfig defaults.
    readQueueNums: int(o.readQueueNums, 'topicConfig.readQueueNums', 16),
    writeQueueNums: int(o.writeQueueNums, 'topicConfig.writeQueueNums', 16),
    perm: int(o.perm, 'topicConfig.perm', 6),
    topicFilterType: filter,
    topicSysFlag: int(o.topicSysFlag, 'topicConfig.topicSysFlag', 0),
    order: bool(o.order, 'topicConfig.order', false),
    attributes,
  };
}

export function readTopicConfigSerializeWrapper(v: unknown): TopicConfigSerializeWrapper {
  const o = obj(v, 'topicConfigSerializeWrapper');
  const topicConfigTable = new Map<string, TopicConfig>();
  for (const [name, t] of Object.entries(optObj(o.topicConfigTable, 'topicConfigTable'))) {
    topicConfigTable.set(name, readTopicConfig(t, name));
  }
  const dataVersion =
    o.dataVersion === undefined || o.dataVersion === null
      ? { stateVersion: 0, timestamp: 0, counter: 0 }
      : readDataVersion(o.dataVersion);
  return { topicConfigTable, dataVersion };
}

export function decodeTopicRouteData(input: Buffer | string): Result<TopicRouteData, string> {
  return parsed(input, 'TopicRouteData', (v) => {
    const o = obj(v, 'TopicRouteData');
    const filterServerTable = new Map<string, string[]>();
    for (const [addr, list] of Object.entries(optObj(o.filterServerTable, 'filterServerTable'))) {
      filterServerTable.set(
        addr,
        arr(list, 'filterServerTable value').map((s) => str(s, 'filter server')),
      );
    }
    const route: TopicRouteData = {
      queueDatas: arr(o.queueDatas, 'queueDatas').map(readQueueData),
      brokerDatas: arr(o.brokerDatas, 'brokerDatas').map(readBrokerData),
      filterServerTable,
    };
    const order = optStr(o.orderTopicConf, 'orderTopicConf');
    if (order !== undefined) route.orderTopicConf = order;
    return route;
  });
}

export function decodeClusterInfo(input: Buffer | string): Result<ClusterInfo, string> {
  return parsed(input, 'ClusterInfo', (v) => {
    const o = obj(v, 'ClusterInfo');
    const brokerAddrTable = new Map<string, BrokerData>();
    for (const [name, b] of Object.entries(optObj(o.brokerAddrTable, 'brokerAddrTable'))) {
      brokerAddrTable.set(name, readBrokerData(b));
    }
    const clusterAddrTable = new Map<string, string[]>();
    for (const [name, names] of Object.entries(optObj(o.clusterAddrTable, 'clusterAddrTable'))) {
      clusterAddrTable.set(
        name,
        arr(names, 'clusterAddrTable value').map((s) => str(s, 'brokerName')),
      );
    }
    return { brokerAddrTable, clusterAddrTable };
  });
}

export function decodeDataVersion(input: Buffer | string): Result<DataVersion, string> {
  return parsed(input, 'DataVersion', readDataVersion);
}

/** REGISTER_BROKER body of brokers older than V3_0_11: a bare TopicConfigSerializeWrapper. */
export function decodeTopicConfigSerializeWrapper(input: Buffer | string): Result<TopicConfigSerializeWrapper, string> {
  return parsed(input, 'TopicConfigSerializeWrapper', readTopicConfigSerializeWrapper);
}

/** `{"topicList":[…]}` */
export function decodeTopicList(input: Buffer | string): Result<string[], string> {
  return parsed(input, 'TopicList', (v) => arr(obj(v, 'TopicList').topicList, 'topicList').map((s) => str(s, 'topic')));
}

/** `{"table":{…}}` */
export function decodeKVTable(input: Buffer | string): Result<Map<string, string>, string> {
  return parsed(input, 'KVTable', (v) => {
    const out = new Map<string, string>();
    for (const [k, val] of Object.entries(optObj(obj(v, 'KVTable').table, 'table'))) out.set(k, str(val, 'value'));
    return out;
  });
}

export { guard as guardShape, ShapeError };
