import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ResponseCode } from '@rocketmq-ts/protocol';
import { eventually } from '@rocketmq-ts/testkit';
import { type PopBroker, startPopBroker } from '../helpers/pop-broker.js';
import { pop, popRequest } from '../helpers/pop-client.js';

// Issue 18: pops read the store like pulls and are long-polled by the same hold, so they count
// against serverChannelMaxActivePulls like pulls. Before, they were not counted as costly, yet
// the hold lowered the costly count when it parked them: each held pop took one off the
// connection's count, letting as many more pulls read at once.

interface ServerConnection {
  costlyRequests: number;
  pendingRequests: number;
}

function serverConnections(b: PopBroker): ServerConnection[] {
  const server = (b.broker as unknown as { server: { connections(): Iterable<unknown> } }).server;
  return [...server.connections()] as ServerConnection[];
}

describe('pop in the flow budget (issue 18)', () => {
  let b: PopBroker;
  before(async () => {
    b = await startPopBroker();
  });
  after(() => b.close());

  it('counts a pop reading the store as costly, and a held pop as neither costly nor lost', async () => {
    const topic = 'PopFlow';
    await b.send(topic, 'm0');
    const first = await pop(b.call, { group: 'g-flow', topic });
    assert.equal(first.messages.length, 1);
    // Three pops long-polling an empty topic on the test client's one connection.
    const held = [0, 1, 2].map(() => b.call(popRequest({ group: 'g-flow', topic, pollTime: 30_000 })));
    // Those still held at the end are answered when the broker shuts down.
    for (const h of held) h.catch(() => undefined);
    await eventually(() => {
      const conns = serverConnections(b).filter((c) => c.pendingRequests === 3);
      assert.equal(
        conns.length,
        1,
        `three pops held: ${JSON.stringify(serverConnections(b).map((c) => [c.pendingRequests, c.costlyRequests]))}`,
      );
      assert.equal(conns[0]!.costlyRequests, 0, 'held pops are parked, not reading');
      return true;
    });
    await b.send(topic, 'm1');
    const answered = await Promise.race(held);
    assert.equal(answered.code, ResponseCode.SUCCESS);
    await eventually(() => {
      const conns = serverConnections(b).filter((c) => c.pendingRequests === 2);
      assert.equal(conns.length, 1, 'two pops still held');
      assert.equal(conns[0]!.costlyRequests, 0);
      return true;
    });
  });
});
