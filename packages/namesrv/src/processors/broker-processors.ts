import { crc32 } from 'node:zlib';
import {
  BrokerHeartbeatRequestHeader,
  decodeDataVersion,
  decodeRegisterBrokerBody,
  emptyDataVersion,
  encodeDataVersion,
  encodeKVTable,
  MQVersion,
  QueryDataVersionRequestHeader,
  QueryDataVersionResponseHeader,
  type RegisterBrokerBody,
  RegisterBrokerRequestHeader,
  RegisterBrokerResponseHeader,
  type RemotingCommand,
  RequestCode,
  ResponseCode,
  UnRegisterBrokerRequestHeader,
} from '@rocketmq-ts/protocol';
import type { Connection } from '@rocketmq-ts/remoting';
import { NAMESPACE_ORDER_TOPIC_CONFIG } from '../kv-config.js';
import { failure, type ProcessorDeps, type ProcessorEntries, readHeader, success } from './processor-support.js';

// Broker-facing codes: REGISTER_BROKER (103), UNREGISTER_BROKER (104),
// QUERY_DATA_VERSION (322), BROKER_HEARTBEAT (904).

/** `extFields` key a broker puts its zone in (Java MixAll.ZONE_NAME). */
const ZONE_NAME = '__ZONE_NAME';

export function brokerProcessors(deps: ProcessorDeps): ProcessorEntries {
  const { routeInfo, kv, config, logger } = deps;

  const register = async (request: RemotingCommand, conn: Connection): Promise<RemotingCommand> => {
    const h = readHeader(RegisterBrokerRequestHeader, request);
    if (!h.ok) return h.response;
    const header = h.value;
    const expected = header.bodyCrc32 ?? 0;
    if (expected !== 0) {
      // Java masks the CRC to a non-negative int; an absent body counts as CRC 0.
      const actual = request.body ? crc32(request.body) & 0x7fffffff : 0;
      if (actual !== expected) {
        logger.warn({ remoteAddress: conn.remoteAddress, expected, actual }, 'registerBroker: crc32 not match');
        return failure(request, ResponseCode.SYSTEM_ERROR, 'crc32 not match');
      }
    }
    let body: RegisterBrokerBody;
    if (request.body && request.body.length > 0) {
      const compressed = header.compressed === true && request.version >= MQVersion.V3_0_11;
      // A compressed body is inflated off the event loop, refused past MAX_INFLATED_BYTES.
      const decoded = await decodeRegisterBrokerBody(request.body, { compressed, version: request.version });
      if (!decoded.ok)
        return failure(request, ResponseCode.SYSTEM_ERROR, `Failed to decode RegisterBrokerBody: ${decoded.error}`);
      body = decoded.value;
    } else {
      body = {
        topicConfigSerializeWrapper: { topicConfigTable: new Map(), dataVersion: emptyDataVersion() },
        filterServerList: [],
      };
    }
    // The connection may have gone while inflating; registering it now would leave a
    // broker entry that only expiry removes.
    if (conn.closed) return failure(request, ResponseCode.SYSTEM_ERROR, 'connection closed');
    const result = routeInfo.registerBroker({
      clusterName: header.clusterName,
      brokerAddr: header.brokerAddr,
      brokerName: header.brokerName,
      brokerId: header.brokerId,
      haServerAddr: header.haServerAddr,
      zoneName: request.extFields[ZONE_NAME],
      heartbeatTimeoutMillis: header.heartbeatTimeoutMillis,
      enableActingMaster: header.enableActingMaster,
      topicConfigWrapper: body.topicConfigSerializeWrapper,
      filterServerList: request.version >= MQVersion.V3_0_11 ? body.filterServerList : undefined,
      channel: conn,
    });
    if (!result) return failure(request, ResponseCode.SYSTEM_ERROR, 'register broker failed');
    let orderConf: Buffer | undefined;
    if (config.returnOrderTopicConfigToBroker) {
      const table = kv.getNamespace(NAMESPACE_ORDER_TOPIC_CONFIG);
      if (table) orderConf = encodeKVTable(new Map(table));
    }
    return success(request, RegisterBrokerResponseHeader.encode(result), orderConf);
  };

  const unregister = (request: RemotingCommand): RemotingCommand => {
    const h = readHeader(UnRegisterBrokerRequestHeader, request);
    if (!h.ok) return h.response;
    routeInfo.unregisterBroker(h.value);
    return success(request);
  };

  const queryDataVersion = (request: RemotingCommand): RemotingCommand => {
    const h = readHeader(QueryDataVersionRequestHeader, request);
    if (!h.ok) return h.response;
    const dv = decodeDataVersion(request.body ?? '{}');
    if (!dv.ok) return failure(request, ResponseCode.SYSTEM_ERROR, dv.error);
    const { clusterName, brokerAddr } = h.value;
    const changed = routeInfo.isBrokerTopicConfigChanged(clusterName, brokerAddr, dv.value);
    routeInfo.updateBrokerInfoUpdateTimestamp(clusterName, brokerAddr);
    const stored = routeInfo.queryBrokerTopicConfig(clusterName, brokerAddr);
    return success(
      request,
      QueryDataVersionResponseHeader.encode({ changed }),
      stored ? encodeDataVersion(stored) : undefined,
    );
  };

  const heartbeat = (request: RemotingCommand): RemotingCommand => {
    const h = readHeader(BrokerHeartbeatRequestHeader, request);
    if (!h.ok) return h.response;
    routeInfo.updateBrokerInfoUpdateTimestamp(h.value.clusterName, h.value.brokerAddr);
    return success(request);
  };

  return [
    [RequestCode.REGISTER_BROKER, register],
    [RequestCode.UNREGISTER_BROKER, unregister],
    [RequestCode.QUERY_DATA_VERSION, queryDataVersion],
    [RequestCode.BROKER_HEARTBEAT, heartbeat],
  ];
}
