import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type BrokerLiveInfo, elect } from '../src/index.js';

const info = (brokerId: number, epoch: number, maxOffset: number, electionPriority = 2147483647): BrokerLiveInfo => ({
  brokerId,
  epoch,
  maxOffset,
  confirmOffset: 0,
  electionPriority,
});

const liveOf =
  (...infos: BrokerLiveInfo[]) =>
  (id: number) =>
    infos.find((i) => i.brokerId === id);

describe('elect policy', () => {
  it('keeps an alive old master when no id is designated', () => {
    const winner = elect({ syncStateSet: [1, 2], oldMaster: 1, liveInfo: liveOf(info(1, 1, 10), info(2, 1, 99)) });
    assert.equal(winner, 1);
  });

  it('prefers the higher epoch, then the longer log, then the lower electionPriority', () => {
    assert.equal(elect({ syncStateSet: [2, 3], oldMaster: 1, liveInfo: liveOf(info(2, 2, 5), info(3, 1, 500)) }), 2);
    assert.equal(elect({ syncStateSet: [2, 3], oldMaster: 1, liveInfo: liveOf(info(2, 2, 5), info(3, 2, 6)) }), 3);
    assert.equal(
      elect({ syncStateSet: [2, 3], oldMaster: 1, liveInfo: liveOf(info(2, 2, 6, 5), info(3, 2, 6, 1)) }),
      3,
    );
  });

  it('compares offsets more than 2^31 apart by value (apache/rocketmq#10578)', () => {
    const big = 2 ** 31 + 100;
    assert.equal(elect({ syncStateSet: [2, 3], liveInfo: liveOf(info(2, 1, 50), info(3, 1, big)) }), 3);
    assert.equal(elect({ syncStateSet: [2, 3], liveInfo: liveOf(info(2, 1, big + 2 ** 33), info(3, 1, 50)) }), 2);
  });

  it('elects nothing outside the SyncStateSet unless unclean election is on (#6505)', () => {
    const liveInfo = liveOf(info(3, 1, 100));
    assert.equal(elect({ syncStateSet: [1, 2], oldMaster: 1, liveInfo }), undefined);
    assert.equal(elect({ syncStateSet: [1, 2], allReplicas: [1, 2, 3], oldMaster: 1, liveInfo }), 3);
  });

  it('a designated id wins only when it is an alive candidate', () => {
    const liveInfo = liveOf(info(1, 1, 10), info(2, 1, 10));
    assert.equal(elect({ syncStateSet: [1, 2], oldMaster: 1, preferredId: 2, liveInfo }), 2);
    assert.equal(elect({ syncStateSet: [1, 2], oldMaster: 1, preferredId: 3, liveInfo }), undefined);
  });
});
