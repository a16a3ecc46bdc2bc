import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RocketMQError } from '@rocketmq-ts/common';
import {
  createRequest,
  createResponse,
  emptyFields,
  encodeCommand,
  FLAG_ONEWAY,
  FLAG_RESPONSE,
  ResponseCode,
  SerializeType,
} from '@rocketmq-ts/protocol';
import { eventually } from '@rocketmq-ts/testkit';
import {
  RemotingClient,
  RemotingClosedError,
  RemotingConnectError,
  RemotingErrorCode,
  type RemotingServer,
  RemotingTimeoutError,
} from '../../src/index.js';
import { type Deferred, deferred, RawClient, startServer } from '../support.js';

const ECHO = 100;
const SLOW = 101;
const THROWS = 102;
const REJECTS = 103;
const THROWS_CODED = 110;
const HANG = 104;
const ONEWAY_SINK = 105;
const RAW_RESPONSE = 106;
const UNENCODABLE = 107;
const PARTS = 108;

describe('RemotingServer and RemotingClient', () => {
  let server: RemotingServer;
  let addr: string;
  let port: number;
  const client = new RemotingClient({ requestTimeoutMs: 5000 });
  const slowGate: Deferred<void>[] = [];
  const hung: Deferred<void>[] = [];
  let onewaySeen = 0;

  before(async () => {
    ({ server, addr, port } = await startServer({}, (s) => {
      s.registerProcessor(ECHO, async (req) => {
        // Finish out of order so matching by opaque is really exercised.
        const n = Number(req.extFields.n);
        if (n % 3 === 0) await new Promise<void>((r) => setImmediate(r));
        if (n % 5 === 0) await new Promise<void>((r) => setTimeout(r, 2));
        const fields = emptyFields();
        fields.n = req.extFields.n!;
        return createResponse(req, ResponseCode.SUCCESS, undefined, fields, req.body);
      });
      s.definePool('slow', { maxInFlight: 2 });
      s.registerProcessor(
        SLOW,
        async (req) => {
          const gate = deferred();
          slowGate.push(gate);
          await gate.promise;
          return createResponse(req, ResponseCode.SUCCESS);
        },
        { pool: 'slow' },
      );
      s.registerProcessor(THROWS, () => {
        throw new Error('boom in handler');
      });
      s.registerProcessor(REJECTS, () => Promise.reject(new Error('async boom')));
      s.registerProcessor(THROWS_CODED, (req) => {
        if (req.extFields.async === 'true') {
          return Promise.reject(new RocketMQError('no such topic', { code: ResponseCode.TOPIC_NOT_EXIST }));
        }
        throw new RocketMQError('subscription not exist', { code: ResponseCode.SUBSCRIPTION_NOT_EXIST });
      });
      s.registerProcessor(HANG, () => {
        const d = deferred();
        hung.push(d);
        return d.promise.then(() => undefined);
      });
      s.registerProcessor(ONEWAY_SINK, (req) => {
        onewaySeen++;
        return createResponse(req, ResponseCode.SUCCESS, 'must never be sent');
      });
      // A handler returning a command built by hand, with the wrong opaque and flag.
      // JSON.stringify throws on a BigInt: a response that cannot be encoded.
      s.registerProcessor(UNENCODABLE, (req) => ({ ...createResponse(req, 0), remark: 1n as unknown as string }));
      s.registerProcessor(PARTS, (req) => {
        const res = createResponse(req, ResponseCode.SUCCESS);
        res.bodyParts = [Buffer.from('one,'), Buffer.alloc(0), Buffer.from('two,'), Buffer.from('three')];
        return res;
      });
      s.registerProcessor(RAW_RESPONSE, () => ({ ...createRequest(0), opaque: 424242, flag: FLAG_ONEWAY }));
    }));
  });

  after(async () => {
    for (const d of hung) d.resolve();
    await client.close();
    await server.close(1000);
  });

  it('matches many concurrent responses to their requests by opaque', async () => {
    const n = 2000;
    const responses = await Promise.all(
      Array.from({ length: n }, (_, i) => {
        const fields = emptyFields();
        fields.n = String(i);
        return client.invoke(addr, createRequest(ECHO, fields, Buffer.from(`body-${i}`)));
      }),
    );
    responses.forEach((res, i) => {
      assert.equal(res.code, ResponseCode.SUCCESS);
      assert.equal(res.extFields.n, String(i));
      assert.equal(res.body?.toString(), `body-${i}`);
      assert.equal(res.flag & FLAG_RESPONSE, FLAG_RESPONSE);
    });
  });

  it('answers an unknown request code with REQUEST_CODE_NOT_SUPPORTED and the Java remark', async () => {
    const res = await client.invoke(addr, createRequest(9999));
    assert.equal(res.code, ResponseCode.REQUEST_CODE_NOT_SUPPORTED);
    assert.equal(res.remark, ' request type 9999 not supported');
  });

  it('turns a thrown error or a rejected promise into SYSTEM_ERROR with the message as remark', async () => {
    const thrown = await client.invoke(addr, createRequest(THROWS));
    assert.equal(thrown.code, ResponseCode.SYSTEM_ERROR);
    assert.equal(thrown.remark, 'boom in handler');
    const rejected = await client.invoke(addr, createRequest(REJECTS));
    assert.equal(rejected.code, ResponseCode.SYSTEM_ERROR);
    assert.equal(rejected.remark, 'async boom');
  });

  it('answers a thrown or rejected RocketMQError with its own code, not SYSTEM_ERROR (issue 19)', async () => {
    const thrown = await client.invoke(addr, createRequest(THROWS_CODED));
    assert.equal(thrown.code, ResponseCode.SUBSCRIPTION_NOT_EXIST);
    assert.equal(thrown.remark, 'subscription not exist');
    const rejected = await client.invoke(addr, createRequest(THROWS_CODED, { async: 'true' }));
    assert.equal(rejected.code, ResponseCode.TOPIC_NOT_EXIST);
    assert.equal(rejected.remark, 'no such topic');
  });

  it('answers each request in its own header type: binary to binary, JSON to JSON', async () => {
    const raw = await RawClient.connect(port);
    try {
      const fields = (n: string) => Object.assign(emptyFields(), { n });
      await raw.write(encodeCommand(createRequest(ECHO, fields('1'), undefined, 11), SerializeType.ROCKETMQ));
      await raw.write(encodeCommand(createRequest(ECHO, fields('2'), undefined, 12), SerializeType.JSON));
      await raw.write(encodeCommand(createRequest(9999, fields('3'), undefined, 13), SerializeType.ROCKETMQ));
      await eventually(() => raw.received.length === 3);
      const byOpaque = new Map(raw.received.map((r) => [r.opaque, r]));
      assert.equal(byOpaque.get(11)?.serializeType, SerializeType.ROCKETMQ);
      assert.equal(byOpaque.get(11)?.extFields.n, '1');
      assert.equal(byOpaque.get(12)?.serializeType, SerializeType.JSON);
      assert.equal(byOpaque.get(12)?.extFields.n, '2');
      assert.equal(byOpaque.get(13)?.serializeType, SerializeType.ROCKETMQ, 'rejections too');
      assert.equal(byOpaque.get(13)?.code, ResponseCode.REQUEST_CODE_NOT_SUPPORTED);
    } finally {
      raw.destroy();
    }
  });

  it('a client configured for binary headers sends binary and decodes the binary answers', async () => {
    const binary = new RemotingClient({ serializeType: SerializeType.ROCKETMQ });
    try {
      const res = await binary.invoke(
        addr,
        createRequest(ECHO, Object.assign(emptyFields(), { n: '7' }), Buffer.from('b')),
      );
      assert.equal(res.serializeType, SerializeType.ROCKETMQ);
      assert.equal(res.extFields.n, '7');
      assert.equal(res.body?.toString(), 'b');
    } finally {
      await binary.close();
    }
  });

  it('writes bodyParts back to back as one body', async () => {
    const res = await client.invoke(addr, createRequest(PARTS));
    assert.equal(res.body?.toString(), 'one,two,three');
  });

  it('answers SYSTEM_ERROR when the returned response cannot be encoded', async () => {
    const res = await client.invoke(addr, createRequest(UNENCODABLE));
    assert.equal(res.code, ResponseCode.SYSTEM_ERROR);
    assert.match(res.remark ?? '', /BigInt/);
  });

  it('forces the opaque and response flag on a command returned by a handler', async () => {
    const raw = await RawClient.connect(port);
    try {
      await raw.write(encodeCommand({ ...createRequest(RAW_RESPONSE), opaque: 77 }));
      await eventually(() => raw.received.length === 1);
      assert.equal(raw.received[0]!.opaque, 77);
      assert.equal(raw.received[0]!.flag, FLAG_RESPONSE);
    } finally {
      raw.destroy();
    }
  });

  it('answers SYSTEM_BUSY at once when the pool is full, and serves again after', async () => {
    const first = client.invoke(addr, createRequest(SLOW));
    const second = client.invoke(addr, createRequest(SLOW));
    await eventually(() => slowGate.length === 2, { message: 'both slow requests in the handler' });
    const third = await client.invoke(addr, createRequest(SLOW));
    assert.equal(third.code, ResponseCode.SYSTEM_BUSY);
    assert.match(third.remark ?? '', /pool 'slow'.*2 requests in flight/);
    // Other pools are unaffected.
    assert.equal((await client.invoke(addr, createRequest(9998))).code, ResponseCode.REQUEST_CODE_NOT_SUPPORTED);
    for (const g of slowGate.splice(0)) g.resolve();
    assert.equal((await first).code, ResponseCode.SUCCESS);
    assert.equal((await second).code, ResponseCode.SUCCESS);
    const fourth = client.invoke(addr, createRequest(SLOW));
    await eventually(() => slowGate.length === 1);
    slowGate.shift()!.resolve();
    assert.equal((await fourth).code, ResponseCode.SUCCESS);
  });

  it('never answers a oneway request, even an unknown or failing one', async () => {
    const raw = await RawClient.connect(port);
    try {
      const oneway = (code: number) => encodeCommand({ ...createRequest(code), flag: FLAG_ONEWAY, opaque: code });
      await raw.write(Buffer.concat([oneway(ONEWAY_SINK), oneway(9997), oneway(THROWS)]));
      await raw.write(encodeCommand({ ...createRequest(9996), opaque: 5 }));
      await eventually(() => raw.received.length >= 1);
      assert.equal(onewaySeen, 1);
      // The normal request's answer comes after the oneways were processed, and it is alone.
      await client.invoke(addr, createRequest(9995));
      assert.deepEqual(
        raw.received.map((r) => r.opaque),
        [5],
      );
    } finally {
      raw.destroy();
    }
  });

  it('invokeOneway sends with the oneway flag and gets no response', async () => {
    const before = onewaySeen;
    await client.invokeOneway(addr, createRequest(ONEWAY_SINK));
    await eventually(() => onewaySeen === before + 1);
    const conn = await client.getConnection(addr);
    assert.equal((conn as unknown as { pendingCount: number }).pendingCount, 0);
  });

  it('rejects with RemotingTimeoutError when no response comes in time, and drops the late one', async () => {
    const started = Date.now();
    await assert.rejects(client.invoke(addr, createRequest(HANG), 100), (e: unknown) => {
      assert.ok(e instanceof RemotingTimeoutError);
      assert.equal(e.code, RemotingErrorCode.TIMEOUT);
      assert.equal(e.retriable, true);
      assert.equal(e.requestCode, HANG);
      return true;
    });
    assert.ok(Date.now() - started >= 90);
    // The late answer must not confuse later requests.
    hung.shift()!.resolve();
    const res = await client.invoke(addr, createRequest(9994));
    assert.equal(res.code, ResponseCode.REQUEST_CODE_NOT_SUPPORTED);
  });

  it('rejects with RemotingConnectError when nothing listens', async () => {
    const { server: gone, addr: goneAddr } = await startServer();
    await gone.close(0);
    const c = new RemotingClient({ connectTimeoutMs: 2000 });
    try {
      await assert.rejects(c.invoke(goneAddr, createRequest(ECHO)), (e: unknown) => {
        assert.ok(e instanceof RemotingConnectError);
        assert.equal(e.code, RemotingErrorCode.CONNECT);
        assert.ok(e.cause instanceof Error);
        return true;
      });
      await assert.rejects(c.invoke('no-port-here', createRequest(ECHO)), RemotingConnectError);
    } finally {
      await c.close();
    }
  });

  it('reuses one connection per address and reconnects on next use after a close', async () => {
    const a = await client.getConnection(addr);
    assert.equal(await client.getConnection(addr), a);
    client.closeConnection(addr);
    assert.equal(a.closed, true);
    const res = await client.invoke(addr, createRequest(9993));
    assert.equal(res.code, ResponseCode.REQUEST_CODE_NOT_SUPPORTED);
    const b = await client.getConnection(addr);
    assert.notEqual(b.id, a.id);
    // Closed from the server side this time.
    for (const c of server.connections()) if (c.remoteAddress === b.localAddress) c.close();
    await eventually(() => b.closed);
    assert.equal((await client.invoke(addr, createRequest(9992))).code, ResponseCode.REQUEST_CODE_NOT_SUPPORTED);
  });

  it('reports addresses as ip:port without the ::ffff: prefix', async () => {
    const conn = await client.getConnection(addr);
    assert.equal(conn.remoteAddress, addr);
    assert.match(conn.localAddress, /^127\.0\.0\.1:\d+$/);
    const serverSide = [...server.connections()].find((c) => c.remoteAddress === conn.localAddress);
    assert.ok(serverSide, 'server sees the client under its local address');
    assert.equal(serverSide.localAddress, addr);
  });
});

describe('pending requests when the server goes away', () => {
  it('rejects every pending request at once with RemotingClosedError', async () => {
    const entered: Deferred<void>[] = [];
    const { server, addr } = await startServer({}, (s) =>
      s.registerProcessor(HANG, () => {
        const d = deferred();
        entered.push(d);
        return d.promise.then(() => undefined);
      }),
    );
    const client = new RemotingClient();
    try {
      const pending = Array.from({ length: 5 }, () => client.invoke(addr, createRequest(HANG), 30_000));
      await eventually(() => entered.length === 5);
      const started = Date.now();
      // A server that dies: connections dropped without answering.
      for (const c of server.connections()) c.close();
      const results = await Promise.allSettled(pending);
      assert.ok(Date.now() - started < 5000, 'rejected at once, not after the timeout');
      for (const r of results) {
        assert.equal(r.status, 'rejected');
        assert.ok(r.reason instanceof RemotingClosedError);
        assert.equal(r.reason.code, RemotingErrorCode.CLOSED);
      }
    } finally {
      for (const d of entered) d.resolve();
      await client.close();
      await server.close(0);
    }
  });
});
