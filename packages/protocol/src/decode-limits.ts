// Bounds every decoder of network input applies (docs/formats.md "Decoder bounds"). A value
// past a bound is a decode error, answered like any other malformed input; nothing here is
// configurable because no legitimate RocketMQ peer comes near them.

/** Deepest JSON nesting accepted in a body (Java's beans nest fewer than 10 levels). */
export const MAX_JSON_DEPTH = 128;

/** Deepest nesting of an extFields value sent as a JSON object or array (ali-ons sends flat values). */
export const MAX_HEADER_VALUE_DEPTH = 32;

/**
 * Largest header of a frame (either serialisation). RocketMQ's largest header is a send's,
 * whose properties the CommitLog limits to 32,767 bytes (a 2-byte length), at most six
 * times that once JSON-escaped; a bigger header would only cost a parse on the event loop.
 */
export const MAX_HEADER_BYTES = 256 * 1024;

/** Whether `needle` occurs more than `max` times in `buf` (stops counting past `max`). */
export function occursMoreThan(buf: Buffer, needle: string, max: number): boolean {
  let at = buf.indexOf(needle);
  for (let n = 0; at >= 0; n++) {
    if (n >= max) return true;
    at = buf.indexOf(needle, at + needle.length);
  }
  return false;
}

/** Most entries in one decoded collection (topics in a register body, sets in a heartbeat, …). */
export const MAX_ENTRIES = 1 << 20;

/** Most messages in one SEND_BATCH_MESSAGE body (the body itself is bounded by the frame). */
export const MAX_BATCH_MESSAGES = 1 << 16;

/** Largest inflated REGISTER_BROKER body (100,000 topics take about 8 MiB). */
export const MAX_INFLATED_BYTES = 64 * 1024 * 1024;

/** Largest inflated message body: 4 times RocketMQ's default maxMessageSize (4 MiB), the frame limit. */
export const MAX_INFLATED_MESSAGE_BYTES = 16 * 1024 * 1024;

/**
 * Whether the object/array graph under `root` nests at most `max` levels (root = level 1).
 * Iterative, so a hostile depth cannot exhaust the stack; visits each node once.
 */
export function jsonDepthWithin(root: unknown, max: number): boolean {
  if (typeof root !== 'object' || root === null) return true;
  const nodes: object[] = [root];
  const depths: number[] = [1];
  while (nodes.length > 0) {
    const node = nodes.pop()!;
    const depth = depths.pop()!;
    if (depth > max) return false;
    const values = Array.isArray(node) ? node : Object.values(node);
    for (let i = 0; i < values.length; i++) {
      const v: unknown = values[i];
      if (typeof v === 'object' && v !== null) {
        nodes.push(v);
        depths.push(depth + 1);
      }
    }
  }
  return true;
}
