import { constants, inflate, inflateSync } from 'node:zlib';
import { err, ok, type Result } from '@rocketmq-ts/common';

// Every zlib body from the network is inflated here, with a cap on the output: a 1 MiB bomb
// inflating to 1 GiB is refused after `maxBytes` (docs/formats.md "Decoder bounds").

/** Output chunk size: few enough 'data' events for a large body, small enough to stop early. */
const CHUNK = 64 * 1024;

function tooLarge(maxBytes: number): string {
  return `inflated body exceeds ${maxBytes} bytes`;
}

function failure(e: unknown, maxBytes: number): string {
  return (e as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE'
    ? tooLarge(maxBytes)
    : `bad zlib stream: ${(e as Error).message}`;
}

/**
 * Inflates a zlib stream on the libuv pool, CHUNK bytes at a time; stops and returns an error
 * as soon as the output passes `maxBytes`, so a bomb costs at most `maxBytes` plus one chunk.
 */
export function inflateBounded(input: Buffer, maxBytes: number): Promise<Result<Buffer, string>> {
  return new Promise((resolve) => {
    inflate(input, { maxOutputLength: Math.max(maxBytes, 1), chunkSize: CHUNK }, (e, out) => {
      resolve(e ? err(failure(e, maxBytes)) : ok(out));
    });
  });
}

/**
 * The same bound for the synchronous record decoders (the client's message decode, where a
 * body is at most the broker's maxMessageSize): zlib works CHUNK bytes at a time and stops
 * once the output passes `maxBytes`, so no call produces more than that.
 */
export function inflateBoundedSync(input: Buffer, maxBytes: number): Result<Buffer, string> {
  try {
    return ok(
      inflateSync(input, {
        maxOutputLength: Math.max(maxBytes, 1),
        chunkSize: CHUNK,
        finishFlush: constants.Z_FINISH,
      }),
    );
  } catch (e) {
    return err(failure(e, maxBytes));
  }
}
