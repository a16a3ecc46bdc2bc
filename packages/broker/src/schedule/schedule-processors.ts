import { RequestCode } from '@rocketmq-ts/protocol';
import { success } from '../admin/respond.js';
import type { FeatureProcessor } from '../runtime/ports.js';
import type { ScheduleMessageService } from './schedule-service.js';

/** GET_ALL_DELAY_OFFSET (45): the delay progress table, as slaves and admin tools read it. */
export function scheduleProcessors(schedule: ScheduleMessageService): FeatureProcessor[] {
  return [
    {
      code: RequestCode.GET_ALL_DELAY_OFFSET,
      handler: (request) => success(request, Buffer.from(schedule.encode(), 'utf8')),
    },
  ];
}
