import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  GROUP_MAX_LENGTH,
  groupNameProblem,
  TOPIC_MAX_LENGTH,
  topicMaxLength,
  topicNameProblem,
} from '../../src/index.js';

// Expectations from RocketMQ's TopicValidator: legal characters ^[%|a-zA-Z0-9_-]+$, topics up to
// 127 characters, %RETRY%/%DLQ% topics up to 255, groups up to 255; remarks word for word.

describe('topicNameProblem', () => {
  it('accepts every legal character class', () => {
    assert.equal(topicNameProblem('Topic_A-1|x%y'), undefined);
  });

  it('answers RocketMQ remarks for blank, illegal and long names', () => {
    assert.equal(topicNameProblem(undefined), 'The specified topic is blank.');
    assert.equal(topicNameProblem('  '), 'The specified topic is blank.');
    assert.equal(
      topicNameProblem('a b'),
      'The specified topic[a b] contains illegal characters, allowing only ^[%|a-zA-Z0-9_-]+$',
    );
    assert.equal(topicNameProblem('t'.repeat(128)), 'The specified topic is longer than topic max length 127.');
  });

  it('is exact at the length limits', () => {
    assert.equal(topicNameProblem('t'.repeat(TOPIC_MAX_LENGTH)), undefined);
    const retry = `%RETRY%${'g'.repeat(255 - 7)}`;
    assert.equal(retry.length, 255);
    assert.equal(topicNameProblem(retry), undefined);
    assert.match(topicNameProblem(`${retry}g`) ?? '', /max length 255\./);
    assert.match(topicNameProblem(`%DLQ%${'g'.repeat(251)}`) ?? '', /max length 255\./);
  });

  it('lets a client hold every topic to 127 characters', () => {
    assert.equal(topicMaxLength('%RETRY%g'), 255);
    assert.match(topicNameProblem(`%RETRY%${'g'.repeat(121)}`, TOPIC_MAX_LENGTH) ?? '', /max length 127\./);
  });

  it('rejects characters outside the set, one at a time', () => {
    for (const c of [' ', '.', '/', '@', '#', 'é', '\n', '+']) {
      assert.match(topicNameProblem(`a${c}b`) ?? '', /illegal characters/, JSON.stringify(c));
    }
  });
});

describe('groupNameProblem', () => {
  it('answers RocketMQ remarks for blank, illegal and long groups', () => {
    assert.equal(groupNameProblem('GID_x'), undefined);
    assert.equal(groupNameProblem(''), 'the specified group is blank');
    assert.equal(
      groupNameProblem('g@h'),
      'the specified group[g@h] contains illegal characters, allowing only ^[%|a-zA-Z0-9_-]+$',
    );
    assert.equal(groupNameProblem('g'.repeat(GROUP_MAX_LENGTH)), undefined);
    assert.equal(
      groupNameProblem('g'.repeat(GROUP_MAX_LENGTH + 1)),
      'the specified group is longer than group max length 255.',
    );
  });
});
