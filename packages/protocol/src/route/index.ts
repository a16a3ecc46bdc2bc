// Barrel for src/route: route data types and their JSON / register-body codecs.
export { parseLenientJson, quoteIntegerKeys } from './lenient-json.js';
export {
  decodeRegisterBrokerBody,
  decodeRegisterBrokerBodyInflated,
  encodeRegisterBrokerBody,
  encodeRegisterBrokerBodySections,
} from './register-broker-body.js';
export {
  decodeClusterInfo,
  decodeDataVersion,
  decodeKVTable,
  decodeTopicConfigSerializeWrapper,
  decodeTopicList,
  decodeTopicRouteData,
  readDataVersion,
  readTopicConfig,
} from './route-decode.js';
export {
  encodeClusterInfo,
  encodeDataVersion,
  encodeKVTable,
  encodeTopicList,
  encodeTopicRouteData,
  type RouteJsonForm,
  routeJsonForm,
} from './route-json.js';
export * from './route-types.js';
