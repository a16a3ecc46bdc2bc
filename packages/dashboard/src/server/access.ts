import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { HttpError } from './http-io.js';

// Who may change things. Reads are open to whoever reaches the port; mutating calls need the
// configured token (Authorization: Bearer <token>) when one is set, and a token must be set
// before the dashboard accepts mutating calls on any address other than loopback.

export const isLoopbackHost = (host: string): boolean =>
  host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);

export interface AccessPolicy {
  host: string;
  token: string | undefined;
}

/** Throws 401/403 unless `req` may mutate. */
export function checkMutation(req: IncomingMessage, policy: AccessPolicy): void {
  if (policy.token === undefined) {
    if (isLoopbackHost(policy.host)) return;
    throw new HttpError(
      403,
      `the dashboard listens on ${policy.host}: mutating calls need a token (--token or DASHBOARD_TOKEN)`,
    );
  }
  const auth = req.headers.authorization ?? '';
  const m = /^Bearer (.+)$/.exec(auth);
  if (!m || !sameSecret(m[1]!, policy.token)) throw new HttpError(401, 'missing or wrong bearer token');
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}
