// Request frames written by hand, so that a hostile client can send what no encoder would:
// a header of any JSON text, lengths that lie, bodies that inflate to a gigabyte.
import { createDeflate } from 'node:zlib';

/** Request codes the harness uses (RocketMQ's RequestCode). */
export const Code = {
  SEND_MESSAGE: 10,
  PULL_MESSAGE: 11,
  QUERY_MESSAGE: 12,
  HEART_BEAT: 34,
  REGISTER_BROKER: 103,
  GET_ROUTEINFO_BY_TOPIC: 105,
  GET_BROKER_CLUSTER_INFO: 106,
  CONTROLLER_GET_METADATA_INFO: 1005,
} as const;

/** An HA slave's report (8 bytes, big-endian long): the next CommitLog offset it needs. */
export function haReport(offset: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(BigInt(offset));
  return b;
}

/** The HTTP/2 client connection preface, then an empty SETTINGS frame. */
export function http2Preface(): Buffer {
  return Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), http2Frame(4, 0, 0, Buffer.alloc(0))]);
}

/** An HTTP/2 frame: 24-bit length (or `claimedLength`), type, flags, stream id, payload. */
export function http2Frame(
  type: number,
  flags: number,
  stream: number,
  payload: Buffer,
  claimedLength?: number,
): Buffer {
  const h = Buffer.alloc(9);
  h.writeUIntBE(claimedLength ?? payload.length, 0, 3);
  h.writeUInt8(type, 3);
  h.writeUInt8(flags, 4);
  h.writeUInt32BE(stream & 0x7fffffff, 5);
  return Buffer.concat([h, payload]);
}

/** An HTTP/2 PING (each one asks the server for an ACK). */
export function http2Ping(n: number): Buffer {
  const p = Buffer.alloc(8);
  p.writeUInt32BE(n >>> 0, 4);
  return http2Frame(6, 0, 0, p);
}

export function httpGet(path: string): Buffer {
  return Buffer.from(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
}

/** A frame with a JSON header given as text: [total length][type 0 | header length][header][body]. */
export function rawFrame(headerJson: string, body: Buffer = Buffer.alloc(0)): Buffer {
  const header = Buffer.from(headerJson, 'utf8');
  const out = Buffer.allocUnsafe(8 + header.length + body.length);
  out.writeInt32BE(4 + header.length + body.length, 0);
  out.writeInt32BE(header.length & 0xffffff, 4);
  header.copy(out, 8);
  body.copy(out, 8 + header.length);
  return out;
}

/** A well-formed JSON request (flag 0 = request, expects an answer). */
export function request(code: number, opaque: number, extFields: Record<string, string>, body?: Buffer): Buffer {
  const header = JSON.stringify({ code, language: 'JAVA', version: 401, opaque, flag: 0, extFields });
  return rawFrame(header, body);
}

export function heartbeat(opaque: number, clientID: string): Buffer {
  const body = Buffer.from(JSON.stringify({ clientID, producerDataSet: [], consumerDataSet: [] }));
  return request(Code.HEART_BEAT, opaque, {}, body);
}

export function pull(opaque: number, topic: string, group: string, queueId: number, offset: number): Buffer {
  return request(Code.PULL_MESSAGE, opaque, {
    consumerGroup: group,
    topic,
    queueId: String(queueId),
    queueOffset: String(offset),
    maxMsgNums: '32',
    // SUBSCRIPTION (4) alone: the subscription travels with the pull (no heartbeat needed), no
    // suspension, no commit: every pull reads the store and answers at once.
    sysFlag: '4',
    expressionType: 'TAG',
    commitOffset: '0',
    suspendTimeoutMillis: '0',
    subscription: '*',
    subVersion: '0',
  });
}

export function routeQuery(opaque: number, topic: string): Buffer {
  return request(Code.GET_ROUTEINFO_BY_TOPIC, opaque, { topic });
}

/** A header whose extFields value is nested `depth` arrays deep. */
export function deeplyNested(opaque: number, depth: number): Buffer {
  const value = '['.repeat(depth) + ']'.repeat(depth);
  return rawFrame(
    `{"code":${Code.GET_ROUTEINFO_BY_TOPIC},"language":"JAVA","version":401,"opaque":${opaque},"flag":0,"extFields":{"topic":${value}}}`,
  );
}

const bombs = new Map<number, Promise<Buffer>>();

/** `inflatedMiB` of zeros, deflated as a stream (never the whole plain text in memory); cached. */
export function deflatedZeros(inflatedMiB: number): Promise<Buffer> {
  let b = bombs.get(inflatedMiB);
  if (b === undefined) {
    b = new Promise<Buffer>((resolve, reject) => {
      const z = createDeflate({ level: 9 });
      const parts: Buffer[] = [];
      z.on('data', (c: Buffer) => parts.push(c));
      z.on('end', () => resolve(Buffer.concat(parts)));
      z.on('error', reject);
      const mib = Buffer.alloc(1024 * 1024);
      let left = inflatedMiB;
      const pump = (): void => {
        while (left > 0) {
          left--;
          if (!z.write(mib)) {
            z.once('drain', pump);
            return;
          }
        }
        z.end();
      };
      pump();
    });
    bombs.set(inflatedMiB, b);
  }
  return b;
}

/** A REGISTER_BROKER with compressed=true whose body inflates to `inflatedMiB` of zeros. */
export async function compressionBomb(opaque: number, inflatedMiB: number): Promise<Buffer> {
  return request(
    Code.REGISTER_BROKER,
    opaque,
    {
      brokerName: 'evil',
      brokerAddr: '127.0.0.1:1',
      clusterName: 'EvilCluster',
      haServerAddr: '127.0.0.1:2',
      brokerId: '0',
      compressed: 'true',
      bodyCrc32: '0',
    },
    await deflatedZeros(inflatedMiB),
  );
}
