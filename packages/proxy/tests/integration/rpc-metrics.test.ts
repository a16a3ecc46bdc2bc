import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { describe, it } from 'node:test';
import { BrokerMetrics, renderPromText } from '@rocketmq-ts/broker';
import { silentLogger } from '@rocketmq-ts/common';
import { codec } from '../../src/grpc/codec.js';
import { encodeFrame } from '../../src/grpc/frame-codec.js';
import { listenHttp2 } from '../../src/grpc/http2-server.js';
import { GrpcRpcMetrics } from '../../src/grpc/rpc-metrics.js';

// observeRpc → the broker's metrics: every unary RPC answered by the gRPC server shows in
// rocketmq_rpc_latency with protocol_type="grpc", beside the remoting series.

describe('gRPC RPC metrics', () => {
  it('unary RPCs answered over HTTP/2 are counted in rocketmq_rpc_latency with protocol_type="grpc"', async () => {
    const metrics = new BrokerMetrics();
    metrics.recordRpc(10, 0, 2, 'success');
    const rpc = new GrpcRpcMetrics();
    const detach = rpc.attach(metrics);
    const l = await listenHttp2(
      {
        unary: {
          SendMessage: async () => ({ status: { code: 20000 } }),
          AckMessage: async () => ({ status: { code: 40402, message: 'bad handle' } }),
        },
        serverStream: {},
        bidi: {},
      },
      { host: '127.0.0.1', port: 0, maxReceiveBytes: 1 << 20, logger: silentLogger, observe: rpc.observe },
    );
    const s = http2.connect(`http://127.0.0.1:${l.port}`);
    const call = (method: string, body: Buffer) =>
      new Promise<void>((resolve, reject) => {
        const st = s.request({
          ':method': 'POST',
          ':path': `/apache.rocketmq.v2.MessagingService/${method}`,
          'content-type': 'application/grpc',
          'x-mq-client-id': 'm1',
        });
        st.on('error', reject);
        st.on('close', () => resolve());
        st.resume();
        st.end(encodeFrame(body));
      });
    try {
      for (let i = 0; i < 3; i++) await call('SendMessage', codec('SendMessageRequest').encode({}));
      await call('AckMessage', codec('AckMessageRequest').encode({}));
      const text = renderPromText(metrics.families(), {});
      const count = (labels: string) =>
        Number(new RegExp(`^rocketmq_rpc_latency_count\\{${labels}\\} (\\d+)`, 'm').exec(text)?.[1] ?? 'NaN');
      assert.equal(
        count(
          'protocol_type="grpc",request_code="send_message",response_code="20000",is_long_polling="false",result="success"',
        ),
        3,
        text,
      );
      assert.equal(
        count(
          'protocol_type="grpc",request_code="ack_message",response_code="40402",is_long_polling="false",result="success"',
        ),
        1,
      );
      assert.match(text, /rocketmq_rpc_latency_count\{protocol_type="remoting",request_code="10"/);
      detach();
      assert.doesNotMatch(renderPromText(metrics.families(), {}), /protocol_type="grpc"/);
    } finally {
      s.close();
      await l.shutdown();
    }
  });
});
