import { useState } from 'preact/hooks';
import { del, get, post } from '../api';
import { fmtNum, fmtTime, useLoad } from '../hooks';
import { Card, ErrorBox, href, KvTable, Loading } from './common';

interface TopicRow {
  name: string;
  kind: string;
  readQueueNums?: number;
  writeQueueNums?: number;
  perm?: number;
  messageType?: string;
}

const PERMS: Record<number, string> = { 2: 'W', 4: 'R', 6: 'RW' };

function TopicForm({ onDone, initial }: { onDone: (msg: string) => void; initial?: TopicRow }) {
  const [topic, setTopic] = useState(initial?.name ?? '');
  const [read, setRead] = useState(String(initial?.readQueueNums ?? 8));
  const [write, setWrite] = useState(String(initial?.writeQueueNums ?? 8));
  const [perm, setPerm] = useState(String(initial?.perm ?? 6));
  const [order, setOrder] = useState(false);
  const [type, setType] = useState('');
  const [error, setError] = useState<string>();
  const submit = async (e: Event) => {
    e.preventDefault();
    try {
      await post('/api/topics', {
        topic,
        readQueueNums: Number(read),
        writeQueueNums: Number(write),
        perm: Number(perm),
        order,
        messageType: type || undefined,
      });
      setError(undefined);
      onDone(`Topic ${topic} saved`);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };
  return (
    <form class="row" id="topic-form" onSubmit={submit}>
      <label>
        Topic
        <input id="topic-name" value={topic} required onInput={(e) => setTopic(e.currentTarget.value)} />
      </label>
      <label>
        Read queues
        <input type="number" min="1" max="1024" value={read} onInput={(e) => setRead(e.currentTarget.value)} />
      </label>
      <label>
        Write queues
        <input type="number" min="1" max="1024" value={write} onInput={(e) => setWrite(e.currentTarget.value)} />
      </label>
      <label>
        Permission
        <select value={perm} onChange={(e) => setPerm(e.currentTarget.value)}>
          <option value="6">RW</option>
          <option value="4">R</option>
          <option value="2">W</option>
        </select>
      </label>
      <label>
        Message type
        <select id="topic-type" value={type} onChange={(e) => setType(e.currentTarget.value)}>
          <option value="">(broker default)</option>
          <option value="NORMAL">NORMAL</option>
          <option value="FIFO">FIFO</option>
          <option value="DELAY">DELAY</option>
          <option value="TRANSACTION">TRANSACTION</option>
        </select>
      </label>
      <label>
        Ordered
        <input type="checkbox" checked={order} onChange={(e) => setOrder(e.currentTarget.checked)} />
      </label>
      <button class="primary" type="submit" id="topic-save">
        Create / update
      </button>
      <ErrorBox error={error} />
    </form>
  );
}

export function TopicsPage() {
  const t = useLoad(() => get<{ topics: TopicRow[] }>('/api/topics'), []);
  const [filter, setFilter] = useState('');
  const [system, setSystem] = useState(false);
  const [notice, setNotice] = useState<string>();
  const [error, setError] = useState<string>();
  const remove = async (name: string) => {
    if (!window.confirm(`Delete topic ${name}?`)) return;
    try {
      await del(`/api/topics/${encodeURIComponent(name)}`);
      setNotice(`Topic ${name} deleted`);
      t.reload();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  const rows = (t.data?.topics ?? []).filter(
    (x) => (system || x.kind === 'normal') && x.name.toLowerCase().includes(filter.toLowerCase()),
  );
  return (
    <>
      <h1>Topics</h1>
      <Card title="Create or update a topic">
        <TopicForm
          onDone={(m) => {
            setNotice(m);
            t.reload();
          }}
        />
      </Card>
      {notice ? (
        <p class="notice" id="notice">
          {notice}
        </p>
      ) : null}
      <ErrorBox error={t.error ?? error} />
      <Card>
        <div class="row" style={{ marginBottom: '10px' }}>
          <input
            placeholder="filter"
            value={filter}
            id="topic-filter"
            onInput={(e) => setFilter(e.currentTarget.value)}
          />
          <label style={{ flexDirection: 'row', alignItems: 'center' }}>
            <input type="checkbox" checked={system} onChange={(e) => setSystem(e.currentTarget.checked)} /> retry, DLQ
            and system topics
          </label>
        </div>
        {!t.data ? <Loading /> : null}
        <table id="topics">
          <thead>
            <tr>
              <th>Topic</th>
              <th>Kind</th>
              <th>Message type</th>
              <th class="num">Read/write queues</th>
              <th>Perm</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {rows.map((x) => (
              <tr key={x.name} data-topic={x.name}>
                <td>
                  <a href={href('topics', x.name)}>{x.name}</a>
                </td>
                <td>
                  <span class="tag">{x.kind}</span>
                </td>
                <td>{x.messageType ?? ''}</td>
                <td class="num">
                  {x.readQueueNums ?? '–'}/{x.writeQueueNums ?? '–'}
                </td>
                <td>{x.perm === undefined ? '' : (PERMS[x.perm] ?? x.perm)}</td>
                <td>
                  <a href={`#/messages?${new URLSearchParams({ topic: x.name })}`}>messages</a>{' '}
                  {x.kind === 'normal' ? (
                    <button type="button" class="danger" onClick={() => void remove(x.name)}>
                      delete
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </Card>
    </>
  );
}

interface TopicDetail {
  topic: string;
  kind: string;
  messageType?: string;
  config?: {
    readQueueNums: number;
    writeQueueNums: number;
    perm: number;
    order: boolean;
    attributes: Record<string, string>;
  };
  route: {
    brokers: { brokerName: string; cluster: string; addrs: Record<string, string> }[];
    queueDatas: { brokerName: string; readQueueNums: number; writeQueueNums: number; perm: number }[];
  };
  queues: { brokerName: string; queueId: number; minOffset: number; maxOffset: number; lastUpdateTimestamp: number }[];
}

export function TopicPage({ topic }: { topic: string }) {
  const t = useLoad(() => get<TopicDetail>(`/api/topics/${encodeURIComponent(topic)}`), [topic], 5000);
  const d = t.data;
  return (
    <>
      <h1>
        Topic {topic} {d ? <span class="tag">{d.kind}</span> : null}
      </h1>
      <ErrorBox error={t.error} />
      {!d ? <Loading /> : null}
      {d ? (
        <>
          <div class="grid2">
            <Card title="Configuration">
              <KvTable
                id="topic-config"
                rows={[
                  ['Message type', d.messageType ?? ''],
                  ['Queues (read/write)', `${d.config?.readQueueNums ?? '–'}/${d.config?.writeQueueNums ?? '–'}`],
                  ['Permission', d.config ? (PERMS[d.config.perm] ?? String(d.config.perm)) : ''],
                  ['Ordered', d.config?.order ? 'yes' : 'no'],
                  ...Object.entries(d.config?.attributes ?? {}),
                ]}
              />
              <p>
                <a href={`#/messages?${new URLSearchParams({ topic })}`}>Browse messages</a>
              </p>
            </Card>
            <Card title="Route">
              <table>
                <thead>
                  <tr>
                    <th>Broker</th>
                    <th>Cluster</th>
                    <th>Addresses</th>
                    <th class="num">R/W queues</th>
                  </tr>
                </thead>
                <tbody>
                  {d.route.brokers.map((b) => {
                    const qd = d.route.queueDatas.find((x) => x.brokerName === b.brokerName);
                    return (
                      <tr key={b.brokerName}>
                        <td>{b.brokerName}</td>
                        <td>{b.cluster}</td>
                        <td>
                          {Object.entries(b.addrs)
                            .map(([id, a]) => `${id}: ${a}`)
                            .join(', ')}
                        </td>
                        <td class="num">
                          {qd?.readQueueNums}/{qd?.writeQueueNums}
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </Card>
          </div>
          <Card title="Queue offsets">
            <table id="queues">
              <thead>
                <tr>
                  <th>Broker</th>
                  <th class="num">Queue</th>
                  <th class="num">Min offset</th>
                  <th class="num">Max offset</th>
                  <th class="num">Messages</th>
                  <th>Last update</th>
                </tr>
              </thead>
              <tbody>
                {d.queues.map((q) => (
                  <tr key={`${q.brokerName}/${q.queueId}`}>
                    <td>{q.brokerName}</td>
                    <td class="num">{q.queueId}</td>
                    <td class="num">{fmtNum(q.minOffset)}</td>
                    <td class="num">{fmtNum(q.maxOffset)}</td>
                    <td class="num">{fmtNum(q.maxOffset - q.minOffset)}</td>
                    <td>{fmtTime(q.lastUpdateTimestamp)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </Card>
        </>
      ) : null}
    </>
  );
}
