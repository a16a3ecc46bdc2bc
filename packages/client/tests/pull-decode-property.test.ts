import { describe, it } from 'node:test';
import fc from 'fast-check';
import { checkPullBody, pullBodies } from './pull-decode-property.js';

describe('decodeMessages (fast-check)', () => {
  it('never throws, round-trips valid pull bodies (compressed or not), stops at what it cannot read', () => {
    fc.assert(fc.property(pullBodies, checkPullBody), { numRuns: 2000 });
  });
});
