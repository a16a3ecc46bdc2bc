import { decodePopMessages, type PopMessage } from '@rocketmq-ts/client';
import {
  AckMessageRequestHeader,
  buildExtraInfo,
  ChangeInvisibleTimeRequestHeader,
  ChangeInvisibleTimeResponseHeader,
  ConsumerSendMsgBackRequestHeader,
  createRequest,
  type ExtraInfo,
  encodeBatchAckBody,
  groupNameProblem,
  MASTER_ID,
  Perm,
  POP_ORDER_REVIVE_QUEUE,
  PopMessageRequestHeader,
  PopMessageResponseHeader,
  parseExtraInfo,
  popRealTopic,
  RequestCode,
  ResponseCode,
} from '@rocketmq-ts/protocol';
import { Code, codeOfResponse, ProxyError, status, statusOfError } from '../grpc/codes.js';
import {
  type AckMessageRequest,
  type AckMessageResponse,
  type AckMessageResultEntry,
  type ChangeInvisibleDurationRequest,
  type ChangeInvisibleDurationResponse,
  FilterType,
  type ForwardMessageToDeadLetterQueueRequest,
  type ReceiveMessageRequest,
  type ReceiveMessageResponse,
  type StatusOnly,
} from '../grpc/types.js';
import { checkTopic, durationOf, millisOf, toGrpcMessage } from './convert.js';
import type { CallContext, ProxyDeps } from './proxy-deps.js';

// ReceiveMessage, AckMessage, ChangeInvisibleDuration and ForwardMessageToDeadLetterQueue
// over the broker's Pop (the Java proxy's consumer activities). A receipt handle is the
// broker's extraInfo with the CommitLog offset appended (9 fields).

/** Where a receive stream's responses go; `cancelled` turns true when the client goes away. */
export interface ReceiveSink {
  write(r: ReceiveMessageResponse): boolean;
  end(): void;
  readonly cancelled: boolean;
}

const EMPTY_POP: ReadonlySet<number> = new Set([
  ResponseCode.POLLING_TIMEOUT,
  ResponseCode.NO_MESSAGE,
  ResponseCode.PULL_NOT_FOUND,
]);

/** Offsets further than this from their checkpoint's start are acked one by one (a long bit set saves nothing). */
const MAX_BIT_SPAN = 4096;

/** Invisible time of messages popped for a stream that was gone before they were written. */
const NACK_INVISIBLE_MS = 1000;

export function checkGroup(group: string | undefined): string {
  const problem = groupNameProblem(group);
  if (problem !== undefined || !group) throw new ProxyError(Code.ILLEGAL_CONSUMER_GROUP, problem ?? 'group is blank');
  return group;
}

interface Handle {
  info: ExtraInfo;
  text: string;
}

export class ConsumerService {
  private nextBroker = 0;
  /** Brokers that answered BATCH_ACK_MESSAGE with REQUEST_CODE_NOT_SUPPORTED. */
  private readonly noBatchAck = new Set<string>();

  constructor(private readonly deps: ProxyDeps) {}

