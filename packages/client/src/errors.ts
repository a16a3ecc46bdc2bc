import { RocketMQError } from '@rocketmq-ts/common';
import { type RemotingCommand, ResponseCode } from '@rocketmq-ts/protocol';

/**
 * Client-side failure codes. Negative so they never collide with a broker response code;
 * -1001..-1004 are the remoting layer's (connect, send, timeout, closed) and keep their values.
 */
export const ClientErrorCode = {
  CONNECT: -1001,
  SEND: -1002,
  TIMEOUT: -1003,
  CLOSED: -1004,
  NO_NAMESRV: -2001,
  NO_ROUTE: -2002,
  NOT_RUNNING: -2003,
  ILLEGAL_ARGUMENT: -2004,
  BAD_RESPONSE: -2005,
  BROKER_NOT_FOUND: -2006,
  /** A Pop receipt handle whose invisibility is over (RocketMQ 5.x INVALID_RECEIPT_HANDLE). */
  INVALID_RECEIPT_HANDLE: -2007,
  /** Request-reply: the request was sent but no reply came in time (Java's REQUEST_TIMEOUT_EXCEPTION). */
  REQUEST_TIMEOUT: -2008,
  /** createReplyMessage on a message that is not a request (Java's CREATE_REPLY_MESSAGE_EXCEPTION). */
  CREATE_REPLY_MESSAGE: -2009,
} as const;
export type ClientErrorCode = (typeof ClientErrorCode)[keyof typeof ClientErrorCode];

/** A failure detected on the client side: bad argument, no route, network trouble. */
export class MQClientError extends RocketMQError {}

/** The broker or NameServer answered with a non-success response code. */
export class MQBrokerError extends RocketMQError {
  /** Address of the server that answered. */
  readonly address: string;
  /** The server's remark, verbatim. */
  readonly remark: string;
  /** Name of the response code (e.g. TOPIC_NOT_EXIST), or `UNKNOWN`. */
  readonly codeName: string;
  constructor(address: string, code: number, remark: string, retriable: boolean) {
    const codeName = codeNames.get(code) ?? 'UNKNOWN';
    super(`${codeName}(${code}) from ${address}${remark ? `: ${remark}` : ''}`, { code, retriable });
    this.address = address;
    this.remark = remark;
    this.codeName = codeName;
  }
}

const codeNames = new Map<number, string>(Object.entries(ResponseCode).map(([k, v]) => [v, k]));

// THE table: which response codes a caller may retry (on another broker, or later).
// Mirrors the Java producer's retry set (topic missing on that broker, broker busy or
// shutting down, no permission there, unit-mode routing) plus flow control and GO_AWAY.
const RETRIABLE_CODES: ReadonlySet<number> = new Set<number>([
  ResponseCode.SYSTEM_ERROR,
  ResponseCode.SYSTEM_BUSY,
  ResponseCode.SERVICE_NOT_AVAILABLE,
  ResponseCode.TOPIC_NOT_EXIST,
  ResponseCode.NO_PERMISSION,
  ResponseCode.NO_BUYER_ID,
  ResponseCode.NOT_IN_CURRENT_UNIT,
  ResponseCode.FLOW_CONTROL,
  ResponseCode.GO_AWAY,
  ResponseCode.POLLING_FULL,
]);

/** Whether a response code is worth retrying. Exposed for tests and tools. */
export const isRetriableCode = (code: number): boolean => RETRIABLE_CODES.has(code);

/** Name of a response code for messages and tables. */
export const responseCodeName = (code: number): string => codeNames.get(code) ?? `CODE_${code}`;

/** Translates a non-success response into the typed error. */
export function brokerError(address: string, response: RemotingCommand): MQBrokerError {
  return new MQBrokerError(address, response.code, response.remark ?? '', RETRIABLE_CODES.has(response.code));
}

/**
 * Wraps anything thrown below us (remoting errors, decoder failures) into MQClientError,
 * keeping the remoting code and retriable flag. Our own typed errors pass through.
 */
export function toClientError(e: unknown): MQClientError | MQBrokerError {
  if (e instanceof MQClientError || e instanceof MQBrokerError) return e;
  if (e instanceof RocketMQError) {
    return new MQClientError(e.message, { code: e.code, retriable: e.retriable, cause: e });
  }
  const msg = e instanceof Error ? e.message : String(e);
  return new MQClientError(msg, { code: ClientErrorCode.BAD_RESPONSE, retriable: false, cause: e });
}

const NO_ANSWER_CODES: ReadonlySet<number> = new Set<number>([
  ClientErrorCode.CONNECT,
  ClientErrorCode.SEND,
  ClientErrorCode.TIMEOUT,
  ClientErrorCode.CLOSED,
  ClientErrorCode.BROKER_NOT_FOUND,
]);

/**
 * Whether a request to a broker failed without an answer from it (connect refused, write
 * failed, timeout, connection closed) or the cached route names no such broker: the broker may
 * be gone and the topic's route worth re-reading.
 */
export const isNoAnswer = (e: unknown): boolean => e instanceof MQClientError && NO_ANSWER_CODES.has(e.code);

export const illegalArgument = (message: string): MQClientError =>
  new MQClientError(message, { code: ClientErrorCode.ILLEGAL_ARGUMENT });

export const notRunning = (what: string): MQClientError =>
  new MQClientError(`${what} is not running`, { code: ClientErrorCode.NOT_RUNNING });
