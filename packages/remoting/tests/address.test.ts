import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatAddress, parseAddress } from '../src/index.js';

describe('formatAddress', () => {
  it('strips the IPv4-mapped IPv6 prefix', () => {
    assert.equal(formatAddress('::ffff:10.0.0.7', 10911), '10.0.0.7:10911');
    assert.equal(formatAddress('127.0.0.1', 9876), '127.0.0.1:9876');
    assert.equal(formatAddress('::1', 9876), '::1:9876');
  });

  it('says unknown for a socket that has lost its address', () => {
    assert.equal(formatAddress(undefined, undefined), 'unknown');
  });
});

describe('parseAddress', () => {
  it('splits host and port, IPv6 in brackets included', () => {
    assert.deepEqual(parseAddress('127.0.0.1:9876'), { host: '127.0.0.1', port: 9876 });
    assert.deepEqual(parseAddress('broker-a.local:10911'), { host: 'broker-a.local', port: 10911 });
    assert.deepEqual(parseAddress('[::1]:9876'), { host: '::1', port: 9876 });
  });

  it('rejects what is not host:port', () => {
    for (const bad of ['', '9876', ':9876', 'host:', 'host:0', 'host:65536', 'host:12x', 'host:1.5']) {
      assert.equal(parseAddress(bad), undefined, bad);
    }
  });
});
