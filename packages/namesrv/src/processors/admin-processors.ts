import { applyProperties, formatProperties, parseProperties } from '@rocketmq-ts/common';
import { encodeTopicList, type RemotingCommand, RequestCode, ResponseCode } from '@rocketmq-ts/protocol';
import type { NamesrvConfig } from '../namesrv-config.js';
import { failure, type ProcessorDeps, type ProcessorEntries, success } from './processor-support.js';

// Admin-tool codes: GET_SYSTEM_TOPIC_LIST_FROM_NS (304), GET_UNIT_TOPIC_LIST (311),
// GET_HAS_UNIT_SUB_TOPIC_LIST (312), GET_HAS_UNIT_SUB_UNUNIT_TOPIC_LIST (313),
// UPDATE_NAMESRV_CONFIG (318), GET_NAMESRV_CONFIG (319).

/** TopicSysFlag bits. */
const FLAG_UNIT = 1;
const FLAG_UNIT_SUB = 2;

/** Keys UPDATE_NAMESRV_CONFIG may never change (Java's configBlackList defaults plus the listener). */
const ALWAYS_BLACKLISTED = [
  'configBlackList',
  'configStorePath',
  'kvConfigPath',
  'rocketmqHome',
  'listenPort',
  'bindAddress',
];

export function adminProcessors(deps: ProcessorDeps): ProcessorEntries {
  const { routeInfo, config, logger } = deps;

  const systemTopics = (request: RemotingCommand): RemotingCommand => {
    const { topics, brokerAddr } = routeInfo.getSystemTopicList();
    return success(request, undefined, encodeTopicList(topics, brokerAddr));
  };

  const bySysFlag =
    (test: (flag: number) => boolean) =>
    (request: RemotingCommand): RemotingCommand => {
      if (!config.enableTopicList) return failure(request, ResponseCode.SYSTEM_ERROR, 'disable');
      return success(request, undefined, encodeTopicList(routeInfo.getTopicsBySysFlag(test)));
    };

  const getConfig = (request: RemotingCommand): RemotingCommand =>
    success(request, undefined, Buffer.from(formatProperties(config), 'utf8'));

  // Applies to the running NameServer only (not written to configStorePath).
  const updateConfig = (request: RemotingCommand): RemotingCommand => {
    if (!request.body || request.body.length === 0) return success(request);
    const props = parseProperties(request.body.toString('utf8'));
    const blacklist = new Set([...ALWAYS_BLACKLISTED, ...config.configBlackList.split(';').filter(Boolean)]);
    if ([...props.keys()].some((k) => blacklist.has(k))) {
      return failure(request, ResponseCode.NO_PERMISSION, 'Can not update config in black list.');
    }
    let updated: NamesrvConfig;
    try {
      updated = applyProperties(config, props).config;
    } catch (e) {
      return failure(request, ResponseCode.SYSTEM_ERROR, (e as Error).message);
    }
    Object.assign(config, updated);
    logger.info({ keys: [...props.keys()] }, 'name server config updated');
    return success(request);
  };

  return [
    [RequestCode.GET_SYSTEM_TOPIC_LIST_FROM_NS, systemTopics],
    [RequestCode.GET_UNIT_TOPIC_LIST, bySysFlag((f) => (f & FLAG_UNIT) !== 0)],
    [RequestCode.GET_HAS_UNIT_SUB_TOPIC_LIST, bySysFlag((f) => (f & FLAG_UNIT_SUB) !== 0)],
    [
      RequestCode.GET_HAS_UNIT_SUB_UNUNIT_TOPIC_LIST,
      bySysFlag((f) => (f & FLAG_UNIT) === 0 && (f & FLAG_UNIT_SUB) !== 0),
    ],
    [RequestCode.UPDATE_NAMESRV_CONFIG, updateConfig],
    [RequestCode.GET_NAMESRV_CONFIG, getConfig],
  ];
}
