// The daemon's HTTP API (127.0.0.1:3030 by default) and its event stream (/ws/events). The same
// operations as the Unix-socket RPC, for web clients, scripts and the agents' hooks. On loopback
// the API needs no token (like the socket, it is for this machine's user); bound anywhere else it
// requires `Authorization: Bearer <[http] token>` and refuses to start without one unless
// CLAUDERON_DISABLE_AUTH=true. Hook posts always need the session's own hook token.
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { z } from 'zod';
import { ClauderonError, errorMessage, isClauderonError, type ErrorCode } from '../shared/errors.js';
import type { DaemonEvent } from '../shared/events.js';
import type { SessionManager } from '../core/manager.js';
import type { Logger } from '../shared/logger.js';
import type { Store } from '../store/store.js';
import { guarded } from '../shared/guard.js';
import { awaitingContinue, checkBody, checkCaller, HttpError, httpError, isLoopback, readJson, sendJson, sendRaw, parseTarget, type ListenerPolicy, type RemoteOrigin } from './http-guard.js';
import { methodSchemas } from '../protocol/protocol.js';

export { isLoopback };

export interface HttpApiOptions {
  port: number;
  bind: string;
  /** Required for a non-loopback bind (unless disableAuth). */
  token: string | null;
  disableAuth: boolean;
  /** CLAUDERON_ORIGIN: another origin whose pages (and Host) are served, e.g. a reverse proxy's. */
  remote?: RemoteOrigin | null;
  /** Server timeouts (ms); tests shorten them. */
  timeouts?: Partial<typeof TIMEOUTS>;
}

export interface HttpApiDeps {
  manager: SessionManager;
  store: Store;
  log: Logger;
  /** Subscribe to the daemon's events; returns the unsubscribe. */
  subscribe(cb: (e: DaemonEvent) => void): () => void;
  status(): Record<string, unknown>;
}

/** No single client holds the API: headers within 10 s, a whole request within 30 s. */
const TIMEOUTS = { headersTimeout: 10_000, requestTimeout: 30_000, keepAliveTimeout: 5_000, connectionsCheckingInterval: 1_000 };
const MAX_HEADER_SIZE = 16 * 1024;
const MAX_CONNECTIONS = 512;

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

