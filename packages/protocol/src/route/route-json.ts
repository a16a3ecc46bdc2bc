import { MQVersion } from '../codes.js';
import type {
  BrokerData,
  ClusterInfo,
  DataVersion,
  QueueData,
  RegisterBrokerBody,
  TopicConfig,
  TopicRouteData,
} from './route-types.js';

// Hand-written encoders producing the exact bytes a Java NameServer/broker emits
// (docs/formats.md, "Route JSON"):
// - compact: the Go client splits the brokerAddrs text on `,` and `:`, so no whitespace;
// - object keys in alphabetical order and null fields omitted, as fastjson writes beans;
// - integer map keys (brokerAddrs) bare in the 'fastjson' form, quoted in 'standard';
// - 'standard' also escapes non-ASCII as \uXXXX (fastjson's BrowserCompatible).
// Map entries are written sorted so equal state always yields equal bytes (cacheable).

/** `fastjson`: bare integer map keys (not valid JSON); `standard`: valid JSON. */
export type RouteJsonForm = 'standard' | 'fastjson';

/**
 * The form a NameServer answers GET_ROUTEINFO_BY_TOPIC in: standard JSON for clients at or
 * above V4_9_4 or asking for it, fastjson's otherwise (ali-ons 121, Go 317).
 */
export function routeJsonForm(requestVersion: number, acceptStandardJsonOnly = false): RouteJsonForm {
  return acceptStandardJsonOnly || requestVersion >= MQVersion.V4_9_4 ? 'standard' : 'fastjson';
}

const NON_ASCII = /[\u0080-\uffff]/g;
const escapeNonAscii = (json: string): string =>
  json.replace(NON_ASCII, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);

function str(s: string, form: RouteJsonForm): string {
  const j = JSON.stringify(s);
  return form === 'standard' ? escapeNonAscii(j) : j;
}

const byKey = <K extends string | number>(a: [K, unknown], b: [K, unknown]): number =>
  a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;

function strArray(items: readonly string[], form: RouteJsonForm): string {
  return `[${items.map((s) => str(s, form)).join(',')}]`;
}

function encodeBrokerAddrs(addrs: Map<number, string>, form: RouteJsonForm): string {
  const parts: string[] = [];
  for (const [id, addr] of [...addrs].sort(byKey)) {
    parts.push(`${form === 'standard' ? `"${id}"` : String(id)}:${str(addr, form)}`);
  }
  return `{${parts.join(',')}}`;
}

export function encodeBrokerDataJson(b: BrokerData, form: RouteJsonForm): string {
  const zone = b.zoneName === undefined ? '' : `,"zoneName":${str(b.zoneName, form)}`;
  return (
    `{"brokerAddrs":${encodeBrokerAddrs(b.brokerAddrs, form)},"brokerName":${str(b.brokerName, form)},` +
    `"cluster":${str(b.cluster, form)},"enableActingMaster":${b.enableActingMaster}${zone}}`
  );
}

export function encodeQueueDataJson(q: QueueData, form: RouteJsonForm): string {
  return (
    `{"brokerName":${str(q.brokerName, form)},"perm":${q.perm},"readQueueNums":${q.readQueueNums},` +
    `"topicSysFlag":${q.topicSysFlag},"writeQueueNums":${q.writeQueueNums}}`
  );
}

export function encodeTopicRouteDataJson(route: TopicRouteData, form: RouteJsonForm): string {
  const filters: string[] = [];
  for (const [addr, list] of [...route.filterServerTable].sort(byKey)) {
    filters.push(`${str(addr, form)}:${strArray(list, form)}`);
  }
  const order = route.orderTopicConf === undefined ? '' : `"orderTopicConf":${str(route.orderTopicConf, form)},`;
  return (
    `{"brokerDatas":[${route.brokerDatas.map((b) => encodeBrokerDataJson(b, form)).join(',')}],` +
    `"filterServerTable":{${filters.join(',')}},${order}` +
    `"queueDatas":[${route.queueDatas.map((q) => encodeQueueDataJson(q, form)).join(',')}]}`
  );
}

/** GET_ROUTEINFO_BY_TOPIC response body. */
export function encodeTopicRouteData(route: TopicRouteData, form: RouteJsonForm): Buffer {
  return Buffer.from(encodeTopicRouteDataJson(route, form), 'utf8');
}

