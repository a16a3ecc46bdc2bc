import {
  AckMessageRequestHeader,
  buildExtraInfo,
  ChangeInvisibleTimeRequestHeader,
  createRequest,
  decodeStoredRecords,
  MessageConst,
  type MessageView,
  PopMessageRequestHeader,
  type PopRetryFlag,
  parseExtraInfo,
  parseMsgOffsetInfo,
  parseStartOffsetInfo,
  popRealTopic,
  popRetryFlagOf,
  type RemotingCommand,
  RequestCode,
  ResponseCode,
} from '@rocketmq-ts/protocol';

// A minimal Pop client over raw remoting commands, building receipt handles from the POP
// response exactly as RocketMQ's MQClientAPIImpl.processPopResponse does: POP_CK when the
// record carries it, else from popTime/invisibleTime/reviveQid and the offset-info strings.

export type Invoke = (cmd: RemotingCommand) => Promise<RemotingCommand>;

export interface PoppedMessage {
  view: MessageView;
  body: string;
  /** The handle (extraInfo) to ack with. */
  handle: string;
  /** Topic to ack on: the pop retry topic for retried messages. */
  ackTopic: string;
  queueId: number;
  queueOffset: number;
}

export interface PopResult {
  code: number;
  remark: string | undefined;
  ext: Record<string, string>;
  messages: PoppedMessage[];
}

export interface PopOptions {
  group: string;
  topic: string;
  queueId?: number;
  maxMsgNums?: number;
  invisibleTime?: number;
  pollTime?: number;
  initMode?: number;
  exp?: string;
  order?: boolean;
  attemptId?: string;
}

export function popRequest(o: PopOptions): RemotingCommand {
  return createRequest(
    RequestCode.POP_MESSAGE,
    PopMessageRequestHeader.encode({
      consumerGroup: o.group,
      topic: o.topic,
      queueId: o.queueId ?? -1,
      maxMsgNums: o.maxMsgNums ?? 32,
      invisibleTime: o.invisibleTime ?? 60_000,
      pollTime: o.pollTime ?? 0,
      // 0 = "now" on the broker's clock (tests run the broker on a manual clock).
      bornTime: 0,
      initMode: o.initMode ?? 0,
      expType: 'TAG',
      exp: o.exp ?? '*',
      order: o.order,
      attemptId: o.attemptId,
    }),
  );
}

export function handlesOf(group: string, brokerName: string, r: RemotingCommand): PoppedMessage[] {
  if (r.code !== ResponseCode.SUCCESS || !r.body) return [];
  const ext = r.extFields;
  const start = parseStartOffsetInfo(ext.startOffsetInfo);
  const msgOffsets = parseMsgOffsetInfo(ext.msgOffsetInfo);
  const seen = new Map<string, number>();
  return decodeStoredRecords(r.body).map((view) => {
    let handle = view.properties.get(MessageConst.PROPERTY_POP_CK);
    if (handle === undefined) {
      const flag: PopRetryFlag = popRetryFlagOf(view.topic);
      const key = `${flag}@${view.queueId}`;
      const i = seen.get(key) ?? 0;
      seen.set(key, i + 1);
      handle = buildExtraInfo({
        ckQueueOffset: start.get(key)!,
        popTime: Number(ext.popTime),
        invisibleTime: Number(ext.invisibleTime),
        reviveQid: Number(ext.reviveQid),
        retryFlag: flag,
        brokerName,
        queueId: view.queueId,
        queueOffset: msgOffsets.get(key)![i]!,
      });
    }
    const info = parseExtraInfo(handle);
    if (!info.ok) throw new Error(info.error);
    return {
      view,
      body: view.body.toString(),
      handle,
      ackTopic: popRealTopic(info.value.retryFlag, group, view.topic),
      queueId: info.value.queueId,
      queueOffset: info.value.queueOffset,
    };
  });
}

export async function pop(invoke: Invoke, o: PopOptions, brokerName = 'broker-a'): Promise<PopResult> {
  const r = await invoke(popRequest(o));
  return { code: r.code, remark: r.remark, ext: r.extFields, messages: handlesOf(o.group, brokerName, r) };
}

export function ackRequest(group: string, m: Pick<PoppedMessage, 'handle' | 'ackTopic' | 'queueId' | 'queueOffset'>) {
  return createRequest(
    RequestCode.ACK_MESSAGE,
    AckMessageRequestHeader.encode({
      consumerGroup: group,
      topic: m.ackTopic,
      queueId: m.queueId,
      extraInfo: m.handle,
      offset: m.queueOffset,
    }),
  );
}

export async function ack(invoke: Invoke, group: string, m: PoppedMessage): Promise<number> {
  return (await invoke(ackRequest(group, m))).code;
}

/** CHANGE_MESSAGE_INVISIBLETIME; returns the code and the message with its new handle. */
export async function changeInvisible(
  invoke: Invoke,
  group: string,
  m: PoppedMessage,
  invisibleTime: number,
): Promise<{ code: number; message: PoppedMessage }> {
  const r = await invoke(
    createRequest(
      RequestCode.CHANGE_MESSAGE_INVISIBLETIME,
      ChangeInvisibleTimeRequestHeader.encode({
        consumerGroup: group,
        topic: m.ackTopic,
        queueId: m.queueId,
        extraInfo: m.handle,
        offset: m.queueOffset,
        invisibleTime,
      }),
    ),
  );
  if (r.code !== ResponseCode.SUCCESS) return { code: r.code, message: m };
  const old = parseExtraInfo(m.handle);
  if (!old.ok) throw new Error(old.error);
  // The new handle, as clients build it: offset popTime invisibleTime reviveQid type broker queue offset.
  const handle = buildExtraInfo({
    ...old.value,
    ckQueueOffset: m.queueOffset,
    popTime: Number(r.extFields.popTime),
    invisibleTime: Number(r.extFields.invisibleTime),
    reviveQid: Number(r.extFields.reviveQid),
  });
  return { code: r.code, message: { ...m, handle } };
}
