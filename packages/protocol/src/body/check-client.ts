import { ok, type Result } from '@rocketmq-ts/common';
import { readSubscriptionData, type SubscriptionData } from './heartbeat.js';
import { asObject, parseJsonBody, textOf } from './json-fields.js';

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
  const raw = parseJsonBody(body, 'check client body');
  if (!raw.ok) return raw;
  const o = asObject(raw.value) ?? {};
  let subscriptionData: SubscriptionData | undefined;
  if (o.subscriptionData !== undefined && o.subscriptionData !== null) {
    const sub = readSubscriptionData(o.subscriptionData);
    if (!sub.ok) return sub;
    subscriptionData = sub.value;
  }
  return ok({ clientId: textOf(o.clientId), group: textOf(o.group), subscriptionData });
}
