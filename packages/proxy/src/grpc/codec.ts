import { err, ok, type Result } from '@rocketmq-ts/common';
import protobuf from 'protobufjs';
import { ENUMS, MESSAGES, PACKAGE, RPCS, SERVICE } from './definitions.js';

// protobufjs reflection over definitions.ts. int64 values are read as plain numbers (no
// Long objects on the receive path); this is process-wide for this copy of protobufjs, which
// only the proxy uses.
protobuf.util.Long = null as unknown as typeof protobuf.util.Long;
protobuf.configure();

const camel = (s: string): string => s.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());

interface FieldJson {
  type: string;
  id: number;
  rule?: 'repeated';
  keyType?: string;
}

/** Parses one `name type number` list of definitions.ts into protobufjs JSON fields. */
export function fieldsOf(spec: string): Record<string, FieldJson> {
  const out: Record<string, FieldJson> = {};
  for (const part of spec.split(/,\s+/)) {
    const [name, type, num] = part.trim().split(/\s+/);
    if (name === undefined || type === undefined || num === undefined) throw new Error(`bad field spec: ${part}`);
    const id = Number(num);
    const map = /^map<(\w+),(\w+)>$/.exec(type);
    if (map) out[camel(name)] = { type: map[2]!, keyType: map[1]!, id };
    else if (type.endsWith('*')) out[camel(name)] = { type: type.slice(0, -1), id, rule: 'repeated' };
    else out[camel(name)] = { type, id };
  }
  return out;
}

function buildRoot(): protobuf.Root {
  const nested: Record<string, unknown> = {};
  for (const [name, values] of Object.entries(ENUMS)) {
    const v: Record<string, number> = {};
    for (const pair of values.split(' ')) {
      const [k, n] = pair.split('=');
      v[k!] = Number(n);
    }
    nested[name] = { values: v };
  }
  for (const [name, spec] of Object.entries(MESSAGES)) nested[name] = { fields: fieldsOf(spec) };
  let ns: Record<string, unknown> = { nested };
  for (const part of PACKAGE.split('.').reverse()) ns = { nested: { [part]: ns } };
  return protobuf.Root.fromJSON(ns as protobuf.INamespace);
}

export const root = buildRoot();

export interface MessageCodec<T> {
  readonly name: string;
  encode(value: T): Buffer;
  decode(bytes: Uint8Array): Result<T, string>;
}

const codecs = new Map<string, MessageCodec<unknown>>();

/**
 * The codec of one message type. decode never throws: truncated or malformed input (a bad
 * wire type, a length past the end, invalid UTF-8 is replaced, not refused) is an error value.
 * Nesting is bounded by the schema (no message type contains itself) and size by the gRPC
 * receive limit.
 */
export function codec<T>(name: string): MessageCodec<T> {
  let c = codecs.get(name);
  if (c === undefined) {
    const type = root.lookupType(`${PACKAGE}.${name}`);
    c = {
      name,
      encode: (value) => {
        const w = type.encode(value as Record<string, unknown>).finish();
        return Buffer.from(w.buffer, w.byteOffset, w.byteLength);
      },
      decode: (bytes) => {
        try {
          return ok(type.decode(bytes) as unknown);
        } catch (e) {
          return err(`malformed ${name}: ${e instanceof Error ? e.message : String(e)}`);
        }
      },
    };
    codecs.set(name, c);
  }
  return c as MessageCodec<T>;
}

export interface RpcShape {
  path: string;
  request: MessageCodec<unknown>;
  response: MessageCodec<unknown>;
  requestStream: boolean;
  responseStream: boolean;
}

/** The RPCs of MessagingService with their codecs, by method name. */
export const rpcs: Record<string, RpcShape> = Object.fromEntries(
  Object.entries(RPCS).map(([method, [req, res, cs, ss]]) => [
    method,
    {
      path: `/${SERVICE}/${method}`,
      request: codec(req),
      response: codec(res),
      requestStream: cs,
      responseStream: ss,
    },
  ]),
);
