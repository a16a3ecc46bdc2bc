import {
  AlterSyncStateSetRequestHeader,
  ApplyBrokerIdRequestHeader,
  ControllerHeartbeatRequestHeader,
  createRequest,
  decodeSyncStateSet,
  ElectMasterRequestHeader,
  ElectMasterResponseHeader,
  emptyFields,
  encodeSyncStateSet,
  GetMetaDataResponseHeader,
  GetNextBrokerIdRequestHeader,
  GetNextBrokerIdResponseHeader,
  GetReplicaInfoRequestHeader,
  type HeaderType,
  RegisterBrokerToControllerRequestHeader,
  type RemotingCommand,
  RequestCode,
  type SyncStateSetBody,
} from '@rocketmq-ts/protocol';
import type { RemotingClient } from '@rocketmq-ts/remoting';

// The broker's requests to a controller (RocketMQ's BrokerOuterAPI controller calls): one
// method per code, raw answers (code + decoded header/body) for the ReplicasManager to judge.

export type MasterView = HeaderType<typeof ElectMasterResponseHeader>;

export interface ControllerAnswer {
  code: number;
  remark?: string | undefined;
  master: MasterView;
  syncStateSet?: SyncStateSetBody | undefined;
  ext: Record<string, string>;
}

const TIMEOUT_MS = 3000;

function answer(res: RemotingCommand, bodyIsSyncStateSet: boolean): ControllerAnswer {
  const h = ElectMasterResponseHeader.decode(res.extFields);
  const out: ControllerAnswer = { code: res.code, remark: res.remark, master: h.ok ? h.value : {}, ext: res.extFields };
  if (bodyIsSyncStateSet && res.body && res.body.length > 0) {
    const s = decodeSyncStateSet(res.body);
    if (s.ok) out.syncStateSet = s.value;
  } else if (res.body && res.body.length > 0) {
    // ElectMasterResponseBody: only its syncStateSet matters here.
    const s = decodeSyncStateSet(res.body);
    if (s.ok)
      out.syncStateSet = {
        syncStateSet: s.value.syncStateSet,
        syncStateSetEpoch: h.ok ? (h.value.syncStateSetEpoch ?? 0) : 0,
      };
  }
  return out;
}

export class ControllerApi {
  constructor(
    private readonly client: RemotingClient,
    private readonly identity: { clusterName: string; brokerName: string },
  ) {}

  async metadata(addr: string): Promise<HeaderType<typeof GetMetaDataResponseHeader>> {
    const res = await this.client.invoke(
      addr,
      createRequest(RequestCode.CONTROLLER_GET_METADATA_INFO, emptyFields()),
      TIMEOUT_MS,
    );
    const h = GetMetaDataResponseHeader.decode(res.extFields);
    if (!h.ok) throw new Error(h.error.message);
    return h.value;
  }

  async nextBrokerId(leader: string): Promise<number> {
    const res = await this.client.invoke(
      leader,
      createRequest(RequestCode.CONTROLLER_GET_NEXT_BROKER_ID, GetNextBrokerIdRequestHeader.encode(this.identity)),
      TIMEOUT_MS,
    );
    const h = GetNextBrokerIdResponseHeader.decode(res.extFields);
    if (res.code !== 0 || !h.ok || h.value.nextBrokerId === undefined)
      throw new Error(`GET_NEXT_BROKER_ID failed: ${res.code} ${res.remark ?? ''}`);
    return h.value.nextBrokerId;
  }

  async applyBrokerId(leader: string, id: number, registerCheckCode: string): Promise<RemotingCommand> {
    const ext = ApplyBrokerIdRequestHeader.encode({ ...this.identity, appliedBrokerId: id, registerCheckCode });
    return this.client.invoke(leader, createRequest(RequestCode.CONTROLLER_APPLY_BROKER_ID, ext), TIMEOUT_MS);
  }

  async register(leader: string, brokerId: number, brokerAddress: string): Promise<ControllerAnswer> {
    const ext = RegisterBrokerToControllerRequestHeader.encode({
      ...this.identity,
      brokerId,
      brokerAddress,
      invokeTime: Date.now(),
    });
    return answer(
      await this.client.invoke(leader, createRequest(RequestCode.CONTROLLER_REGISTER_BROKER, ext), TIMEOUT_MS),
      true,
    );
  }

  async electMaster(leader: string, brokerId: number): Promise<ControllerAnswer> {
    const ext = ElectMasterRequestHeader.encode({
      ...this.identity,
      brokerId,
      designateElect: false,
      invokeTime: Date.now(),
    });
    return answer(
      await this.client.invoke(leader, createRequest(RequestCode.CONTROLLER_ELECT_MASTER, ext), TIMEOUT_MS),
      false,
    );
  }

  async replicaInfo(leader: string): Promise<ControllerAnswer> {
    const ext = GetReplicaInfoRequestHeader.encode({ brokerName: this.identity.brokerName });
    return answer(
      await this.client.invoke(leader, createRequest(RequestCode.CONTROLLER_GET_REPLICA_INFO, ext), TIMEOUT_MS),
      true,
    );
  }

  async alterSyncStateSet(
    leader: string,
    masterBrokerId: number,
    masterEpoch: number,
    set: SyncStateSetBody,
  ): Promise<ControllerAnswer> {
    const ext = AlterSyncStateSetRequestHeader.encode({
      brokerName: this.identity.brokerName,
      masterBrokerId,
      masterEpoch,
      invokeTime: Date.now(),
    });
    return answer(
      await this.client.invoke(
        leader,
        createRequest(RequestCode.CONTROLLER_ALTER_SYNC_STATE_SET, ext, encodeSyncStateSet(set)),
        TIMEOUT_MS,
      ),
      true,
    );
  }

  heartbeat(
    addr: string,
    hb: {
      brokerAddr: string;
      brokerId: number;
      epoch: number;
      maxOffset: number;
      confirmOffset: number;
      timeoutMs: number;
      electionPriority: number;
    },
  ): Promise<void> {
    const ext = ControllerHeartbeatRequestHeader.encode({
      ...this.identity,
      brokerAddr: hb.brokerAddr,
      brokerId: hb.brokerId,
      epoch: hb.epoch,
      maxOffset: hb.maxOffset,
      confirmOffset: hb.confirmOffset,
      heartbeatTimeoutMills: hb.timeoutMs,
      electionPriority: hb.electionPriority,
    });
    return this.client.invokeOneway(addr, createRequest(RequestCode.BROKER_HEARTBEAT, ext));
  }
}
