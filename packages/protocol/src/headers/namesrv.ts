import { defineHeader, f } from '../header-schema.js';

// NameServer request/response headers (codes 100–106, 205, 216, 217, 219, 224, 322, 327, 904).
// Required/optional follows Java's @CFNotNull; wire names equal the property names.

/** REGISTER_BROKER (103). `__ZONE_NAME` is read from extFields separately. */
export const RegisterBrokerRequestHeader = defineHeader('RegisterBrokerRequestHeader', {
  brokerName: f.string(),
  brokerAddr: f.string(),
  clusterName: f.string(),
  haServerAddr: f.string(),
  brokerId: f.long(),
  heartbeatTimeoutMillis: f.optLong(),
  /** Absent marks a broker older than slave-acting-master support. */
  enableActingMaster: f.optBoolean(),
  compressed: f.optBoolean(),
  /** CRC32 of the body masked with 0x7FFFFFFF; 0 or absent = not checked. */
  bodyCrc32: f.optInt(),
});

/** Both fields only for slaves, from the live master. */
export const RegisterBrokerResponseHeader = defineHeader('RegisterBrokerResponseHeader', {
  haServerAddr: f.optString(),
  masterAddr: f.optString(),
});

/** UNREGISTER_BROKER (104). */
export const UnRegisterBrokerRequestHeader = defineHeader('UnRegisterBrokerRequestHeader', {
  brokerName: f.string(),
  brokerAddr: f.string(),
  clusterName: f.string(),
  brokerId: f.long(),
});

/** GET_ROUTEINFO_BY_TOPIC (105). */
export const GetRouteInfoRequestHeader = defineHeader('GetRouteInfoRequestHeader', {
  topic: f.string(),
  acceptStandardJsonOnly: f.optBoolean(),
});

/** PUT_KV_CONFIG (100). */
export const PutKVConfigRequestHeader = defineHeader('PutKVConfigRequestHeader', {
  namespace: f.string(),
  key: f.string(),
  value: f.string(),
});

/** GET_KV_CONFIG (101) and DELETE_KV_CONFIG (102). */
export const KVConfigKeyRequestHeader = defineHeader('KVConfigKeyRequestHeader', {
  namespace: f.string(),
  key: f.string(),
});

export const GetKVConfigResponseHeader = defineHeader('GetKVConfigResponseHeader', {
  value: f.optString(),
});

/** GET_KVLIST_BY_NAMESPACE (219). */
export const GetKVListByNamespaceRequestHeader = defineHeader('GetKVListByNamespaceRequestHeader', {
  namespace: f.string(),
});

/** QUERY_DATA_VERSION (322); the body is the broker's DataVersion JSON. */
export const QueryDataVersionRequestHeader = defineHeader('QueryDataVersionRequestHeader', {
  brokerName: f.string(),
  brokerAddr: f.string(),
  clusterName: f.string(),
  brokerId: f.long(),
});

export const QueryDataVersionResponseHeader = defineHeader('QueryDataVersionResponseHeader', {
  changed: f.boolean(),
});

/** DELETE_TOPIC_IN_NAMESRV (216): without clusterName the topic goes from every broker. */
export const DeleteTopicFromNamesrvRequestHeader = defineHeader('DeleteTopicFromNamesrvRequestHeader', {
  topic: f.string(),
  clusterName: f.optString(),
});

/** WIPE_WRITE_PERM_OF_BROKER (205) and ADD_WRITE_PERM_OF_BROKER (327). */
export const BrokerNameRequestHeader = defineHeader('BrokerNameRequestHeader', {
  brokerName: f.string(),
});

export const WipeWritePermOfBrokerResponseHeader = defineHeader('WipeWritePermOfBrokerResponseHeader', {
  wipeTopicCount: f.int(),
});

export const AddWritePermOfBrokerResponseHeader = defineHeader('AddWritePermOfBrokerResponseHeader', {
  addTopicCount: f.int(),
});

/** REGISTER_TOPIC_IN_NAMESRV (217); the body is a TopicRouteData whose queueDatas are added. */
export const RegisterTopicRequestHeader = defineHeader('RegisterTopicRequestHeader', {
  topic: f.string(),
});

/** GET_TOPICS_BY_CLUSTER (224). */
export const GetTopicsByClusterRequestHeader = defineHeader('GetTopicsByClusterRequestHeader', {
  cluster: f.string(),
});

/** BROKER_HEARTBEAT (904): refreshes a registered broker's lease. */
export const BrokerHeartbeatRequestHeader = defineHeader('BrokerHeartbeatRequestHeader', {
  clusterName: f.string(),
  brokerAddr: f.string(),
  brokerName: f.string(),
  brokerId: f.optLong(),
  epoch: f.optInt(),
  maxOffset: f.optLong(),
  confirmOffset: f.optLong(),
  heartbeatTimeoutMills: f.optLong(),
  electionPriority: f.optInt(),
});
