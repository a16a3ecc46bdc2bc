// Child process for the crash tests: appends under SYNC_FLUSH with several concurrent
// appenders and reports every acknowledged message to the parent over IPC, until killed.
// usage: node crash-writer.js <storeDir> <firstIndex>
import { encodeProperties } from '@rocketmq-ts/protocol';
import { createFileStore } from '../../src/index.js';

export const CRASH_TOPIC = 'Crash';
export const CRASH_QUEUES = 4;
export const crashConfig = {
  flushDiskType: 'SYNC_FLUSH' as const,
  mappedFileSizeCommitLog: 256 * 1024,
  mappedFileSizeConsumeQueue: 20 * 500,
  maxHashSlotNum: 1024,
  maxIndexNum: 4096,
  flushIntervalConsumeQueue: 50,
  storeHost: '127.0.0.1:10911',
};

export function crashBody(i: number): Buffer {
  const b = Buffer.alloc(100 + (i % 700), i % 251);
  b.write(`body-${i}-`, 0);
  return b;
}

export interface Ack {
  i: number;
  q: number;
  off: number;
  id: string;
}

async function main(): Promise<void> {
  const [dir, first] = process.argv.slice(2);
  const store = createFileStore({ ...crashConfig, storePathRootDir: dir! });
  await store.start();
  let next = Number(first);
  const appender = async (): Promise<void> => {
    for (;;) {
      const i = next++;
      const q = i % CRASH_QUEUES;
      const r = await store.putMessage({
        topic: CRASH_TOPIC,
        queueId: q,
        flag: 0,
        body: crashBody(i),
        properties: encodeProperties({ KEYS: `key-${i}`, TAGS: 'T' }),
        sysFlag: 0,
        bornTimestamp: Date.now(),
        bornHost: '127.0.0.1:40000',
        reconsumeTimes: 0,
        preparedTransactionOffset: 0,
      });
      if (r.status === 'PUT_OK') {
        const ack: Ack = { i, q, off: r.append!.logicsOffset, id: r.append!.msgId };
        process.send!(ack);
      }
    }
  };
  process.send!('ready');
  await Promise.all(Array.from({ length: 16 }, appender));
}

if (process.send) {
  main().catch((e) => {
    process.stderr.write(`crash-writer failed: ${String(e)}\n`);
    process.exit(1);
  });
}
