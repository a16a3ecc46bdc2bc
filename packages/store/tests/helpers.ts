// Helpers shared by the file-store tests: fresh stores on temp dirs, message builders and
// a read-everything helper that checks queue offsets have no gaps.
import assert from 'node:assert/strict';
import { cp } from 'node:fs/promises';
import * as net from 'node:net';
import { type Logger, ManualClock } from '@rocketmq-ts/common';
import { decodeStoredRecord, encodeProperties, type MessageView } from '@rocketmq-ts/protocol';
import { createFileStore, type FileMessageStore, type MessageInput, type MessageStoreConfig } from '../src/index.js';

export const smallConfig: Partial<MessageStoreConfig> = {
  storeHost: '127.0.0.1:10911',
  mappedFileSizeCommitLog: 32 * 1024,
  mappedFileSizeConsumeQueue: 20 * 64,
  maxMessageSize: 8 * 1024,
  maxHashSlotNum: 64,
  maxIndexNum: 200,
  writeCacheBytes: 64 * 1024,
  flushIntervalCommitLog: 50,
  flushIntervalConsumeQueue: 100,
};

export function msg(topic: string, queueId: number, i: number, bodySize = 200): MessageInput {
  const body = Buffer.alloc(bodySize, i & 0xff);
  body.write(`msg-${i}`, 0);
  return {
    topic,
    queueId,
    flag: 0,
    body,
    properties: encodeProperties({ TAGS: `tag${i % 3}`, KEYS: `key-${i}`, UNIQ_KEY: `U${String(i).padStart(8, '0')}` }),
    sysFlag: 0,
    bornTimestamp: 1_700_000_000_000 + i,
    bornHost: '10.1.2.3:5555',
    reconsumeTimes: 0,
    preparedTransactionOffset: 0,
  };
}

export async function openStore(
  path: string,
  over: Partial<MessageStoreConfig> = {},
  clock = new ManualClock(1_700_000_000_000),
): Promise<FileMessageStore> {
  const s = createFileStore({ ...smallConfig, ...over, storePathRootDir: path }, { clock });
  await s.start();
  return s;
}

/** Reads the whole queue; asserts queue offsets are consecutive from the min offset. */
export async function readQueue(store: FileMessageStore, topic: string, queueId: number): Promise<MessageView[]> {
  const out: MessageView[] = [];
  let offset = store.getMinOffsetInQueue(topic, queueId);
  const max = store.getMaxOffsetInQueue(topic, queueId);
  while (offset < max) {
    const r = await store.getMessage(topic, queueId, offset, 32, 1 << 20);
    assert.equal(r.status, 'FOUND', `read at ${offset} of ${max}`);
    for (const rec of r.records) {
      const m = decodeStoredRecord(rec)!;
      out.push(m);
    }
    offset = r.nextBeginOffset;
  }
  const min = store.getMinOffsetInQueue(topic, queueId);
  for (const [i, m] of out.entries()) assert.equal(m.queueOffset, min + i, 'queue offsets have no gaps');
  return out;
}

/** A byte-for-byte copy of a live store directory: what kill -9 would leave behind. */
export async function snapshotDir(from: string, to: string): Promise<void> {
  await cp(from, to, { recursive: true });
}

const silentLog = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, fatal() {} };
export const silent = { ...silentLog, child: () => silent } as unknown as Logger;

/**
 * A raw TCP peer for bad-input tests: what it receives is read and dropped (so a close by the
 * server is seen even after the server wrote to it); `onCleanup` registers its teardown.
 */
export function rawPeer(
  port: number,
  onCleanup: (fn: () => void) => void,
): { sock: net.Socket; closed: Promise<void> } {
  const sock = net.connect(port, '127.0.0.1');
  sock.on('error', () => {});
  sock.resume();
  const closed = new Promise<void>((r) => sock.on('close', () => r()));
  onCleanup(() => sock.destroy());
  return { sock, closed };
}

/** `p`, or a rejection naming `what` after `ms`. */
export const within = <T>(p: Promise<T>, ms: number, what: string): Promise<T> =>
  Promise.race([
    p,
    new Promise<T>((_, rej) => setTimeout(() => rej(new Error(`${what} within ${ms} ms`)), ms).unref()),
  ]);
