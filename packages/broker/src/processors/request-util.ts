import { createResponse, type HeaderSchema, type RemotingCommand, ResponseCode } from '@rocketmq-ts/protocol';

// Small helpers every processor uses to decode headers and build answers.

/**
 * Decodes a request header with its schema. A missing or malformed field is answered like
 * Java's RemotingCommandException: SYSTEM_ERROR with the field message as remark.
 */
export function decodeHeader<T>(
  schema: HeaderSchema<T>,
  request: RemotingCommand,
): { ok: true; value: T } | { ok: false; response: RemotingCommand } {
  const r = schema.decode(request.extFields);
  if (r.ok) return r;
  return { ok: false, response: createResponse(request, ResponseCode.SYSTEM_ERROR, r.error.message) };
}

export const reply = (request: RemotingCommand, code: number, remark?: string): RemotingCommand =>
  createResponse(request, code, remark);

export const FAQ_URL = 'https://rocketmq.apache.org/docs/bestPractice/06FAQ';
