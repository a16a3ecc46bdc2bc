// Public surface of the rocketmq-ts package (its commands are the bins in bin/).
export { type LocalCluster, type LocalClusterOptions, startLocalCluster } from './local-cluster.js';
