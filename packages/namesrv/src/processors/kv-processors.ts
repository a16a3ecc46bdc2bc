import {
  encodeKVTable,
  GetKVConfigResponseHeader,
  GetKVListByNamespaceRequestHeader,
  KVConfigKeyRequestHeader,
  PutKVConfigRequestHeader,
  type RemotingCommand,
  RequestCode,
  ResponseCode,
} from '@rocketmq-ts/protocol';
import { failure, type ProcessorDeps, type ProcessorEntries, readHeader, success } from './processor-support.js';

// KV config: PUT_KV_CONFIG (100), GET_KV_CONFIG (101), DELETE_KV_CONFIG (102),
// GET_KVLIST_BY_NAMESPACE (219). Changes are answered once they are on disk.

export function kvProcessors(deps: ProcessorDeps): ProcessorEntries {
  const { kv } = deps;

  const put = async (request: RemotingCommand): Promise<RemotingCommand> => {
    const h = readHeader(PutKVConfigRequestHeader, request);
    if (!h.ok) return h.response;
    await kv.put(h.value.namespace, h.value.key, h.value.value);
    return success(request);
  };

  const get = (request: RemotingCommand): RemotingCommand => {
    const h = readHeader(KVConfigKeyRequestHeader, request);
    if (!h.ok) return h.response;
    const value = kv.get(h.value.namespace, h.value.key);
    if (value !== undefined) return success(request, GetKVConfigResponseHeader.encode({ value }));
    return failure(
      request,
      ResponseCode.QUERY_NOT_FOUND,
      `No config item, Namespace: ${h.value.namespace} Key: ${h.value.key}`,
    );
  };

  const del = async (request: RemotingCommand): Promise<RemotingCommand> => {
    const h = readHeader(KVConfigKeyRequestHeader, request);
    if (!h.ok) return h.response;
    await kv.delete(h.value.namespace, h.value.key);
    return success(request);
  };

  const list = (request: RemotingCommand): RemotingCommand => {
    const h = readHeader(GetKVListByNamespaceRequestHeader, request);
    if (!h.ok) return h.response;
    const table = kv.getNamespace(h.value.namespace);
    if (table) return success(request, undefined, encodeKVTable(new Map(table)));
    return failure(request, ResponseCode.QUERY_NOT_FOUND, `No config item, Namespace: ${h.value.namespace}`);
  };

  return [
    [RequestCode.PUT_KV_CONFIG, put],
    [RequestCode.GET_KV_CONFIG, get],
    [RequestCode.DELETE_KV_CONFIG, del],
    [RequestCode.GET_KVLIST_BY_NAMESPACE, list],
  ];
}