/** GET_BROKER_CLUSTER_INFO response body; Java always sends the fastjson form. */
export function encodeClusterInfo(info: ClusterInfo, form: RouteJsonForm = 'fastjson'): Buffer {
  const brokers = [...info.brokerAddrTable]
    .sort(byKey)
    .map(([name, b]) => `${str(name, form)}:${encodeBrokerDataJson(b, form)}`);
  const clusters = [...info.clusterAddrTable]
    .sort(byKey)
    .map(([name, names]) => `${str(name, form)}:${strArray([...names].sort(), form)}`);
  return Buffer.from(`{"brokerAddrTable":{${brokers.join(',')}},"clusterAddrTable":{${clusters.join(',')}}}`, 'utf8');
}

export function encodeDataVersionJson(v: DataVersion): string {
  return `{"counter":${v.counter},"stateVersion":${v.stateVersion},"timestamp":${v.timestamp}}`;
}

/** QUERY_DATA_VERSION bodies (both directions). */
export function encodeDataVersion(v: DataVersion): Buffer {
  return Buffer.from(encodeDataVersionJson(v), 'utf8');
}

/**
 * `{"topicList":[…]}`: GET_ALL_TOPIC_LIST_FROM_NAMESERVER and GET_TOPICS_BY_CLUSTER bodies;
 * GET_SYSTEM_TOPIC_LIST_FROM_NS adds `brokerAddr` (first, alphabetical field order).
 */
export function encodeTopicList(topics: Iterable<string>, brokerAddr?: string): Buffer {
  const addr = brokerAddr === undefined ? '' : `"brokerAddr":${JSON.stringify(brokerAddr)},`;
  return Buffer.from(`{${addr}"topicList":${strArray([...topics], 'fastjson')}}`, 'utf8');
}

/** `{"table":{…}}`: GET_KVLIST_BY_NAMESPACE body (and REGISTER_BROKER's order-topic reply). */
export function encodeKVTable(table: Map<string, string> | Record<string, string>): Buffer {
  const entries = table instanceof Map ? [...table] : Object.entries(table);
  const parts = entries.sort(byKey).map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`);
  return Buffer.from(`{"table":{${parts.join(',')}}}`, 'utf8');
}

function encodeAttributes(attrs: Record<string, string>): string {
  const parts = Object.entries(attrs)
    .sort(byKey)
    .map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`);
  return `{${parts.join(',')}}`;
}

export function encodeTopicConfigJson(t: TopicConfig): string {
  return (
    `{"attributes":${encodeAttributes(t.attributes)},"order":${t.order},"perm":${t.perm},` +
    `"readQueueNums":${t.readQueueNums},"topicFilterType":"${t.topicFilterType}",` +
    `"topicName":${JSON.stringify(t.topicName)},"topicSysFlag":${t.topicSysFlag},"writeQueueNums":${t.writeQueueNums}}`
  );
}

/**
 * TopicConfig's space-separated "encoded string" used inside the compressed register body:
 * `topicName readQueueNums writeQueueNums perm topicFilterType attributesJson`.
 */
export function encodeTopicConfigString(t: TopicConfig): string {
  return `${t.topicName} ${t.readQueueNums} ${t.writeQueueNums} ${t.perm} ${t.topicFilterType} ${encodeAttributes(t.attributes)}`;
}

/** Uncompressed RegisterBrokerBody JSON, as a Java broker sends it (no static-topic mappings). */
export function encodeRegisterBrokerBodyJson(body: RegisterBrokerBody): string {
  const w = body.topicConfigSerializeWrapper;
  const topics = [...w.topicConfigTable].map(([name, t]) => `${JSON.stringify(name)}:${encodeTopicConfigJson(t)}`);
  return (
    `{"filterServerList":${strArray(body.filterServerList, 'fastjson')},"topicConfigSerializeWrapper":{` +
    `"dataVersion":${encodeDataVersionJson(w.dataVersion)},"mappingDataVersion":{"counter":0,"stateVersion":0,"timestamp":0},` +
    `"topicConfigTable":{${topics.join(',')}},"topicQueueMappingDetailMap":{},"topicQueueMappingInfoMap":{}}}`
  );
}
