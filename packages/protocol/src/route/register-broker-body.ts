import { deflateSync } from 'node:zlib';
import { err, ok, type Result } from '@rocketmq-ts/common';
import { inflateBounded } from '../bounded-inflate.js';
import { MQVersion } from '../codes.js';
import { MAX_ENTRIES, MAX_INFLATED_BYTES } from '../decode-limits.js';
import { parseLenientJson } from './lenient-json.js';
import {
  decodeTopicConfigSerializeWrapper,
  guardShape,
  readDataVersion,
  readTopicConfigSerializeWrapper,
  ShapeError,
} from './route-decode.js';
import { encodeDataVersionJson, encodeRegisterBrokerBodyJson, encodeTopicConfigString } from './route-json.js';
import type { RegisterBrokerBody, TopicConfig, TopicFilterType } from './route-types.js';

// REGISTER_BROKER (103) body. Two encodings, chosen by the header's `compressed` flag:
//
// plain: RegisterBrokerBody JSON {"filterServerList":[…],"topicConfigSerializeWrapper":{…}}
//
// compressed: one zlib stream holding, big-endian ints throughout,
//   int n + n bytes   DataVersion JSON
//   int topicCount, then per topic: int n + n bytes TopicConfig "encoded string"
//                     (`name read write perm filterType attributesJson`, space-separated)
//   int n + n bytes   filterServerList JSON
//   (brokers ≥ V5_0_0) int count, then per entry int n + n bytes TopicQueueMappingInfo JSON
//
// Brokers older than V3_0_11 send a bare TopicConfigSerializeWrapper instead.

export interface RegisterBodyOptions {
  compressed: boolean;
  /** The request's `version`: selects the old body and the mapping section. */
  version: number;
}

/** Decodes a body whose zlib layer (if any) is already removed; see decodeRegisterBrokerBody. */
export function decodeRegisterBrokerBodyInflated(
  bytes: Buffer,
  { compressed, version }: RegisterBodyOptions,
): Result<RegisterBrokerBody, string> {
  if (version < MQVersion.V3_0_11) {
    const w = decodeTopicConfigSerializeWrapper(bytes);
    return w.ok ? ok({ topicConfigSerializeWrapper: w.value, filterServerList: [] }) : w;
  }
  if (!compressed) {
    const json = parseLenientJson(bytes);
    if (!json.ok) return err(`RegisterBrokerBody: ${json.error}`);
    return guardShape('RegisterBrokerBody', () => {
      const o = json.value;
      if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new ShapeError('must be an object');
      const r = o as Record<string, unknown>;
      return {
        topicConfigSerializeWrapper: readTopicConfigSerializeWrapper(r.topicConfigSerializeWrapper ?? {}),
        filterServerList: readStringList(r.filterServerList),
      };
    });
  }
  return decodeCompressedSections(bytes);
}

/**
 * Decodes a REGISTER_BROKER body; a compressed one is inflated off the event loop and refused
 * once it inflates past `maxInflatedBytes`.
 */
export async function decodeRegisterBrokerBody(
  body: Buffer,
  opts: RegisterBodyOptions,
  maxInflatedBytes = MAX_INFLATED_BYTES,
): Promise<Result<RegisterBrokerBody, string>> {
  if (!opts.compressed || opts.version < MQVersion.V3_0_11) return decodeRegisterBrokerBodyInflated(body, opts);
  const raw = await inflateBounded(body, maxInflatedBytes);
  if (!raw.ok) return err(`RegisterBrokerBody: ${raw.error}`);
  return decodeRegisterBrokerBodyInflated(raw.value, opts);
}

function readStringList(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string'))
    throw new ShapeError('filterServerList must be strings');
  return v as string[];
}

