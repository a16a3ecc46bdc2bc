// Test helper (not a test file): stored message records as a pull response body carries them.
import { encodeProperties, encodeStoredRecord, parseHost } from '@rocketmq-ts/protocol';

/** One record of topic T, queue 1, with fixed hosts and timestamps. */
export const record = (queueOffset: number, body: Buffer, props: Record<string, string>, sysFlag = 0): Buffer =>
  encodeStoredRecord({
    topic: 'T',
    queueId: 1,
    flag: 3,
    body,
    properties: encodeProperties(props),
    sysFlag,
    bornTimestamp: 1000,
    bornHost: parseHost('10.0.0.1:5000')!,
    storeTimestamp: 2000,
    storeHost: parseHost('10.0.0.2:10911')!,
    reconsumeTimes: 2,
    preparedTransactionOffset: 0,
    queueOffset,
    physicalOffset: 100 + queueOffset * 1000,
  });
