import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RocketMQError } from '@rocketmq-ts/common';
import {
  RemotingClosedError,
  RemotingConnectError,
  RemotingErrorCode,
  RemotingSendRequestError,
  RemotingTimeoutError,
} from '../src/index.js';

describe('remoting errors', () => {
  it('are retriable RocketMQErrors with distinct negative client-side codes', () => {
    const cause = new Error('ECONNREFUSED');
    const errors = [
      new RemotingConnectError('127.0.0.1:9876', 'refused', cause),
      new RemotingSendRequestError('127.0.0.1:9876', 'connection is closed'),
      new RemotingTimeoutError('127.0.0.1:9876', 3000, 10),
      new RemotingClosedError('127.0.0.1:9876'),
    ];
    assert.deepEqual(
      errors.map((e) => e.code),
      [RemotingErrorCode.CONNECT, RemotingErrorCode.SEND, RemotingErrorCode.TIMEOUT, RemotingErrorCode.CLOSED],
    );
    assert.deepEqual(Object.values(RemotingErrorCode), [-1001, -1002, -1003, -1004]);
    for (const e of errors) {
      assert.ok(e instanceof RocketMQError);
      assert.equal(e.retriable, true);
      assert.equal(e.address, '127.0.0.1:9876');
      assert.equal(e.name, e.constructor.name);
      assert.match(e.message, /127\.0\.0\.1:9876/);
    }
    assert.equal(errors[0]!.cause, cause);
    assert.equal((errors[2] as RemotingTimeoutError).timeoutMs, 3000);
    assert.equal((errors[2] as RemotingTimeoutError).requestCode, 10);
  });
});
