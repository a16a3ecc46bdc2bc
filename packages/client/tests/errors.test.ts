import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRequest, createResponse, ResponseCode } from '@rocketmq-ts/protocol';
import { RemotingConnectError, RemotingTimeoutError } from '@rocketmq-ts/remoting';
import {
  brokerError,
  ClientErrorCode,
  isRetriableCode,
  MQBrokerError,
  MQClientError,
  toClientError,
} from '../src/errors.js';

describe('error table', () => {
  it('marks the codes a producer retries elsewhere as retriable', () => {
    for (const c of [
      ResponseCode.SYSTEM_ERROR,
      ResponseCode.SYSTEM_BUSY,
      ResponseCode.SERVICE_NOT_AVAILABLE,
      ResponseCode.TOPIC_NOT_EXIST,
      ResponseCode.NO_PERMISSION,
      ResponseCode.GO_AWAY,
    ]) {
      assert.ok(isRetriableCode(c), String(c));
    }
    for (const c of [
      ResponseCode.MESSAGE_ILLEGAL,
      ResponseCode.INVALID_PARAMETER,
      ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST,
      ResponseCode.VERSION_NOT_SUPPORTED,
    ]) {
      assert.ok(!isRetriableCode(c), String(c));
    }
  });
  it('turns a response into MQBrokerError with code, name, remark and address', () => {
    const res = createResponse(createRequest(10), ResponseCode.MESSAGE_ILLEGAL, 'body too big');
    const e = brokerError('1.2.3.4:10911', res);
    assert.ok(e instanceof MQBrokerError);
    assert.equal(e.code, 13);
    assert.equal(e.codeName, 'MESSAGE_ILLEGAL');
    assert.equal(e.retriable, false);
    assert.equal(e.remark, 'body too big');
    assert.match(e.message, /MESSAGE_ILLEGAL\(13\) from 1\.2\.3\.4:10911: body too big/);
  });
  it('wraps remoting failures as retriable MQClientError keeping the cause', () => {
    const cause = new RemotingConnectError('127.0.0.1:1', 'ECONNREFUSED');
    const e = toClientError(cause);
    assert.ok(e instanceof MQClientError);
    assert.equal(e.code, ClientErrorCode.CONNECT);
    assert.equal(e.retriable, true);
    assert.equal(e.cause, cause);
    assert.match(e.message, /connect to 127\.0\.0\.1:1 failed/);
    assert.equal(toClientError(new RemotingTimeoutError('a:1', 5, 10)).code, ClientErrorCode.TIMEOUT);
  });
  it('passes typed errors through and wraps anything else as non-retriable', () => {
    const typed = new MQClientError('x', { code: ClientErrorCode.NO_ROUTE });
    assert.equal(toClientError(typed), typed);
    const other = toClientError(new TypeError('boom'));
    assert.equal(other.retriable, false);
    assert.equal(other.code, ClientErrorCode.BAD_RESPONSE);
  });
});
