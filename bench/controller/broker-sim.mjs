// Child of failover.mjs (not run by hand): one broker's controller-mode client (ReplicasManager)
// with the HA side recorded only, printing one JSON line per role change.
// usage: node broker-sim.mjs <controllerAddr> <storeDir> <heartbeatTimeoutMs>
import { RecordingHaControl, ReplicasManager } from '@rocketmq-ts/broker';
import { createResponse, RequestCode, ResponseCode } from '@rocketmq-ts/protocol';
import { RemotingServer } from '@rocketmq-ts/remoting';

const [controllerAddr, storeDir, hbTimeout] = process.argv.slice(2);
const server = new RemotingServer({ port: 0, host: '127.0.0.1' });
await server.listen();
const ha = new RecordingHaControl();
const manager = new ReplicasManager({
  clusterName: 'C',
  brokerName: 'broker-a',
  brokerAddr: `127.0.0.1:${server.port}`,
  storeDir,
  controllerAddrs: [controllerAddr],
  ha,
  heartbeatTimeoutMs: Number(hbTimeout),
  retryIntervalMs: 200,
});
server.registerProcessor(RequestCode.NOTIFY_BROKER_ROLE_CHANGED, (req) => {
  manager.onNotify(req);
  return createResponse(req, ResponseCode.SUCCESS);
});
manager.onRoleChange((s) =>
  process.stdout.write(`${JSON.stringify({ role: s.role, epoch: s.masterEpoch, id: s.brokerId, t: Date.now() })}\n`),
);
manager.start();
