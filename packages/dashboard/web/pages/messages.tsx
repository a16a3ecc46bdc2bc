import { useState } from 'preact/hooks';
import { get, post, q } from '../api';
import { fmtTime, useLoad } from '../hooks';
import { Card, ErrorBox, KvTable, Loading } from './common';

interface Summary {
  msgId: string;
  offsetMsgId: string;
  topic: string;
  tags?: string;
  keys: string[];
  brokerName: string;
  queueId: number;
  queueOffset: number;
  storeTimestamp: number;
  reconsumeTimes: number;
  bodySize: number;
}

type Mode = 'time' | 'key' | 'id';

const toLocalInput = (ms: number) => {
  const d = new Date(ms - new Date().getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 19);
};

export function MessagesPage({ params }: { params: URLSearchParams }) {
  const [mode, setMode] = useState<Mode>((params.get('mode') as Mode | null) ?? 'time');
  const [topic, setTopic] = useState(params.get('topic') ?? '');
  const [key, setKey] = useState(params.get('key') ?? '');
  const [id, setId] = useState(params.get('id') ?? '');
  const [begin, setBegin] = useState(toLocalInput(Date.now() - 3_600_000));
  const [end, setEnd] = useState(toLocalInput(Date.now() + 60_000));
  const [results, setResults] = useState<Summary[]>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [notice, setNotice] = useState<string>();
  const isDlq = topic.startsWith('%DLQ%');

  const search = async (e?: Event) => {
    e?.preventDefault();
    setBusy(true);
    try {
      let r: { messages: Summary[] };
      if (mode === 'time')
        r = await get(
          `/api/messages?${q({ topic, begin: new Date(begin).getTime(), end: new Date(end).getTime(), max: 200 })}`,
        );
      else if (mode === 'key') r = await get(`/api/messages/by-key?${q({ topic, key })}`);
      else r = await get(`/api/messages/by-id?${q({ id, topic })}`);
      setResults(r.messages);
      setSelected(new Set());
      setError(undefined);
    } catch (err) {
      setResults(undefined);
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  const resend = async () => {
    try {
      const r = await post<{ results: unknown[] }>('/api/dlq/resend', { topic, msgIds: [...selected] });
      setNotice(`Resent ${r.results.length} message(s) to ${topic.replace('%DLQ%', '%RETRY%')}`);
      setError(undefined);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };

  const toggle = (msgId: string, on: boolean) => {
    const s = new Set(selected);
    if (on) s.add(msgId);
    else s.delete(msgId);
    setSelected(s);
  };

  return (
    <>
      <h1>Messages</h1>
      <div class="tabs">
        {(['time', 'key', 'id'] as Mode[]).map((m) => (
          <button type="button" key={m} id={`mode-${m}`} class={mode === m ? 'active' : ''} onClick={() => setMode(m)}>
            {m === 'time' ? 'By topic and time' : m === 'key' ? 'By key' : 'By message id'}
          </button>
        ))}
      </div>
      <Card>
        <form class="row" onSubmit={search} id="message-search">
          <label>
            Topic
            <input
              id="msg-topic"
              value={topic}
              required={mode !== 'id'}
              onInput={(e) => setTopic(e.currentTarget.value)}
            />
          </label>
          {mode === 'time' ? (
            <>
              <label>
                From
                <input type="datetime-local" step="1" value={begin} onInput={(e) => setBegin(e.currentTarget.value)} />
              </label>
              <label>
                To
                <input type="datetime-local" step="1" value={end} onInput={(e) => setEnd(e.currentTarget.value)} />
              </label>
            </>
          ) : null}
          {mode === 'key' ? (
            <label>
              Key
              <input id="msg-key" value={key} required onInput={(e) => setKey(e.currentTarget.value)} />
            </label>
          ) : null}
          {mode === 'id' ? (
            <label>
              Message id
              <input id="msg-id" value={id} required size={34} onInput={(e) => setId(e.currentTarget.value)} />
            </label>
          ) : null}
          <button type="submit" class="primary" id="msg-search-go" disabled={busy}>
            Search
          </button>
        </form>
      </Card>
      <ErrorBox error={error} />
      {notice ? (
        <p class="notice" id="notice">
          {notice}
        </p>
      ) : null}
      {busy ? <Loading /> : null}
      {results ? (
        <Card title={`${results.length} message(s)`}>
          {isDlq ? (
            <p>
              <button
                type="button"
                id="dlq-resend"
                class="primary"
                disabled={selected.size === 0}
                onClick={() => void resend()}
              >
                Resend selected to the group
              </button>
            </p>
          ) : null}
          <table id="messages">
            <thead>
              <tr>
                {isDlq ? <th /> : null}
                <th>Message id</th>
                <th>Tags</th>
                <th>Keys</th>
                <th>Queue</th>
                <th>Stored</th>
                <th class="num">Retries</th>
                <th class="num">Bytes</th>
              </tr>
            </thead>
            <tbody>
              {results.map((m) => (
                <tr key={m.offsetMsgId} data-msgid={m.msgId}>
                  {isDlq ? (
                    <td>
                      <input
                        type="checkbox"
                        class="dlq-pick"
                        checked={selected.has(m.offsetMsgId)}
                        onChange={(e) => toggle(m.offsetMsgId, e.currentTarget.checked)}
                      />
                    </td>
                  ) : null}
                  <td>
                    <a href={`#/message?${q({ id: m.offsetMsgId, topic: m.topic })}`}>{m.msgId}</a>
                  </td>
                  <td>{m.tags ?? ''}</td>
                  <td>{m.keys.join(' ')}</td>
                  <td>
                    {m.brokerName}/{m.queueId}@{m.queueOffset}
                  </td>
                  <td>{fmtTime(m.storeTimestamp)}</td>
                  <td class="num">{m.reconsumeTimes}</td>
                  <td class="num">{m.bodySize}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Card>
      ) : null}
    </>
  );
}

interface TraceRecord {
  type: string;
  timestamp?: number;
  groupName?: string;
  topic?: string;
  costTime?: number;
  success?: boolean;
  storeHost?: string;
  clientHost?: string;
  retryTimes?: number;
  msgType?: string;
  transactionState?: string;
}

interface Detail {
  message: Summary & {
    bornHost: string;
    storeHost: string;
    bornTimestamp: number;
    commitLogOffset: number;
    sysFlag: number;
    properties: Record<string, string>;
    body: string;
    bodyEncoding: string;
    bodyTruncated: boolean;
  };
  trace: TraceRecord[];
}

export function MessagePage({ params }: { params: URLSearchParams }) {
  const id = params.get('id') ?? '';
  const topic = params.get('topic') ?? '';
  const d = useLoad(() => get<Detail>(`/api/messages/detail?${q({ id, topic })}`), [id, topic]);
  const m = d.data?.message;
  return (
    <>
      <h1>Message {m?.msgId ?? id}</h1>
      <ErrorBox error={d.error} />
      {!d.data && !d.error ? <Loading /> : null}
      {m ? (
        <>
          <div class="grid2">
            <Card title="Message">
              <KvTable
                id="message-fields"
                rows={[
                  ['Topic', m.topic],
                  ['Message id', m.msgId],
                  ['Offset id', m.offsetMsgId],
                  ['Tags', m.tags ?? ''],
                  ['Keys', m.keys.join(' ')],
                  ['Queue', `${m.brokerName}/${m.queueId} @ ${m.queueOffset}`],
                  ['Born', `${fmtTime(m.bornTimestamp)} from ${m.bornHost}`],
                  ['Stored', `${fmtTime(m.storeTimestamp)} on ${m.storeHost}`],
                  ['Commit log offset', String(m.commitLogOffset)],
                  ['Retries', String(m.reconsumeTimes)],
                ]}
              />
            </Card>
            <Card title="Properties">
              <KvTable id="message-properties" rows={Object.entries(m.properties)} />
            </Card>
          </div>
          <Card
            title={`Body (${m.bodySize} bytes${m.bodyEncoding === 'base64' ? ', base64' : ''}${m.bodyTruncated ? ', cut' : ''})`}
          >
            <pre id="message-body">{m.body}</pre>
          </Card>
          <Card title="Trace">
            {d.data && d.data.trace.length === 0 ? (
              <p class="muted" id="no-trace">
                No trace records (RMQ_SYS_TRACE_TOPIC holds none for this message).
              </p>
            ) : (
              <table id="trace">
                <thead>
                  <tr>
                    <th>Step</th>
                    <th>Time</th>
                    <th>Group</th>
                    <th>Client / store host</th>
                    <th class="num">Cost (ms)</th>
                    <th>Result</th>
                  </tr>
                </thead>
                <tbody>
                  {d.data?.trace.map((t, i) => (
                    <tr key={`${t.type}-${i}`} data-type={t.type}>
                      <td>{t.type}</td>
                      <td>{fmtTime(t.timestamp)}</td>
                      <td>{t.groupName ?? ''}</td>
                      <td>{t.clientHost || t.storeHost || ''}</td>
                      <td class="num">{t.costTime ?? ''}</td>
                      <td>
                        {t.type === 'EndTransaction'
                          ? t.transactionState
                          : t.type === 'SubBefore'
                            ? `attempt ${(t.retryTimes ?? 0) + 1}`
                            : t.success
                              ? 'success'
                              : 'failed'}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </Card>
        </>
      ) : null}
    </>
  );
}
