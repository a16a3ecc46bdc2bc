import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { StateFile } from '@rocketmq-ts/common';

// The broker's controller id on disk (RocketMQ's BrokerMetadata / TempBrokerMetadata):
//   brokerIdentity       "cluster#brokerName#id"            — the id is ours for good
//   brokerIdentity-temp  "cluster#brokerName#id#checkCode"  — applied for, not yet confirmed
// Both under storePathRootDir; written atomically. Names must match the config.

export interface Identity {
  clusterName: string;
  brokerName: string;
  brokerId: number;
  registerCheckCode?: string | undefined;
}

async function readIdentity(path: string, withCode: boolean): Promise<Identity | undefined> {
  let text: string;
  try {
    text = (await readFile(path, 'utf8')).trim();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  const parts = text.split('#');
  const id = Number(parts[2]);
  if (parts.length !== (withCode ? 4 : 3) || !Number.isSafeInteger(id)) throw new Error(`${path} is damaged: ${text}`);
  return {
    clusterName: parts[0] ?? '',
    brokerName: parts[1] ?? '',
    brokerId: id,
    registerCheckCode: withCode ? parts[3] : undefined,
  };
}

export class BrokerIdentityFiles {
  constructor(private readonly dir: string) {}
  get path(): string {
    return join(this.dir, 'brokerIdentity');
  }
  get tempPath(): string {
    return join(this.dir, 'brokerIdentity-temp');
  }
  read(): Promise<Identity | undefined> {
    return readIdentity(this.path, false);
  }
  readTemp(): Promise<Identity | undefined> {
    return readIdentity(this.tempPath, true);
  }
  writeTemp(i: Identity): Promise<void> {
    return new StateFile(this.tempPath).write(
      `${i.clusterName}#${i.brokerName}#${i.brokerId}#${i.registerCheckCode ?? ''}`,
    );
  }
  async confirm(i: Identity): Promise<void> {
    await new StateFile(this.path).write(`${i.clusterName}#${i.brokerName}#${i.brokerId}`);
    await rm(this.tempPath, { force: true });
  }
  dropTemp(): Promise<void> {
    return rm(this.tempPath, { force: true });
  }
}
