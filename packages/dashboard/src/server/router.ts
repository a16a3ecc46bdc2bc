import type { IncomingMessage } from 'node:http';
import { HttpError, type Params } from './http-io.js';

// A route table for the JSON API: `GET /api/topics/:topic`. Path segments are URI-decoded.

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface RouteContext {
  /** Path parameters (`:name`). */
  path: Record<string, string>;
  query: Params;
  /** The parsed JSON body (empty for GET). */
  body: Params;
  req: IncomingMessage;
}

export type Handler = (ctx: RouteContext) => Promise<unknown>;

interface Route {
  method: Method;
  parts: string[];
  handler: Handler;
}

export class Router {
  private readonly routes: Route[] = [];

  add(method: Method, pattern: string, handler: Handler): this {
    this.routes.push({ method, parts: pattern.split('/').filter(Boolean), handler });
    return this;
  }

  /** The handler and path parameters for a request; 404 / 405 as HttpErrors. */
  match(method: string, pathname: string): { handler: Handler; path: Record<string, string> } {
    const segs = pathname.split('/').filter(Boolean);
    let pathMatched = false;
    for (const r of this.routes) {
      const path = matchParts(r.parts, segs);
      if (!path) continue;
      pathMatched = true;
      if (r.method === method) return { handler: r.handler, path };
    }
    if (pathMatched) throw new HttpError(405, `method ${method} not allowed on ${pathname}`);
    throw new HttpError(404, `no API route ${pathname}`);
  }
}

function matchParts(parts: string[], segs: string[]): Record<string, string> | undefined {
  if (parts.length !== segs.length) return undefined;
  const out: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    const s = segs[i]!;
    if (p.startsWith(':')) {
      let v: string;
      try {
        v = decodeURIComponent(s);
      } catch {
        throw new HttpError(400, 'malformed percent-encoding in the path');
      }
      out[p.slice(1)] = v;
    } else if (p !== s) return undefined;
  }
  return out;
}
