import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyProperties, formatProperties, parseProperties } from '../src/index.js';

describe('parseProperties', () => {
  it('reads key=value, key: value, comments and continuations', () => {
    const p = parseProperties(
      '# c\nbrokerName = broker-a\n! x\nlistenPort:10911\nmessageDelayLevel=1s 5s \\\n  10s\n\n',
    );
    assert.equal(p.get('brokerName'), 'broker-a');
    assert.equal(p.get('listenPort'), '10911');
    assert.equal(p.get('messageDelayLevel'), '1s 5s 10s');
    assert.equal(p.size, 3);
  });
});

describe('applyProperties', () => {
  const defaults = { listenPort: 9876, autoCreateTopicEnable: true, brokerName: 'b' };
  it('coerces values to the type of their defaults and reports unknown keys', () => {
    const { config, unknown } = applyProperties(
      defaults,
      parseProperties('listenPort=1\nautoCreateTopicEnable=false\nbrokerName=x\ntypo=1'),
    );
    assert.deepEqual(config, { listenPort: 1, autoCreateTopicEnable: false, brokerName: 'x' });
    assert.deepEqual(unknown, ['typo']);
  });
  it('refuses a value that is not of the key type', () => {
    assert.throws(() => applyProperties(defaults, parseProperties('listenPort=abc')), /listenPort/);
    assert.throws(
      () => applyProperties(defaults, parseProperties('autoCreateTopicEnable=yes')),
      /autoCreateTopicEnable/,
    );
  });
  it('prints sorted key=value lines', () => {
    assert.equal(formatProperties({ b: 1, a: true }), 'a=true\nb=1\n');
  });
});
