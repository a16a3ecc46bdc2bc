import { CURRENT_VERSION } from './codes.js';

/** Flag bit 0: the command is a response. */
export const FLAG_RESPONSE = 1;
/** Flag bit 1: the request expects no response. */
export const FLAG_ONEWAY = 2;

export const SerializeType = { JSON: 0, ROCKETMQ: 1 } as const;
export type SerializeType = (typeof SerializeType)[keyof typeof SerializeType];

/**
 * One remoting frame, request or response. `extFields` always holds strings (the custom
 * header flattened); it is a null-prototype object so keys such as `__proto__` from the wire
 * are plain data.
 */
export interface RemotingCommand {
  code: number;
  language: string;
  version: number;
  opaque: number;
  flag: number;
  remark?: string | undefined;
  extFields: Record<string, string>;
  body?: Buffer | undefined;
  /**
   * A body written as these buffers back to back (pull responses: stored records without
   * a concatenation copy). Encoders only; decoded commands always carry `body`. When set,
   * `body` is ignored.
   */
  bodyParts?: Buffer[] | undefined;
  /**
   * The header type the command arrived in (set by decodeCommand). Remoting answers a
   * request in its own type: JSON to JSON requesters (ali-ons parses nothing else), binary
   * to clients that sent binary. Unset on commands built locally: they go out as JSON
   * unless the connection is configured otherwise.
   */
  serializeType?: SerializeType | undefined;
}

export const isOneway = (c: RemotingCommand): boolean => (c.flag & FLAG_ONEWAY) !== 0;

/**
 * A new null-prototype object. Made by dropping the prototype of `{}` rather than with
 * Object.create(null), which V8 builds in dictionary mode: inserts and for-in over it cost
 * about three times more, and every header is built and walked once per request.
 */
export function emptyFields(): Record<string, string> {
  return Object.setPrototypeOf({}, null) as Record<string, string>;
}

export function createRequest(
  code: number,
  extFields: Record<string, string> = emptyFields(),
  body?: Buffer,
  opaque = 0,
): RemotingCommand {
  return { code, language: 'JAVA', version: CURRENT_VERSION, opaque, flag: 0, extFields, body };
}

/**
 * A response to `request`: same opaque, response bit set. Servers answer `JAVA` as their
 * language since older Java clients reject names they do not know.
 */
export function createResponse(
  request: RemotingCommand,
  code: number,
  remark?: string,
  extFields: Record<string, string> = emptyFields(),
  body?: Buffer,
): RemotingCommand {
  return {
    code,
    language: 'JAVA',
    version: CURRENT_VERSION,
    opaque: request.opaque,
    flag: FLAG_RESPONSE,
    remark,
    extFields,
    body,
  };
}
