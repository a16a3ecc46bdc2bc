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
// An idle log: every other replica of the two counts as caught up, so the master expands the
// SyncStateSet to both (the bench then kills it). Each SyncStateSet change is printed too.
let printed = '';
setInterval(() => {
  const self = manager.state.brokerId;
  ha.acks = [1, 2]
    .filter((id) => id !== self)
    .map((brokerId) => ({ brokerId, ackOffset: 0, lastCaughtUpTime: Date.now() }));
  const sss = manager.state.syncStateSet.join(',');
  if (manager.state.role === 'master' && sss !== printed) {
    printed = sss;
    process.stdout.write(
      `${JSON.stringify({ role: 'master', epoch: manager.state.masterEpoch, id: self, sss: manager.state.syncStateSet, t: Date.now() })}\n`,
    );
  }
}, 100);
manager.start();
