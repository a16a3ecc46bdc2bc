import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_MESSAGE_DELAY_LEVEL, parseDelayLevels } from '../../src/index.js';

describe('parseDelayLevels', () => {
  it("reads RocketMQ's default: 18 levels from 1 s to 2 h", () => {
    const levels = parseDelayLevels(DEFAULT_MESSAGE_DELAY_LEVEL);
    assert.equal(levels.length, 18);
    assert.deepEqual(levels.slice(0, 5), [1000, 5000, 10_000, 30_000, 60_000]);
    assert.equal(levels[17], 2 * 3_600_000);
  });

  it('knows the units s, m, h and d', () => {
    assert.deepEqual(parseDelayLevels('2s 3m 4h 1d'), [2000, 180_000, 14_400_000, 86_400_000]);
  });

  // The store used to read a bad entry as 1 s while the broker refused it. RocketMQ's
  // ScheduleMessageService fails to load on one (and the broker does not start): so do we.
  it('rejects the whole setting on one bad entry instead of reading it as 1 s', () => {
    for (const spec of ['1s 5x 10s', '1s 5 10s', '1s s', '1s 1.5s', '1s 5S', '1s -5s', '']) {
      assert.throws(() => parseDelayLevels(spec), TypeError, JSON.stringify(spec));
    }
    assert.throws(() => parseDelayLevels('1s 5x 10s'), /bad entry "5x"/);
  });

  it('takes any run of white space between entries', () => {
    assert.deepEqual(parseDelayLevels(' 1s  5s\t10s '), [1000, 5000, 10_000]);
  });
});
