import {
  createResponse,
  emptyFields,
  type HeaderSchema,
  type RemotingCommand,
  ResponseCode,
} from '@rocketmq-ts/protocol';

// Small response helpers shared by the feature processors (schedule, retry, query, lock,
// admin, transaction). They keep each handler to its decision and its state change.

/** A decoded header, or the SYSTEM_ERROR response Java gives for a missing/bad field. */
type Decoded<T> = { ok: true; header: T } | { ok: false; response: RemotingCommand };

export function decodeHeader<T>(request: RemotingCommand, schema: HeaderSchema<T>): Decoded<T> {
  const r = schema.decode(request.extFields);
  if (r.ok) return { ok: true, header: r.value };
  return { ok: false, response: createResponse(request, ResponseCode.SYSTEM_ERROR, r.error.message) };
}

export function success(request: RemotingCommand, body?: Buffer, extFields = emptyFields()): RemotingCommand {
  return createResponse(request, ResponseCode.SUCCESS, undefined, extFields, body);
}

export function failure(request: RemotingCommand, code: number, remark: string): RemotingCommand {
  return createResponse(request, code, remark);
}

/** Body of a JSON response (fastjson writes compact JSON, as does JSON.stringify). */
export const jsonBody = (value: unknown): Buffer => Buffer.from(JSON.stringify(value), 'utf8');
