import type { MessageQueue } from '@rocketmq-ts/protocol';

/** A message to send. */
export interface Message {
  topic: string;
  body: Buffer | string;
  /** One tag; consumers filter on it. */
  tags?: string;
  /** Business keys, indexed by the broker; query them with the admin client. */
  keys?: string | readonly string[];
  /** Delay level 1..18 (1 s … 2 h), see the broker's messageDelayLevel. */
  delayTimeLevel?: number;
  /**
   * Deliver at this moment (epoch ms; RocketMQ 5.x timer, TIMER_DELIVER_MS). The broker
   * delivers a past time at once and refuses one beyond its timerMaxDelaySec (3 days).
   * At most one of deliveryTimestamp, delayTimeMs and delayTimeSec.
   */
  deliveryTimestamp?: number;
  /** Deliver this many ms after the broker stores the message (TIMER_DELAY_MS). */
  delayTimeMs?: number;
  /** Deliver this many seconds after the broker stores the message (TIMER_DELAY_SEC). */
  delayTimeSec?: number;
  /** User flag, stored verbatim. */
  flag?: number;
  /** User properties. Names RocketMQ reserves (TAGS, KEYS, UNIQ_KEY…) are set by the fields above. */
  properties?: Readonly<Record<string, string>>;
  /** Whether the broker should answer only after storing (default true). */
  waitStoreMsgOK?: boolean;
}

/** A received message. `body` is decompressed. */
export interface MessageExt {
  topic: string;
  body: Buffer;
  tags: string | undefined;
  keys: string[];
  /** Client message id (UNIQ_KEY) when present, else the offset id. */
  msgId: string;
  /** Broker offset id: store host + physical offset. */
  offsetMsgId: string;
  queueId: number;
  brokerName: string;
  queueOffset: number;
  commitLogOffset: number;
  sysFlag: number;
  flag: number;
  bornTimestamp: number;
  bornHost: string;
  storeTimestamp: number;
  storeHost: string;
  reconsumeTimes: number;
  preparedTransactionOffset: number;
  properties: Map<string, string>;
}

export type SendStatus = 'SEND_OK' | 'FLUSH_DISK_TIMEOUT' | 'FLUSH_SLAVE_TIMEOUT' | 'SLAVE_NOT_AVAILABLE';

export interface SendResult {
  sendStatus: SendStatus;
  /** UNIQ_KEY of the message (comma-joined for a batch). */
  msgId: string;
  /** Offset id(s) returned by the broker. */
  offsetMsgId: string;
  messageQueue: MessageQueue;
  /** Queue offset of the (first) message. */
  queueOffset: number;
  transactionId?: string | undefined;
  /** The broker's region (MSG_REGION of the response), for message trace. */
  regionId?: string | undefined;
  /** Whether the broker wants traces of its messages (TRACE_ON of the response). */
  traceOn?: boolean | undefined;
  /** A timer message's recall handle (RocketMQ 5.3): pass it to Producer.recall to cancel it. */
  recallHandle?: string | undefined;
}
