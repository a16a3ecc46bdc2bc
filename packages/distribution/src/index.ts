// Public surface of @rocketmq-ts/distribution.
export { type LocalCluster, type LocalClusterOptions, startLocalCluster } from './local-cluster.js';
