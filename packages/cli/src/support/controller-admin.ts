import {
  type BrokerReplicasInfoBody,
  CleanControllerBrokerDataRequestHeader,
  createRequest,
  decodeBrokerReplicasInfo,
  ElectMasterRequestHeader,
  emptyFields,
  encodeBrokerNameList,
  GetMetaDataResponseHeader,
  type HeaderType,
  type RemotingCommand,
  RequestCode,
  ResponseCode,
} from '@rocketmq-ts/protocol';
import { RemotingClient } from '@rocketmq-ts/remoting';
import { UsageError } from './run.js';

// The controller side of mqadmin (-a controllerAddress, ";"-separated as in Java): requests go
// to the leader, found with CONTROLLER_GET_METADATA_INFO (a follower would forward them anyway).

export class ControllerAdminError extends Error {
  constructor(
    readonly code: number,
    remark: string | undefined,
  ) {
    super(`CODE: ${code} DESC: ${remark ?? ''}`);
  }
}

export function controllerAddrs(a: string | undefined): string[] {
  const list = (a ?? '')
    .split(';')
    .map((s) => s.trim())
    .filter(Boolean);
  if (list.length === 0) throw new UsageError('no controller address: pass -a <addr;addr>');
  return list;
}

export type ControllerMetadata = HeaderType<typeof GetMetaDataResponseHeader>;

export class ControllerAdmin {
  private readonly client = new RemotingClient({ requestTimeoutMs: 5000 });
  constructor(private readonly addrs: string[]) {}

  private async call(
    addr: string,
    code: number,
    ext: Record<string, string> = emptyFields(),
    body?: Buffer,
  ): Promise<RemotingCommand> {
    return this.client.invoke(addr, createRequest(code, ext, body), 5000);
  }

  private static check(res: RemotingCommand, ...okCodes: number[]): RemotingCommand {
    if (res.code !== ResponseCode.SUCCESS && !okCodes.includes(res.code))
      throw new ControllerAdminError(res.code, res.remark);
    return res;
  }

  async metadata(addr: string): Promise<ControllerMetadata> {
    const res = ControllerAdmin.check(await this.call(addr, RequestCode.CONTROLLER_GET_METADATA_INFO));
    const h = GetMetaDataResponseHeader.decode(res.extFields);
    if (!h.ok) throw new Error(h.error.message);
    return h.value;
  }

  /** The leader's address, or the first reachable controller when none names one. */
  async leader(): Promise<string> {
    let reachable: string | undefined;
    let last: unknown;
    for (const addr of this.addrs) {
      try {
        const m = await this.metadata(addr);
        reachable ??= addr;
        if (m.isLeader) return addr;
        if (m.controllerLeaderAddress) return m.controllerLeaderAddress;
      } catch (e) {
        last = e;
      }
    }
    if (reachable) return reachable;
    throw new Error(`no controller reachable at ${this.addrs.join(';')}`, { cause: last });
  }

  async syncStateData(brokerNames: string[]): Promise<BrokerReplicasInfoBody> {
    const res = ControllerAdmin.check(
      await this.call(
        await this.leader(),
        RequestCode.CONTROLLER_GET_SYNC_STATE_DATA,
        emptyFields(),
        encodeBrokerNameList(brokerNames),
      ),
    );
    const d = decodeBrokerReplicasInfo(res.body);
    if (!d.ok) throw new Error(d.error);
    return d.value;
  }

  async electMaster(clusterName: string, brokerName: string, brokerId: number): Promise<RemotingCommand> {
    const ext = ElectMasterRequestHeader.encode({
      clusterName,
      brokerName,
      brokerId,
      designateElect: true,
      invokeTime: Date.now(),
    });
    return ControllerAdmin.check(await this.call(await this.leader(), RequestCode.CONTROLLER_ELECT_MASTER, ext));
  }

  async cleanBrokerData(o: {
    clusterName?: string | undefined;
    brokerName: string;
    ids?: string | undefined;
    cleanLiving: boolean;
  }): Promise<void> {
    const ext = CleanControllerBrokerDataRequestHeader.encode({
      clusterName: o.clusterName,
      brokerName: o.brokerName,
      brokerControllerIdsToClean: o.ids,
      isCleanLivingBroker: o.cleanLiving,
      invokeTime: Date.now(),
    });
    ControllerAdmin.check(await this.call(await this.leader(), RequestCode.CLEAN_BROKER_DATA, ext));
  }

  /** Config of every listed controller (each keeps its own). */
  async configs(): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const addr of this.addrs) {
      const res = ControllerAdmin.check(await this.call(addr, RequestCode.GET_CONTROLLER_CONFIG));
      out.set(addr, res.body?.toString('utf8') ?? '');
    }
    return out;
  }

  async updateConfig(key: string, value: string): Promise<void> {
    for (const addr of this.addrs) {
      ControllerAdmin.check(
        await this.call(addr, RequestCode.UPDATE_CONTROLLER_CONFIG, emptyFields(), Buffer.from(`${key}=${value}\n`)),
      );
    }
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

export async function withController<T>(a: string | undefined, fn: (c: ControllerAdmin) => Promise<T>): Promise<T> {
  const c = new ControllerAdmin(controllerAddrs(a));
  try {
    return await fn(c);
  } finally {
    await c.close();
  }
}
