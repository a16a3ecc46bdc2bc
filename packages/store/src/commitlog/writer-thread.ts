// Worker-thread side of the CommitLog writer (see record-writer.ts): fills in the body CRCs of
// a range of freshly encoded records and writes the range to its segment file. Requests are
// handled one at a time in arrival order, so replies come back in request order.
import * as fs from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { fillBodyCrcs } from '@rocketmq-ts/protocol';
import { type WriterReply, type WriterRequest, WriterRequestKind } from './writer-messages.js';

const port = parentPort;
if (!port) throw new Error('writer-thread.js runs as a worker thread only');
const buffers = new Map<number, Buffer>();

port.on('message', (m: WriterRequest) => {
  switch (m[0]) {
    case WriterRequestKind.BUFFER:
      buffers.set(m[1], Buffer.from(m[2]));
      return;
    case WriterRequestKind.FORGET:
      buffers.delete(m[1]);
      return;
    case WriterRequestKind.WRITE: {
      const [, id, fd, from, to, position] = m;
      let reply: WriterReply;
      try {
        const buf = buffers.get(id);
        if (!buf) throw new Error(`writer thread: unknown buffer ${id}`);
        fillBodyCrcs(buf, from, to);
        let done = 0;
        while (done < to - from) done += fs.writeSync(fd, buf, from + done, to - from - done, position + done);
        reply = 0;
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        reply = [err.message, err.code ?? ''];
      }
      port.postMessage(reply);
      return;
    }
  }
});