  async receive(req: ReceiveMessageRequest, ctx: CallContext, sink: ReceiveSink): Promise<void> {
    const { config, clock } = this.deps;
    let messages: PopMessage[] = [];
    let group = '';
    let topic = '';
    try {
      group = checkGroup(req.group?.name);
      topic = checkTopic(req.messageQueue?.topic?.name);
      const session = this.deps.sessions.get(ctx.clientId);
      const sub = session?.settings.subscription;
      const maxAttempts = session?.settings.backoffPolicy?.maxAttempts ?? 17;
      const pollTime = this.pollingTime(req, ctx, millisOf(sub?.longPollingTimeout));
      const invisibleTime = this.invisibleTime(req);
      const filter = req.filterExpression;
      const expType = filter?.type === FilterType.SQL ? 'SQL92' : 'TAG';
      const exp = filter?.expression || '*';
      const { brokerName, addr } = await this.brokerFor(topic, req.messageQueue?.broker?.name);
      const order = sub?.fifo === true;
      const header = PopMessageRequestHeader.encode({
        consumerGroup: group,
        topic,
        queueId: -1,
        maxMsgNums: Math.max(1, Math.min(req.batchSize || config.grpcClientConsumerLongPollingBatchSize, 32)),
        invisibleTime,
        pollTime,
        bornTime: config.proxyMode === 'LOCAL' ? clock.now() : 0,
        initMode: 1,
        expType,
        exp,
        order,
        attemptId: req.attemptId || undefined,
      });
      const r = await this.deps.transport.invoke(
        addr,
        createRequest(RequestCode.POP_MESSAGE, header),
        pollTime + config.brokerRequestTimeoutMillis,
      );
      if (EMPTY_POP.has(r.code)) {
        this.finish(sink, status(Code.MESSAGE_NOT_FOUND, 'no new message'));
        return;
      }
      if (r.code !== ResponseCode.SUCCESS) {
        this.finish(sink, status(codeOfResponse(r.code), r.remark ?? `pop failed with code ${r.code}`));
        return;
      }
      const h = PopMessageResponseHeader.decode(r.extFields);
      if (!h.ok) throw new ProxyError(Code.INTERNAL_SERVER_ERROR, `bad pop response: ${h.error.message}`);
      messages = r.body ? decodePopMessages(r.body, h.value, brokerName, topic, order) : [];
      const tags = expType === 'TAG' && exp !== '*' ? new Set(exp.split('||').map((t) => t.trim())) : undefined;
      const deliver: PopMessage[] = [];
      for (const m of messages) {
        if (tags && !tags.has(m.tags ?? '')) void this.ackQuietly(group, topic, this.handleOf(m));
        else if (m.reconsumeTimes >= maxAttempts)
          void this.deadLetter(group, topic, this.handleOf(m), m.msgId, maxAttempts);
        else deliver.push(m);
      }
      if (sink.cancelled) {
        this.nack(group, topic, deliver);
        return;
      }
      if (deliver.length === 0) {
        this.finish(sink, status(Code.MESSAGE_NOT_FOUND, 'no new message'));
        return;
      }
      sink.write({ status: status(Code.OK) });
      const now = clock.now();
      for (const m of deliver) sink.write({ message: toGrpcMessage(m, this.handleOf(m).text, now) });
      this.finish(sink);
    } catch (e) {
      if (sink.cancelled) this.nack(group, topic, messages);
      else this.finish(sink, statusOfError(e));
    }
  }

  private finish(sink: ReceiveSink, s?: { code: number; message: string }): void {
    if (sink.cancelled) return;
    if (s) sink.write({ status: s });
    sink.write({ deliveryTimestamp: durationOf(this.deps.clock.now()) });
    sink.end();
  }

  /** Messages popped for a client that left: visible again in a second, not after their invisible time. */
  private nack(group: string, topic: string, messages: PopMessage[]): void {
    for (const m of messages) {
      void this.change(group, topic, this.handleOf(m), NACK_INVISIBLE_MS).catch(() => undefined);
    }
  }

  private handleOf(m: PopMessage): Handle {
    const parsed = parseExtraInfo(m.receiptHandle);
    if (!parsed.ok) throw new ProxyError(Code.INTERNAL_SERVER_ERROR, `broker handle: ${parsed.error}`);
    const info = { ...parsed.value, commitLogOffset: m.commitLogOffset };
    return { info, text: buildExtraInfo(info) };
  }

  /** The Java proxy's rule: the request's timeout, else what is left of the deadline, within [min, max]. */
  private pollingTime(req: ReceiveMessageRequest, ctx: CallContext, settingsMs: number): number {
    const { grpcClientConsumerMinLongPollingTimeoutMillis: min, grpcClientConsumerMaxLongPollingTimeoutMillis: max } =
      this.deps.config;
    const remaining = ctx.deadline === Number.POSITIVE_INFINITY ? max : ctx.deadline - this.deps.clock.now();
    let t = req.longPollingTimeout ? millisOf(req.longPollingTimeout) : settingsMs || remaining;
    t = Math.min(Math.max(t, min), max);
    if (t > remaining) {
      if (remaining < min) {
        throw new ProxyError(Code.ILLEGAL_POLLING_TIME, `the deadline leaves ${remaining} ms, less than ${min} ms`);
      }
      t = remaining;
    }
    return t;
  }

