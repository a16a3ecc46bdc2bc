import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createRequest,
  createResponse,
  encodeCommand,
  type RemotingCommand,
  ResponseCode,
} from '@rocketmq-ts/protocol';
import { eventually } from '@rocketmq-ts/testkit';
import type { SocketConnection } from '../../src/index.js';
import { RawClient, startServer } from '../support.js';

const CODE = 100;

function pipelined(count: number, firstOpaque = 1): Buffer {
  return Buffer.concat(
    Array.from({ length: count }, (_, i) => encodeCommand({ ...createRequest(CODE), opaque: firstOpaque + i })),
  );
}

/** Waits until `value()` is the same at two probes `intervalMs` apart. */
async function steady(value: () => number, message: string): Promise<number> {
  let last = -1;
  return eventually(
    () => {
      const v = value();
      const stable = v === last;
      last = v;
      return stable ? v + 1 : false;
    },
    { intervalMs: 150, message },
  ).then((v) => v - 1);
}

describe('flow control', () => {
  it('answers a client that pipelines costly requests and never reads only a bounded number at a time (issue 18, finding 2)', async () => {
    // Like a pull that reads the store: each answer is a fresh buffer, produced a little later.
    const BODY = 64 * 1024;
    let started = 0;
    const { server, port } = await startServer({ writeHighWaterMark: 256 * 1024 }, (s) =>
      s.registerProcessor(
        CODE,
        (req) => {
          started++;
          return new Promise<RemotingCommand>((resolve) =>
            setTimeout(
              () => resolve(createResponse(req, ResponseCode.SUCCESS, undefined, undefined, Buffer.alloc(BODY))),
              2,
            ),
          );
        },
        { costly: true },
      ),
    );
    const raw = await RawClient.connect(port);
    try {
      raw.socket.pause();
      await raw.write(pipelined(2000));
      await eventually(() => [...server.connections()].length === 1);
      const conn = [...server.connections()][0] as SocketConnection;
      const handled = await steady(() => started, 'the server to stop taking requests');
      // Before: all 2000 were read and answered into the output queue (125 MiB here; with
      // pulls from disk, 200-250 MiB per connection). Now: the answers that fit the kernel
      // buffers and the high-water mark, plus at most 8 reads in progress.
      assert.ok(handled < 400, `${handled} of 2000 requests handled while the client was not reading`);
      assert.ok(conn.readPaused);
      assert.ok(conn.costlyRequests <= 8, `${conn.costlyRequests} costly requests in progress`);
      assert.ok(conn.unsentBytes <= 256 * 1024 + 9 * BODY, `${conn.unsentBytes} bytes unsent`);
      assert.ok(server.flowBudget.pendingWriteBytes <= 256 * 1024 + 9 * BODY);
      // The client reads again: everything is answered.
      raw.socket.resume();
      await eventually(() => raw.received.length === 2000, { timeoutMs: 30_000, message: 'all answers' });
    } finally {
      raw.destroy();
      await server.close(0);
    }
  });

  it('stops reading at maxPendingRequestsPerConnection unanswered requests and resumes when half are answered', async () => {
    const held: (() => void)[] = [];
    let started = 0;
    const { server, port } = await startServer({ flowLimits: { maxPendingRequestsPerConnection: 50 } }, (s) =>
      s.registerProcessor(CODE, (req) => {
        started++;
        // A long-polling handler: answers when released.
        return new Promise<RemotingCommand>((resolve) =>
          held.push(() => resolve(createResponse(req, ResponseCode.SUCCESS))),
        );
      }),
    );
    const raw = await RawClient.connect(port);
    try {
      await raw.write(pipelined(200));
      assert.equal(await steady(() => started, 'reading to stop'), 50);
      const conn = [...server.connections()][0] as SocketConnection;
      assert.ok(conn.readPaused);
      assert.equal(conn.pendingRequests, 50);
      // 24 answered: still 26 pending, above the resume mark of 25.
      for (const release of held.splice(0, 24)) release();
      await eventually(() => raw.received.length === 24);
      assert.equal(started, 50);
      held.shift()?.();
      await eventually(() => started > 50, { message: 'reading to resume at half the bound' });
      // Answer everything as it comes: all 200 get through.
      const drain = setInterval(() => {
        for (const release of held.splice(0)) release();
      }, 5);
      try {
        await eventually(() => raw.received.length === 200, { message: 'all 200 answered' });
      } finally {
        clearInterval(drain);
      }
      assert.equal(server.flowBudget.pendingRequests, 0);
    } finally {
      raw.destroy();
      await server.close(0);
    }
  });

  it('does not count costly requests their handler parked (long polling) against the costly bound', async () => {
    const held: (() => void)[] = [];
    let started = 0;
    const { server, port } = await startServer({ flowLimits: { maxCostlyRequestsPerConnection: 4 } }, (s) =>
      s.registerProcessor(
        CODE,
        (req, conn) => {
          started++;
          conn.requestSuspended?.();
          return new Promise<RemotingCommand>((resolve) =>
            held.push(() => {
              conn.requestResumed?.();
              resolve(createResponse(req, ResponseCode.SUCCESS));
            }),
          );
        },
        { costly: true },
      ),
    );
    const raw = await RawClient.connect(port);
    try {
      await raw.write(pipelined(40));
      await eventually(() => started === 40, { message: 'all 40 parked requests started' });
      const conn = [...server.connections()][0] as SocketConnection;
      assert.equal(conn.costlyRequests, 0);
      assert.equal(conn.pendingRequests, 40);
      assert.equal(conn.readPaused, false);
      for (const release of held.splice(0)) release();
      await eventually(() => raw.received.length === 40);
      assert.equal(conn.costlyRequests, 0);
      assert.equal(conn.pendingRequests, 0);
    } finally {
      raw.destroy();
      await server.close(0);
    }
  });

  it('answers SYSTEM_BUSY once the process-wide pending-request limit is reached', async () => {
    const held: (() => void)[] = [];
    const { server, port } = await startServer({ flowLimits: { maxPendingRequests: 10 } }, (s) =>
      s.registerProcessor(
        CODE,
        (req) => new Promise<RemotingCommand>((resolve) => held.push(() => resolve(createResponse(req, 0)))),
      ),
    );
    const a = await RawClient.connect(port);
    const b = await RawClient.connect(port);
    try {
      await a.write(pipelined(8));
      await b.write(pipelined(8, 100));
      await eventually(() => a.received.length + b.received.length === 6, { message: 'six SYSTEM_BUSY answers' });
      for (const r of [...a.received, ...b.received]) assert.equal(r.code, ResponseCode.SYSTEM_BUSY);
      assert.equal(held.length, 10);
      assert.equal(server.flowBudget.rejected, 6);
      for (const release of held.splice(0)) release();
      await eventually(() => a.received.length + b.received.length === 16);
      assert.equal(server.flowBudget.pendingRequests, 0);
    } finally {
      a.destroy();
      b.destroy();
      await server.close(0);
    }
  });

  it('closes a connection whose unsent answers pass maxPendingWriteBytesPerConnection, and forgets its bytes', async () => {
    const BODY = Buffer.alloc(512 * 1024);
    const { server, port } = await startServer(
      {
        writeHighWaterMark: 256 * 1024,
        flowLimits: { maxPendingWriteBytesPerConnection: 2 * 1024 * 1024, maxCostlyRequestsPerConnection: 64 },
      },
      (s) =>
        s.registerProcessor(
          CODE,
          (req) =>
            new Promise<RemotingCommand>((resolve) =>
              setTimeout(() => resolve(createResponse(req, 0, undefined, undefined, BODY)), 1),
            ),
          { costly: true },
        ),
    );
    const raw = await RawClient.connect(port);
    try {
      raw.socket.pause();
      await raw.write(pipelined(60));
      // (A paused client socket sees no 'close' until it reads, so ask the server.)
      await eventually(() => server.flowBudget.slowConsumersClosed === 1 && [...server.connections()].length === 0, {
        message: 'the server to close the non-reading connection',
      });
      await eventually(() => server.flowBudget.pendingRequests === 0);
      assert.equal(server.flowBudget.pendingWriteBytes, 0);
    } finally {
      raw.destroy();
      await server.close(0);
    }
  });
});
