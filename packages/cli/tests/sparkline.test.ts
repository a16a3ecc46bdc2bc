import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Reporter } from '../src/bench/reporter.js';
import { bar, sparkline, Window } from '../src/support/sparkline.js';

describe('cli: sparkline and bar', () => {
  it('scales values to eight levels of the largest', () => {
    assert.equal(sparkline([0, 1, 2, 3, 4, 5, 6, 7]), '▁▂▃▄▅▆▇█');
    assert.equal(sparkline([0, 0]), '▁▁');
    assert.equal(sparkline([]), '');
    assert.equal(sparkline([-5, 10]), '▁█');
  });

  it('fills a bar to the fraction, clamped', () => {
    assert.equal(bar(0.5, 10), '[#####.....]');
    assert.equal(bar(2, 4), '[####]');
    assert.equal(bar(Number.NaN, 4), '[....]');
  });

  it('keeps a window of the last values', () => {
    const w = new Window(3);
    for (const v of [1, 2, 3, 4]) w.push(v);
    assert.deepEqual(w.values, [2, 3, 4]);
  });
});

describe('cli: mqbench live line', () => {
  it('shows the rate sparkline, the rate and the progress of a bounded run', () => {
    const r = new Reporter(
      10,
      () => '',
      () => 'sent 50 msgs',
      1,
      { messages: 100, seconds: 0 },
    );
    for (let i = 0; i < 50; i++) r.record(1);
    const line = r.liveLine([0, 200, 400]);
    assert.match(line, /^▁▅█ 400 msg\/s \[#{10}\.{10}\] 50% \| sent 50 msgs \| elapsed \d+\.\ds$/);
  });

  it('shows no bar for an unbounded run', () => {
    const r = new Reporter(
      10,
      () => '',
      () => 'consumed 0 msgs',
    );
    assert.match(r.liveLine([]), /^ 0 msg\/s \| consumed 0 msgs \| elapsed/);
  });
});
