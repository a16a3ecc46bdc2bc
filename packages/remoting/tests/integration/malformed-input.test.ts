import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  createRequest,
  createResponse,
  decodeCommand,
  emptyFields,
  encodeCommand,
  FrameSplitter,
  ResponseCode,
} from '@rocketmq-ts/protocol';
import { eventually } from '@rocketmq-ts/testkit';
import { type Connection, RemotingClient, RemotingClosedError, type RemotingServer } from '../../src/index.js';
import { captureLogger, RawClient, startServer } from '../support.js';

const ECHO = 100;

/** A frame with the given serialize-type byte and raw header bytes. */
function frameWith(type: number, header: Buffer, body = Buffer.alloc(0)): Buffer {
  const out = Buffer.alloc(8 + header.length + body.length);
  out.writeInt32BE(4 + header.length + body.length, 0);
  out.writeUInt32BE(((type << 24) | header.length) >>> 0, 4);
  header.copy(out, 8);
  body.copy(out, 8 + header.length);
  return out;
}

function randomWithFirstByte(size: number, first: number): Buffer {
  const b = randomBytes(size);
  b[0] = first;
  return b;
}

// Each payload must make the server give up on the connection by itself.
const garbage: [string, () => Buffer][] = [
  // Random bytes read as a negative length...
  ['random bytes (negative length)', () => randomWithFirstByte(4096, 0x80 | (randomBytes(1)[0]! & 0x7f))],
  // ...or as a length far above the 16 MiB limit.
  ['random bytes (huge length)', () => randomWithFirstByte(4096, 0x10 + (randomBytes(1)[0]! % 0x60))],
  ['a 2 GB declared frame length', () => Buffer.from([0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 10])],
  ['a frame length below the minimum', () => Buffer.from([0, 0, 0, 2, 0, 0])],
  ['a broken JSON header', () => frameWith(0, Buffer.from('{"code":10,"opaque":'))],
  ['a JSON header that is not an object', () => frameWith(0, Buffer.from('[1,2,3]'))],
  ['a JSON header with a non-integer code', () => frameWith(0, Buffer.from('{"code":"ten","opaque":1}'))],
  ['an unknown serialize type', () => frameWith(7, Buffer.from('{"code":10}'))],
  ['a truncated ROCKETMQ binary header', () => frameWith(1, Buffer.from([0, 10, 0]))],
  [
    'a header length beyond the frame',
    () => {
      const f = frameWith(0, Buffer.from('{"code":10}'));
      f.writeUInt32BE(500, 4);
      return f;
    },
  ],
  // A valid request, then junk: the junk still costs the connection.
  // The junk's first byte is ≥ 0x80 (a negative length): junk starting with 0x00 would declare
  // a plausible frame and the server would rightly wait for the rest of it.
  [
    'a good frame followed by junk',
    () =>
      Buffer.concat([encodeCommand(createRequest(ECHO)), randomWithFirstByte(64, 0x80 | (randomBytes(1)[0]! & 0x7f))]),
  ],
];

