import {
  QueryMessageRequestHeader,
  QueryMessageResponseHeader,
  RequestCode,
  ResponseCode,
  ViewMessageRequestHeader,
} from '@rocketmq-ts/protocol';
import type { RequestHandler } from '@rocketmq-ts/remoting';
import { numberConfig } from '../admin/config-values.js';
import { decodeHeader, failure, success } from '../admin/respond.js';
import type { FeatureDeps, FeatureProcessor } from '../runtime/ports.js';

// QUERY_MESSAGE (12): index lookup by KEYS / UNIQ_KEY; VIEW_MESSAGE_BY_ID (33): one record by
// its physical offset (decoded by the client from an offset msgId). Both answer stored records
// verbatim, so clients decode them with the same code as pull bodies.

/** extField that marks `key` as a UNIQ_KEY (Java MixAll.UNIQUE_MSG_QUERY_FLAG). */
export const UNIQUE_MSG_QUERY_FLAG = '_UNIQUE_KEY_QUERY';
/** `defaultQueryMaxNum`: results of a unique-key query. */
const DEFAULT_QUERY_MAX_NUM = 32;

export function queryProcessors(deps: Pick<FeatureDeps, 'store' | 'config'>): FeatureProcessor[] {
  const uniqueMaxNum = numberConfig(deps.config, 'defaultQueryMaxNum', DEFAULT_QUERY_MAX_NUM);

  const query: RequestHandler = async (request) => {
    const h = decodeHeader(request, QueryMessageRequestHeader);
    if (!h.ok) return h.response;
    const { topic, key, beginTimestamp, endTimestamp } = h.header;
    const maxNum = request.extFields[UNIQUE_MSG_QUERY_FLAG] === 'true' ? uniqueMaxNum : h.header.maxNum;
    const result = await deps.store.queryMessage(topic, key, maxNum, beginTimestamp, endTimestamp);
    const ext = QueryMessageResponseHeader.encode({
      indexLastUpdateTimestamp: result.indexLastUpdateTimestamp,
      indexLastUpdatePhyoffset: result.indexLastUpdatePhyoffset,
    });
    if (result.records.length === 0) {
      const r = failure(request, ResponseCode.QUERY_NOT_FOUND, 'can not find message, maybe time range not correct');
      r.extFields = ext;
      return r;
    }
    return success(request, Buffer.concat(result.records), ext);
  };

  const view: RequestHandler = async (request) => {
    const h = decodeHeader(request, ViewMessageRequestHeader);
    if (!h.ok) return h.response;
    const record = await deps.store.lookMessageByOffset(h.header.offset);
    if (!record) {
      return failure(request, ResponseCode.SYSTEM_ERROR, `can not find message by the offset, ${h.header.offset}`);
    }
    return success(request, record);
  };

  return [
    { code: RequestCode.QUERY_MESSAGE, handler: query },
    { code: RequestCode.VIEW_MESSAGE_BY_ID, handler: view },
  ];
}
