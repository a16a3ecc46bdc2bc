import { ResponseCode } from '@rocketmq-ts/protocol';

/** apache.rocketmq.v2.Code: the `Status.code` values every RPC answers with. */
export const Code = {
  OK: 20000,
  MULTIPLE_RESULTS: 30000,
  BAD_REQUEST: 40000,
  ILLEGAL_ACCESS_POINT: 40001,
  ILLEGAL_TOPIC: 40002,
  ILLEGAL_CONSUMER_GROUP: 40003,
  ILLEGAL_MESSAGE_TAG: 40004,
  ILLEGAL_MESSAGE_KEY: 40005,
  ILLEGAL_MESSAGE_GROUP: 40006,
  ILLEGAL_MESSAGE_PROPERTY_KEY: 40007,
  INVALID_TRANSACTION_ID: 40008,
  ILLEGAL_MESSAGE_ID: 40009,
  ILLEGAL_FILTER_EXPRESSION: 40010,
  ILLEGAL_INVISIBLE_TIME: 40011,
  ILLEGAL_DELIVERY_TIME: 40012,
  INVALID_RECEIPT_HANDLE: 40013,
  MESSAGE_PROPERTY_CONFLICT_WITH_TYPE: 40014,
  UNRECOGNIZED_CLIENT_TYPE: 40015,
  MESSAGE_CORRUPTED: 40016,
  CLIENT_ID_REQUIRED: 40017,
  ILLEGAL_POLLING_TIME: 40018,
  UNAUTHORIZED: 40100,
  FORBIDDEN: 40300,
  NOT_FOUND: 40400,
  MESSAGE_NOT_FOUND: 40401,
  TOPIC_NOT_FOUND: 40402,
  CONSUMER_GROUP_NOT_FOUND: 40403,
  REQUEST_TIMEOUT: 40800,
  PAYLOAD_TOO_LARGE: 41300,
  MESSAGE_BODY_TOO_LARGE: 41301,
  MESSAGE_BODY_EMPTY: 41302,
  TOO_MANY_REQUESTS: 42900,
  MESSAGE_PROPERTIES_TOO_LARGE: 43101,
  INTERNAL_ERROR: 50000,
  INTERNAL_SERVER_ERROR: 50001,
  HA_NOT_AVAILABLE: 50002,
  NOT_IMPLEMENTED: 50100,
  PROXY_TIMEOUT: 50400,
  MASTER_PERSISTENCE_TIMEOUT: 50401,
  SLAVE_PERSISTENCE_TIMEOUT: 50402,
  FAILED_TO_CONSUME_MESSAGE: 60000,
} as const;
export type Code = (typeof Code)[keyof typeof Code];

/**
 * The one place broker answers become gRPC codes (the Java proxy's ResponseBuilder table);
 * anything not listed is INTERNAL_SERVER_ERROR.
 */
const FROM_RESPONSE_CODE: ReadonlyMap<number, Code> = new Map<number, Code>([
  [ResponseCode.SUCCESS, Code.OK],
  [ResponseCode.SYSTEM_BUSY, Code.TOO_MANY_REQUESTS],
  [ResponseCode.REQUEST_CODE_NOT_SUPPORTED, Code.NOT_IMPLEMENTED],
  [ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST, Code.CONSUMER_GROUP_NOT_FOUND],
  [ResponseCode.TOPIC_NOT_EXIST, Code.TOPIC_NOT_FOUND],
  [ResponseCode.NO_PERMISSION, Code.FORBIDDEN],
  [ResponseCode.MESSAGE_ILLEGAL, Code.BAD_REQUEST],
  [ResponseCode.INVALID_PARAMETER, Code.BAD_REQUEST],
  [ResponseCode.SUBSCRIPTION_PARSE_FAILED, Code.ILLEGAL_FILTER_EXPRESSION],
  [ResponseCode.POLLING_FULL, Code.TOO_MANY_REQUESTS],
  [ResponseCode.FLOW_CONTROL, Code.TOO_MANY_REQUESTS],
  [ResponseCode.FLUSH_DISK_TIMEOUT, Code.MASTER_PERSISTENCE_TIMEOUT],
  [ResponseCode.FLUSH_SLAVE_TIMEOUT, Code.SLAVE_PERSISTENCE_TIMEOUT],
  [ResponseCode.SLAVE_NOT_AVAILABLE, Code.HA_NOT_AVAILABLE],
]);

export function codeOfResponse(responseCode: number): Code {
  return FROM_RESPONSE_CODE.get(responseCode) ?? Code.INTERNAL_SERVER_ERROR;
}

/** A failure with the gRPC Status it is answered with. */
export class ProxyError extends Error {
  constructor(
    readonly code: Code,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ProxyError';
  }
}

export const status = (code: Code, message = code === Code.OK ? 'OK' : '') => ({ code, message });

/** The Status of a thrown error: a ProxyError's own, a timeout PROXY_TIMEOUT, anything else INTERNAL_SERVER_ERROR. */
export function statusOfError(e: unknown): { code: Code; message: string } {
  if (e instanceof ProxyError) return { code: e.code, message: e.message };
  const message = e instanceof Error ? e.message : String(e);
  if (e instanceof Error && e.name === 'RemotingTimeoutError') return { code: Code.PROXY_TIMEOUT, message };
  return { code: Code.INTERNAL_SERVER_ERROR, message };
}
