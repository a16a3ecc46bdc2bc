// The offset checks every getMessage starts with, shared by both stores so they agree on the
// status table in docs/store.md ("Statuses").
import type { GetMessageResult, GetMessageStatus } from './message-store.js';

/**
 * Returns the result for a request that cannot read anything, or undefined when `offset`
 * lies in [min, max) and the caller should scan.
 */
export function checkGetOffset(
  queueExists: boolean,
  offset: number,
  min: number,
  max: number,
): GetMessageResult | undefined {
  const empty = (status: GetMessageStatus, nextBeginOffset: number): GetMessageResult => ({
    status,
    nextBeginOffset,
    minOffset: min,
    maxOffset: max,
    records: [],
    totalSize: 0,
  });
  if (!queueExists) return empty('NO_MATCHED_LOGIC_QUEUE', 0);
  if (max === 0) return empty('NO_MESSAGE_IN_QUEUE', 0);
  if (offset < min) return empty('OFFSET_TOO_SMALL', min);
  if (offset === max) return empty('OFFSET_OVERFLOW_ONE', offset);
  if (offset > max) return empty('OFFSET_OVERFLOW_BADLY', max);
  return undefined;
}

/** Entries a filtered scan may look at before giving up (RocketMQ: max(16000, 20 per wanted message)). */
export const maxScanEntries = (maxCount: number): number => Math.max(16_000, maxCount * 20);
