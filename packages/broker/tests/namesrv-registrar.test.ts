import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { silentLogger } from '@rocketmq-ts/common';
import {
  createResponse,
  decodeRegisterBrokerBody,
  type RemotingCommand,
  RequestCode,
  ResponseCode,
} from '@rocketmq-ts/protocol';
import { NamesrvRegistrar } from '../src/outbound/namesrv-registrar.js';
import { topicView } from '../src/topic/topic-config-manager.js';

describe('NamesrvRegistrar', () => {
  const setup = (namesrvAddrs = ['ns1:9876', 'ns2:9876']) => {
    const sent: Array<{ addr: string; cmd: RemotingCommand }> = [];
    let release: (() => void) | undefined;
    let counter = 1;
    const registrar = new NamesrvRegistrar({
      identity: { clusterName: 'DefaultCluster', brokerName: 'broker-a', brokerId: 0, brokerAddr: '10.0.0.1:10911' },
      haServerAddr: '10.0.0.1:10912',
      namesrvAddrs,
      periodMs: 1_000_000,
      timeoutMs: 1000,
      heartbeatTimeoutMs: 120_000,
      topics: () => [topicView('T1', { readQueueNums: 2, writeQueueNums: 2 })],
      dataVersion: () => ({ stateVersion: 0, timestamp: 5, counter }),
      brokerPermission: () => 6,
      client: {
        invoke: async (addr: string, cmd: RemotingCommand) => {
          sent.push({ addr, cmd });
          if (release === undefined && cmd.code === RequestCode.REGISTER_BROKER && sent.length === 1) {
            await new Promise<void>((r) => {
              release = r;
            });
          }
          return createResponse(cmd, ResponseCode.SUCCESS);
        },
      },
      logger: silentLogger,
    });
    return { registrar, sent, bump: () => counter++, releaseFirst: () => release?.() };
  };

  it('registers with every NameServer, header and body as the NameServer expects', async () => {
    const { registrar, sent, releaseFirst } = setup();
    const p = registrar.start();
    releaseFirst();
    await p;
    assert.deepEqual(sent.map((s) => s.addr).sort(), ['ns1:9876', 'ns2:9876']);
    const cmd = sent[0]!.cmd;
    assert.equal(cmd.code, RequestCode.REGISTER_BROKER);
    assert.equal(cmd.extFields.brokerAddr, '10.0.0.1:10911');
    assert.equal(cmd.extFields.clusterName, 'DefaultCluster');
    assert.equal(cmd.extFields.brokerId, '0');
    assert.equal(cmd.extFields.compressed, 'false');
    const body = await decodeRegisterBrokerBody(cmd.body!, { compressed: false, version: cmd.version });
    assert.ok(body.ok);
    assert.equal(body.value.topicConfigSerializeWrapper.topicConfigTable.get('T1')?.writeQueueNums, 2);
    assert.equal(body.value.topicConfigSerializeWrapper.dataVersion.counter, 1);
    await registrar.stop();
  });

  it('coalesces registrations asked for while one runs into one more with the latest version', async () => {
    const { registrar, sent, bump, releaseFirst } = setup(['ns1:9876']);
    const first = registrar.registerAll();
    await new Promise((r) => setImmediate(r));
    bump();
    const a = registrar.registerAll();
    bump();
    const b = registrar.registerAll();
    releaseFirst();
    await Promise.all([first, a, b]);
    const registers = sent.filter((s) => s.cmd.code === RequestCode.REGISTER_BROKER);
    assert.equal(registers.length, 2);
    const last = await decodeRegisterBrokerBody(registers[1]!.cmd.body!, { compressed: false, version: 479 });
    assert.ok(last.ok);
    assert.equal(last.value.topicConfigSerializeWrapper.dataVersion.counter, 3);
  });

  it('unregisters from every NameServer on stop and registers no more', async () => {
    const { registrar, sent } = setup();
    await registrar.stop();
    assert.deepEqual(
      sent.map((s) => s.cmd.code),
      [RequestCode.UNREGISTER_BROKER, RequestCode.UNREGISTER_BROKER],
    );
    await registrar.registerAll();
    assert.equal(sent.length, 2);
  });
});
