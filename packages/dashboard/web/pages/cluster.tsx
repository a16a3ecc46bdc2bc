import { get } from '../api';
import { Chart } from '../chart';
import { fmtNum, useLoad } from '../hooks';
import { Card, ErrorBox, Loading } from './common';

interface Broker {
  brokerName: string;
  brokerId: number;
  addr: string;
  role: string;
  version: string;
  putTps: number;
  getTps: number;
  msgPutTotalTodayNow: number;
  msgGetTotalTodayNow: number;
  commitLogDiskRatio: number;
  runtime: string;
  error?: string;
}
interface ClusterView {
  clusters: { clusterName: string; brokers: Broker[] }[];
}
export interface Point {
  t: number;
  inTps: number;
  outTps: number;
}
interface Throughput {
  intervalMs: number;
  total: Point[];
}

export function ThroughputChart() {
  const tp = useLoad(() => get<Throughput>('/api/throughput'), [], 2000);
  const pts = tp.data?.total ?? [];
  return (
    <Card title="Throughput (messages/s)">
      <ErrorBox error={tp.error} />
      <Chart
        id="throughput-chart"
        title=""
        xs={pts.map((p) => p.t)}
        ys={[pts.map((p) => p.inTps), pts.map((p) => p.outTps)]}
        series={[
          { label: 'in', color: 'var(--in)' },
          { label: 'out', color: 'var(--out)' },
        ]}
      />
    </Card>
  );
}

export function ClusterPage() {
  const c = useLoad(() => get<ClusterView>('/api/cluster'), [], 5000);
  return (
    <>
      <h1>Cluster</h1>
      <ErrorBox error={c.error} />
      {!c.data ? <Loading /> : null}
      {c.data?.clusters.map((cl) => (
        <Card key={cl.clusterName} title={cl.clusterName}>
          <table id="brokers">
            <thead>
              <tr>
                <th>Broker</th>
                <th>Id</th>
                <th>Role</th>
                <th>Address</th>
                <th>Version</th>
                <th class="num">Put TPS</th>
                <th class="num">Get TPS</th>
                <th class="num">In today</th>
                <th class="num">Out today</th>
                <th class="num">Disk used</th>
                <th>Up</th>
              </tr>
            </thead>
            <tbody>
              {cl.brokers.map((b) => (
                <tr key={`${b.brokerName}/${b.brokerId}`}>
                  <td>{b.brokerName}</td>
                  <td>{b.brokerId}</td>
                  <td>
                    <span class="tag">{b.role}</span>
                  </td>
                  <td>{b.addr}</td>
                  <td>{b.error ? <span class="error">{b.error}</span> : b.version}</td>
                  <td class="num">{b.putTps.toFixed(1)}</td>
                  <td class="num">{b.getTps.toFixed(1)}</td>
                  <td class="num">{fmtNum(b.msgPutTotalTodayNow)}</td>
                  <td class="num">{fmtNum(b.msgGetTotalTodayNow)}</td>
                  <td class="num">
                    {Number.isFinite(b.commitLogDiskRatio) ? `${(b.commitLogDiskRatio * 100).toFixed(1)} %` : '–'}
                  </td>
                  <td class="muted">{b.runtime}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Card>
      ))}
      <ThroughputChart />
    </>
  );
}
