import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { silentLogger } from '@rocketmq-ts/common';
import {
  createRequest,
  createResponse,
  FLAG_ONEWAY,
  FLAG_RESPONSE,
  type RemotingCommand,
  ResponseCode,
} from '@rocketmq-ts/protocol';
import { eventually } from '@rocketmq-ts/testkit';
import type { SocketConnection } from '../src/connection.js';
import { ProcessorTable } from '../src/processor-table.js';

/** Only `send` and `remoteAddress` are used by the table. */
function fakeConnection(): SocketConnection & { sent: RemotingCommand[] } {
  const sent: RemotingCommand[] = [];
  return { sent, remoteAddress: '10.0.0.1:5555', send: (c: RemotingCommand) => sent.push(c) } as never;
}

const request = (code: number, opaque: number, flag = 0): RemotingCommand => ({ ...createRequest(code), opaque, flag });

describe('ProcessorTable', () => {
  it('uses the default processor for unregistered codes when one is set', () => {
    const table = new ProcessorTable(silentLogger, 10);
    const conn = fakeConnection();
    table.onRequest(request(1, 1), conn);
    assert.equal(conn.sent[0]!.code, ResponseCode.REQUEST_CODE_NOT_SUPPORTED);
    table.setDefault((req) => createResponse(req, ResponseCode.SUCCESS, 'fallback'));
    table.onRequest(request(1, 2), conn);
    assert.equal(conn.sent[1]!.remark, 'fallback');
    assert.equal(conn.sent[1]!.opaque, 2);
  });

  it('sends nothing when a handler returns undefined', () => {
    const table = new ProcessorTable(silentLogger, 10);
    const conn = fakeConnection();
    table.register(5, () => undefined);
    table.onRequest(request(5, 1), conn);
    assert.equal(conn.sent.length, 0);
    assert.equal(table.inFlight, 0);
  });

  it('counts in-flight per pool, whichever of definePool and register comes first', async () => {
    const table = new ProcessorTable(silentLogger, 100);
    const conn = fakeConnection();
    const release: (() => void)[] = [];
    const slow = (req: RemotingCommand) =>
      new Promise<RemotingCommand>((resolve) => release.push(() => resolve(createResponse(req, 0))));
    table.register(1, slow, 'a');
    table.definePool('a', 1);
    table.definePool('b', 1);
    table.register(2, slow, 'b');
    table.onRequest(request(1, 1), conn);
    table.onRequest(request(2, 2), conn);
    table.onRequest(request(1, 3), conn);
    table.onRequest(request(2, 4, FLAG_ONEWAY), conn);
    assert.equal(table.inFlight, 2);
    // Only the third is answered (busy); the oneway overflow is dropped silently.
    assert.deepEqual(
      conn.sent.map((c) => [c.opaque, c.code]),
      [[3, ResponseCode.SYSTEM_BUSY]],
    );
    for (const r of release) r();
    await eventually(() => table.inFlight === 0);
    assert.deepEqual(
      conn.sent.map((c) => c.opaque),
      [3, 1, 2],
    );
    assert.ok(conn.sent.every((c) => (c.flag & FLAG_RESPONSE) !== 0));
    assert.throws(() => table.definePool('c', 0), RangeError);
  });

  it('whenIdle resolves once the last in-flight request finishes', async () => {
    const table = new ProcessorTable(silentLogger, 10);
    const conn = fakeConnection();
    let release!: () => void;
    table.register(1, (req) => new Promise((r) => (release = () => r(createResponse(req, 0)))));
    table.onRequest(request(1, 1), conn);
    let idle = false;
    const waiting = table.whenIdle(60_000).then(() => {
      idle = true;
    });
    await Promise.resolve();
    assert.equal(idle, false);
    release();
    await waiting;
    assert.equal(conn.sent.length, 1, 'the response was sent before whenIdle resolved');
  });
});
