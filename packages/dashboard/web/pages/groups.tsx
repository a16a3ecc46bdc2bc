import { useState } from 'preact/hooks';
import { get, post } from '../api';
import { Chart } from '../chart';
import { fmtNum, fmtTime, useLoad } from '../hooks';
import { Card, ErrorBox, href, Loading } from './common';

interface GroupRow {
  group: string;
  online: number;
  messageModel?: string;
  totalLag?: number;
  consumeTps?: number;
  inflight?: number;
}

export function GroupsPage() {
  const g = useLoad(() => get<{ groups: GroupRow[] }>('/api/groups'), [], 5000);
  return (
    <>
      <h1>Consumer groups</h1>
      <ErrorBox error={g.error} />
      {!g.data ? <Loading /> : null}
      <Card>
        <table id="groups">
          <thead>
            <tr>
              <th>Group</th>
              <th class="num">Online clients</th>
              <th>Model</th>
              <th class="num">Lag</th>
              <th class="num">Consume TPS</th>
              <th class="num">Pop in flight</th>
            </tr>
          </thead>
          <tbody>
            {(g.data?.groups ?? []).map((x) => (
              <tr key={x.group} data-group={x.group}>
                <td>
                  <a href={href('groups', x.group)}>{x.group}</a>
                </td>
                <td class="num">{x.online}</td>
                <td>{x.messageModel ?? ''}</td>
                <td class="num">{fmtNum(x.totalLag)}</td>
                <td class="num">{x.consumeTps?.toFixed(1) ?? '–'}</td>
                <td class="num">{fmtNum(x.inflight)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Card>
    </>
  );
}

interface GroupDetail {
  group: string;
  connections: { clientId: string; clientAddr: string; language: string; version: number }[];
  subscriptions: { topic: string; subString: string }[];
  messageModel?: string;
  consumeType?: string;
  totalLag: number;
  consumeTps: number;
  queues: {
    topic: string;
    brokerName: string;
    queueId: number;
    brokerOffset: number;
    consumerOffset: number;
    lag: number;
    inflight: number;
    lastTimestamp: number;
  }[];
  lagHistory: { t: number; lag: number }[];
}

function ResetOffset({ group, topics }: { group: string; topics: string[] }) {
  const [topic, setTopic] = useState(topics[0] ?? '');
  const [when, setWhen] = useState('');
  const [msg, setMsg] = useState<string>();
  const [error, setError] = useState<string>();
  const submit = async (e: Event) => {
    e.preventDefault();
    try {
      const ts = when ? new Date(when).getTime() : Date.now();
      const r = await post<{ queues: unknown[] }>(`/api/groups/${encodeURIComponent(group)}/reset-offset`, {
        topic,
        timestamp: ts,
      });
      setError(undefined);
      setMsg(`Reset ${r.queues.length} queues of ${topic} to ${fmtTime(ts)}`);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };
  return (
    <form class="row" onSubmit={submit} id="reset-form">
      <label>
        Topic
        <input value={topic} list="group-topics" required onInput={(e) => setTopic(e.currentTarget.value)} />
        <datalist id="group-topics">
          {topics.map((t) => (
            <option key={t} value={t} />
          ))}
        </datalist>
      </label>
      <label>
        To the first message stored at/after
        <input type="datetime-local" step="1" value={when} onInput={(e) => setWhen(e.currentTarget.value)} />
      </label>
      <button type="submit" class="primary">
        Reset offset
      </button>
      {msg ? <span class="notice">{msg}</span> : null}
      <ErrorBox error={error} />
    </form>
  );
}

export function GroupPage({ group }: { group: string }) {
  const g = useLoad(() => get<GroupDetail>(`/api/groups/${encodeURIComponent(group)}`), [group], 2000);
  const d = g.data;
  const hist = d?.lagHistory ?? [];
  return (
    <>
      <h1>Consumer group {group}</h1>
      <ErrorBox error={g.error} />
      {!d ? <Loading /> : null}
      {d ? (
        <>
          <div class="grid2">
            <Card title="Lag over time">
              <Chart
                id="lag-chart"
                title=""
                xs={hist.map((p) => p.t)}
                ys={[hist.map((p) => p.lag)]}
                series={[{ label: 'lag', color: 'var(--accent)' }]}
              />
            </Card>
            <Card title="Summary">
              <table class="kv">
                <tbody>
                  <tr>
                    <td>Total lag</td>
                    <td id="total-lag">{fmtNum(d.totalLag)}</td>
                  </tr>
                  <tr>
                    <td>Consume TPS</td>
                    <td>{d.consumeTps.toFixed(1)}</td>
                  </tr>
                  <tr>
                    <td>Model / type</td>
                    <td>
                      {d.messageModel ?? '–'} / {d.consumeType ?? '–'}
                    </td>
                  </tr>
                  <tr>
                    <td>Subscriptions</td>
                    <td>{d.subscriptions.map((s) => `${s.topic} (${s.subString})`).join(', ') || '–'}</td>
                  </tr>
                </tbody>
              </table>
            </Card>
          </div>
          <Card title={`Online clients (${d.connections.length})`}>
            <table id="connections">
              <thead>
                <tr>
                  <th>Client</th>
                  <th>Address</th>
                  <th>Language</th>
                  <th>Version</th>
                </tr>
              </thead>
              <tbody>
                {d.connections.map((c) => (
                  <tr key={c.clientId}>
                    <td>{c.clientId}</td>
                    <td>{c.clientAddr}</td>
                    <td>{c.language}</td>
                    <td>{c.version}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </Card>
          <Card title="Queues">
            <table id="group-queues">
              <thead>
                <tr>
                  <th>Topic</th>
                  <th>Broker</th>
                  <th class="num">Queue</th>
                  <th class="num">Broker offset</th>
                  <th class="num">Consumer offset</th>
                  <th class="num">Lag</th>
                  <th class="num">Pop in flight</th>
                  <th>Last consumed</th>
                </tr>
              </thead>
              <tbody>
                {d.queues.map((q) => (
                  <tr key={`${q.topic}/${q.brokerName}/${q.queueId}`}>
                    <td>{q.topic}</td>
                    <td>{q.brokerName}</td>
                    <td class="num">{q.queueId}</td>
                    <td class="num">{fmtNum(q.brokerOffset)}</td>
                    <td class="num">{fmtNum(q.consumerOffset)}</td>
                    <td class="num">{fmtNum(q.lag)}</td>
                    <td class="num">{fmtNum(q.inflight)}</td>
                    <td>{fmtTime(q.lastTimestamp)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </Card>
          <Card title="Reset offset">
            <ResetOffset
              group={group}
              topics={[...new Set([...d.subscriptions.map((s) => s.topic), ...d.queues.map((q) => q.topic)])]}
            />
          </Card>
        </>
      ) : null}
    </>
  );
}