  private invisibleTime(req: ReceiveMessageRequest): number {
    const c = this.deps.config;
    if (req.autoRenew) return c.defaultInvisibleTimeMills;
    const ms = millisOf(req.invisibleDuration);
    if (ms < c.minInvisibleTimeMillsForRecv || ms > c.maxInvisibleTimeMills) {
      throw new ProxyError(
        Code.ILLEGAL_INVISIBLE_TIME,
        `invisible duration must be within [${c.minInvisibleTimeMillsForRecv}, ${c.maxInvisibleTimeMills}] ms`,
      );
    }
    return ms;
  }

  /** The named broker's master when the route has it readable, else the next readable one. */
  private async brokerFor(topic: string, name: string | undefined): Promise<{ brokerName: string; addr: string }> {
    const route = await this.deps.routes.route(topic);
    const readable = route.queueDatas.filter((q) => (q.perm & Perm.READ) !== 0 && q.readQueueNums > 0);
    const candidates: Array<{ brokerName: string; addr: string }> = [];
    for (const q of readable) {
      const addr = route.brokerDatas.find((b) => b.brokerName === q.brokerName)?.brokerAddrs.get(MASTER_ID);
      if (addr === undefined) continue;
      if (q.brokerName === name) return { brokerName: q.brokerName, addr };
      candidates.push({ brokerName: q.brokerName, addr });
    }
    if (candidates.length === 0) throw new ProxyError(Code.FORBIDDEN, `no readable queue for topic ${topic}`);
    return candidates[this.nextBroker++ % candidates.length]!;
  }

  /** A client's handle, checked: unparsable, expired or of an unknown broker → INVALID_RECEIPT_HANDLE. */
  private parseHandle(text: string | undefined): Handle {
    const parsed = parseExtraInfo(text ?? '');
    if (!parsed.ok) throw new ProxyError(Code.INVALID_RECEIPT_HANDLE, `receipt handle is invalid: ${parsed.error}`);
    if (parsed.value.popTime + parsed.value.invisibleTime <= this.deps.clock.now()) {
      throw new ProxyError(Code.INVALID_RECEIPT_HANDLE, 'receipt handle is expired');
    }
    return { info: parsed.value, text: text ?? '' };
  }

