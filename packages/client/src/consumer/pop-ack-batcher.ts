import { type BatchAck, encodeBatchAckBody, RequestCode, ResponseCode } from '@rocketmq-ts/protocol';
import { request } from '../client-api.js';
import type { MQClientInstance } from '../client-instance.js';
import { brokerError } from '../errors.js';
import { ackMessage } from './pop-api.js';
import type { AckTarget, PopMessage } from './pop-message.js';

interface PendingAck {
  target: AckTarget;
  /** `topic` is the original topic (the batch body names it with the retry flag). */
  msg: AckedMessage;
  resolve(): void;
  reject(e: unknown): void;
}

/** The message acked: its handle text is read only when it goes as ACK_MESSAGE. */
export type AckedMessage = Pick<PopMessage, 'topic' | 'receiptHandle'>;

/** Offsets further apart than this from their checkpoint's start go one by one (a bit set that long is no saving). */
const MAX_BIT_SPAN = 4096;

/**
 * Acks issued in the same turn of the event loop leave as one BATCH_ACK_MESSAGE per broker
 * (one revive-log record per pop batch at the broker instead of one per message); a lone ack,
 * and every ack to a broker that does not know BATCH_ACK_MESSAGE, goes as ACK_MESSAGE. Each
 * caller's promise settles with its request.
 */
export class PopAckBatcher {
  private pending = new Map<string, PendingAck[]>();
  private scheduled = false;
  private readonly noBatch = new Set<string>();

  constructor(
    private readonly instance: MQClientInstance,
    private readonly group: string,
  ) {}

  ack(target: AckTarget, msg: AckedMessage): Promise<void> {
    return new Promise((resolve, reject) => {
      const broker = target.handle.brokerName;
      let list = this.pending.get(broker);
      if (!list) {
        list = [];
        this.pending.set(broker, list);
      }
      list.push({ target, msg, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const all = this.pending;
    this.pending = new Map();
    for (const [broker, list] of all) {
      this.send(broker, list).catch((e: unknown) => {
        for (const p of list) p.reject(e);
      });
    }
  }

  private async send(brokerName: string, list: PendingAck[]): Promise<void> {
    const addr = await this.instance.requireMasterAddr(brokerName, list[0]!.msg.topic);
    // Messages of one pop response share a key object; handles from elsewhere are keyed by text.
    const byObject = new Map<object, BatchAck>();
    const batched = new Map<string, BatchAck>();
    const single: PendingAck[] = [];
    const waiting: PendingAck[] = [];
    if (list.length === 1 || this.noBatch.has(brokerName)) single.push(...list);
    else {
      for (const p of list) {
        const h = p.target.handle;
        const span = h.queueOffset - h.ckQueueOffset;
        if (span < 0 || span > MAX_BIT_SPAN) {
          single.push(p);
          continue;
        }
        const objectKey = p.target.batchKey;
        const key =
          objectKey === undefined
            ? `${p.msg.topic} ${h.retryFlag} ${h.queueId} ${h.ckQueueOffset} ${h.popTime} ${h.invisibleTime} ${h.reviveQid}`
            : '';
        let b = objectKey === undefined ? batched.get(key) : byObject.get(objectKey);
        if (!b) {
          b = {
            consumerGroup: this.group,
            topic: p.msg.topic,
            retryFlag: h.retryFlag,
            startOffset: h.ckQueueOffset,
            queueId: h.queueId,
            reviveQueueId: h.reviveQid,
            popTime: h.popTime,
            invisibleTime: h.invisibleTime,
            offsets: [],
          };
          if (objectKey === undefined) batched.set(key, b);
          else byObject.set(objectKey, b);
        }
        b.offsets.push(h.queueOffset);
        waiting.push(p);
      }
    }
    const jobs: Promise<void>[] = single.map((p) => this.sendOne(addr, p));
    if (batched.size + byObject.size > 0) {
      jobs.push(this.sendBatch(addr, brokerName, [...byObject.values(), ...batched.values()], waiting));
    }
    await Promise.all(jobs);
  }

  private async sendOne(addr: string, p: PendingAck): Promise<void> {
    const h = p.target.handle;
    try {
      await ackMessage(this.instance.api, addr, {
        consumerGroup: this.group,
        topic: p.target.realTopic,
        queueId: h.queueId,
        extraInfo: p.msg.receiptHandle,
        offset: h.queueOffset,
      });
      p.resolve();
    } catch (e) {
      p.reject(e);
    }
  }

  private async sendBatch(addr: string, brokerName: string, acks: BatchAck[], waiting: PendingAck[]): Promise<void> {
    for (const a of acks) a.offsets.sort((x, y) => x - y);
    const body = encodeBatchAckBody({ brokerName, acks });
    let code: number;
    try {
      const r = await this.instance.api.invoke(
        addr,
        request(RequestCode.BATCH_ACK_MESSAGE, undefined, undefined, body),
      );
      code = r.code;
      if (code !== ResponseCode.SUCCESS && code !== ResponseCode.REQUEST_CODE_NOT_SUPPORTED) throw brokerError(addr, r);
    } catch (e) {
      for (const p of waiting) p.reject(e);
      return;
    }
    if (code === ResponseCode.REQUEST_CODE_NOT_SUPPORTED) {
      // A broker before BATCH_ACK_MESSAGE: ack one by one from now on.
      this.noBatch.add(brokerName);
      await Promise.all(waiting.map((p) => this.sendOne(addr, p)));
      return;
    }
    for (const p of waiting) p.resolve();
  }
}
