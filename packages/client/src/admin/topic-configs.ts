import {
  decodeTopicConfigSerializeWrapper,
  RequestCode,
  ResponseCode,
  readTopicConfig,
  type TopicConfig,
  TopicRequestHeader,
} from '@rocketmq-ts/protocol';
import { type ClientAPI, request } from '../client-api.js';
import { brokerError, ClientErrorCode, MQClientError } from '../errors.js';
import { parseBody } from './admin-bodies.js';

// Topic configurations as one broker holds them, attributes included: GET_TOPIC_CONFIG (351)
// for one topic, GET_ALL_TOPIC_CONFIG (21) for all of them.

/** The topic's config on the broker at `addr`; undefined when the broker does not have it. */
export async function fetchTopicConfig(api: ClientAPI, addr: string, topic: string): Promise<TopicConfig | undefined> {
  const r = await api.invoke(addr, request(RequestCode.GET_TOPIC_CONFIG, TopicRequestHeader, { topic }));
  if (r.code === ResponseCode.TOPIC_NOT_EXIST) return undefined;
  if (r.code !== ResponseCode.SUCCESS) throw brokerError(addr, r);
  try {
    return readTopicConfig(parseBody(r.body, 'TopicConfigAndQueueMapping'), topic);
  } catch (e) {
    throw new MQClientError(`bad TopicConfig from ${addr}: ${(e as Error).message}`, {
      code: ClientErrorCode.BAD_RESPONSE,
      cause: e,
    });
  }
}

/** Every topic config of the broker at `addr`, by name. */
export async function fetchAllTopicConfigs(api: ClientAPI, addr: string): Promise<Map<string, TopicConfig>> {
  const r = await api.invokeOk(addr, request(RequestCode.GET_ALL_TOPIC_CONFIG));
  const wrapper = decodeTopicConfigSerializeWrapper(r.body ?? Buffer.from('{}'));
  if (!wrapper.ok) {
    throw new MQClientError(`bad TopicConfigSerializeWrapper from ${addr}: ${wrapper.error}`, {
      code: ClientErrorCode.BAD_RESPONSE,
    });
  }
  return wrapper.value.topicConfigTable;
}
