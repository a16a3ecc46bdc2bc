import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { eventually, tempDir } from '../src/index.js';

describe('testkit', () => {
  it('eventually returns the first truthy probe value', async () => {
    let n = 0;
    assert.equal(await eventually(() => (++n >= 3 ? n : undefined), { intervalMs: 1 }), 3);
  });
  it('eventually fails with the condition name after its deadline', async () => {
    await assert.rejects(
      eventually(() => false, { timeoutMs: 30, message: 'never' }),
      /waiting for never/,
    );
  });
  it('tempDir creates and removes a directory', async () => {
    const d = await tempDir();
    assert.ok(existsSync(d.path));
    await d.cleanup();
    assert.ok(!existsSync(d.path));
  });
});
