#!/usr/bin/env node
// Drives the decoder properties (never throw; round-trip valid input; reject with an error value)
// far past what `npm test` runs. Build first (npm run build).
// usage: node scripts/fuzz-decoders.mjs [decoder|all] [count=1000000] [seed]
// decoders: batchBody heartbeat fastjson registerBody lockBody storedRecords pullBody
import fc from 'fast-check';
import { checkPullBody, pullBodies } from '../packages/client/dist/tests/pull-decode-property.js';
import { decoderProperties } from '../packages/protocol/dist/tests/decoder-properties.js';

const properties = { ...decoderProperties, pullBody: { arbitrary: pullBodies, check: checkPullBody } };
const [which = 'all', countArg = '1000000', seedArg] = process.argv.slice(2);
const count = Number(countArg);
const names = which === 'all' ? Object.keys(properties) : [which];
for (const name of names) {
  const p = properties[name];
  if (!p) {
    console.error(`unknown decoder ${name}; one of: ${Object.keys(properties).join(' ')}`);
    process.exit(2);
  }
  const seed = seedArg === undefined ? Date.now() ^ (Math.random() * 0x7fffffff) : Number(seedArg);
  const t0 = process.hrtime.bigint();
  const details = fc.check(
    fc.property(p.arbitrary, (c) => p.check(c)),
    { numRuns: count, seed },
  );
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (details.failed) {
    console.log(`${name}: FAILED after ${details.numRuns} inputs (seed ${seed}, ${s.toFixed(1)} s)`);
    console.log(fc.defaultReportMessage(details));
    process.exitCode = 1;
  } else {
    console.log(`${name}: ${details.numRuns} inputs, no failure (seed ${seed}, ${s.toFixed(1)} s)`);
  }
}
