import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeStoredRecords, MessageConst, REVIVE_GROUP, ResponseCode, reviveTopic } from '@rocketmq-ts/protocol';
import type { MessageStore } from '@rocketmq-ts/store';
import { type PopBroker, startPopBroker } from '../helpers/pop-broker.js';
import { ack, ackRequest, type PoppedMessage, pop } from '../helpers/pop-client.js';

// The regression cases of the Pop reference (§4.2), each named by its upstream issue
// (apache/rocketmq unless noted).

const REVIVE = reviveTopic('DefaultCluster');

async function popAll(b: PopBroker, group: string, topic: string, invisibleTime: number, max = 32) {
  const out: PoppedMessage[] = [];
  for (;;) {
    const r = await pop(b.call, { group, topic, invisibleTime, maxMsgNums: max });
    if (r.messages.length === 0) return out;
    out.push(...r.messages);
  }
}

describe('pop regression cases (reference §4.2)', () => {
  let b: PopBroker;
  before(async () => {
    b = await startPopBroker();
  });
  after(() => b.close());

  it('#7914: random acks over many pops: every unacked message returns, no acked one does', async () => {
    const topic = 'Reg7914';
    for (let i = 0; i < 120; i++) await b.send(topic, `k${i}`, { queueId: i % 4 });
    const popped = await popAll(b, 'g-7914', topic, 5_000, 7);
    assert.equal(popped.length, 120);
    const unacked = new Set<string>();
    let seed = 7;
    for (const m of popped) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      if (seed % 2 === 0) assert.equal(await ack(b.call, 'g-7914', m), ResponseCode.SUCCESS);
      else unacked.add(m.body);
    }
    b.clock.advance(5_000);
    await b.revive();
    const back = await popAll(b, 'g-7914', topic, 600_000);
    assert.deepEqual(back.map((m) => m.body).sort(), [...unacked].sort());
  });

  it('#8479 / #7724: a checkpoint past the end of a re-created topic revives nothing and does not loop', async () => {
    const topic = 'Reg8479';
    for (let i = 0; i < 3; i++) await b.send(topic, `t${i}`);
    await popAll(b, 'g-8479', topic, 5_000);
    const { store, topics } = b.broker.components;
    await topics.delete(topic);
    await store.deleteTopics([topic]);
    await b.send(topic, 'new'); // re-created, offset 0 only
    b.clock.advance(5_000);
    await b.revive();
    const retry = `%RETRY%g-8479_${topic}`;
    // Offsets 1 and 2 no longer exist: only offset 0 (whatever is there now) may be revived.
    assert.ok(store.getMaxOffsetInQueue(retry, 0) <= 1);
    assert.equal(b.broker.components.pop.inflight('g-8479', topic, 0).count, 0, 'checkpoint closed');
  });

  it('#10985 / #7412: a failed read re-puts the checkpoint (keeping brokerName) and the message still returns', async () => {
    const topic = 'Reg10985';
    await b.send(topic, 'fragile');
    const [m] = await popAll(b, 'g-10985', topic, 5_000);
    assert.ok(m);
    const store = b.broker.components.store as MessageStore;
    const real = store.getMessage.bind(store);
    let failures = 1;
    store.getMessage = (t, ...rest) => {
      if (t === topic && failures-- > 0) return Promise.reject(new Error('injected read failure'));
      return real(t, ...rest);
    };
    try {
      b.clock.advance(5_000);
      await b.revive();
    } finally {
      store.getMessage = real;
    }
    assert.equal(store.getMaxOffsetInQueue(`%RETRY%g-10985_${topic}`, 0), 0, 'not revived yet');
    // The re-put CK: one message, re-put count 1, same popTime and brokerName.
    const reput = [];
    for (let q = 0; q < 8; q++) {
      const r = await store.getMessage(REVIVE, q, 0, 1000, 1 << 24);
      for (const v of r.records.flatMap((x) => decodeStoredRecords(x))) {
        const ck = JSON.parse(v.body.toString()) as { t: string; rp?: string; bn: string; n: number };
        if (ck.t === topic && ck.rp === '1') reput.push(ck);
      }
    }
    assert.equal(reput.length, 1);
    assert.equal(reput[0]!.bn, 'broker-a');
    b.clock.advance(10_000);
    await b.revive();
    const back = await popAll(b, 'g-10985', topic, 600_000);
    assert.deepEqual(
      back.map((x) => x.body),
      ['fragile'],
    );
  });

  it('#3787: an ack arriving just before the revive time is honoured', async () => {
    const topic = 'Reg3787';
    await b.send(topic, 'late-ack');
    const [m] = await popAll(b, 'g-3787', topic, 5_000);
    assert.ok(m);
    b.clock.advance(4_999);
    await b.revive();
    assert.equal(await ack(b.call, 'g-3787', m), ResponseCode.SUCCESS);
    b.clock.advance(1);
    await b.revive();
    assert.equal((await pop(b.call, { group: 'g-3787', topic })).code, ResponseCode.POLLING_TIMEOUT);
  });

  it('#8472: a long-polling pop is not suspended while another pop holds the queue', async () => {
    const topic = 'Reg8472';
    await b.send(topic, 'one');
    await b.send(topic, 'two');
    const started = Date.now();
    const rs = await Promise.all(
      [0, 1].map(() => pop(b.call, { group: 'g-8472', topic, queueId: 0, maxMsgNums: 1, pollTime: 15_000 })),
    );
    assert.deepEqual(rs.flatMap((r) => r.messages.map((m) => m.body)).sort(), ['one', 'two']);
    assert.ok(Date.now() - started < 10_000, 'answered at once');
  });

  it('#7117: MAX init on a young queue starts at 0 (the messages sent before the first pop)', async () => {
    const topic = 'Reg7117';
    for (let i = 0; i < 3; i++) await b.send(topic, `y${i}`);
    const r = await pop(b.call, { group: 'g-7117', topic, initMode: 1 });
    assert.deepEqual(
      r.messages.map((m) => m.body),
      ['y0', 'y1', 'y2'],
    );
  });
});

