import { RequestCode } from '@rocketmq-ts/protocol';
import type { RequestHandler } from '@rocketmq-ts/remoting';
import type { FeatureDeps, FeatureProcessor } from '../runtime/ports.js';
import { fastjsonBody } from './admin-json.js';
import { success } from './respond.js';

// GET_ALL_PRODUCER_INFO (328): the live producers by group, as RocketMQ 5.x's ProducerTableInfo
// `{"data":{group:[{clientId,remoteIP,language,version,lastUpdateTimestamp}]}}` (consoles read it).

export function producerAdminProcessors(deps: Pick<FeatureDeps, 'clients'>): FeatureProcessor[] {
  const all: RequestHandler = (request) => {
    const data: Record<string, unknown[]> = {};
    for (const group of deps.clients.producerGroups().sort()) {
      data[group] = deps.clients.producerChannels(group).map((c) => ({
        clientId: c.clientId,
        remoteIP: c.remoteAddress,
        language: c.language,
        version: c.version,
        lastUpdateTimestamp: c.lastUpdateTimestamp,
      }));
    }
    return success(request, fastjsonBody({ data }));
  };
  return [{ code: RequestCode.GET_ALL_PRODUCER_INFO, handler: all }];
}