export class HttpApi {
  private server: Server | null = null;
  /** Extra listeners that serve hooks only (a container bridge's gateway), by address. */
  private readonly hookServers = new Map<string, Server>();
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 }).on('error', () => undefined);
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
    const server = this.makeServer(this.o.bind, false);
    server.on(
      'upgrade',
      guarded(this.d.log, 'http upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(req, socket, head), (_e, _req, socket) => sendRaw(socket, 500, 'internal', 'internal error')),
    );
    await listen(server, this.o.port, this.o.bind, this.d.log);
    this.server = server;
    const addr = server.address();
    this.port = typeof addr === 'object' && addr ? addr.port : this.o.port;
    this.unsubscribe = this.d.subscribe((e) => {
      if (this.wss.clients.size === 0) return;
      const text = JSON.stringify(e);
      for (const ws of this.wss.clients) {
        try {
          if (ws.readyState === ws.OPEN) ws.send(text);
        } catch {
          ws.terminate(); // one broken client misses events; the others and the emitter go on
        }
      }
    });
  }

  /**
   * A server for `addr` with bounded timeouts, header size and connections, every entry point
   * guarded. Upgrades on a hooks-only listener are ordinary requests there (and refused).
   */
  private makeServer(addr: string, hooksOnly: boolean): Server {
    const t = { ...TIMEOUTS, ...this.o.timeouts };
    // (requireHostHeader off: a request without Host gets the JSON 421 below, not a bare 400)
    const server = createServer({ ...t, maxHeaderSize: MAX_HEADER_SIZE, requireHostHeader: false });
    server.maxConnections = MAX_CONNECTIONS;
    const onRequest = guarded(
      this.d.log,
      hooksOnly ? `http request (hooks on ${addr})` : 'http request',
      (req: IncomingMessage, res: ServerResponse) => this.handle(req, res, addr, hooksOnly),
      (_e, req, res) => sendJson(req, res, 500, { error: { code: 'internal', message: 'internal error (see logs/daemon.log)' } }),
    );
    server.on('request', onRequest);
    // A client that sends Expect: 100-continue gets the 100 only once its body is wanted (readJson).
    server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
      awaitingContinue.add(req);
      onRequest(req, res);
    });
    // Expect: anything but 100-continue
    server.on(
      'checkExpectation',
      guarded(this.d.log, 'http expectation', (req: IncomingMessage, res: ServerResponse) =>
        sendJson(req, res, 417, { error: { code: 'invalid_input', message: `Expect: ${JSON.stringify(req.headers.expect ?? '')} is not supported (only 100-continue)` } }),
        (_e, _req, res) => res.destroy(),
      ),
    );
    server.on('clientError', guarded(this.d.log, 'http client error', clientError, (_e, _err, socket) => socket.destroy()));
    return server;
  }

  /**
   * Serve /api/hooks (only) on another address too, on the same port: containers on a bridge
   * network reach the host at its gateway. Nothing else of the API is served there.
   */
  async listenHooksOn(addr: string): Promise<void> {
    if (this.hookServers.has(addr) || addr === this.o.bind) return;
    const server = this.makeServer(addr, true);
    this.hookServers.set(addr, server);
    try {
      await listen(server, this.port, addr, this.d.log);
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

  private policy(bind: string, hooks: boolean): ListenerPolicy {
    return { port: this.port, bind, hooks, remote: this.o.remote ?? null };
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => undefined);
    let path: string;
    try {
      path = parseTarget(req.url).segments.join('/');
    } catch (e) {
      return sendRaw(socket, 400, 'invalid_input', errorMessage(e));
    }
    // the same gate as every request: a page elsewhere may not listen to the events either
    const refused = checkCaller(req, this.policy(this.o.bind, false));
    if (refused) return sendRaw(socket, refused.status, refused.code, refused.message);
    if (path !== 'ws/events') return sendRaw(socket, 404, 'not_found', `no WebSocket endpoint at ${req.url ?? ''}: use /ws/events`);
    if (!this.authorized(req)) return sendRaw(socket, 401, 'invalid_input', 'missing or wrong Authorization: Bearer token');
    // (ws answers a handshake that is not a valid WebSocket one with a 400 itself)
    this.wss.handleUpgrade(
      req,
      socket,
      head,
      guarded(
        this.d.log,
        'websocket open',
        (ws: WebSocket) => {
          ws.on('error', () => undefined);
          ws.send(JSON.stringify({ type: 'hello', ...this.d.status() }));
        },
        (_e, ws) => ws.terminate(),
      ),
    );
  }

  private async handle(req: IncomingMessage, res: ServerResponse, addr: string, hooksOnly: boolean): Promise<void> {
    const send = (status: number, body: unknown) => sendJson(req, res, status, body);
    const method = req.method ?? 'GET';
    let shownPath = '';
    try {
      // (parsed in here: a malformed target is the client's 400, never the daemon's throw)
      const { segments: seg, path, query } = parseTarget(req.url);
      shownPath = path;
      const hooks = seg.length === 2 && seg[0] === 'api' && seg[1] === 'hooks';
      const refused = checkCaller(req, this.policy(addr, hooksOnly || hooks));
      if (refused) throw refused;
      // (a CORS preflight is never approved: no Access-Control-Allow-* header is ever sent)
      if (method === 'OPTIONS') throw httpError(405, 'invalid_input', 'OPTIONS is not served: this API sends no CORS headers, so pages of other origins cannot use it');
      const badBody = checkBody(req);
      if (badBody) throw badBody;
      // Hooks carry their own per-session token; everything else is the API.
      if (hooks) {
        if (method !== 'POST') throw httpError(405, 'invalid_input', 'POST only');
        const body = await readJson(req, res);
        const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
        const sessionId = query.get('session') ?? (isObject(body) && typeof body.session_id === 'string' ? body.session_id : '');
        return send(200, this.d.manager.recordHook(sessionId, token, body));
      }
      if (hooksOnly) throw httpError(403, 'invalid_input', 'only POST /api/hooks is served on this address');
      if (!this.authorized(req)) throw httpError(401, 'invalid_input', 'missing or wrong Authorization: Bearer token');
      const m = this.d.manager;
      if (seg[0] !== 'api') throw httpError(404, 'not_found', `no such endpoint ${method} ${path}`);
      const [, what, id, action] = seg;
      if (what === 'status' && seg.length === 2 && method === 'GET') return send(200, this.d.status());
      if (what === 'recent-repos' && seg.length === 2 && method === 'GET') return send(200, this.d.store.listRecentRepos(limitParam(query)));
      if (what === 'sessions') {
        if (seg.length === 2 && method === 'GET') {
          const filter = z.enum(['active', 'archived', 'all']).catch('active').parse(query.get('filter') ?? 'active');
          return send(200, m.list(filter));
        }
        if (seg.length === 2 && method === 'POST') {
          const req2 = parseWith(methodSchemas['sessions.create'], await readJson(req, res));
          const result = await m.create(req2);
          return send(201, result);
        }
        if (id !== undefined && seg.length === 3) {
          if (method === 'GET') return send(200, m.get(id));
          if (method === 'DELETE') return send(200, await m.delete(id, { force: query.get('force') === 'true' }));
        }
        if (id !== undefined && seg.length === 4 && method === 'POST') {
          if (action === 'archive') return send(200, await m.archive(id));
          if (action === 'unarchive') return send(200, await m.unarchive(id));
          if (action === 'access-mode') {
            const { mode } = parseWith(z.object({ mode: z.enum(['read-only', 'read-write']) }).strict(), await readJson(req, res));
            return send(200, m.setAccessMode(id, mode));
          }
        }
        if (id !== undefined && seg.length === 4 && action === 'history' && method === 'GET') return send(200, { lines: await m.history(id) });
      }
      throw httpError(404, 'not_found', `no such endpoint ${method} ${path}`);
    } catch (e) {
      const status = e instanceof HttpError ? e.status : isClauderonError(e) ? STATUS_FOR[e.code] : 500;
      const code = isClauderonError(e) ? e.code : 'internal';
      if (status >= 500) this.d.log.error('http api error', { method, path: shownPath, error: errorMessage(e), stack: isClauderonError(e) ? undefined : (e as Error | undefined)?.stack });
      send(status, { error: { code, message: errorMessage(e) } });
    }
  }
}

