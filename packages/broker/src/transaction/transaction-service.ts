import { join } from 'node:path';
import { StateFile } from '@rocketmq-ts/common';
import {
  CheckTransactionStateRequestHeader,
  createRequest,
  decodeStoredRecord,
  encodeStoredRecord,
  MessageConst,
  type MessageView,
  parseHost,
  RequestCode,
  RMQ_SYS_TRANS_HALF_TOPIC,
  RMQ_SYS_TRANS_OP_HALF_TOPIC,
  TRANS_CHECK_MAX_TIME_TOPIC,
} from '@rocketmq-ts/protocol';
import type { PutMessageResult } from '@rocketmq-ts/store';
import { copyOf } from '../retry/message-copy.js';
import type { FeatureDeps } from '../runtime/ports.js';
import { type CheckPolicy, decideCheck, REMOVE_TAG, TransactionState } from './transaction-state.js';

// Transaction check-back: half messages nobody committed or rolled back are asked about.
// A tick (every second, or faster in tests) reads new op records, then walks the open half
// messages: the first check goes out `transactionTimeOut` after the half message was stored,
// later ones every `transactionCheckInterval`, at most `transactionCheckMax` times, after
// which the message is discarded. Checks are CHECK_TRANSACTION_STATE (39) oneway requests to
// one live channel of the message's producer group; the producer answers with END_TRANSACTION.
// Progress goes to <configDir>/transactionCheck.json.

export const TRANSACTION_STATE_FILE = 'transactionCheck.json';
const TICK_MS = 1000;
const BATCH = 32;
const BATCH_BYTES = 4 * 1024 * 1024;
const READ_WRITE = 6;

export class TransactionService {
  private state = new TransactionState();
  private readonly file: StateFile;
  private persistedVersion = 0;
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private running = false;
  /** Round-robin over a producer group's channels. */
  private nextChannel = 0;

  constructor(
    private readonly deps: Pick<
      FeatureDeps,
      'identity' | 'store' | 'topics' | 'clients' | 'clock' | 'logger' | 'configDir'
    >,
    readonly policy: CheckPolicy,
    private readonly tickMs = TICK_MS,
  ) {
    this.file = new StateFile(join(deps.configDir, TRANSACTION_STATE_FILE));
  }

  /**
   * Reads the persisted progress. An unreadable file starts afresh: the op queue is re-read
   * from its start, so settled messages stay settled; only check counts are forgotten.
   */
  async load(): Promise<void> {
    const text = await this.file.read();
    let raw: unknown;
    try {
      raw = text === undefined ? undefined : JSON.parse(text);
    } catch (e) {
      this.deps.logger.error({ err: e, path: this.file.path }, 'transaction check state unreadable; starting afresh');
    }
    this.state = TransactionState.from(raw);
    this.persistedVersion = this.state.version;
  }

  /** Idempotent; after a stop() it resumes from the persisted progress. */
  async start(): Promise<void> {
    if (this.running) return;
    await this.load();
    this.running = true;
    this.schedule();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.ticking;
    await this.persist(true);
  }

  isSettled(halfQueueOffset: number): boolean {
    return this.state.isSettled(halfQueueOffset);
  }

  /** Current bookkeeping (tests and diagnostics). */
  snapshot() {
    return this.state.toJSON();
  }

  /**
   * Marks a half message done: appends the op record, then settles it in memory. Called by
   * END_TRANSACTION after a commit was stored, or on rollback.
   */
  async settle(half: MessageView): Promise<PutMessageResult> {
    await this.deps.topics.ensure(RMQ_SYS_TRANS_OP_HALF_TOPIC, 1, READ_WRITE);
    const put = await this.deps.store.putMessage({
      topic: RMQ_SYS_TRANS_OP_HALF_TOPIC,
      queueId: half.queueId,
      flag: 0,
      body: Buffer.from(String(half.queueOffset), 'utf8'),
      properties: `${MessageConst.PROPERTY_TAGS}\u0001${REMOVE_TAG}\u0002`,
      sysFlag: 0,
      bornTimestamp: this.deps.clock.now(),
      bornHost: this.deps.identity.brokerAddr,
      reconsumeTimes: 0,
      preparedTransactionOffset: 0,
    });
    // Settled in memory even if the op record failed: the state file makes it durable, and
    // a later check must not lead to a second commit.
    this.state.apply({ kind: 'settled', halfOffset: half.queueOffset });
    return put;
  }

  /** One pass: read op records, check or discard the open half messages that are due. */
  async tick(): Promise<void> {
    await this.readOps();
    const { store, clock, logger } = this.deps;
    this.state.rebase(store.getMinOffsetInQueue(RMQ_SYS_TRANS_HALF_TOPIC, 0));
    let offset = this.state.halfOffset;
    const max = store.getMaxOffsetInQueue(RMQ_SYS_TRANS_HALF_TOPIC, 0);
    while (offset < max) {
      const got = await store.getMessage(RMQ_SYS_TRANS_HALF_TOPIC, 0, offset, BATCH, BATCH_BYTES);
      if (got.records.length === 0) break;
      for (const record of got.records) {
        const half = decodeStoredRecord(record);
        if (!half || this.state.isSettled(half.queueOffset)) continue;
        const now = clock.now();
        const immunity = Number(half.properties.get(MessageConst.PROPERTY_CHECK_IMMUNITY_TIME_IN_SECONDS) ?? 0) * 1000;
        const decision = decideCheck(
          half.storeTimestamp,
          this.state.checkRecord(half.queueOffset),
          now,
          this.policy,
          immunity,
        );
        if (decision === 'too-young') {
          // Store times only grow along the queue: everything after is younger still.
          if (immunity === 0) return this.persist(false);
          continue;
        }
        if (decision === 'discard') {
          await this.keepDiscarded(half);
          logger.warn(
            { queueOffset: half.queueOffset, msgId: half.properties.get('UNIQ_KEY'), checks: this.policy.maxChecks },
            'transaction half message discarded after the maximum number of checks',
          );
          this.state.apply({ kind: 'settled', halfOffset: half.queueOffset });
        } else if (decision === 'check') {
          this.sendCheck(half);
          this.state.apply({ kind: 'checked', halfOffset: half.queueOffset, at: now });
        }
      }
      offset = got.nextBeginOffset;
    }
    await this.persist(false);
  }

