import {
  CheckTransactionStateRequestHeader,
  createRequest,
  decodeOffsetMsgId,
  decodeStoredRecord,
  EndTransactionRequestHeader,
  MASTER_ID,
  MessageConst,
  MessageSysFlag,
  Perm,
  type RemotingCommand,
  RequestCode,
  ResponseCode,
  SendMessageRequestHeaderV2,
  SendMessageResponseHeader,
  type TopicRouteData,
} from '@rocketmq-ts/protocol';
import { Code, codeOfResponse, ProxyError, status, statusOfError } from '../grpc/codes.js';
import {
  type EndTransactionRequest,
  type RecallMessageRequest,
  type RecallMessageResponse,
  type SendMessageRequest,
  type SendMessageResponse,
  type SendResultEntry,
  type StatusOnly,
  TransactionResolution,
  TransactionSource,
} from '../grpc/types.js';
import { checkTopic, type SendForm, toGrpcMessage, toSendForm } from './convert.js';
import { acceptsType } from './metadata.js';
import type { CallContext, ProxyDeps } from './proxy-deps.js';

// SendMessage, EndTransaction, RecallMessage and the transaction check-back (the Java
// proxy's SendMessageActivity, EndTransactionActivity, RecallMessageActivity and
// TransactionService): producer groups are named after the topic, as there.

/** RECALL_MESSAGE (RocketMQ 5.3): served by brokers with the timer; others answer REQUEST_CODE_NOT_SUPPORTED. */
const RECALL_MESSAGE = 370;

interface TransactionData {
  brokerName: string;
  tranStateTableOffset: number;
  commitLogOffset: number;
  messageId: string;
  expires: number;
}

interface Target {
  brokerName: string;
  addr: string;
  queueId: number;
}

export class ProducerService {
  private readonly transactions = new Map<string, TransactionData>();
  /** The write queues of each cached route, computed once per route object rather than per send. */
  private readonly targetsOf = new WeakMap<TopicRouteData, Target[]>();
  private roundRobin = 0;
  private checkRotation = 0;

  constructor(private readonly deps: ProxyDeps) {
    deps.transport.onBrokerRequest(RequestCode.CHECK_TRANSACTION_STATE, (req) => {
      this.onTransactionCheck(req);
      return undefined;
    });
  }

  async send(req: SendMessageRequest, ctx: CallContext): Promise<SendMessageResponse> {
    const messages = req.messages ?? [];
    if (messages.length === 0) return { status: status(Code.MESSAGE_CORRUPTED, 'no message to send') };
    const topic = messages[0]!.topic?.name;
    if (messages.some((m) => m.topic?.name !== topic)) {
      return { status: status(Code.MESSAGE_CORRUPTED, 'messages of one request must share a topic') };
    }
    const { config, clock } = this.deps;
    let forms: SendForm[];
    try {
      forms = messages.map((m) => toSendForm(m, config.maxMessageSize, ctx.peer, clock.now()));
      if (config.enableTopicMessageTypeCheck) {
        const topicType = await this.deps.metadata.topicMessageType(forms[0]!.topic);
        for (const f of forms) {
          if (!acceptsType(topicType, f.messageType)) {
            throw new ProxyError(
              Code.MESSAGE_PROPERTY_CONFLICT_WITH_TYPE,
              `current message type not match with topic accept message types: topic ${f.topic} is ${topicType}`,
            );
          }
        }
      }
    } catch (e) {
      const s = statusOfError(e);
      return { status: s, entries: messages.map(() => ({ status: s })) };
    }
    const entries: SendResultEntry[] = [];
    for (const f of forms) entries.push(await this.sendOne(f));
    const first = entries[0]!.status.code;
    const same = entries.every((e) => e.status.code === first);
    return { status: same ? entries[0]!.status : status(Code.MULTIPLE_RESULTS, 'send message failed'), entries };
  }

