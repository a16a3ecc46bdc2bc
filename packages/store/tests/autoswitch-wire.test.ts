// Golden bytes of the controller-mode HA protocol (docs/controller.md; RocketMQ 5.x
// AutoSwitchHAConnection / AutoSwitchHAClient), written from the layout, with every message cut
// at every byte (apache/rocketmq#5651: a handshake in small TCP pieces).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { autoSwitchWire as w } from '../src/index.js';

const SLAVE_HANDSHAKE = Buffer.from(
  [
    '00000001', // state HANDSHAKE
    '0000', // isSyncFromLastFile false
    '0001', // isAsyncLearner true
    '0000000000000003', // slave broker id 3
  ].join(''),
  'hex',
);
const SLAVE_ACK = Buffer.from(['00000002', '0000000100000010'].join(''), 'hex'); // TRANSFER, 4 GiB + 16

const MASTER_HANDSHAKE = Buffer.from(
  [
    '00000001', // state HANDSHAKE
    '00000018', // body size 24 = 2 entries
    '0000000000002000', // master max offset 0x2000
    '00000005', // last epoch 5
    '00000002', // epoch 2
    '0000000000000000', // starts at 0
    '00000005', // epoch 5
    '0000000000001000', // starts at 0x1000
  ].join(''),
  'hex',
);
const MASTER_TRANSFER = Buffer.from(
  [
    '00000002', // state TRANSFER
    '00000003', // body size 3
    '0000000000001800', // offset
    '00000005', // epoch 5
    '0000000000001000', // epoch start offset
    '00000000000017f0', // confirm offset
    'aabbcc', // body
  ].join(''),
  'hex',
);

describe('autoswitch HA wire', () => {
  it('encodes the slave handshake and ack byte for byte', () => {
    assert.deepEqual(w.encodeSlaveHandshake(3, true, false), SLAVE_HANDSHAKE);
    assert.deepEqual(w.encodeSlaveAck(2 ** 32 + 16), SLAVE_ACK);
  });

  it('encodes the master handshake and transfer header byte for byte', () => {
    const epochs = [
      { epoch: 2, startOffset: 0 },
      { epoch: 5, startOffset: 0x1000 },
    ];
    assert.deepEqual(w.encodeMasterHandshake(0x2000, epochs), MASTER_HANDSHAKE);
    const header = w.encodeMasterTransferHeader(0x1800, 3, 5, 0x1000, 0x17f0);
    assert.deepEqual(Buffer.concat([header, Buffer.from('aabbcc', 'hex')]), MASTER_TRANSFER);
  });

  it('decodes the slave stream cut at every byte', () => {
    const all = Buffer.concat([SLAVE_HANDSHAKE, SLAVE_ACK]);
    for (let cut = 0; cut <= all.length; cut++) {
      const d = new w.SlaveMessageDecoder();
      const a = d.push(all.subarray(0, cut));
      const b = d.push(all.subarray(cut));
      assert.ok(a.ok && b.ok);
      assert.deepEqual(
        [...a.messages, ...b.messages],
        [
          { state: 1, syncFromLastFile: false, asyncLearner: true, slaveBrokerId: 3 },
          { state: 2, maxOffset: 2 ** 32 + 16 },
        ],
      );
    }
  });

  it('decodes the master stream cut at every byte: whole handshake first, then the transfer', () => {
    const all = Buffer.concat([MASTER_HANDSHAKE, MASTER_TRANSFER]);
    for (let cut = 0; cut <= all.length; cut++) {
      const d = new w.MasterMessageDecoder();
      const a = d.push(all.subarray(0, cut));
      const b = d.push(all.subarray(cut));
      assert.ok(a.ok && b.ok);
      const msgs = [...a.messages, ...b.messages];
      assert.equal(msgs.length, 2, `cut ${cut}`);
      assert.deepEqual(msgs[0], {
        state: 1,
        masterMaxOffset: 0x2000,
        lastEpoch: 5,
        epochs: [
          { epoch: 2, startOffset: 0 },
          { epoch: 5, startOffset: 0x1000 },
        ],
      });
      const t = msgs[1]!;
      assert.equal(t.state, 2);
      if (t.state === 2) {
        assert.deepEqual(
          { offset: t.offset, epoch: t.epoch, epochStartOffset: t.epochStartOffset, confirmOffset: t.confirmOffset },
          { offset: 0x1800, epoch: 5, epochStartOffset: 0x1000, confirmOffset: 0x17f0 },
        );
        assert.equal(t.body.toString('hex'), 'aabbcc');
      }
    }
  });

  it('refuses unknown states, bad sizes and negative values', () => {
    assert.equal(new w.SlaveMessageDecoder().push(Buffer.from('00000007', 'hex')).ok, false);
    const negId = Buffer.from(SLAVE_HANDSHAKE);
    negId.writeBigInt64BE(-1n, 8);
    assert.equal(new w.SlaveMessageDecoder().push(negId).ok, false);
    const badSize = Buffer.from(MASTER_TRANSFER);
    badSize.writeInt32BE(-5, 4);
    assert.equal(new w.MasterMessageDecoder().push(badSize).ok, false);
    const oddHandshake = Buffer.from(MASTER_HANDSHAKE);
    oddHandshake.writeInt32BE(13, 4);
    assert.equal(new w.MasterMessageDecoder().push(oddHandshake).ok, false);
    assert.equal(new w.MasterMessageDecoder().push(Buffer.from('0000000900000000', 'hex')).ok, false);
  });
});
