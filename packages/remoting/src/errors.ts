import { RocketMQError } from '@rocketmq-ts/common';

/**
 * Client-side codes of the remoting layer. Negative so they can never be confused with a
 * RocketMQ response code received from a server.
 */
export const RemotingErrorCode = {
  /** The TCP connection could not be established (refused, unreachable, connect timeout). */
  CONNECT: -1001,
  /** The request was never written: the connection was already closed or closing. */
  SEND: -1002,
  /** No response arrived within the timeout. The server may still have processed it. */
  TIMEOUT: -1003,
  /** The connection closed while the request was awaiting its response. */
  CLOSED: -1004,
} as const;
export type RemotingErrorCode = (typeof RemotingErrorCode)[keyof typeof RemotingErrorCode];

// All four are retriable: RocketMQ delivery is at-least-once, and Java's producer likewise
// retries on any RemotingException. Callers sending non-idempotent admin requests decide
// for themselves.

export class RemotingConnectError extends RocketMQError {
  readonly address: string;
  constructor(address: string, message: string, cause?: unknown) {
    super(`connect to ${address} failed: ${message}`, { code: RemotingErrorCode.CONNECT, retriable: true, cause });
    this.address = address;
  }
}

export class RemotingSendRequestError extends RocketMQError {
  readonly address: string;
  constructor(address: string, message: string, cause?: unknown) {
    super(`send request to ${address} failed: ${message}`, { code: RemotingErrorCode.SEND, retriable: true, cause });
    this.address = address;
  }
}

export class RemotingTimeoutError extends RocketMQError {
  readonly address: string;
  readonly timeoutMs: number;
  /** Request code of the command that timed out. */
  readonly requestCode: number;
  constructor(address: string, timeoutMs: number, requestCode: number) {
    super(`request code ${requestCode} to ${address} timed out after ${timeoutMs} ms`, {
      code: RemotingErrorCode.TIMEOUT,
      retriable: true,
    });
    this.address = address;
    this.timeoutMs = timeoutMs;
    this.requestCode = requestCode;
  }
}

export class RemotingClosedError extends RocketMQError {
  readonly address: string;
  constructor(address: string, message = 'connection closed before the response arrived', cause?: unknown) {
    super(`${address}: ${message}`, { code: RemotingErrorCode.CLOSED, retriable: true, cause });
    this.address = address;
  }
}