  private async sendOne(f: SendForm): Promise<SendResultEntry> {
    try {
      const target = await this.chooseQueue(f.topic, f.messageGroup);
      const header = SendMessageRequestHeaderV2.encode({
        producerGroup: f.topic,
        topic: f.topic,
        defaultTopic: 'TBW102',
        defaultTopicQueueNums: 4,
        queueId: target.queueId,
        sysFlag: f.sysFlag,
        bornTimestamp: f.bornTimestamp,
        flag: 0,
        properties: f.properties,
        reconsumeTimes: 0,
        unitMode: false,
        batch: false,
        brokerName: target.brokerName,
      });
      const cmd = createRequest(RequestCode.SEND_MESSAGE_V2, header, f.body);
      const r = await this.deps.transport.invoke(target.addr, cmd, this.deps.config.brokerRequestTimeoutMillis);
      const code = codeOfResponse(r.code);
      if (code !== Code.OK && code !== Code.MASTER_PERSISTENCE_TIMEOUT && code !== Code.SLAVE_PERSISTENCE_TIMEOUT) {
        if (r.code === ResponseCode.TOPIC_NOT_EXIST) this.deps.routes.invalidate(f.topic);
        return { status: status(code, r.remark ?? `send failed with code ${r.code}`) };
      }
      const h = SendMessageResponseHeader.decode(r.extFields);
      if (!h.ok) return { status: status(Code.INTERNAL_SERVER_ERROR, `bad send response: ${h.error.message}`) };
      const entry: SendResultEntry = {
        status: status(code, code === Code.OK ? 'OK' : (r.remark ?? '')),
        messageId: f.messageId,
        offset: h.value.queueOffset,
        transactionId: h.value.transactionId ?? '',
      };
      if (h.value.recallHandle) entry.recallHandle = h.value.recallHandle;
      if ((f.sysFlag & MessageSysFlag.TRANSACTION_PREPARED_TYPE) !== 0) {
        const txId = h.value.transactionId || f.messageId;
        entry.transactionId = txId;
        this.remember(f.topic, txId, {
          brokerName: target.brokerName,
          tranStateTableOffset: h.value.queueOffset,
          commitLogOffset: decodeOffsetMsgId(h.value.msgId)?.physicalOffset ?? 0,
          messageId: f.messageId,
        });
      }
      return entry;
    } catch (e) {
      return { status: statusOfError(e) };
    }
  }

  /**
   * The queue a message goes to: a message group always maps to the same one (on every proxy),
   * others go round-robin.
   */
  private async chooseQueue(topic: string, messageGroup: string | undefined): Promise<Target> {
    const route = await this.deps.routes.route(topic);
    let targets = this.targetsOf.get(route);
    if (targets === undefined) {
      targets = writeTargets(route);
      this.targetsOf.set(route, targets);
    }
    if (targets.length === 0) throw new ProxyError(Code.FORBIDDEN, `no writable queue for topic ${topic}`);
    const index =
      messageGroup !== undefined ? hashOf(messageGroup) % targets.length : this.roundRobin++ % targets.length;
    return targets[index]!;
  }

  private remember(topic: string, transactionId: string, data: Omit<TransactionData, 'expires'>): void {
    const now = this.deps.clock.now();
    if (this.transactions.size > 10_000) {
      for (const [k, v] of this.transactions) if (v.expires <= now) this.transactions.delete(k);
    }
    this.transactions.set(`${topic}@${transactionId}`, {
      ...data,
      expires: now + this.deps.config.transactionDataExpireMillis,
    });
  }

  async endTransaction(req: EndTransactionRequest): Promise<StatusOnly> {
    try {
      const topic = checkTopic(req.topic?.name);
      const txId = req.transactionId ?? '';
      if (txId === '') return { status: status(Code.INVALID_TRANSACTION_ID, 'transaction id cannot be empty') };
      const key = `${topic}@${txId}`;
      const data = this.transactions.get(key);
      if (data === undefined) {
        return { status: status(Code.INTERNAL_SERVER_ERROR, `no transaction data for ${txId} (expired or unknown)`) };
      }
      const commitOrRollback =
        req.resolution === TransactionResolution.COMMIT
          ? MessageSysFlag.TRANSACTION_COMMIT_TYPE
          : req.resolution === TransactionResolution.ROLLBACK
            ? MessageSysFlag.TRANSACTION_ROLLBACK_TYPE
            : MessageSysFlag.TRANSACTION_NOT_TYPE;
      const addr = await this.deps.routes.masterAddr(topic, data.brokerName);
      const header = EndTransactionRequestHeader.encode({
        topic,
        producerGroup: topic,
        tranStateTableOffset: data.tranStateTableOffset,
        commitLogOffset: data.commitLogOffset,
        commitOrRollback,
        fromTransactionCheck: req.source === TransactionSource.SERVER_CHECK,
        msgId: req.messageId || data.messageId,
        transactionId: txId,
      });
      // Java sends END_TRANSACTION oneway; waiting for the answer costs one round trip and
      // means a committed message is consumable once the client has its OK.
      const r = await this.deps.transport.invoke(
        addr,
        createRequest(RequestCode.END_TRANSACTION, header),
        this.deps.config.brokerRequestTimeoutMillis,
      );
      if (commitOrRollback !== MessageSysFlag.TRANSACTION_NOT_TYPE) this.transactions.delete(key);
      const code = codeOfResponse(r.code);
      return { status: status(code, code === Code.OK ? 'OK' : (r.remark ?? '')) };
    } catch (e) {
      return { status: statusOfError(e) };
    }
  }

