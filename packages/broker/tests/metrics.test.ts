import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BrokerMetrics, MessageTypeIdx } from '../src/metrics/broker-metrics.js';
import { parseExporterType, parsePairs } from '../src/metrics/metrics-service.js';
import { renderPromText } from '../src/metrics/prom-text.js';

describe('metrics: Prometheus text', () => {
  it('renders counters and cumulative histogram buckets with escaped labels', () => {
    const text = renderPromText(
      [
        { name: 'a_total', help: 'A\nline', kind: 'counter', points: [{ labels: { t: 'x"y\\z' }, value: 3 }] },
        {
          name: 'h',
          help: 'H',
          kind: 'histogram',
          points: [{ labels: {}, bounds: [1, 10], counts: [2, 3, 1], sum: 40.5, count: 6 }],
        },
      ],
      { cluster: 'C' },
    );
    assert.equal(
      text,
      [
        '# HELP a_total A\\nline',
        '# TYPE a_total counter',
        'a_total{cluster="C",t="x\\"y\\\\z"} 3',
        '# HELP h H',
        '# TYPE h histogram',
        'h_bucket{cluster="C",le="1"} 2',
        'h_bucket{cluster="C",le="10"} 5',
        'h_bucket{cluster="C",le="+Inf"} 6',
        'h_sum{cluster="C"} 40.5',
        'h_count{cluster="C"} 6',
        '',
      ].join('\n'),
    );
  });
});

describe('metrics: BrokerMetrics', () => {
  it('counts puts per topic and type, leaves retry and DLQ topics out, and buckets the average size', () => {
    const m = new BrokerMetrics();
    m.recordPut('T', MessageTypeIdx.NORMAL, 1, 500);
    m.recordPut('T', MessageTypeIdx.NORMAL, 4, 8000);
    m.recordPut('T', MessageTypeIdx.DELAY, 1, 100);
    m.recordPut('%RETRY%G', MessageTypeIdx.NORMAL, 1, 100);
    m.recordPut('%DLQ%G', MessageTypeIdx.NORMAL, 1, 100);
    m.recordGet('T', 'G', 2, 3, 900, 7);
    m.recordGet('T', 'G', 2, 1, 300, 5);
    const fam = m.families();
    const points = (name: string) => fam.find((f) => f.name === name)!.points;
    assert.deepEqual(
      points('rocketmq_messages_in_total').map((p) => [p.labels.topic, p.labels.message_type, 'value' in p && p.value]),
      [
        ['T', 'normal', 5],
        ['T', 'delay', 1],
      ],
    );
    const size = points('rocketmq_message_size')[0]!;
    assert.ok('counts' in size);
    // 500 B → ≤1 KiB; four of 2000 B each → ≤4 KiB.
    assert.deepEqual(size.counts.slice(0, 2), [1, 4]);
    assert.equal(size.sum, 8500);
    assert.deepEqual(m.currentTotals(), { messagesIn: 8, bytesIn: 8800, messagesOut: 4, bytesOut: 1200 });
    assert.equal(m.pullOffset('G', 'T', 2), 7, 'the pull offset never moves back');
    assert.equal(m.pullOffset('G', 'T', 0), -1);
  });

  it('keeps one latency record per request and response code', () => {
    const m = new BrokerMetrics();
    m.recordRpc(310, 0, 0.5, 'success');
    m.recordRpc(310, 0, 50, 'success');
    m.recordRpc(310, 1, 2, 'process_request_failed');
    const rpc = m.families().find((f) => f.name === 'rocketmq_rpc_latency')!.points;
    assert.equal(rpc.length, 2);
    const ok = rpc[0]!;
    assert.ok('counts' in ok);
    assert.equal(ok.count, 2);
    assert.equal(ok.counts[0], 1);
    assert.equal(ok.counts[5], 1, '50 ms falls in the ≤100 ms bucket');
  });

  it('exports rocketmq_proxy_up only while a Local-mode proxy is up, as a proxy node', () => {
    const m = new BrokerMetrics();
    const up = () => m.families().find((f) => f.name === 'rocketmq_proxy_up');
    assert.equal(up(), undefined);
    m.proxyUp('LOCAL');
    const text = renderPromText([up()!], { cluster: 'C', node_type: 'broker', node_id: 'b' });
    assert.match(text, /^rocketmq_proxy_up\{cluster="C",node_type="proxy",node_id="b",proxy_mode="local"\} 1$/m);
    m.proxyUp(undefined);
    assert.equal(up(), undefined);
  });
});

describe('metrics: settings', () => {
  it('reads metricsExporterType by name or number, as Java', () => {
    assert.equal(parseExporterType('PROM'), 'PROM');
    assert.equal(parseExporterType('otlp_grpc'), 'OTLP_GRPC');
    assert.equal(parseExporterType(2), 'PROM');
    assert.equal(parseExporterType('9'), 'DISABLE');
    assert.equal(parseExporterType('nope'), 'DISABLE');
  });

  it('parses k:v,k:v pairs and skips malformed ones', () => {
    assert.deepEqual(parsePairs('a:1,,b:2,c,d:e:f'), { a: '1', b: '2' });
  });
});
