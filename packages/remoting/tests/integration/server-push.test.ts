import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRequest, createResponse, emptyFields, RequestCode, ResponseCode } from '@rocketmq-ts/protocol';
import { eventually } from '@rocketmq-ts/testkit';
import { type Connection, RemotingClient, type RemotingServer, RemotingTimeoutError } from '../../src/index.js';
import { deferred, startServer } from '../support.js';

const HEART_BEAT = RequestCode.HEART_BEAT;

describe('server-pushed requests', () => {
  let server: RemotingServer;
  let addr: string;
  const client = new RemotingClient();
  const serverConns: Connection[] = [];
  const notified: string[] = [];

  before(async () => {
    ({ server, addr } = await startServer({}, (s) => {
      s.registerProcessor(HEART_BEAT, (req) => createResponse(req, ResponseCode.SUCCESS));
      s.onConnection((c) => serverConns.push(c));
    }));
    client.registerProcessor(RequestCode.GET_CONSUMER_RUNNING_INFO, (req, conn) => {
      const fields = emptyFields();
      fields.consumerGroup = req.extFields.consumerGroup!;
      fields.seenOn = conn.localAddress;
      return createResponse(req, ResponseCode.SUCCESS, undefined, fields, Buffer.from('{"running":true}'));
    });
    client.registerProcessor(RequestCode.NOTIFY_CONSUMER_IDS_CHANGED, (req) => {
      notified.push(req.extFields.consumerGroup!);
      return undefined;
    });
    client.registerProcessor(RequestCode.CONSUME_MESSAGE_DIRECTLY, async () => {
      throw new Error('consumer is shutting down');
    });
    // The client's connection exists once it has talked to the server.
    await client.invoke(addr, createRequest(HEART_BEAT));
    await eventually(() => serverConns.length === 1);
  });

  after(async () => {
    await client.close();
    await server.close(0);
  });

  it("answers a server's request with the client's registered processor", async () => {
    const fields = emptyFields();
    fields.consumerGroup = 'please_rename_unique_group_name';
    const res = await serverConns[0]!.request(createRequest(RequestCode.GET_CONSUMER_RUNNING_INFO, fields), 3000);
    assert.equal(res.code, ResponseCode.SUCCESS);
    assert.equal(res.extFields.consumerGroup, 'please_rename_unique_group_name');
    assert.equal(res.extFields.seenOn, serverConns[0]!.remoteAddress);
    assert.equal(res.body?.toString(), '{"running":true}');
  });

  it('delivers a oneway push to the client without any answer coming back', async () => {
    const fields = emptyFields();
    fields.consumerGroup = 'g1';
    serverConns[0]!.oneway(createRequest(RequestCode.NOTIFY_CONSUMER_IDS_CHANGED, fields));
    await eventually(() => notified.includes('g1'));
  });

  it('answers an unknown pushed code with REQUEST_CODE_NOT_SUPPORTED and a failing one with SYSTEM_ERROR', async () => {
    const unknown = await serverConns[0]!.request(createRequest(RequestCode.RESET_CONSUMER_CLIENT_OFFSET), 3000);
    assert.equal(unknown.code, ResponseCode.REQUEST_CODE_NOT_SUPPORTED);
    assert.equal(unknown.remark, ` request type ${RequestCode.RESET_CONSUMER_CLIENT_OFFSET} not supported`);
    const failing = await serverConns[0]!.request(createRequest(RequestCode.CONSUME_MESSAGE_DIRECTLY), 3000);
    assert.equal(failing.code, ResponseCode.SYSTEM_ERROR);
    assert.equal(failing.remark, 'consumer is shutting down');
  });

  it('keeps client requests and server pushes apart on the same connection', async () => {
    const fields = emptyFields();
    fields.consumerGroup = 'mixed';
    const [pushes, calls] = await Promise.all([
      Promise.all(
        Array.from({ length: 200 }, () =>
          serverConns[0]!.request(createRequest(RequestCode.GET_CONSUMER_RUNNING_INFO, { ...fields }), 3000),
        ),
      ),
      Promise.all(Array.from({ length: 200 }, () => client.invoke(addr, createRequest(HEART_BEAT)))),
    ]);
    for (const p of pushes) assert.equal(p.extFields.consumerGroup, 'mixed');
    for (const c of calls) assert.equal(c.code, ResponseCode.SUCCESS);
  });

  it('times out a push the client never answers', async () => {
    const gate = deferred<undefined>();
    client.registerProcessor(RequestCode.GET_CONSUMER_STATUS_FROM_CLIENT, () => gate.promise);
    await assert.rejects(
      serverConns[0]!.request(createRequest(RequestCode.GET_CONSUMER_STATUS_FROM_CLIENT), 50),
      RemotingTimeoutError,
    );
    gate.resolve(undefined);
  });
});