/** Answer a request the parser refused (bad syntax, headers too large, timeout), then close. */
function clientError(err: Error & { code?: string }, socket: Duplex): void {
  socket.on('error', () => undefined);
  if (err.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
  if (err.code === 'HPE_HEADER_OVERFLOW') return sendRaw(socket, 431, 'invalid_input', `request headers over ${MAX_HEADER_SIZE} bytes`);
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') return sendRaw(socket, 408, 'invalid_input', 'the request took too long to arrive');
  sendRaw(socket, 400, 'invalid_input', `malformed HTTP request (${err.code ?? 'parse error'})`);
}

function listen(server: Server, port: number, addr: string, log: Logger): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, addr, () => {
      server.off('error', reject);
      // later errors (an accept failing with EMFILE…) cost a connection, not the process
      server.on('error', (e) => log.error('http server error', { addr, error: errorMessage(e) }));
      resolve();
    });
  });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function limitParam(query: URLSearchParams): number {
  const n = Number(query.get('limit') ?? 20);
  return Number.isInteger(n) && n > 0 && n <= 200 ? n : 20;
}

function parseWith<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  throw httpError(400, 'invalid_input', `invalid request body${issue ? `: ${issue.path.join('.') || '(body)'}: ${issue.message}` : ''}`);
}