function decodeCompressedSections(raw: Buffer): Result<RegisterBrokerBody, string> {
  let off = 0;
  const chunk = (what: string): Buffer => {
    if (raw.length - off < 4) throw new ShapeError(`truncated before ${what} length`);
    const n = raw.readInt32BE(off);
    off += 4;
    if (n < 0 || n > raw.length - off) throw new ShapeError(`${what} length ${n} out of range`);
    const b = raw.subarray(off, off + n);
    off += n;
    return b;
  };
  const json = (b: Buffer, what: string): unknown => {
    const r = parseLenientJson(b);
    if (!r.ok) throw new ShapeError(`${what}: ${r.error}`);
    return r.value;
  };
  return guardShape('compressed RegisterBrokerBody', () => {
    const dataVersion = readDataVersion(json(chunk('dataVersion'), 'dataVersion'));
    if (raw.length - off < 4) throw new ShapeError('truncated before topic count');
    const count = raw.readInt32BE(off);
    off += 4;
    if (count < 0 || count > MAX_ENTRIES) throw new ShapeError(`topic count ${count} out of range`);
    const topicConfigTable = new Map<string, TopicConfig>();
    for (let i = 0; i < count; i++) {
      const t = decodeTopicConfigString(chunk('topicConfig').toString('utf8'));
      topicConfigTable.set(t.topicName, t);
    }
    const filterServerList = readStringList(json(chunk('filterServerList'), 'filterServerList'));
    // The V5_0_0+ static-topic mapping section is not used by this NameServer; it is skipped.
    return { topicConfigSerializeWrapper: { topicConfigTable, dataVersion }, filterServerList };
  });
}

/** Parses `name read write perm filterType [attributesJson]`. Throws ShapeError. */
function decodeTopicConfigString(s: string): TopicConfig {
  const parts: string[] = [];
  let rest = s;
  for (let i = 0; i < 5; i++) {
    const sp = rest.indexOf(' ');
    parts.push(sp < 0 ? rest : rest.slice(0, sp));
    rest = sp < 0 ? '' : rest.slice(sp + 1);
  }
  const [topicName, read, write, perm, filter] = parts as [string, string, string, string, string];
  const num = (v: string, what: string): number => {
    if (!/^-?\d+$/.test(v)) throw new ShapeError(`topicConfig ${what} is not an integer: ${v}`);
    return Number(v);
  };
  if (topicName === '') throw new ShapeError('topicConfig without a name');
  if (filter !== 'SINGLE_TAG' && filter !== 'MULTI_TAG') throw new ShapeError(`bad topicFilterType ${filter}`);
  const attributes: Record<string, string> = {};
  if (rest !== '') {
    // Like Java, an unparsable attributes part is ignored rather than failing the body.
    const a = parseLenientJson(rest);
    if (a.ok && typeof a.value === 'object' && a.value !== null && !Array.isArray(a.value)) {
      for (const [k, v] of Object.entries(a.value)) if (typeof v === 'string' && k !== '__proto__') attributes[k] = v;
    }
  }
  return {
    topicName,
    readQueueNums: num(read, 'readQueueNums'),
    writeQueueNums: num(write, 'writeQueueNums'),
    perm: num(perm, 'perm'),
    topicFilterType: filter as TopicFilterType,
    // Not carried by the encoded string.
    topicSysFlag: 0,
    order: false,
    attributes,
  };
}

function lengthPrefixed(s: string): Buffer {
  const b = Buffer.from(s, 'utf8');
  const out = Buffer.allocUnsafe(4 + b.length);
  out.writeInt32BE(b.length, 0);
  b.copy(out, 4);
  return out;
}

/** The compressed sections before zlib (for tests and for brokers that deflate asynchronously). */
export function encodeRegisterBrokerBodySections(body: RegisterBrokerBody, version: number): Buffer {
  const w = body.topicConfigSerializeWrapper;
  const parts = [lengthPrefixed(encodeDataVersionJson(w.dataVersion))];
  const count = Buffer.allocUnsafe(4);
  count.writeInt32BE(w.topicConfigTable.size, 0);
  parts.push(count);
  for (const t of w.topicConfigTable.values()) parts.push(lengthPrefixed(encodeTopicConfigString(t)));
  parts.push(lengthPrefixed(JSON.stringify(body.filterServerList)));
  if (version >= MQVersion.V5_0_0) parts.push(Buffer.alloc(4)); // no static-topic mappings
  return Buffer.concat(parts);
}

/** A REGISTER_BROKER body as a Java broker sends it; compressed uses zlib (synchronously). */
export function encodeRegisterBrokerBody(
  body: RegisterBrokerBody,
  { compressed, version }: RegisterBodyOptions,
): Buffer {
  if (!compressed) return Buffer.from(encodeRegisterBrokerBodyJson(body), 'utf8');
  return deflateSync(encodeRegisterBrokerBodySections(body, version), { level: 9 });
}
