import {
  createRequest,
  decodeBrokerReplicasInfo,
  encodeBrokerNameList,
  encodeSyncStateSet,
  type RemotingCommand,
  RequestCode,
} from '@rocketmq-ts/protocol';
import { RemotingClient } from '@rocketmq-ts/remoting';

// A broker's side of the controller protocol, raw, for tests: each call is one request.

export class ControllerWire {
  readonly client = new RemotingClient();
  constructor(public addr: string) {}

  send(
    code: number,
    fields: Record<string, string | number | boolean | undefined>,
    body?: Buffer,
  ): Promise<RemotingCommand> {
    const ext: Record<string, string> = Object.create(null) as Record<string, string>;
    for (const [k, v] of Object.entries(fields)) if (v !== undefined) ext[k] = String(v);
    return this.client.invoke(this.addr, createRequest(code, ext, body), 5000);
  }

  applyId(brokerName: string, id: number, addr: string) {
    return this.send(RequestCode.CONTROLLER_APPLY_BROKER_ID, {
      clusterName: 'C',
      brokerName,
      appliedBrokerId: id,
      registerCheckCode: `${addr};${id}`,
    });
  }

  register(brokerName: string, id: number, addr: string) {
    return this.send(RequestCode.CONTROLLER_REGISTER_BROKER, {
      clusterName: 'C',
      brokerName,
      brokerId: id,
      brokerAddress: addr,
    });
  }

  heartbeat(brokerName: string, id: number, addr: string, extra: Record<string, number> = {}) {
    return this.send(RequestCode.BROKER_HEARTBEAT, {
      clusterName: 'C',
      brokerName,
      brokerAddr: addr,
      brokerId: id,
      ...extra,
    });
  }

  elect(brokerName: string, id: number, designateElect = false) {
    return this.send(RequestCode.CONTROLLER_ELECT_MASTER, {
      clusterName: 'C',
      brokerName,
      brokerId: id,
      designateElect,
    });
  }

  alter(brokerName: string, masterBrokerId: number, masterEpoch: number, ids: number[], syncStateSetEpoch: number) {
    return this.send(
      RequestCode.CONTROLLER_ALTER_SYNC_STATE_SET,
      { brokerName, masterBrokerId, masterEpoch },
      encodeSyncStateSet({ syncStateSet: ids, syncStateSetEpoch }),
    );
  }

  async syncStateData(brokerName: string) {
    const res = await this.send(RequestCode.CONTROLLER_GET_SYNC_STATE_DATA, {}, encodeBrokerNameList([brokerName]));
    const d = decodeBrokerReplicasInfo(res.body);
    if (!d.ok) throw new Error(d.error);
    return d.value.get(brokerName);
  }

  close() {
    return this.client.close();
  }
}
