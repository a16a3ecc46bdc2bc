// Hands encoded CommitLog bytes to the kernel. Records are encoded with BODYCRC 0 and the
// writer fills the CRCs in just before the write: CRC-32 of the body is the largest single
// cost of an append (zlib's crc32 runs at ~2.4 GB/s here, ~0.38 µs per 1 KiB record), and it is
// done once per written range rather than per append. Nobody can read a record
// before it is written (dispatch and acks follow the write), so nobody sees the zero.
// By default that runs on the loop (inlineWriter; see there for why); the thread is opt-in
// (`commitLogWriterThread`) for stores whose loop is saturated by appends alone.
import * as fs from 'node:fs';
import { Worker } from 'node:worker_threads';
import { Fifo, type Logger } from '@rocketmq-ts/common';
import { fillBodyCrcs } from '@rocketmq-ts/protocol';
import { type WriterReply, type WriterRequest, WriterRequestKind } from './writer-messages.js';

type WriteDone = (error: Error | undefined) => void;

export interface RecordWriter {
  /** A buffer for a write-cache block that this writer can write from. */
  alloc(size: number): Buffer;
  /** The buffer left the cache and will not be written from again. */
  release(buf: Buffer): void;
  /** Fills the body CRCs of the records in buf[from, to), writes them at `position` of `fd`. */
  write(buf: Buffer, fd: number, from: number, to: number, position: number, done: WriteDone): void;
  close(): void;
}

/**
 * CRCs and a synchronous write on the event loop (the default writer). Synchronous on purpose:
 * the bytes go to the page cache, which costs microseconds per KiB, while a hand-off to another
 * thread (the libuv pool, or the writer thread) costs two thread wake-ups that, on a loaded
 * two-core machine, each wait for a CPU. Measured with the SDK producer at 128 in flight
 * (bench:compare's produce load): 88–94k msg/s at 8.6–9.4 µs broker CPU per message, against
 * 78–83k at 9.6–10.6 µs through the writer thread. RocketMQ's put path does the same, copying
 * into its mapped file on the thread that handles the request.
 */
export const inlineWriter: RecordWriter = {
  alloc: (size) => Buffer.allocUnsafe(size),
  release: () => {},
  write: writeNow,
  close: () => {},
};

/**
 * With the writer thread: ranges up to this size are still written on the loop when the
 * thread has nothing queued. At a low rate every append is its own small range, and the
 * thread round trip would cost more than the CRC and the copy.
 */
const INLINE_WRITE_MAX = 16 * 1024;

/** Fills CRCs and writes synchronously; `done` runs on a microtask, as if the write came back. */
function writeNow(buf: Buffer, fd: number, from: number, to: number, position: number, done: WriteDone): void {
  let error: Error | undefined;
  try {
    fillBodyCrcs(buf, from, to);
    for (let n = from; n < to; ) n += fs.writeSync(fd, buf, n, to - n, position + n - from);
  } catch (e) {
    error = e as Error;
  }
  queueMicrotask(() => done(error));
}

/** One worker thread per process, shared by every store in it. */
class WriterThread {
  readonly worker: Worker;
  /** Callbacks of the writes sent, in order (the thread answers in order). */
  private readonly pending = new Fifo<WriteDone>();
  private nextId = 1;
  dead: Error | undefined;

  constructor() {
    this.worker = new Worker(new URL('./writer-thread.js', import.meta.url));
    // Referenced until online (a store's start waits for it); unreferenced once idle.
    this.worker.on('message', (r: WriterReply) => this.reply(r));
  }

  /** No write queued or running on the thread. */
  get idle(): boolean {
    return this.pending.isEmpty;
  }

  register(memory: SharedArrayBuffer): number {
    const id = this.nextId++;
    this.post([WriterRequestKind.BUFFER, id, memory]);
    return id;
  }

  post(m: WriterRequest): void {
    this.worker.postMessage(m);
  }

  write(id: number, fd: number, from: number, to: number, position: number, done: WriteDone): void {
    // A pending write keeps the process alive, as a pending fs.write would.
    if (this.pending.isEmpty) this.worker.ref();
    this.pending.push(done);
    this.post([WriterRequestKind.WRITE, id, fd, from, to, position]);
  }

  private reply(r: WriterReply): void {
    const done = this.pending.shift();
    if (!done) return;
    if (this.pending.isEmpty) this.worker.unref();
    done(r === 0 ? undefined : Object.assign(new Error(r[0]), { code: r[1] }));
  }

  /** The thread is gone: fail every write still waiting for it. */
  fail(e: Error): void {
    this.dead = e;
    const waiting = this.pending.drain();
    for (const done of waiting) done(e);
  }
}

let shared: WriterThread | undefined;
let starting: Promise<WriterThread> | undefined;

function startThread(): Promise<WriterThread> {
  if (shared && !shared.dead) return Promise.resolve(shared);
  if (starting) return starting;
  starting = new Promise<WriterThread>((resolve, reject) => {
    const t = new WriterThread();
    t.worker.once('online', () => {
      t.worker.unref();
      resolve(t);
    });
    t.worker.once('error', (e) => {
      t.fail(e);
      reject(e);
    });
    t.worker.once('exit', (code) => t.fail(new Error(`commitlog writer thread exited (${code})`)));
  }).finally(() => {
    starting = undefined;
  });
  return starting.then((t) => {
    shared = t;
    return t;
  });
}

/** A writer backed by the process's writer thread, or the inline writer if it cannot start. */
export async function acquireThreadWriter(logger: Logger): Promise<RecordWriter> {
  let t: WriterThread;
  try {
    t = await startThread();
  } catch (e) {
    logger.warn({ err: e }, 'commitlog writer thread unavailable; writing from the event loop');
    return inlineWriter;
  }
  const ids = new WeakMap<ArrayBufferLike, number>();
  const registered = new Set<number>();
  let closed = false;
  return {
    alloc: (size) => Buffer.from(new SharedArrayBuffer(size)),
    release(buf) {
      const id = ids.get(buf.buffer);
      if (id === undefined) return;
      ids.delete(buf.buffer);
      registered.delete(id);
      if (!t.dead) t.post([WriterRequestKind.FORGET, id]);
    },
    write(buf, fd, from, to, position, done) {
      if (to - from <= INLINE_WRITE_MAX && t.idle) {
        writeNow(buf, fd, from, to, position, done);
        return;
      }
      if (t.dead || !(buf.buffer instanceof SharedArrayBuffer)) {
        writeNow(buf, fd, from, to, position, done);
        return;
      }
      let id = ids.get(buf.buffer);
      if (id === undefined) {
        id = t.register(buf.buffer);
        ids.set(buf.buffer, id);
        registered.add(id);
      }
      t.write(id, fd, from, to, position, done);
    },
    close() {
      if (closed) return;
      closed = true;
      if (!t.dead) for (const id of registered) t.post([WriterRequestKind.FORGET, id]);
      registered.clear();
      // The thread stays (unreferenced, idle) for the next store of this process: tests and
      // restarts open stores again and again, and starting a thread costs ~30 ms.
    },
  };
}
