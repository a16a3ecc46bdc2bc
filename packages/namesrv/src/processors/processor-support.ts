import type { Clock, Logger } from '@rocketmq-ts/common';
import {
  createResponse,
  emptyFields,
  type HeaderSchema,
  type RemotingCommand,
  ResponseCode,
} from '@rocketmq-ts/protocol';
import type { RequestHandler } from '@rocketmq-ts/remoting';
import type { KVConfigManager } from '../kv-config.js';
import type { NamesrvConfig } from '../namesrv-config.js';
import type { RouteInfoManager } from '../route-info.js';

/** What the processors use; built once by the controller. */
export interface ProcessorDeps {
  routeInfo: RouteInfoManager;
  kv: KVConfigManager;
  config: NamesrvConfig;
  clock: Clock;
  logger: Logger;
  /** clock time the NameServer started (for needWaitForService). */
  startedAt: number;
}

/** A processor group: the codes it serves, each with its handler. */
export type ProcessorEntries = Array<[code: number, handler: RequestHandler]>;

/**
 * Decodes a request header, or yields the SYSTEM_ERROR response Java sends when a
 * @CFNotNull field is missing or malformed.
 */
export function readHeader<T>(
  schema: HeaderSchema<T>,
  request: RemotingCommand,
): { ok: true; value: T } | { ok: false; response: RemotingCommand } {
  const r = schema.decode(request.extFields);
  if (r.ok) return r;
  return { ok: false, response: createResponse(request, ResponseCode.SYSTEM_ERROR, r.error.message) };
}

export function success(
  request: RemotingCommand,
  extFields: Record<string, string> = emptyFields(),
  body?: Buffer,
): RemotingCommand {
  return createResponse(request, ResponseCode.SUCCESS, undefined, extFields, body);
}

export function failure(request: RemotingCommand, code: number, remark: string): RemotingCommand {
  return createResponse(request, code, remark);
}
