// The daemon's HTTP API (127.0.0.1:3030 by default) and its event stream (/ws/events). The same
// operations as the Unix-socket RPC, for web clients, scripts and the agents' hooks. On loopback
// the API needs no token (like the socket, it is for this machine's user); bound anywhere else it
// requires `Authorization: Bearer <[http] token>` and refuses to start without one unless
// CLAUDERON_DISABLE_AUTH=true. Hook posts always need the session's own hook token.
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { z } from 'zod';
import { ClauderonError, errorMessage, isClauderonError, type ErrorCode } from '../core/errors.js';
import type { DaemonEvent } from '../core/events.js';
import type { Logger, SessionManager } from '../core/manager.js';
import type { Store } from '../store/store.js';
import { methodSchemas } from './protocol.js';

export interface HttpApiOptions {
  port: number;
  bind: string;
  /** Required for a non-loopback bind (unless disableAuth). */
  token: string | null;
  disableAuth: boolean;
}

export interface HttpApiDeps {
  manager: SessionManager;
  store: Store;
  log: Logger;
  /** Subscribe to the daemon's events; returns the unsubscribe. */
  subscribe(cb: (e: DaemonEvent) => void): () => void;
  status(): Record<string, unknown>;
}

const MAX_BODY = 1 << 20;

const STATUS_FOR: Record<ErrorCode, number> = {
  invalid_input: 400,
  not_found: 404,
  conflict: 409,
  limit: 429,
  backend_unavailable: 503,
  agent_unavailable: 503,
  config: 500,
  store: 500,
  git: 500,
  backend: 502,
  daemon: 503,
  internal: 500,
};

export function isLoopback(addr: string): boolean {
  return addr === 'localhost' || addr === '::1' || /^127\.\d+\.\d+\.\d+$/.test(addr);
}

export class HttpApi {
  private server: Server | null = null;
  /** Extra listeners that serve hooks only (a container bridge's gateway), by address. */
  private readonly hookServers = new Map<string, Server>();
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  private unsubscribe: (() => void) | null = null;
  port = 0;

  get bindAddress(): string {
    return this.o.bind;
  }

  constructor(
    private readonly d: HttpApiDeps,
    private readonly o: HttpApiOptions,
  ) {}

  private get authRequired(): boolean {
    return !isLoopback(this.o.bind) && !this.o.disableAuth;
  }

