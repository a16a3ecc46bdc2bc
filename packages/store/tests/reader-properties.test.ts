import { after, before } from 'node:test';
import { describeDecoderProperties, tempDir } from '@rocketmq-ts/testkit';
import { decoderProperties } from './store-decoder-properties.js';

// Issue 18/19: the store's readers of bytes from a peer (HA) or from disk (ConsumeQueue,
// IndexFile, timer log, wheel and checkpoint), given anything, never throw and never walk
// without bound. The file readers cost a few milliseconds per input (file I/O), so they run
// 200 times here.

let dir: { path: string; cleanup: () => Promise<void> };
before(async () => {
  dir = await tempDir('reader-props-');
  process.env.FUZZ_DECODERS_DIR = dir.path;
});
after(async () => {
  delete process.env.FUZZ_DECODERS_DIR;
  await dir.cleanup();
});

describeDecoderProperties('store readers on arbitrary input (fast-check)', decoderProperties, 1000, {
  consumeQueue: 200,
  indexFile: 200,
});