  async ack(req: AckMessageRequest): Promise<AckMessageResponse> {
    let group: string;
    let topic: string;
    try {
      group = checkGroup(req.group?.name);
      topic = checkTopic(req.topic?.name);
    } catch (e) {
      return { status: statusOfError(e) };
    }
    const entries = req.entries ?? [];
    const results: AckMessageResultEntry[] = entries.map((e) => ({
      messageId: e.messageId ?? '',
      receiptHandle: e.receiptHandle ?? '',
      status: status(Code.OK),
    }));
    // Entries of one pop batch (same broker, queue, checkpoint) leave as one BATCH_ACK_MESSAGE,
    // as the remoting SDK's acks do; a lone entry, a FIFO one, or any to a broker without
    // BATCH_ACK_MESSAGE goes as ACK_MESSAGE.
    const batches = new Map<string, Array<{ i: number; h: Handle }>>();
    const single: Array<{ i: number; h: Handle }> = [];
    entries.forEach((e, i) => {
      try {
        const h = this.parseHandle(e.receiptHandle);
        const span = h.info.queueOffset - h.info.ckQueueOffset;
        if (h.info.reviveQid === POP_ORDER_REVIVE_QUEUE || span < 0 || span > MAX_BIT_SPAN) {
          single.push({ i, h });
          return;
        }
        const { brokerName, retryFlag, queueId, ckQueueOffset, popTime, invisibleTime, reviveQid } = h.info;
        const key = `${brokerName} ${retryFlag} ${queueId} ${ckQueueOffset} ${popTime} ${invisibleTime} ${reviveQid}`;
        const list = batches.get(key);
        if (list) list.push({ i, h });
        else batches.set(key, [{ i, h }]);
      } catch (err) {
        results[i]!.status = statusOfError(err);
      }
    });
    const jobs: Promise<void>[] = [];
    const runSingle = (x: { i: number; h: Handle }) =>
      this.ackOne(group, topic, x.h).then(
        (s) => {
          results[x.i]!.status = s;
        },
        (err: unknown) => {
          results[x.i]!.status = statusOfError(err);
        },
      );
    for (const list of batches.values()) {
      if (list.length === 1 || this.noBatchAck.has(list[0]!.h.info.brokerName)) {
        single.push(...list);
        continue;
      }
      jobs.push(
        this.ackBatch(
          group,
          topic,
          list.map((x) => x.h),
        ).then(
          (s) => {
            if (s === undefined) return Promise.all(list.map(runSingle)).then(() => undefined);
            for (const x of list) results[x.i]!.status = s;
            return undefined;
          },
          (err: unknown) => {
            for (const x of list) results[x.i]!.status = statusOfError(err);
          },
        ),
      );
    }
    for (const x of single) jobs.push(runSingle(x));
    await Promise.all(jobs);
    const first = results[0]?.status ?? status(Code.OK);
    const same = results.every((r) => r.status.code === first.code);
    return { status: same ? first : status(Code.MULTIPLE_RESULTS, 'ack message failed'), entries: results };
  }

  /** One BATCH_ACK_MESSAGE for handles of one pop batch; undefined when the broker does not know it. */
  private async ackBatch(
    group: string,
    topic: string,
    handles: Handle[],
  ): Promise<{ code: Code; message: string } | undefined> {
    const info = handles[0]!.info;
    const addr = await this.deps.routes.masterAddr(topic, info.brokerName);
    const body = encodeBatchAckBody({
      brokerName: info.brokerName,
      acks: [
        {
          consumerGroup: group,
          topic,
          retryFlag: info.retryFlag,
          startOffset: info.ckQueueOffset,
          queueId: info.queueId,
          reviveQueueId: info.reviveQid,
          popTime: info.popTime,
          invisibleTime: info.invisibleTime,
          offsets: handles.map((h) => h.info.queueOffset).sort((a, b) => a - b),
        },
      ],
    });
    const r = await this.deps.transport.invoke(
      addr,
      createRequest(RequestCode.BATCH_ACK_MESSAGE, undefined, body),
      this.deps.config.brokerRequestTimeoutMillis,
    );
    if (r.code === ResponseCode.REQUEST_CODE_NOT_SUPPORTED) {
      this.noBatchAck.add(info.brokerName);
      return undefined;
    }
    const code = codeOfResponse(r.code);
    return { code, message: code === Code.OK ? 'OK' : (r.remark ?? `ack failed with code ${r.code}`) };
  }

  private async ackOne(group: string, topic: string, h: Handle): Promise<{ code: Code; message: string }> {
    const addr = await this.deps.routes.masterAddr(topic, h.info.brokerName);
    const header = AckMessageRequestHeader.encode({
      consumerGroup: group,
      topic: popRealTopic(h.info.retryFlag, group, topic),
      queueId: h.info.queueId,
      extraInfo: h.text,
      offset: h.info.queueOffset,
    });
    const r = await this.deps.transport.invoke(
      addr,
      createRequest(RequestCode.ACK_MESSAGE, header),
      this.deps.config.brokerRequestTimeoutMillis,
    );
    const code = codeOfResponse(r.code);
    return { code, message: code === Code.OK ? 'OK' : (r.remark ?? `ack failed with code ${r.code}`) };
  }

  private ackQuietly(group: string, topic: string, h: Handle): Promise<unknown> {
    return this.ackOne(group, topic, h).catch((err: unknown) =>
      this.deps.logger.warn({ err, group, topic }, 'acking a filtered message failed'),
    );
  }

