import { defineHeader, f } from '../header-schema.js';

// Controller-mode headers (codes 904 to the controller, 1001–1013). Field names are those of
// RocketMQ's header classes (remoting/protocol/header/controller/**); required only where Java
// marks @CFNotNull, because the controller itself answers a missing field with its own codes.

/** CONTROLLER_ALTER_SYNC_STATE_SET (1001); body SyncStateSet (the proposed set, the current epoch). */
export const AlterSyncStateSetRequestHeader = defineHeader('AlterSyncStateSetRequestHeader', {
  brokerName: f.optString(),
  masterBrokerId: f.optLong(),
  masterEpoch: f.optInt(),
  invokeTime: f.optLong(),
});

export const AlterSyncStateSetResponseHeader = defineHeader('AlterSyncStateSetResponseHeader', {
  newSyncStateSetEpoch: f.optInt(),
});

/** CONTROLLER_ELECT_MASTER (1002). brokerId −1 = no preference (controller- or admin-triggered). */
export const ElectMasterRequestHeader = defineHeader('ElectMasterRequestHeader', {
  clusterName: f.string(),
  brokerName: f.string(),
  brokerId: f.long(),
  designateElect: f.boolean(),
  invokeTime: f.optLong(),
});

/** Also the header of REGISTER (1003) answers, GET_REPLICA_INFO (1004) and NOTIFY_BROKER_ROLE_CHANGED (1008). */
export const ElectMasterResponseHeader = defineHeader('ElectMasterResponseHeader', {
  masterBrokerId: f.optLong(),
  masterAddress: f.optString(),
  masterEpoch: f.optInt(),
  syncStateSetEpoch: f.optInt(),
});

/** CONTROLLER_REGISTER_BROKER (1003). */
export const RegisterBrokerToControllerRequestHeader = defineHeader('RegisterBrokerToControllerRequestHeader', {
  clusterName: f.optString(),
  brokerName: f.optString(),
  brokerId: f.optLong(),
  brokerAddress: f.optString(),
  invokeTime: f.optLong(),
});

export const RegisterBrokerToControllerResponseHeader = defineHeader('RegisterBrokerToControllerResponseHeader', {
  clusterName: f.optString(),
  brokerName: f.optString(),
  masterBrokerId: f.optLong(),
  masterAddress: f.optString(),
  masterEpoch: f.optInt(),
  syncStateSetEpoch: f.optInt(),
});

/** CONTROLLER_GET_REPLICA_INFO (1004). */
export const GetReplicaInfoRequestHeader = defineHeader('GetReplicaInfoRequestHeader', {
  brokerName: f.optString(),
});

export const GetReplicaInfoResponseHeader = defineHeader('GetReplicaInfoResponseHeader', {
  masterBrokerId: f.optLong(),
  masterAddress: f.optString(),
  masterEpoch: f.optInt(),
});

/** CONTROLLER_GET_METADATA_INFO (1005) answer. `peers` is "id:addr;" repeated. */
export const GetMetaDataResponseHeader = defineHeader('GetMetaDataResponseHeader', {
  group: f.optString(),
  controllerLeaderId: f.optString(),
  controllerLeaderAddress: f.optString(),
  isLeader: f.optBoolean(),
  peers: f.optString(),
});

/** BROKER_HEARTBEAT (904) sent to a controller; a missing brokerId is answered 2005. */
export const ControllerHeartbeatRequestHeader = defineHeader('BrokerHeartbeatRequestHeader', {
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

/** CLEAN_BROKER_DATA (1011). brokerControllerIdsToClean is "1;2"; blank = the whole broker set. */
export const CleanControllerBrokerDataRequestHeader = defineHeader('CleanControllerBrokerDataRequestHeader', {
  clusterName: f.optString(),
  brokerName: f.string(),
  brokerControllerIdsToClean: f.optString(),
  isCleanLivingBroker: f.optBoolean(),
  invokeTime: f.optLong(),
});

/** CONTROLLER_GET_NEXT_BROKER_ID (1012). */
export const GetNextBrokerIdRequestHeader = defineHeader('GetNextBrokerIdRequestHeader', {
  clusterName: f.optString(),
  brokerName: f.optString(),
});

export const GetNextBrokerIdResponseHeader = defineHeader('GetNextBrokerIdResponseHeader', {
  clusterName: f.optString(),
  brokerName: f.optString(),
  nextBrokerId: f.optLong(),
});

/** CONTROLLER_APPLY_BROKER_ID (1013). registerCheckCode is "address;timestampMs". */
export const ApplyBrokerIdRequestHeader = defineHeader('ApplyBrokerIdRequestHeader', {
  clusterName: f.optString(),
  brokerName: f.optString(),
  appliedBrokerId: f.optLong(),
  registerCheckCode: f.optString(),
});

export const ApplyBrokerIdResponseHeader = defineHeader('ApplyBrokerIdResponseHeader', {
  clusterName: f.optString(),
  brokerName: f.optString(),
});

/** NOTIFY_BROKER_ROLE_CHANGED (1008), controller → broker, oneway; body SyncStateSet. */
export const NotifyBrokerRoleChangedRequestHeader = defineHeader('NotifyBrokerRoleChangedRequestHeader', {
  masterAddress: f.optString(),
  masterEpoch: f.optInt(),
  syncStateSetEpoch: f.optInt(),
  masterBrokerId: f.optLong(),
});
