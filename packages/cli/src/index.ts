// @rocketmq-ts/cli: the mqadmin and mqbench commands. The bins are the interface; this
// exports the command table for embedding (e.g. a dashboard running the same commands).
export { commands } from './commands/index.js';
