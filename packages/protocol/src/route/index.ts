// Barrel for src/route: route data types and their JSON / register-body codecs.
export { parseLenientJson, quoteIntegerKeys } from './lenient-json.js';
export {
  decodeRegisterBrokerBody,
  decodeRegisterBrokerBodyInflated,
  encodeRegisterBrokerBody,
  encodeRegisterBrokerBodySections,
  type RegisterBodyOptions,
} from './register-broker-body.js';
export {
  decodeClusterInfo,
  decodeDataVersion,
  decodeKVTable,
  decodeTopicConfigSerializeWrapper,
  decodeTopicList,
  decodeTopicRouteData,
  readBrokerData,
  readDataVersion,
  readQueueData,
  readTopicConfig,
} from './route-decode.js';
export {
  encodeBrokerDataJson,
  encodeClusterInfo,
  encodeDataVersion,
  encodeDataVersionJson,
  encodeKVTable,
  encodeQueueDataJson,
  encodeRegisterBrokerBodyJson,
  encodeTopicConfigJson,
  encodeTopicConfigString,
  encodeTopicList,
  encodeTopicRouteData,
  encodeTopicRouteDataJson,
  type RouteJsonForm,
  routeJsonForm,
} from './route-json.js';
export * from './route-types.js';
