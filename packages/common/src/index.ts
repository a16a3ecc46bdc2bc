export { type Clock, ManualClock, systemClock } from './clock.js';
export { RocketMQError } from './errors.js';
export { Fifo } from './fifo.js';
export { type Logger, type LogLevel, silentLogger } from './logger.js';
export { prettyJsonWithTable } from './pretty-json-table.js';
export {
  applyProperties,
  type ConfigValue,
  formatProperties,
  parseProperties,
  readPropertiesFile,
} from './properties-file.js';
export { err, ok, type Result } from './result.js';
export { shutdownOnSignals } from './shutdown-on-signals.js';
export { StateFile } from './state-file.js';