  async recall(req: RecallMessageRequest): Promise<RecallMessageResponse> {
    try {
      const topic = checkTopic(req.topic?.name);
      const handle = req.recallHandle ?? '';
      const fields = Buffer.from(handle, 'base64url').toString('utf8').split(' ');
      if (fields.length < 5 || fields[0] !== 'v1') {
        return { status: status(Code.BAD_REQUEST, 'recall handle is invalid') };
      }
      const addr = await this.deps.routes.masterAddr(topic, fields[2]!);
      const r = await this.deps.transport.invoke(
        addr,
        createRequest(RECALL_MESSAGE, { producerGroup: topic, topic, recallHandle: handle }),
        this.deps.config.brokerRequestTimeoutMillis,
      );
      const code = codeOfResponse(r.code);
      if (code !== Code.OK) return { status: status(code, r.remark ?? `recall failed with code ${r.code}`) };
      return { status: status(Code.OK), messageId: r.extFields.msgId ?? '' };
    } catch (e) {
      return { status: statusOfError(e) };
    }
  }

  /**
   * A broker asks about a half message: remember where it is (the EndTransaction that answers
   * may reach this proxy long after the send's data expired), and push the message to one live
   * producer of its topic as a RecoverOrphanedTransactionCommand.
   */
  private onTransactionCheck(req: RemotingCommand): void {
    const h = CheckTransactionStateRequestHeader.decode(req.extFields);
    const view = req.body ? decodeStoredRecord(req.body, 0) : undefined;
    if (!h.ok || !view) {
      this.deps.logger.warn({ remark: h.ok ? 'no body' : h.error.message }, 'bad transaction check ignored');
      return;
    }
    const topic = view.properties.get(MessageConst.PROPERTY_REAL_TOPIC) ?? h.value.topic ?? view.topic;
    const txId = h.value.transactionId ?? h.value.msgId ?? '';
    const channel = this.deps.sessions.producerChannel(topic, this.checkRotation++);
    if (channel === undefined || txId === '' || !h.value.brokerName) {
      this.deps.logger.info({ topic, txId }, 'transaction check: no live producer of the topic');
      return;
    }
    this.remember(topic, txId, {
      brokerName: h.value.brokerName,
      tranStateTableOffset: h.value.tranStateTableOffset,
      commitLogOffset: h.value.commitLogOffset,
      messageId: h.value.msgId ?? '',
    });
    const message = toGrpcMessage({ ...view, topic }, undefined, this.deps.clock.now());
    channel.write({ recoverOrphanedTransactionCommand: { message, transactionId: txId } });
  }
}

/**
 * The queues a message may go to: the master write queues of the route, ordered by (broker,
 * queue); a message group always maps to the same one, others go round-robin.
 */
function writeTargets(route: TopicRouteData): Target[] {
  const targets: Target[] = [];
  const queueDatas = [...route.queueDatas].sort((a, b) => (a.brokerName < b.brokerName ? -1 : 1));
  for (const q of queueDatas) {
    if ((q.perm & Perm.WRITE) === 0) continue;
    const addr = route.brokerDatas.find((b) => b.brokerName === q.brokerName)?.brokerAddrs.get(MASTER_ID);
    if (addr === undefined) continue;
    for (let i = 0; i < q.writeQueueNums; i++) targets.push({ brokerName: q.brokerName, addr, queueId: i });
  }
  return targets;
}

/** Java's String.hashCode, made non-negative: a message group's queue is stable across proxies. */
function hashOf(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return Math.abs(h);
}
