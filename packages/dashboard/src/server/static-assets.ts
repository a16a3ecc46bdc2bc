import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

// The built web UI (dist/web, written by scripts/build-web.mjs), held in memory with a gzip
// copy of each file. The UI routes by URL fragment, so the only page is `/`.

interface Asset {
  type: string;
  raw: Buffer;
  gz: Buffer;
}

const FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/index.html': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/assets/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/assets/app.css': { file: 'app.css', type: 'text/css; charset=utf-8' },
  '/assets/favicon.svg': { file: 'favicon.svg', type: 'image/svg+xml' },
};

const WEB_DIR = fileURLToPath(new URL('../../web/', import.meta.url));

/** The page's one inline script (it sets the theme before the first paint) is allowed by its hash. */
function csp(html: Buffer | undefined): string {
  const inline = html ? /<script>([\s\S]*?)<\/script>/.exec(html.toString('utf8'))?.[1] : undefined;
  const script =
    inline === undefined ? '' : ` 'sha256-${createHash('sha256').update(inline, 'utf8').digest('base64')}'`;
  return `default-src 'self'; script-src 'self'${script}; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'`;
}

export class StaticAssets {
  private readonly csp: string;

  private constructor(
    private readonly assets: Map<string, Asset>,
    readonly missing: string[],
  ) {
    this.csp = csp(assets.get('/')?.raw);
  }

  static async load(dir = WEB_DIR): Promise<StaticAssets> {
    const assets = new Map<string, Asset>();
    const missing: string[] = [];
    for (const [path, { file, type }] of Object.entries(FILES)) {
      try {
        const raw = await readFile(dir + file);
        assets.set(path, { type, raw, gz: gzipSync(raw, { level: 9 }) });
      } catch {
        missing.push(file);
      }
    }
    return new StaticAssets(assets, missing);
  }

  /** Serves a GET/HEAD for an asset path; false when `path` is none. */
  serve(req: IncomingMessage, res: ServerResponse, path: string): boolean {
    const a = this.assets.get(path);
    if (!a) {
      if (path !== '/' && path !== '/index.html') return false;
      const body = 'The dashboard UI is not built: run npm run build.\n';
      res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(body);
      return true;
    }
    const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    const body = gzip ? a.gz : a.raw;
    res.writeHead(200, {
      'content-type': a.type,
      'content-length': body.length,
      'cache-control': path.startsWith('/assets/') ? 'public, max-age=300' : 'no-cache',
      'content-security-policy': this.csp,
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
      vary: 'accept-encoding',
      ...(gzip ? { 'content-encoding': 'gzip' } : {}),
    });
    res.end(req.method === 'HEAD' ? undefined : body);
    return true;
  }
}
