import { err, ok, type Result } from '@rocketmq-ts/common';

// The controller's state changes, one value per change. Type numbers are RocketMQ's EventType
// ordinals (4, a read, is never logged). The leader validates a request against the current
// state and emits events; every node applies the same events in the same order
// (ReplicasInfo.apply), so the same log always gives the same state.

export const EventType = {
  ALTER_SYNC_STATE_SET: 1,
  APPLY_BROKER_ID: 2,
  ELECT_MASTER: 3,
  CLEAN_BROKER_DATA: 5,
  UPDATE_BROKER_ADDRESS: 6,
} as const;

export type ControllerEvent =
  | { type: 1; brokerName: string; newSyncStateSet: number[] }
  | {
      type: 2;
      clusterName: string;
      brokerName: string;
      brokerAddress: string;
      newBrokerId: number;
      registerCheckCode: string;
    }
  | { type: 3; brokerName: string; newMasterElected: boolean; newMasterBrokerId?: number | undefined }
  | { type: 5; brokerName: string; brokerIdSetToClean?: number[] | undefined }
  | { type: 6; clusterName: string; brokerName: string; brokerAddress: string; brokerId: number };

const isStr = (v: unknown): v is string => typeof v === 'string';
const isId = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);
const isIds = (v: unknown): v is number[] => Array.isArray(v) && v.every(isId);

/** Checks a parsed JSON value is a well-formed event (a log record written by us, or damaged). */
export function parseEvent(v: unknown): Result<ControllerEvent, string> {
  if (typeof v !== 'object' || v === null) return err('event is not an object');
  const e = v as Record<string, unknown>;
  switch (e.type) {
    case EventType.ALTER_SYNC_STATE_SET:
      if (isStr(e.brokerName) && isIds(e.newSyncStateSet)) return ok(e as ControllerEvent);
      break;
    case EventType.APPLY_BROKER_ID:
      if (
        isStr(e.clusterName) &&
        isStr(e.brokerName) &&
        isStr(e.brokerAddress) &&
        isId(e.newBrokerId) &&
        isStr(e.registerCheckCode)
      )
        return ok(e as ControllerEvent);
      break;
    case EventType.ELECT_MASTER:
      if (
        isStr(e.brokerName) &&
        typeof e.newMasterElected === 'boolean' &&
        (e.newMasterBrokerId === undefined || isId(e.newMasterBrokerId))
      )
        return ok(e as ControllerEvent);
      break;
    case EventType.CLEAN_BROKER_DATA:
      if (isStr(e.brokerName) && (e.brokerIdSetToClean === undefined || isIds(e.brokerIdSetToClean)))
        return ok(e as ControllerEvent);
      break;
    case EventType.UPDATE_BROKER_ADDRESS:
      if (isStr(e.clusterName) && isStr(e.brokerName) && isStr(e.brokerAddress) && isId(e.brokerId))
        return ok(e as ControllerEvent);
      break;
    default:
      return err(`unknown event type ${String(e.type)}`);
  }
  return err(`malformed event of type ${String(e.type)}`);
}