describe('malformed input', () => {
  const logger = captureLogger();
  let server: RemotingServer;
  let addr: string;
  let port: number;
  const client = new RemotingClient();

  before(async () => {
    ({ server, addr, port } = await startServer({ logger }, (s) =>
      s.registerProcessor(ECHO, (req) => {
        const fields = emptyFields();
        fields.n = req.extFields.n ?? '';
        return createResponse(req, ResponseCode.SUCCESS, undefined, fields, req.body);
      }),
    ));
  });

  after(async () => {
    await client.close();
    await server.close(1000);
  });

  it('disconnects a client sending garbage while another client keeps getting correct answers', async () => {
    const good = await client.getConnection(addr);
    let stop = false;
    let answered = 0;
    // A steady stream of requests from a well-behaved client for the whole test.
    const goodTraffic = (async () => {
      for (let i = 0; !stop; i++) {
        const fields = emptyFields();
        fields.n = String(i);
        const body = Buffer.from(`payload-${i}`);
        const res = await client.invoke(addr, createRequest(ECHO, fields, body));
        assert.equal(res.code, ResponseCode.SUCCESS);
        assert.equal(res.extFields.n, String(i));
        assert.deepEqual(res.body, body);
        answered++;
      }
    })();

    for (const [name, payload] of garbage) {
      const raw = await RawClient.connect(port);
      const rawAddr = raw.localAddress;
      const answeredBefore = answered;
      const warnsBefore = logger.lines.filter((l) => l.level === 'warn').length;
      await raw.write(payload());
      await raw.waitForClose(`server to drop the client that sent ${name}`);
      // The good client is still served after each bad one.
      await eventually(() => answered > answeredBefore + 2, { message: `good traffic after ${name}` });
      const warns = logger.lines.filter((l) => l.level === 'warn').slice(warnsBefore);
      assert.equal(warns.length, 1, `exactly one warn line for ${name}`);
      const [line] = warns;
      assert.equal((line!.obj as { remoteAddress: string }).remoteAddress, rawAddr);
      assert.match(line!.msg ?? '', new RegExp(`^closing connection from ${rawAddr}: .+`));
      assert.equal(
        [...server.connections()].some((c: Connection) => c.remoteAddress === rawAddr),
        false,
        `${name}: server forgot the connection`,
      );
    }

    stop = true;
    await goodTraffic;
    assert.equal(good.closed, false);
    assert.equal(await client.getConnection(addr), good, 'the good client never had to reconnect');
    assert.equal(logger.lines.filter((l) => l.level === 'error').length, 0);
  });

  it('refuses a 2 GB declared length without waiting for the bytes', async () => {
    const raw = await RawClient.connect(port);
    // Only the length word: the server must not sit waiting for 2 GB to arrive.
    await raw.write(Buffer.from([0x7f, 0xff, 0xff, 0xff]));
    await raw.waitForClose();
    const warn = logger.lines.filter((l) => l.level === 'warn').at(-1);
    assert.match(warn?.msg ?? '', /frame length 2147483647 exceeds 16777216/);
  });

  it('applies a configured maxFrameLength to inbound frames', async () => {
    const { server: small, port: smallPort } = await startServer({ maxFrameLength: 1024 });
    try {
      const raw = await RawClient.connect(smallPort);
      await raw.write(encodeCommand(createRequest(ECHO, emptyFields(), Buffer.alloc(2048))));
      await raw.waitForClose();
    } finally {
      await small.close(0);
    }
  });
});

describe('malformed input from a server', () => {
  it('closes the client connection, rejects its pending requests, and reconnects on next use', async () => {
    const sockets: Socket[] = [];
    let garbageSent = false;
    // A fake server: answers its first connection with junk, later ones properly.
    const fake = createServer((socket) => {
      sockets.push(socket);
      const splitter = new FrameSplitter();
      socket.on('error', () => {});
      socket.on('data', (chunk: Buffer) => {
        for (const frame of splitter.push(chunk).frames) {
          const r = decodeCommand(frame);
          if (!r.ok) continue;
          if (!garbageSent) {
            garbageSent = true;
            socket.write(frameWith(0, Buffer.from('{"code":0,"flag":1,')));
          } else socket.write(encodeCommand(createResponse(r.value, ResponseCode.SUCCESS)));
        }
      });
    });
    await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
    const fakeAddr = `127.0.0.1:${(fake.address() as AddressInfo).port}`;
    const logger = captureLogger();
    const client = new RemotingClient({ logger });
    try {
      await assert.rejects(client.invoke(fakeAddr, createRequest(ECHO), 10_000), RemotingClosedError);
      const warns = logger.lines.filter((l) => l.level === 'warn');
      assert.equal(warns.length, 1);
      assert.match(warns[0]!.msg ?? '', new RegExp(`^closing connection from ${fakeAddr}: header is not JSON`));
      const res = await client.invoke(fakeAddr, createRequest(ECHO));
      assert.equal(res.code, ResponseCode.SUCCESS);
      assert.equal(sockets.length, 2);
    } finally {
      await client.close();
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => fake.close(resolve));
    }
  });
});
