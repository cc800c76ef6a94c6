// The web UI's files (dist/web, built from src/web by `npm run build`), served on the HTTP API's
// port: `/assets/*` (hashed names) with their type and a year's caching, everything else that is
// not /api or /ws answered by index.html (the app routes itself), which is never cached without
// asking again. Every answer carries a strict Content-Security-Policy (nothing but this origin's
// own scripts, styles, images and connections; never framed) and nosniff. A path is decoded
// segments only (http-guard's parseTarget refuses /, \ and control characters in one), and a
// segment `.`/`..` or a hidden name is never served, nor any file that resolves outside the root.
// Without a build, every page is a 404 that says how to build it.
// The installable app's files have fixed names at the root: /manifest.webmanifest (served as
// application/manifest+json), /icons/*.png and the service worker /sw.js — no-cache like
// index.html, so a new build's worker is found at once; its root path gives it the whole scope
// without Service-Worker-Allowed. The policy needs nothing more for them: manifest-src and
// worker-src fall back to default-src / script-src 'self'.
import { createReadStream, existsSync, realpathSync, statSync, type Stats } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, extname, isAbsolute, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS = {
  'content-security-policy': CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
};

/** Hashed, never changing names: cached for a year. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

/** Where dist/web is: beside the bundle (dist/clauderon.js, dist/chunks/*.js) or, from source, ../../dist/web. */
export function webRootCandidates(from: string = dirname(fileURLToPath(import.meta.url))): string[] {
  return [join(from, 'web'), join(from, '..', 'web'), join(from, '..', '..', 'dist', 'web')];
}

/** Whether a request (GET/HEAD, decoded segments) is the web UI's rather than the API's. */
export function isWebPath(segments: readonly string[]): boolean {
  return segments[0] !== 'api' && segments[0] !== 'ws';
}

function inside(path: string, dir: string): boolean {
  const r = relative(dir, path);
  return r === '' || (r !== '..' && !r.startsWith(`..${sep}`) && !isAbsolute(r));
}

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>clauderon: web UI not built</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; padding: 0 1rem; line-height: 1.5">
<h1>The web UI was not built</h1>
<p>This clauderon daemon is running and its HTTP API answers under <code>/api/</code>, but the web UI's files
(<code>dist/web/</code>) are missing. Build them with <code>npm run build</code> in clauderon's folder, then reload this page.</p>
</body></html>
`;

const NOT_FOUND = (path: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Not found</title></head>
<body style="font-family: system-ui, sans-serif; margin: 3rem"><h1>Not found</h1><p>No file ${escapeHtml(path)} in the web UI.</p></body></html>
`;

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export class StaticFiles {
  private readonly candidates: string[];

  /** `root`: the web UI's folder (tests); default: the build's dist/web, looked for at each request. */
  constructor(root?: string) {
    this.candidates = root ? [root] : webRootCandidates();
  }

  /** The folder with an index.html, or null (not built). */
  root(): string | null {
    for (const c of this.candidates) if (existsSync(join(c, 'index.html'))) return c;
    return null;
  }

  /** Answer a GET or HEAD of a web path (decoded segments, the gate passed). */
  serve(req: IncomingMessage, res: ServerResponse, segments: readonly string[]): void {
    const root = this.root();
    if (!root) return this.page(req, res, 404, NOT_BUILT);
    const shown = `/${segments.join('/')}`;
    // (`.`, `..` and hidden names — .env, .git… — are never a file of the build)
    if (segments.some((s) => s === '' || s.startsWith('.'))) return this.page(req, res, 404, NOT_FOUND(shown));
    const file = segments.length === 0 ? null : this.file(root, segments);
    if (file) return this.send(req, res, file.path, file.stat, segments[0] === 'assets' ? IMMUTABLE : 'no-cache');
    // a missing asset (or anything with an extension) is a 404, never the app's HTML under a script's name
    const last = segments.at(-1) ?? '';
    if (segments[0] === 'assets' || (segments.length > 0 && extname(last) !== '')) return this.page(req, res, 404, NOT_FOUND(shown));
    const index = this.file(root, ['index.html']);
    if (!index) return this.page(req, res, 404, NOT_BUILT);
    this.send(req, res, index.path, index.stat, 'no-cache');
  }

  /** A regular file under root (after every link), or null. */
  private file(root: string, segments: readonly string[]): { path: string; stat: Stats } | null {
    try {
      const realRoot = realpathSync(root);
      const real = realpathSync(join(realRoot, ...segments));
      if (!inside(real, realRoot)) return null;
      const stat = statSync(real);
      return stat.isFile() ? { path: real, stat } : null;
    } catch {
      return null;
    }
  }

  private send(req: IncomingMessage, res: ServerResponse, path: string, stat: Stats, cache: string): void {
    const etag = `W/"${stat.size.toString(16)}-${Math.floor(stat.mtimeMs).toString(16)}"`;
    const headers = {
      ...SECURITY_HEADERS,
      'content-type': TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream',
      'cache-control': cache,
      etag,
      'last-modified': stat.mtime.toUTCString(),
    };
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, headers).end();
      return;
    }
    res.writeHead(200, { ...headers, 'content-length': stat.size });
    if (req.method === 'HEAD') return void res.end();
    const stream = createReadStream(path);
    stream.on('error', () => res.destroy());
    stream.pipe(res);
  }

  private page(req: IncomingMessage, res: ServerResponse, status: number, html: string): void {
    res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(html) });
    res.end(req.method === 'HEAD' ? undefined : html);
  }
}
