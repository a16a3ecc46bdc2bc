import type { IncomingMessage, ServerResponse } from 'node:http';

// Request reading and JSON answers for the dashboard API. Every failure leaves as
// `{"error":{"status":…,"message":…}}` with a 4xx/5xx status.

/** A failure the API answers with `status` and a JSON error body. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const badRequest = (message: string): HttpError => new HttpError(400, message);
export const notFound = (message: string): HttpError => new HttpError(404, message);

/** Largest request body the API reads (the biggest legitimate one is a resend list). */
export const MAX_BODY_BYTES = 64 * 1024;
/** Longest request target (path + query) accepted. */
export const MAX_URL_LENGTH = 4096;

/** Reads and parses a JSON object body: 413 when too large, 415 when not JSON, 400 when malformed. */
export async function readJsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES) throw new HttpError(413, `request body over ${MAX_BODY_BYTES} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, `request body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  if (size === 0) return {};
  // A JSON content type keeps plain cross-site form posts (no preflight) out of mutating calls.
  if (type !== 'application/json') throw new HttpError(415, 'request body must be application/json');
  let value: unknown;
  try {
    value = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (e) {
    throw badRequest(`malformed JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw badRequest('body must be a JSON object');
  return value as Record<string, unknown>;
}

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = Buffer.from(JSON.stringify(value), 'utf8');
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': body.length,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  res.end(body);
}

export function sendError(res: ServerResponse, status: number, message: string): void {
  sendJson(res, status, { error: { status, message } });
}

/** Typed readers over query parameters and JSON bodies; each throws a 400 naming the field. */
export class Params {
  constructor(
    private readonly values: Record<string, unknown>,
    private readonly where: string,
  ) {}

  static fromQuery(q: URLSearchParams): Params {
    const o: Record<string, unknown> = {};
    for (const [k, v] of q) o[k] = v;
    return new Params(o, 'query');
  }

  has(name: string): boolean {
    const v = this.values[name];
    return v !== undefined && v !== '';
  }

  str(name: string, max = 1024): string {
    const v = this.values[name];
    if (typeof v !== 'string' || v === '') throw badRequest(`${this.where} parameter ${name} is required`);
    if (v.length > max) throw badRequest(`${this.where} parameter ${name} is longer than ${max}`);
    return v;
  }

  optStr(name: string, max = 1024): string | undefined {
    return this.has(name) ? this.str(name, max) : undefined;
  }

  int(name: string, min: number, max: number): number {
    const raw = this.values[name];
    const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^-?\d+$/.test(raw) ? Number(raw) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max)
      throw badRequest(`${this.where} parameter ${name} must be an integer in [${min}, ${max}]`);
    return n;
  }

  optInt(name: string, min: number, max: number, fallback: number): number {
    return this.has(name) ? this.int(name, min, max) : fallback;
  }

  bool(name: string, fallback: boolean): boolean {
    const v = this.values[name];
    if (v === undefined || v === '') return fallback;
    if (v === true || v === 'true') return true;
    if (v === false || v === 'false') return false;
    throw badRequest(`${this.where} parameter ${name} must be true or false`);
  }

  strList(name: string, maxItems: number, maxLen = 256): string[] {
    const v = this.values[name];
    if (!Array.isArray(v) || v.length === 0 || v.length > maxItems)
      throw badRequest(`${this.where} parameter ${name} must be a list of 1..${maxItems} strings`);
    return v.map((x) => {
      if (typeof x !== 'string' || x === '' || x.length > maxLen)
        throw badRequest(`${this.where} parameter ${name} must hold non-empty strings`);
      return x;
    });
  }
}
