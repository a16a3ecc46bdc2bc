import { get } from '../api';
import { fmtTime, useLoad } from '../hooks';
import { Card, ErrorBox, Loading } from './common';

interface Producers {
  producers: {
    brokerName: string;
    group: string;
    clientId: string;
    remoteIP: string;
    language: string;
    version: number;
    lastUpdateTimestamp: number;
  }[];
  unsupported: string[];
}

export function ProducersPage() {
  const p = useLoad(() => get<Producers>('/api/producers'), [], 5000);
  return (
    <>
      <h1>Producers</h1>
      <ErrorBox error={p.error} />
      {!p.data ? <Loading /> : null}
      {p.data && p.data.unsupported.length > 0 ? (
        <p class="muted">Brokers that do not list producers: {p.data.unsupported.join(', ')}</p>
      ) : null}
      {p.data ? (
        <Card>
          <table id="producers">
            <thead>
              <tr>
                <th>Group</th>
                <th>Client</th>
                <th>Address</th>
                <th>Language</th>
                <th>Version</th>
                <th>Broker</th>
                <th>Last heartbeat</th>
              </tr>
            </thead>
            <tbody>
              {p.data.producers.length === 0 ? (
                <tr>
                  <td colSpan={7} class="muted">
                    No live producers
                  </td>
                </tr>
              ) : null}
              {p.data.producers.map((x) => (
                <tr key={`${x.brokerName}/${x.group}/${x.clientId}`}>
                  <td>{x.group}</td>
                  <td>{x.clientId}</td>
                  <td>{x.remoteIP}</td>
                  <td>{x.language}</td>
                  <td>{x.version}</td>
                  <td>{x.brokerName}</td>
                  <td>{fmtTime(x.lastUpdateTimestamp)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Card>
      ) : null}
    </>
  );
}
