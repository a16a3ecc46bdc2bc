import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRequest, createResponse, encodeCommand, ResponseCode } from '@rocketmq-ts/protocol';
import { eventually } from '@rocketmq-ts/testkit';
import type { SocketConnection } from '../../src/index.js';
import { RawClient, startServer } from '../support.js';

const BIG = 100;
const BODY = Buffer.alloc(512 * 1024, 7);
const REQUESTS = 400;
const HIGH_WATER_MARK = 256 * 1024;

describe('backpressure', () => {
  it('stops reading from a client that does not read its responses, and resumes when it does', async () => {
    let handled = 0;
    const { server, port } = await startServer({ writeHighWaterMark: HIGH_WATER_MARK }, (s) =>
      s.registerProcessor(BIG, (req) => {
        handled++;
        return createResponse(req, ResponseCode.SUCCESS, undefined, undefined, BODY);
      }),
    );
    const raw = await RawClient.connect(port);
    try {
      // This client asks for 200 MiB of responses and reads none of them.
      raw.socket.pause();
      const requests = Buffer.concat(
        Array.from({ length: REQUESTS }, (_, i) => encodeCommand({ ...createRequest(BIG), opaque: i + 1 })),
      );
      await raw.write(requests);
      await eventually(() => [...server.connections()].length === 1);
      const conn = [...server.connections()][0] as SocketConnection;

      // Steady state: reading paused and no more requests handled between two probes.
      let last = -1;
      await eventually(
        () => {
          const stable = conn.readPaused && handled === last;
          last = handled;
          return stable;
        },
        { intervalMs: 100, message: 'server to stop reading the socket' },
      );
      // What is answered is bounded by the kernel socket buffers plus our high-water mark,
      // far below the 400 requests sent.
      assert.ok(handled < REQUESTS / 2, `handled ${handled} of ${REQUESTS} while the client was not reading`);
      assert.ok(
        conn.socket.writableLength <= HIGH_WATER_MARK + BODY.length + 1024,
        `user-space output buffer ${conn.socket.writableLength} stays near the high-water mark`,
      );
      assert.equal(conn.closed, false);

      // Once the client reads again, every request is answered, in order.
      raw.socket.resume();
      await eventually(() => raw.received.length === REQUESTS, {
        timeoutMs: 30_000,
        message: 'all responses after the client resumed',
      });
      assert.equal(handled, REQUESTS);
      assert.equal(conn.readPaused, false);
      raw.received.forEach((r, i) => {
        assert.equal(r.opaque, i + 1);
        assert.equal(r.body?.length, BODY.length);
      });
    } finally {
      raw.destroy();
      await server.close(0);
    }
  });
});
