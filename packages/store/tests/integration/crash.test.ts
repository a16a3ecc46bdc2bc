// Crash tests with real processes (STYLE rule 6): a SYNC_FLUSH writer child is killed with
// SIGKILL at a random moment; after each kill every acknowledged message must read back
// intact at its acknowledged queue offset, and queue offsets must have no gaps.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tempDir } from '@rocketmq-ts/testkit';
import { runTrials } from './crash-harness.js';

describe('file store under kill -9', () => {
  it('keeps every acknowledged SYNC_FLUSH message across 6 kills of a writer process', async () => {
    const dir = await tempDir('rmq-crash-');
    try {
      const results = await runTrials(dir.path, 6, () => 150 + Math.floor(Math.random() * 500));
      const last = results[results.length - 1]!;
      assert.ok(last.acked > 0, 'the writer acknowledged messages');
      assert.ok(last.stored >= last.acked);
    } finally {
      await dir.cleanup();
    }
  });
});