  /** Discarded half messages stay inspectable in TRANS_CHECK_MAX_TIME_TOPIC, as in RocketMQ. */
  private async keepDiscarded(half: MessageView): Promise<void> {
    try {
      await this.deps.topics.ensure(TRANS_CHECK_MAX_TIME_TOPIC, 1, READ_WRITE);
      const put = await this.deps.store.putMessage(copyOf(half, { topic: TRANS_CHECK_MAX_TIME_TOPIC, queueId: 0 }));
      if (!put.append) this.deps.logger.warn({ status: put.status }, 'keeping a discarded half message failed');
    } catch (e) {
      this.deps.logger.warn({ err: e }, 'keeping a discarded half message failed');
    }
  }

  private async readOps(): Promise<void> {
    const { store } = this.deps;
    const max = store.getMaxOffsetInQueue(RMQ_SYS_TRANS_OP_HALF_TOPIC, 0);
    let offset = Math.max(this.state.opOffset, store.getMinOffsetInQueue(RMQ_SYS_TRANS_OP_HALF_TOPIC, 0));
    while (offset < max) {
      const got = await store.getMessage(RMQ_SYS_TRANS_OP_HALF_TOPIC, 0, offset, BATCH, BATCH_BYTES);
      for (const record of got.records) {
        const op = decodeStoredRecord(record);
        if (!op) continue;
        for (const part of op.body.toString('utf8').split(',')) {
          const half = Number(part);
          if (part !== '' && Number.isSafeInteger(half)) this.state.apply({ kind: 'settled', halfOffset: half });
        }
      }
      if (got.nextBeginOffset <= offset) break;
      offset = got.nextBeginOffset;
    }
    this.state.apply({ kind: 'op-read', nextOpOffset: offset });
  }

  /** CHECK_TRANSACTION_STATE to one live producer of the message's group; false when none. */
  private sendCheck(half: MessageView): boolean {
    const { clients, identity, logger } = this.deps;
    const group = half.properties.get(MessageConst.PROPERTY_PRODUCER_GROUP) ?? '';
    const channels = clients.producerChannels(group);
    if (channels.length === 0) {
      logger.warn({ group, queueOffset: half.queueOffset }, 'transaction check skipped: no live producer in the group');
      return false;
    }
    const channel = channels[this.nextChannel++ % channels.length]!;
    const realTopic = half.properties.get(MessageConst.PROPERTY_REAL_TOPIC) ?? half.topic;
    const uniqKey = half.properties.get(MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX);
    const header = CheckTransactionStateRequestHeader.encode({
      topic: realTopic,
      tranStateTableOffset: half.queueOffset,
      commitLogOffset: half.physicalOffset,
      msgId: uniqKey,
      transactionId: half.properties.get(MessageConst.PROPERTY_TRANSACTION_ID) ?? uniqKey,
      offsetMsgId: half.msgId,
      brokerName: identity.brokerName,
    });
    try {
      channel.oneway(createRequest(RequestCode.CHECK_TRANSACTION_STATE, header, checkBody(half)));
    } catch (e) {
      logger.warn({ err: e, group, clientId: channel.clientId }, 'sending a transaction check failed');
      return false;
    }
    return true;
  }

  private async persist(force: boolean): Promise<void> {
    if (!force && this.state.version === this.persistedVersion) return;
    const version = this.state.version;
    await this.file.write(JSON.stringify(this.state.toJSON()));
    this.persistedVersion = version;
  }

  private schedule(): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      this.ticking = this.tick()
        .catch((e: unknown) => this.deps.logger.error({ err: e }, 'transaction check pass failed'))
        .finally(() => {
          this.ticking = undefined;
          this.schedule();
        });
    }, this.tickMs);
    this.timer.unref();
  }
}

/** The half message as a stored record whose topic and queue are the real ones (check body). */
function checkBody(half: MessageView): Buffer {
  const realTopic = half.properties.get(MessageConst.PROPERTY_REAL_TOPIC) ?? half.topic;
  const realQid = Number(half.properties.get(MessageConst.PROPERTY_REAL_QUEUE_ID) ?? half.queueId);
  const born = parseHost(half.bornHost);
  const store = parseHost(half.storeHost);
  if (!born || !store) throw new TypeError(`unparseable host in half message ${half.msgId}`);
  return encodeStoredRecord({
    topic: realTopic,
    queueId: Number.isInteger(realQid) ? realQid : half.queueId,
    flag: half.flag,
    body: half.body,
    properties: half.propertiesString,
    sysFlag: half.sysFlag,
    bornTimestamp: half.bornTimestamp,
    bornHost: born,
    storeTimestamp: half.storeTimestamp,
    storeHost: store,
    reconsumeTimes: half.reconsumeTimes,
    preparedTransactionOffset: half.preparedTransactionOffset,
    queueOffset: half.queueOffset,
    physicalOffset: half.physicalOffset,
  });
}
