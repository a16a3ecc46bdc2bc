import { err, ok, type Result } from '@rocketmq-ts/common';
import { normaliseSubscription, type SubscriptionData } from './heartbeat.js';

// CHECK_CLIENT_CONFIG (46) body, Java's CheckClientRequestBody: a consumer asks a broker
// whether it can serve a subscription (Java clients call it for SQL92 before subscribing).

export interface CheckClientRequestBody {
  clientId: string;
  group: string;
  subscriptionData?: SubscriptionData | undefined;
}

export function encodeCheckClientBody(b: CheckClientRequestBody): Buffer {
  return Buffer.from(JSON.stringify(b), 'utf8');
}

/** Parses the body; an absent body or subscription is a valid "nothing to check". */
export function decodeCheckClientBody(body: Buffer | undefined): Result<CheckClientRequestBody, string> {
  if (!body || body.length === 0) return ok({ clientId: '', group: '' });
  let raw: unknown;
  try {
    raw = JSON.parse(body.toString('utf8'));
  } catch (e) {
    return err(`check client body is not JSON: ${(e as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return err('check client body is not an object');
  const o = raw as Record<string, unknown>;
  const sub = o.subscriptionData;
  return ok({
    clientId: typeof o.clientId === 'string' ? o.clientId : '',
    group: typeof o.group === 'string' ? o.group : '',
    subscriptionData: typeof sub === 'object' && sub !== null ? normaliseSubscription(sub) : undefined,
  });
}
