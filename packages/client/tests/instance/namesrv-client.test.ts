import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClientAPI } from '../../src/client-api.js';
import { ClientErrorCode, MQBrokerError, MQClientError } from '../../src/errors.js';
import { NameServerClient } from '../../src/instance/namesrv-client.js';

const unreachable = (addr: string) =>
  new MQClientError(`connect to ${addr} failed`, { code: ClientErrorCode.CONNECT, retriable: true });
const api = {} as ClientAPI;

describe('NameServerClient.withNameServer', () => {
  it('moves past NameServers that give no answer and keeps the one that answered', async () => {
    const client = new NameServerClient(api, ['n1', 'n2', 'n3']);
    const down = new Set(['n1', 'n2', 'n3']);
    const asked: string[] = [];
    const ask = async (addr: string) => {
      asked.push(addr);
      if (down.has(addr)) throw unreachable(addr);
      return addr;
    };
    down.delete('n2');
    assert.equal(await client.withNameServer(ask), 'n2');
    assert.ok(asked.length <= 3 && asked.at(-1) === 'n2');
    asked.length = 0;
    assert.equal(await client.withNameServer(ask), 'n2');
    assert.deepEqual(asked, ['n2'], 'the address that answered stays current');
  });

  it('throws the last failure when every NameServer is unreachable', async () => {
    const client = new NameServerClient(api, ['n1', 'n2']);
    const asked: string[] = [];
    await assert.rejects(
      client.withNameServer(async (addr) => {
        asked.push(addr);
        throw unreachable(addr);
      }),
      (e: unknown) => e instanceof MQClientError && e.code === ClientErrorCode.CONNECT,
    );
    assert.deepEqual([...asked].sort(), ['n1', 'n2']);
  });

  it('stops at an answer with an error code: another NameServer would say the same', async () => {
    const client = new NameServerClient(api, ['n1', 'n2']);
    const asked: string[] = [];
    await assert.rejects(
      client.withNameServer(async (addr) => {
        asked.push(addr);
        throw new MQBrokerError(addr, 1, 'boom', true);
      }),
      MQBrokerError,
    );
    assert.equal(asked.length, 1);
  });
});