  async changeInvisibleDuration(req: ChangeInvisibleDurationRequest): Promise<ChangeInvisibleDurationResponse> {
    try {
      const group = checkGroup(req.group?.name);
      const topic = checkTopic(req.topic?.name);
      const ms = millisOf(req.invisibleDuration);
      if (ms < 0 || ms > this.deps.config.maxInvisibleTimeMills) {
        throw new ProxyError(Code.ILLEGAL_INVISIBLE_TIME, `invisible duration must be within [0, 12 h]`);
      }
      const handle = await this.change(group, topic, this.parseHandle(req.receiptHandle), ms);
      return { status: status(Code.OK), receiptHandle: handle };
    } catch (e) {
      return { status: statusOfError(e) };
    }
  }

  /** CHANGE_MESSAGE_INVISIBLETIME; resolves the new handle (a one-message checkpoint at the message's offset). */
  private async change(group: string, topic: string, h: Handle, invisibleMs: number): Promise<string> {
    const addr = await this.deps.routes.masterAddr(topic, h.info.brokerName);
    const header = ChangeInvisibleTimeRequestHeader.encode({
      consumerGroup: group,
      topic: popRealTopic(h.info.retryFlag, group, topic),
      queueId: h.info.queueId,
      extraInfo: h.text,
      offset: h.info.queueOffset,
      invisibleTime: invisibleMs,
    });
    const r = await this.deps.transport.invoke(
      addr,
      createRequest(RequestCode.CHANGE_MESSAGE_INVISIBLETIME, header),
      this.deps.config.brokerRequestTimeoutMillis,
    );
    if (r.code !== ResponseCode.SUCCESS) {
      throw new ProxyError(codeOfResponse(r.code), r.remark ?? `change invisible time failed with code ${r.code}`);
    }
    const rh = ChangeInvisibleTimeResponseHeader.decode(r.extFields);
    if (!rh.ok) throw new ProxyError(Code.INTERNAL_SERVER_ERROR, `bad response: ${rh.error.message}`);
    return buildExtraInfo({
      ...h.info,
      ckQueueOffset: h.info.queueOffset,
      popTime: rh.value.popTime,
      invisibleTime: rh.value.invisibleTime,
      reviveQid: rh.value.reviveQid,
    });
  }

  async forwardToDeadLetterQueue(req: ForwardMessageToDeadLetterQueueRequest): Promise<StatusOnly> {
    try {
      const group = checkGroup(req.group?.name);
      const topic = checkTopic(req.topic?.name);
      const h = this.parseHandle(req.receiptHandle);
      const s = await this.deadLetter(group, topic, h, req.messageId ?? '', req.maxDeliveryAttempts ?? 0);
      return { status: s };
    } catch (e) {
      return { status: statusOfError(e) };
    }
  }

  /** CONSUMER_SEND_MSG_BACK to the DLQ (delay level −1), then ACK. */
  private async deadLetter(
    group: string,
    topic: string,
    h: Handle,
    messageId: string,
    maxAttempts: number,
  ): Promise<{ code: Code; message: string }> {
    if (h.info.commitLogOffset === undefined) {
      return status(Code.INVALID_RECEIPT_HANDLE, 'commit log offset is empty');
    }
    const addr = await this.deps.routes.masterAddr(topic, h.info.brokerName);
    const header = ConsumerSendMsgBackRequestHeader.encode({
      offset: h.info.commitLogOffset,
      group,
      delayLevel: -1,
      originMsgId: messageId,
      originTopic: popRealTopic(h.info.retryFlag, group, topic),
      unitMode: false,
      maxReconsumeTimes: maxAttempts,
    });
    const r = await this.deps.transport.invoke(
      addr,
      createRequest(RequestCode.CONSUMER_SEND_MSG_BACK, header),
      this.deps.config.brokerRequestTimeoutMillis,
    );
    if (r.code !== ResponseCode.SUCCESS) {
      return status(codeOfResponse(r.code), r.remark ?? `send back failed with code ${r.code}`);
    }
    return this.ackOne(group, topic, h);
  }
}
