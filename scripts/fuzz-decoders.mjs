#!/usr/bin/env node
// Drives the decoder properties (never throw; round-trip valid input; reject with an error value)
// far past what `npm test` runs. Build first (npm run build).
// usage: node scripts/fuzz-decoders.mjs [decoder|all|list] [count=1000000] [seed]
// The count runs in chunks of 100,000 inputs (chunk i uses seed + i), each chunk reported on its
// own line, so a long run stopped early still says how far it got; a failure names the chunk's
// seed, which reproduces it: node scripts/fuzz-decoders.mjs <decoder> 100000 <that seed>.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';

/** Each module exports `decoderProperties`: name → { arbitrary, check, async? }. */
const MODULES = [
  '../packages/protocol/dist/tests/decoder-properties.js',
  '../packages/protocol/dist/tests/pop-controller-properties.js',
  '../packages/client/dist/tests/pull-decode-property.js',
  '../packages/broker/dist/tests/pop-decoder-properties.js',
  '../packages/proxy/dist/tests/protobuf-properties.js',
  '../packages/filter/dist/tests/sql92-properties.js',
  '../packages/controller/dist/tests/controller-log-properties.js',
  '../packages/store/dist/tests/store-decoder-properties.js',
];
const CHUNK = 100_000;

const properties = {};
for (const m of MODULES) {
  try {
    Object.assign(properties, (await import(m)).decoderProperties);
  } catch (e) {
    if (e?.code !== 'ERR_MODULE_NOT_FOUND') throw e;
    console.error(`skipped ${m} (not built: ${e.message})`);
  }
}

const [which = 'all', countArg = '1000000', seedArg] = process.argv.slice(2);
if (which === 'list') {
  console.log(Object.keys(properties).join(' '));
  process.exit(0);
}
const count = Number(countArg);
const names = which === 'all' ? Object.keys(properties) : which.split(',');
// The file-reading properties (ConsumeQueue, IndexFile) write their inputs under this directory.
const dir = await mkdtemp(join(tmpdir(), 'fuzz-decoders-'));
process.env.FUZZ_DECODERS_DIR = dir;
try {
  for (const name of names) {
    const p = properties[name];
    if (!p) {
      console.error(`unknown decoder ${name}; one of: ${Object.keys(properties).join(' ')}`);
      process.exitCode = 2;
      break;
    }
    const seed = seedArg === undefined ? (Date.now() ^ (Math.random() * 0x7fffffff)) | 0 : Number(seedArg);
    const t0 = process.hrtime.bigint();
    const seconds = () => (Number(process.hrtime.bigint() - t0) / 1e9).toFixed(1);
    let done = 0;
    let failed = false;
    for (let i = 0; done < count && !failed; i++) {
      const numRuns = Math.min(CHUNK, count - done);
      const chunkSeed = (seed + i) | 0;
      const details = p.async
        ? await fc.check(
            fc.asyncProperty(p.arbitrary, (c) => p.check(c)),
            { numRuns, seed: chunkSeed },
          )
        : fc.check(
            fc.property(p.arbitrary, (c) => p.check(c)),
            { numRuns, seed: chunkSeed },
          );
      if (details.failed) {
        failed = true;
        done += details.numRuns;
        console.log(`${name}: FAILED after ${done} inputs (chunk seed ${chunkSeed}, ${seconds()} s)`);
        console.log(fc.defaultReportMessage(details));
        process.exitCode = 1;
      } else {
        done += numRuns;
        console.log(
          `${name}: ${done} inputs so far, no failure (seed ${seed}, chunk seed ${chunkSeed}, ${seconds()} s)`,
        );
      }
    }
    if (!failed) console.log(`${name}: ${done} inputs, no failure (seed ${seed}, ${seconds()} s)`);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