  async start(): Promise<void> {
    if (this.authRequired && !this.o.token) {
      throw new ClauderonError(
        'config',
        `the HTTP API would listen on ${this.o.bind}, which is not loopback: set [http] token in config.toml (clients send Authorization: Bearer TOKEN), bind 127.0.0.1, or set CLAUDERON_DISABLE_AUTH=true`,
      );
    }
    const server = createServer((req, res) => void this.handle(req, res));
    server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => this.upgrade(req, socket, head));
    server.on('clientError', (_e, socket) => socket.destroy());
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.o.port, this.o.bind, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    const addr = server.address();
    this.port = typeof addr === 'object' && addr ? addr.port : this.o.port;
    this.unsubscribe = this.d.subscribe((e) => {
      if (this.wss.clients.size === 0) return;
      const text = JSON.stringify(e);
      for (const ws of this.wss.clients) if (ws.readyState === ws.OPEN) ws.send(text);
    });
  }

  /**
   * Serve /api/hooks (only) on another address too, on the same port: containers on a bridge
   * network reach the host at its gateway. Nothing else of the API is served there.
   */
  async listenHooksOn(addr: string): Promise<void> {
    if (this.hookServers.has(addr) || addr === this.o.bind) return;
    const server = createServer((req, res) => void this.handle(req, res, { hooksOnly: true }));
    server.on('clientError', (_e, socket) => socket.destroy());
    this.hookServers.set(addr, server);
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(this.port, addr, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (e) {
      this.hookServers.delete(addr);
      throw e;
    }
  }

  async close(): Promise<void> {
    this.unsubscribe?.();
    for (const s of this.hookServers.values()) {
      s.closeAllConnections();
      s.close();
    }
    this.hookServers.clear();
    for (const ws of this.wss.clients) ws.terminate();
    const s = this.server;
    this.server = null;
    if (s) {
      s.closeAllConnections();
      await new Promise<void>((r) => s.close(() => r()));
    }
  }

  private authorized(req: IncomingMessage): boolean {
    if (!this.authRequired) return true;
    const got = Buffer.from(req.headers.authorization ?? '');
    const want = Buffer.from(`Bearer ${this.o.token ?? ''}`);
    return got.length === want.length && timingSafeEqual(got, want);
  }

  private upgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    socket.on('error', () => undefined);
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/ws/events') {
      socket.end('HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
      return;
    }
    if (!this.authorized(req)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      ws.on('error', () => undefined);
      ws.send(JSON.stringify({ type: 'hello', ...this.d.status() }));
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse, opts: { hooksOnly?: boolean } = {}): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const send = (status: number, body: unknown) => {
      const text = JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' }).end(text);
    };
    try {
      const method = req.method ?? 'GET';
      const path = url.pathname.replace(/\/+$/, '') || '/';
      // Hooks carry their own per-session token; everything else is the API.
      if (path === '/api/hooks') {
        if (method !== 'POST') throw httpError(405, 'invalid_input', 'POST only');
        const body = await readJson(req);
        const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
        const sessionId = url.searchParams.get('session') ?? (isObject(body) && typeof body.session_id === 'string' ? body.session_id : '');
        return send(200, this.d.manager.recordHook(sessionId, token, body));
      }
      if (opts.hooksOnly) throw httpError(403, 'invalid_input', 'only POST /api/hooks is served on this address');
      if (!this.authorized(req)) throw httpError(401, 'invalid_input', 'missing or wrong Authorization: Bearer token');
      const m = this.d.manager;
      const seg = path.split('/').slice(1).map(decodeURIComponent);
      if (seg[0] !== 'api') throw httpError(404, 'not_found', `no such endpoint ${method} ${path}`);
      const [, what, id, action] = seg;
      if (what === 'status' && seg.length === 2 && method === 'GET') return send(200, this.d.status());
      if (what === 'recent-repos' && seg.length === 2 && method === 'GET') return send(200, this.d.store.listRecentRepos(limitParam(url)));
      if (what === 'sessions') {
        if (seg.length === 2 && method === 'GET') {
          const filter = z.enum(['active', 'archived', 'all']).catch('active').parse(url.searchParams.get('filter') ?? 'active');
          return send(200, m.list(filter));
        }
        if (seg.length === 2 && method === 'POST') {
          const req2 = parseWith(methodSchemas['sessions.create'], await readJson(req));
          const result = await m.create(req2);
          return send(201, result);
        }
        if (id !== undefined && seg.length === 3) {
          if (method === 'GET') return send(200, m.get(id));
          if (method === 'DELETE') return send(200, await m.delete(id, { force: url.searchParams.get('force') === 'true' }));
        }
        if (id !== undefined && seg.length === 4 && method === 'POST') {
          if (action === 'archive') return send(200, await m.archive(id));
          if (action === 'unarchive') return send(200, await m.unarchive(id));
          if (action === 'access-mode') {
            const { mode } = parseWith(z.object({ mode: z.enum(['read-only', 'read-write']) }).strict(), await readJson(req));
            return send(200, m.setAccessMode(id, mode));
          }
        }
        if (id !== undefined && seg.length === 4 && action === 'history' && method === 'GET') return send(200, { lines: m.history(id) });
      }
      throw httpError(404, 'not_found', `no such endpoint ${method} ${path}`);
    } catch (e) {
      const status = e instanceof HttpError ? e.status : isClauderonError(e) ? STATUS_FOR[e.code] : 500;
      const code = isClauderonError(e) ? e.code : 'internal';
      if (status >= 500) this.d.log.error('http api error', { path: url.pathname, error: errorMessage(e) });
      send(status, { error: { code, message: errorMessage(e) } });
    }
  }
}

class HttpError extends ClauderonError {
  constructor(
    readonly status: number,
    code: ErrorCode,
    message: string,
  ) {
    super(code, message);
  }
}

function httpError(status: number, code: ErrorCode, message: string): HttpError {
  return new HttpError(status, code, message);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function limitParam(url: URL): number {
  const n = Number(url.searchParams.get('limit') ?? 20);
  return Number.isInteger(n) && n > 0 && n <= 200 ? n : 20;
}

function parseWith<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  throw httpError(400, 'invalid_input', `invalid request body${issue ? `: ${issue.path.join('.') || '(body)'}: ${issue.message}` : ''}`);
}

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(httpError(413, 'invalid_input', `request body over ${MAX_BODY} bytes`));
        req.destroy();
        return;
      }
      parts.push(c);
    });
    req.on('end', () => {
      const text = Buffer.concat(parts).toString('utf8');
      if (text.trim() === '') return resolve({});
      try {
        resolve(JSON.parse(text) as unknown);
      } catch {
        reject(httpError(400, 'invalid_input', 'the request body is not valid JSON'));
      }
    });
    req.on('error', reject);
  });
}
