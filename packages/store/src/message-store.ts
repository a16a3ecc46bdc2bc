// The narrow interface the broker sees of its store. Two implementations share one
// conformance suite: file-store (CommitLog + ConsumeQueue + IndexFile on disk) and
// memory-store (for fast unit tests of the broker).

/** A message to append, already validated by the broker. */
export interface MessageInput {
  topic: string;
  queueId: number;
  /** User flag, stored verbatim. */
  flag: number;
  /** Stored as received (compressed or not: the client's business). */
  body: Buffer;
  /** Encoded properties string (`k\u0001v\u0002…`). */
  properties: string;
  sysFlag: number;
  bornTimestamp: number;
  /** `ip:port`, IPv4. */
  bornHost: string;
  reconsumeTimes: number;
  preparedTransactionOffset: number;
  /**
   * ConsumeQueue tag field. Default: Java String.hashCode of the TAGS property (0 without
   * tags). The broker passes the delivery timestamp for SCHEDULE_TOPIC_XXXX.
   */
  tagsCode?: number;
}

export type PutMessageStatus =
  | 'PUT_OK'
  | 'FLUSH_DISK_TIMEOUT'
  | 'FLUSH_SLAVE_TIMEOUT'
  | 'SLAVE_NOT_AVAILABLE'
  | 'SERVICE_NOT_AVAILABLE'
  | 'CREATE_MAPPED_FILE_FAILED'
  | 'MESSAGE_ILLEGAL'
  | 'PROPERTIES_SIZE_EXCEEDED'
  | 'OS_PAGE_CACHE_BUSY'
  | 'IN_SYNC_REPLICAS_NOT_ENOUGH'
  | 'UNKNOWN_ERROR';

export interface AppendResult {
  /** Physical (CommitLog) offset of the first record written. */
  wroteOffset: number;
  /** Bytes written, all records. */
  wroteBytes: number;
  /** Offset message id(s) (storeHost + physical offset), comma-joined for a batch. */
  msgId: string;
  /** Queue offset of the first record. */
  logicsOffset: number;
  storeTimestamp: number;
  msgNum: number;
}

export interface PutMessageResult {
  status: PutMessageStatus;
  /** Present when the record was written (PUT_OK and the *_TIMEOUT / SLAVE statuses). */
  append?: AppendResult;
}

export type GetMessageStatus =
  | 'FOUND'
  | 'NO_MATCHED_MESSAGE'
  | 'MESSAGE_WAS_REMOVING'
  | 'OFFSET_FOUND_NULL'
  | 'OFFSET_OVERFLOW_BADLY'
  | 'OFFSET_OVERFLOW_ONE'
  | 'OFFSET_TOO_SMALL'
  | 'NO_MATCHED_LOGIC_QUEUE'
  | 'NO_MESSAGE_IN_QUEUE';

export interface GetMessageResult {
  status: GetMessageStatus;
  nextBeginOffset: number;
  minOffset: number;
  maxOffset: number;
  /** Stored records exactly as in the CommitLog (each a complete record, see docs/formats.md). */
  records: Buffer[];
  /** Sum of record lengths. */
  totalSize: number;
}

/** Decides on the ConsumeQueue tag field whether a record may match (hash filter). */
export type TagsCodeFilter = (tagsCode: number) => boolean;

export interface QueryMessageResult {
  records: Buffer[];
  indexLastUpdateTimestamp: number;
  indexLastUpdatePhyoffset: number;
}

export interface MessageStore {
  /** Loads or recovers the store; resolves when it accepts appends. */
  start(): Promise<void>;
  /** Flushes, writes the checkpoint, marks a clean shutdown. */
  shutdown(): Promise<void>;

  putMessage(msg: MessageInput): Promise<PutMessageResult>;
  /** All records get consecutive queue offsets in one queue (SEND_BATCH_MESSAGE). */
  putMessages(batch: MessageInput[]): Promise<PutMessageResult>;
  /**
   * Records of any topics and queues, placed back to back in one CommitLog allocation and so
   * written by one write: a kill keeps all of them or none (the revive service appends a
   * checkpoint's re-puts and its revive mark this way). Queue offsets are assigned per queue.
   */
  putTogether(batch: MessageInput[]): Promise<PutMessageResult>;

  getMessage(
    topic: string,
    queueId: number,
    offset: number,
    maxCount: number,
    maxBytes: number,
    filter?: TagsCodeFilter,
  ): Promise<GetMessageResult>;

  /** Next queue offset to be written (= message count if nothing was deleted). */
  getMaxOffsetInQueue(topic: string, queueId: number): number;
  getMinOffsetInQueue(topic: string, queueId: number): number;
  /** Queue offset of the first (`lower`) or last (`upper`) message stored at/around `timestamp`. */
  getOffsetInQueueByTime(
    topic: string,
    queueId: number,
    timestamp: number,
    boundary?: 'lower' | 'upper',
  ): Promise<number>;
  getEarliestMessageTime(topic: string, queueId: number): Promise<number>;
  /** Store timestamp of the message at a queue offset, -1 if absent. */
  getMessageStoreTimestamp(topic: string, queueId: number, offset: number): Promise<number>;
  /** Whether the record at `offset` is still served from memory (QUERY_CONSUMER_OFFSET rule). */
  checkInMemByConsumeOffset(topic: string, queueId: number, offset: number): boolean;

  /** The whole stored record at a physical offset (VIEW_MESSAGE_BY_ID, send-back), or undefined. */
  lookMessageByOffset(physicalOffset: number): Promise<Buffer | undefined>;
  /** Index lookup of KEYS / UNIQ_KEY within [begin, end] store time. */
  queryMessage(topic: string, key: string, maxNum: number, begin: number, end: number): Promise<QueryMessageResult>;

  /** Called after a record is dispatched to its ConsumeQueue (long polling wakes on it). */
  onMessageArrived(listener: (topic: string, queueId: number, maxOffset: number, tagsCode: number) => void): void;

  /** Topics known to the ConsumeQueue layer, with their queue ids. */
  queues(): Map<string, number[]>;
  deleteTopics(topics: string[]): Promise<void>;

  /** Physical offsets: min and max (next write position) of the CommitLog. */
  getMinPhyOffset(): number;
  getMaxPhyOffset(): number;
  /** Figures for GET_BROKER_RUNTIME_INFO, flat string values as RocketMQ reports them. */
  runtimeInfo(): Record<string, string>;
}