describe('pop revive progress (RocketMQ #5408, #3443)', () => {
  let b: PopBroker;
  before(async () => {
    b = await startPopBroker();
  });
  after(() => b.close());

  it('#5408 / #3443 / #3507: an ACK without a checkpoint does not pin revive progress; nothing revives early', async () => {
    const topic = 'Reg5408';
    await b.send(topic, 'a');
    const [m] = await popAll(b, 'g-5408', topic, 5_000);
    assert.ok(m);
    // An ack whose checkpoint never existed (another popTime) in the same revive queue.
    const qid = Number(m.handle.split(' ')[3]);
    const parts = m.handle.split(' ');
    parts[1] = String(Number(parts[1]) - 12345);
    assert.equal((await b.call(ackRequest('g-5408', { ...m, handle: parts.join(' ') }))).code, ResponseCode.SUCCESS);
    await ack(b.call, 'g-5408', m);
    await b.revive();
    const { offsets, store } = b.broker.components;
    assert.equal(
      offsets.query(REVIVE_GROUP, REVIVE, qid),
      store.getMaxOffsetInQueue(REVIVE, qid),
      'progress at the end',
    );
    // Early revive: one ms before popTime + invisibleTime nothing comes back.
    await b.send(topic, 'b');
    const [n] = await popAll(b, 'g-5408', topic, 5_000);
    assert.ok(n);
    b.clock.advance(4_999);
    await b.revive();
    assert.equal((await pop(b.call, { group: 'g-5408', topic })).code, ResponseCode.POLLING_TIMEOUT);
    b.clock.advance(1);
    await b.revive();
    assert.equal((await popAll(b, 'g-5408', topic, 600_000)).length, 1);
  });
});

describe('pop retry topic v2 (RocketMQ #7543, #9633)', () => {
  let b: PopBroker;
  before(async () => {
    b = await startPopBroker({ enableRetryTopicV2: true } as Record<string, unknown>);
  });
  after(() => b.close());

  it('revives into %RETRY%<group>+<topic> with retry flag 2, and still reads v1 while migrating', async () => {
    const topic = 'RegV2';
    await b.send(topic, 'v2');
    const [m] = await popAll(b, 'g_v2', topic, 5_000);
    assert.ok(m);
    b.clock.advance(5_000);
    await b.revive();
    // With v1 still read while migrating, a pop reads one of the two retry topics (coin flip).
    let r: PoppedMessage | undefined;
    for (let i = 0; i < 40 && !r; i++)
      r = (await pop(b.call, { group: 'g_v2', topic, invisibleTime: 600_000 })).messages[0];
    assert.ok(r);
    assert.equal(r.ackTopic, '%RETRY%g_v2+RegV2');
    assert.equal(r.handle.split(' ')[4], '2');
    assert.equal(r.view.topic, topic);
    assert.ok(r.view.properties.get(MessageConst.PROPERTY_POP_CK));
    assert.equal(await ack(b.call, 'g_v2', r), ResponseCode.SUCCESS);
    // A message left in the v1 retry topic by an older broker is still consumed.
    await b.send('%RETRY%g_v2_RegV2', 'old-v1');
    let got: PoppedMessage | undefined;
    for (let i = 0; i < 40 && !got; i++) got = (await pop(b.call, { group: 'g_v2', topic })).messages[0];
    assert.equal(got?.body, 'old-v1');
    assert.equal(got?.ackTopic, '%RETRY%g_v2_RegV2');
  });
});
