import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  alterAttributes,
  formatAttributeModification,
  MessageConst,
  messageTypeOfProperties,
  messageTypeProblem,
  parseAttributeModification,
  TOPIC_ATTRIBUTES,
  topicMessageTypeOf,
} from '../../src/index.js';

const parse = (s: string) => {
  const r = parseAttributeModification(s);
  assert.ok(r.ok, s);
  return r.value;
};
const parseError = (s: string) => {
  const r = parseAttributeModification(s);
  assert.ok(!r.ok, s);
  return r.error;
};
const alter = (create: boolean, current: Record<string, string>, s: string) =>
  alterAttributes(create, TOPIC_ATTRIBUTES, current, parse(s));

describe('parseAttributeModification', () => {
  it('reads +key=value and -key entries with their signs, in order', () => {
    const m = parse('+message.type=FIFO,-queue.type,+reserve.time=24');
    assert.deepEqual(
      [...m],
      [
        ['+message.type', 'FIFO'],
        ['-queue.type', ''],
        ['+reserve.time', '24'],
      ],
    );
    assert.equal(formatAttributeModification(m), '+message.type=FIFO,-queue.type,+reserve.time=24');
  });

  it('reads nothing from an absent or empty field', () => {
    assert.equal(parse('').size, 0);
    assert.equal(parseAttributeModification(undefined).ok, true);
  });

  it("refuses RocketMQ's malformed forms with its messages", () => {
    assert.equal(parseError('message.type=FIFO'), 'add/alter attribute format is wrong: message.type');
    assert.equal(parseError('+message.type'), 'delete attribute format is wrong: +message.type');
    assert.equal(parseError('+a=1,,+b=2'), 'delete attribute format is wrong: ');
    assert.equal(parseError('+a=1,+a=2'), 'key duplication: +a');
    assert.match(parseError('+message.type='), /value is empty: \+message\.type/);
  });
});

describe('alterAttributes', () => {
  it('sets any attribute when the topic is created, unchangeable ones included', () => {
    const r = alter(true, {}, '+message.type=FIFO,+queue.type=SimpleCQ,+cleanup.policy=DELETE');
    assert.deepEqual(r, {
      ok: true,
      value: { 'message.type': 'FIFO', 'queue.type': 'SimpleCQ', 'cleanup.policy': 'DELETE' },
    });
  });

  it('changes message.type of an existing topic and deletes an attribute it has', () => {
    assert.deepEqual(alter(false, { 'message.type': 'FIFO' }, '+message.type=DELAY'), {
      ok: true,
      value: { 'message.type': 'DELAY' },
    });
    assert.deepEqual(alter(false, { 'message.type': 'FIFO', 'reserve.time': '3' }, '-message.type'), {
      ok: true,
      value: { 'reserve.time': '3' },
    });
  });

  it('keeps the current attributes when the modification is empty', () => {
    assert.deepEqual(alter(false, { 'message.type': 'FIFO' }, ''), { ok: true, value: { 'message.type': 'FIFO' } });
  });

  it("refuses, with RocketMQ's messages, and leaves the current attributes alone", () => {
    const current = { 'message.type': 'FIFO', 'queue.type': 'SimpleCQ' };
    const cases: Array<[boolean, string, string]> = [
      [false, '+queue.type=BatchCQ', 'attempt to update an unchangeable attribute. key: queue.type'],
      [false, '+cleanup.policy=DELETE', 'attempt to update an unchangeable attribute. key: cleanup.policy'],
      [false, '-queue.type', 'attempt to update an unchangeable attribute. key: queue.type'],
      [false, '+color=red', 'unsupported key: color'],
      [false, '+message.type=ORDERED', 'value is not in set: [UNSPECIFIED, NORMAL, FIFO, DELAY, TRANSACTION, MIXED]'],
      [false, '-reserve.time', 'attempt to delete a nonexistent key: reserve.time'],
      [false, '+reserve.time=abc', 'For input string: "abc"'],
      [false, '+reserve.time=-2', 'value is not in range(-1, 9223372036854775807)'],
      [false, '+reserve.time=9223372036854775808', 'For input string: "9223372036854775808"'],
      [true, '-message.type', 'only add attribute is supported while creating topic. key: message.type'],
      [false, '+message.type=FIFO,-message.type', 'alter duplication key. key: message.type'],
      [false, 'a+b=1', 'kv string format wrong.'],
      [false, '+=1', 'kv string format wrong.'],
    ];
    for (const [create, mod, message] of cases) {
      const before = JSON.stringify(current);
      assert.deepEqual(alter(create, current, mod), { ok: false, error: message }, mod);
      assert.equal(JSON.stringify(current), before);
    }
  });

  it('refuses an unknown key even when the topic is created', () => {
    assert.deepEqual(alter(true, {}, '+message.type=FIFO,+color=red'), { ok: false, error: 'unsupported key: color' });
  });
});

describe('topic and message types', () => {
  it('reads a topic without message.type as NORMAL and an unreadable one as UNSPECIFIED', () => {
    assert.equal(topicMessageTypeOf({}), 'NORMAL');
    assert.equal(topicMessageTypeOf(undefined), 'NORMAL');
    assert.equal(topicMessageTypeOf({ 'message.type': 'TRANSACTION' }), 'TRANSACTION');
    assert.equal(topicMessageTypeOf({ 'message.type': 'fifo' }), 'UNSPECIFIED');
  });

  it('derives a message type from its properties: transaction, then delay, then FIFO', () => {
    const of = (p: Record<string, string>) => messageTypeOfProperties((k) => p[k]);
    assert.equal(of({}), 'NORMAL');
    assert.equal(of({ [MessageConst.PROPERTY_SHARDING_KEY]: 'g1' }), 'FIFO');
    assert.equal(of({ [MessageConst.PROPERTY_DELAY_TIME_LEVEL]: '3' }), 'DELAY');
    assert.equal(of({ [MessageConst.PROPERTY_TIMER_DELIVER_MS]: '1' }), 'DELAY');
    assert.equal(of({ [MessageConst.PROPERTY_TIMER_DELAY_SEC]: '1' }), 'DELAY');
    assert.equal(of({ [MessageConst.PROPERTY_TIMER_DELAY_MS]: '1' }), 'DELAY');
    assert.equal(
      of({ [MessageConst.PROPERTY_TRANSACTION_PREPARED]: 'true', [MessageConst.PROPERTY_DELAY_TIME_LEVEL]: '3' }),
      'TRANSACTION',
    );
    assert.equal(of({ [MessageConst.PROPERTY_TRANSACTION_PREPARED]: 'false' }), 'NORMAL');
  });

  it('lets a message onto a topic of its own type or a MIXED one only', () => {
    assert.equal(messageTypeProblem('FIFO', 'FIFO'), undefined);
    assert.equal(messageTypeProblem('MIXED', 'DELAY'), undefined);
    assert.equal(
      messageTypeProblem('FIFO', 'NORMAL'),
      'TopicMessageType validate failed, the expected type is FIFO, but actual type is NORMAL',
    );
    assert.match(messageTypeProblem('MIXED', 'UNSPECIFIED') ?? '', /actual type is UNSPECIFIED/);
  });
});
