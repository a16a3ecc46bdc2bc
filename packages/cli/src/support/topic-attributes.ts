import type { MQAdmin } from '@rocketmq-ts/client';
import { MASTER_ID, type TopicRouteData } from '@rocketmq-ts/protocol';

// Topic attributes are not part of a topic's route (TopicRouteData has none): the commands
// that show them read each master's TopicConfig.

/** brokerName → the topic's attributes on that broker's master (brokers without the topic left out). */
export async function attributesByBroker(
  admin: MQAdmin,
  route: TopicRouteData,
  topic: string,
): Promise<Record<string, Record<string, string>>> {
  const out: Record<string, Record<string, string>> = {};
  for (const b of route.brokerDatas) {
    const addr = b.brokerAddrs.get(MASTER_ID);
    const config = addr === undefined ? undefined : await admin.topicConfig(addr, topic);
    if (config !== undefined) out[b.brokerName] = config.attributes;
  }
  return out;
}

/** `message.type=FIFO,reserve.time=24`, keys sorted; `-` when there are none. */
export function formatAttributes(attributes: Readonly<Record<string, string>> | undefined): string {
  const entries = Object.entries(attributes ?? {}).sort(([a], [b]) => a.localeCompare(b));
  return entries.length === 0 ? '-' : entries.map(([k, v]) => `${k}=${v}`).join(',');
}
