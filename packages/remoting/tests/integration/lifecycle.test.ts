import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as pace } from 'node:timers/promises';
import { createRequest, createResponse, ResponseCode } from '@rocketmq-ts/protocol';
import { eventually } from '@rocketmq-ts/testkit';
import { type Connection, RemotingClient, RemotingConnectError, RemotingServer } from '../../src/index.js';
import { type Deferred, deferred, RawClient, startServer } from '../support.js';

const SLOW = 100;
const PING = 101;

describe('graceful close', () => {
  it('answers in-flight requests before closing, and turns new work away', async () => {
    const gates: Deferred<void>[] = [];
    const { server, addr } = await startServer({}, (s) => {
      s.registerProcessor(SLOW, async (req) => {
        const gate = deferred();
        gates.push(gate);
        await gate.promise;
        return createResponse(req, ResponseCode.SUCCESS, 'finished', undefined, Buffer.alloc(64 * 1024, 1));
      });
      s.registerProcessor(PING, (req) => createResponse(req, ResponseCode.SUCCESS));
    });
    const client = new RemotingClient();
    try {
      const inFlight = [client.invoke(addr, createRequest(SLOW)), client.invoke(addr, createRequest(SLOW))];
      await eventually(() => gates.length === 2);
      let closed = false;
      const closing = server.close(5000).then(() => {
        closed = true;
      });
      // A request arriving during the grace period is refused, not queued.
      const late = await client.invoke(addr, createRequest(PING));
      assert.equal(late.code, ResponseCode.SYSTEM_BUSY);
      // No new connections are accepted.
      const other = new RemotingClient({ connectTimeoutMs: 1000 });
      await assert.rejects(other.invoke(addr, createRequest(PING), 1000));
      await other.close();
      assert.equal(closed, false, 'close waits for the in-flight requests');
      for (const g of gates) g.resolve();
      const results = await Promise.all(inFlight);
      for (const r of results) {
        assert.equal(r.code, ResponseCode.SUCCESS);
        assert.equal(r.body?.length, 64 * 1024);
      }
      await closing;
      assert.equal([...server.connections()].length, 0);
      await assert.rejects(client.invoke(addr, createRequest(PING)), RemotingConnectError);
    } finally {
      await client.close();
      await server.close();
    }
  });

  it('gives up on handlers that outlast the grace period', async () => {
    const { server, addr } = await startServer({}, (s) =>
      s.registerProcessor(SLOW, () => new Promise<undefined>(() => {})),
    );
    const client = new RemotingClient();
    try {
      const pending = client.invoke(addr, createRequest(SLOW), 30_000);
      await eventually(() => server.inFlight === 1);
      const started = Date.now();
      await server.close(100);
      assert.ok(Date.now() - started < 3000);
      await assert.rejects(pending);
    } finally {
      await client.close();
    }
  });

  it('fails listen() when the port is taken', async () => {
    const { server, port } = await startServer();
    const second = new RemotingServer({ port, host: '127.0.0.1' });
    try {
      await assert.rejects(second.listen(), /EADDRINUSE/);
    } finally {
      await second.close(0);
      await server.close(0);
    }
  });
});

describe('idle connections', () => {
  it('closes a connection that sends nothing for idleTimeoutMs, and keeps a busy one', async () => {
    const disconnected: Connection[] = [];
    const { server, port, addr } = await startServer({ idleTimeoutMs: 300 }, (s) => {
      s.registerProcessor(PING, (req) => createResponse(req, ResponseCode.SUCCESS));
      s.onDisconnect((c) => disconnected.push(c));
    });
    const client = new RemotingClient();
    // Taken before the connect: the server's idle clock starts when it accepts, so on a loaded
    // machine time measured after the connect (and the busy client's) would shrink the window.
    const startedAt = Date.now();
    const silent = await RawClient.connect(port);
    try {
      const busy = await client.getConnection(addr);
      // The busy client talks every 50 ms until the silent one is gone.
      while (!silent.closed) {
        assert.equal((await client.invoke(addr, createRequest(PING))).code, ResponseCode.SUCCESS);
        // Pacing the traffic, not waiting for a condition: the loop ends on the close itself.
        await pace(50);
        assert.ok(Date.now() - startedAt < 10_000, 'silent connection closed within 10 s');
      }
      assert.ok(Date.now() - startedAt >= 250, 'not closed before the timeout');
      assert.equal(busy.closed, false);
      assert.equal(disconnected.length, 1);
      assert.equal(disconnected[0]!.remoteAddress, silent.localAddress);
    } finally {
      silent.destroy();
      await client.close();
      await server.close(0);
    }
  });
});
