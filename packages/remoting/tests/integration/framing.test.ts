import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  createRequest,
  createResponse,
  emptyFields,
  encodeCommand,
  ResponseCode,
  SerializeType,
} from '@rocketmq-ts/protocol';
import { eventually } from '@rocketmq-ts/testkit';
import type { RemotingServer, SocketConnection } from '../../src/index.js';
import { RawClient, startServer } from '../support.js';

const ECHO = 100;

function request(opaque: number, body?: Buffer, type: SerializeType = SerializeType.JSON): Buffer {
  const fields = emptyFields();
  fields.topic = 'TopicTest';
  fields.queueId = String(opaque % 8);
  return encodeCommand({ ...createRequest(ECHO, fields, body), opaque }, type);
}

describe('framing over a real socket', () => {
  let server: RemotingServer;
  let port: number;

  before(async () => {
    ({ server, port } = await startServer({}, (s) =>
      s.registerProcessor(ECHO, (req) => {
        const fields = emptyFields();
        fields.topic = req.extFields.topic!;
        fields.queueId = req.extFields.queueId!;
        return createResponse(req, ResponseCode.SUCCESS, undefined, fields, req.body);
      }),
    ));
  });

  after(() => server.close(0));

  /** The server's end of the raw client's socket. */
  function serverSide(raw: RawClient): SocketConnection {
    const want = raw.localAddress;
    const conn = [...server.connections()].find((c) => c.remoteAddress === want);
    assert.ok(conn);
    return conn as SocketConnection;
  }

  it('reassembles a frame written one byte at a time', async () => {
    const raw = await RawClient.connect(port);
    try {
      const body = Buffer.from('split into single bytes');
      const frame = request(11, body);
      await eventually(() => [...server.connections()].length > 0);
      const conn = serverSide(raw);
      for (let i = 0; i < frame.length; i++) {
        await raw.write(frame.subarray(i, i + 1));
        // Each byte reaches the server as its own chunk before the next is sent.
        await eventually(() => conn.socket.bytesRead === i + 1, { intervalMs: 1 });
      }
      await eventually(() => raw.received.length === 1);
      const [res] = raw.received;
      assert.equal(res!.opaque, 11);
      assert.equal(res!.extFields.topic, 'TopicTest');
      assert.deepEqual(res!.body, body);
    } finally {
      raw.destroy();
    }
  });

  it('reassembles frames cut in two at every byte boundary, JSON and binary headers', async () => {
    const raw = await RawClient.connect(port);
    try {
      await eventually(() => [...server.connections()].length > 0);
      const conn = serverSide(raw);
      let sent = 0;
      let opaque = 1000;
      for (const type of [SerializeType.JSON, SerializeType.ROCKETMQ]) {
        // Fixed-width bodies keep every frame of one type the same length.
        const length = request(opaque, Buffer.from('cut-0000'), type).length;
        for (let cut = 1; cut < length; cut++) {
          const f = request(opaque++, Buffer.from(`cut-${String(cut).padStart(4, '0')}`), type);
          await raw.write(f.subarray(0, cut));
          sent += cut;
          await eventually(() => conn.socket.bytesRead === sent, { intervalMs: 1 });
          await raw.write(f.subarray(cut));
          sent += f.length - cut;
        }
      }
      const expected = opaque - 1000;
      await eventually(() => raw.received.length === expected, { message: `${expected} responses` });
      raw.received.forEach((r, i) => {
        assert.equal(r.opaque, 1000 + i);
        assert.equal(r.code, ResponseCode.SUCCESS);
        assert.match(r.body?.toString() ?? '', /^cut-\d+$/);
      });
    } finally {
      raw.destroy();
    }
  });

  it('answers many frames that arrive in one chunk, in order', async () => {
    const raw = await RawClient.connect(port);
    try {
      const frames = Array.from({ length: 200 }, (_, i) => request(i + 1, i % 2 ? Buffer.alloc(i * 10, i) : undefined));
      await raw.write(Buffer.concat(frames));
      await eventually(() => raw.received.length === 200);
      raw.received.forEach((r, i) => {
        assert.equal(r.opaque, i + 1);
        assert.equal(r.body?.length ?? 0, i % 2 ? i * 10 : 0);
      });
    } finally {
      raw.destroy();
    }
  });

  it('answers in the request header type, with the response flag', async () => {
    const raw = await RawClient.connect(port);
    try {
      const chunks: Buffer[] = [];
      raw.socket.on('data', (c: Buffer) => chunks.push(c));
      await raw.write(request(7, undefined, SerializeType.ROCKETMQ));
      await eventually(() => raw.received.length === 1);
      assert.equal(Buffer.concat(chunks).readUInt8(4), SerializeType.ROCKETMQ);
      assert.equal(raw.received[0]!.flag, 1);
      chunks.length = 0;
      await raw.write(request(8, undefined, SerializeType.JSON));
      await eventually(() => raw.received.length === 2);
      assert.equal(Buffer.concat(chunks).readUInt8(4), SerializeType.JSON);
      assert.equal(raw.received[1]!.flag, 1);
    } finally {
      raw.destroy();
    }
  });
});
