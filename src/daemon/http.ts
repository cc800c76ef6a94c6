// The daemon's HTTP API (127.0.0.1:3030 by default) and its event stream (/ws/events). The same
// operations as the Unix-socket RPC — every one with a route in the operations table
// (src/protocol/operations.ts), run by the same handlers (operations.ts) — for web clients,
// scripts, and the agents' hooks (POST /api/hooks, not an operation). On loopback
// the API needs no sign-in (like the socket, it is for this machine's user); bound anywhere else (or
// with [http] require_auth) every request but the web UI's files, the sign-in endpoints (/api/auth,
// auth/routes.ts) and the hooks needs a passkey's sign-in cookie or `Authorization: Bearer <[http]
// token>` (401 otherwise), and the daemon refuses to start without CLAUDERON_ORIGIN unless
// CLAUDERON_DISABLE_AUTH=true (auth/settings.ts). Hook posts always need the session's own hook
// token. With [http] tls_cert / tls_key the API is served over TLS (node:https) on the same port.
// (Over 400 lines: the one listener — its routing, the hooks-only listeners and the WebSocket
// upgrades share its state; the gate is http-guard.ts, static files static.ts, the console and the
// chat streams console.ts and transcript-watch.ts. Next split: the upgrade path into its own module.)
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { z } from 'zod';
import { ClauderonError, errorBody, errorMessage, isClauderonError, type ErrorCode } from '../shared/errors.js';
import type { DaemonEvent } from '../shared/events.js';
import type { SessionManager } from '../core/manager.js';
import type { Logger } from '../shared/logger.js';
import { statusCounts } from '../shared/types.js';
import type { Store } from '../store/store.js';
import { guarded } from '../shared/guard.js';
import { VERSION } from '../version.js';
import { awaitingContinue, checkBody, checkCaller, HttpError, httpError, isLoopback, readJson, sendJson, sendRaw, parseTarget, type ListenerPolicy, type RemoteOrigin } from './http-guard.js';
import { HOOKS_PATH, httpParts, issueField, issueText, METHODS, operations, parseParams, type HttpParts, type HttpRoute, type Method, type ParsedParams } from '../protocol/operations.js';
import { runOperation, type OperationContext } from './operations.js';
import { checkRawLength, rawType, readRaw } from './http-raw.js';
import { isWebPath, StaticFiles } from './static.js';
import { CONSOLE_PATH, ConsoleServer } from './console.js';
import { HISTORY_PATH, HistoryServer } from './transcript-watch.js';
import { scrubbedEnv } from '../shared/env.js';
import type { PasskeyAuth, SignInEnded, SignInSession } from './auth/passkeys.js';
import { AUTH_PREFIX, AuthRoutes } from './auth/routes.js';
import type { AuthSettings } from './auth/settings.js';

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
  /** The web UI's folder (tests); default: the build's dist/web (static.ts). */
  webRoot?: string;
  /** Passkey sign-in (auth/settings.ts); absent: required on a non-loopback bind unless disableAuth, Bearer only. */
  auth?: AuthSettings;
  /** The sign-in endpoints' service (with `auth`). */
  passkeys?: PasskeyAuth | null;
  /** [http] tls_cert / tls_key, read: the API is served over TLS. */
  tls?: { cert: Buffer; key: Buffer } | null;
}

export interface HttpApiDeps {
  manager: SessionManager;
  store: Store;
  log: Logger;
  /** Subscribe to the daemon's events; returns the unsubscribe. */
  subscribe(cb: (e: DaemonEvent) => void): () => void;
  /** The WebSocket's hello. */
  status(): Record<string, unknown>;
  /** The daemon's operations context, read for each request; absent (an API on its own, in tests): the daemon's own operations answer 503. */
  operations?: () => OperationContext;
}

/** An operation's HTTP route, matched by method and path segments (`:param` matches any one). */
interface Route {
  op: Method;
  http: HttpRoute;
  segments: string[];
  parts: HttpParts;
  /** A POST's or DELETE's body: the params not in the path or the query, strict (any other key, one of the path's included, is refused). */
  body: z.ZodObject | null;
}

const ROUTES: Route[] = METHODS.flatMap((op): Route[] => {
  const http = operations[op].http;
  if (!http || http.stream) return [];
  const parts = httpParts(op);
  const shape: Record<string, z.ZodType> = operations[op].params.shape;
  const body = http.method !== 'GET' && !http.raw ? z.strictObject(Object.fromEntries(parts.body.map((k) => [k, shape[k] ?? z.never()]))) : null;
  return [{ op, http, segments: http.path.split('/').slice(1), parts, body }];
});

/** The event streams' WebSocket paths (events.subscribe). */
const STREAM_PATHS = METHODS.flatMap((op) => {
  const http = operations[op].http;
  return http?.stream ? [http.path] : [];
});

function matchRoute(method: string, seg: readonly string[]): { route: Route; path: Record<string, string> } | null {
  for (const route of ROUTES) {
    if (route.http.method !== method || route.segments.length !== seg.length) continue;
    const path: Record<string, string> = {};
    if (route.segments.every((s, i) => (s.startsWith(':') ? ((path[s.slice(1)] = seg[i] ?? ''), true) : s === seg[i]))) return { route, path };
  }
  return null;
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
  /** The web UI (dist/web), served on every path that is not /api or /ws. */
  private readonly web: StaticFiles;
  /** The live terminals (/ws/console/:name), made at the first one. */
  private consoles: ConsoleServer | null = null;
  /** The live chats (/ws/history/:name), made at the first one. */
  private histories: HistoryServer | null = null;
  port = 0;

  get bindAddress(): string {
    return this.o.bind;
  }

  private readonly context: () => OperationContext;
  /** The sign-in endpoints (/api/auth), when there is a passkey service. */
  private readonly signin: AuthRoutes | null;
  /** WebSockets opened with a passkey's sign-in: cut when it ends (revoke, sign-out at once; expiry within a minute). */
  private readonly signedInSockets = new Map<Duplex, SignInSession>();
  private sweep: NodeJS.Timeout | null = null;
  private offEnded: (() => void) | null = null;

  constructor(
    private readonly d: HttpApiDeps,
    private readonly o: HttpApiOptions,
  ) {
    this.context = d.operations ?? standaloneContext(d, () => this.port);
    this.web = new StaticFiles(o.webRoot);
    this.signin = o.auth && o.passkeys ? new AuthRoutes(o.passkeys, o.auth) : null;
    if (this.signin && o.passkeys) this.offEnded = o.passkeys.onEnded((e) => this.cutSockets(e));
  }

  private get authRequired(): boolean {
    return this.o.auth ? this.o.auth.required : !isLoopback(this.o.bind) && !this.o.disableAuth;
  }

  async start(): Promise<void> {
    if (this.authRequired && !this.o.token && !this.signin?.available) {
      throw new ClauderonError(
        'config',
        `the HTTP API would listen on ${this.o.bind}, which is not loopback: set CLAUDERON_ORIGIN for passkey sign-in (or [http] token in config.toml: clients send Authorization: Bearer TOKEN), bind 127.0.0.1, or set CLAUDERON_DISABLE_AUTH=true`,
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
    const options = { ...t, maxHeaderSize: MAX_HEADER_SIZE, requireHostHeader: false };
    // (TLS on the API's own listener only: hooks listeners are loopback or a container bridge's)
    const server: Server = this.o.tls && !hooksOnly && addr === this.o.bind ? createTlsServer({ ...options, cert: this.o.tls.cert, key: this.o.tls.key }) : createServer(options);
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

  /** Stop serving hooks on the extra addresses not in `keep` (no running session's proxy is there any more). */
  async closeHooksExcept(keep: ReadonlySet<string>): Promise<string[]> {
    const gone = [...this.hookServers.keys()].filter((a) => !keep.has(a));
    await Promise.all(
      gone.map((a) => {
        const s = this.hookServers.get(a);
        this.hookServers.delete(a);
        return s ? stopServer(s) : Promise.resolve();
      }),
    );
    return gone;
  }

  /**
   * The agents' hooks listener: this API's own listener on its bind address serving POST
   * /api/hooks only (no API, no event stream; start() is not called then). On `preferred` (the
   * port of the daemon's last start, which running agents still use) when it is free, else on a
   * port the OS picks — never a fixed one another program may hold. Returns the port.
   */
  async listenHooks(preferred: number | null): Promise<number> {
    for (const port of preferred ? [preferred, 0] : [0]) {
      const server = this.makeServer(this.o.bind, true);
      try {
        await listen(server, port, this.o.bind, this.d.log);
      } catch (e) {
        if (port === 0) throw e;
        this.d.log.warn('hooks port taken: another one is used', { port, error: errorMessage(e) });
        continue;
      }
      this.server = server;
      const addr = server.address();
      this.port = typeof addr === 'object' && addr ? addr.port : port;
      return this.port;
    }
    throw new ClauderonError('internal', 'no hooks port');
  }

  async close(): Promise<void> {
    this.unsubscribe?.();
    this.offEnded?.();
    if (this.sweep) clearInterval(this.sweep);
    await this.consoles?.close();
    await this.histories?.close();
    for (const s of this.hookServers.values()) void stopServer(s);
    this.hookServers.clear();
    // a close frame after what was sent (the daemon.stopping event), then the socket; a client that
    // does not answer within 0.5 s is cut off
    await Promise.all(
      [...this.wss.clients].map(
        (ws) =>
          new Promise<void>((done) => {
            const cut = setTimeout(() => (ws.terminate(), done()), 500);
            ws.once('close', () => (clearTimeout(cut), done()));
            ws.close(1001, 'daemon stopping');
          }),
      ),
    );
    const s = this.server;
    this.server = null;
    if (s) {
      s.closeAllConnections();
      await new Promise<void>((r) => s.close(() => r()));
    }
  }

  /**
   * Who may go on: anyone (no sign-in required), the API's Bearer token, or a passkey's live
   * sign-in (looked up each time: a revoke ends it at once); null: nobody (401).
   */
  private caller(req: IncomingMessage): 'open' | 'token' | SignInSession | null {
    if (!this.authRequired) return 'open';
    if (this.o.token) {
      const got = Buffer.from(req.headers.authorization ?? '');
      const want = Buffer.from(`Bearer ${this.o.token}`);
      if (got.length === want.length && timingSafeEqual(got, want)) return 'token';
    }
    return this.signin?.signedIn(req) ?? null;
  }

  /** Keep an upgraded socket of a sign-in, to cut it when the sign-in ends. */
  private track(socket: Duplex, who: SignInSession): void {
    this.signedInSockets.set(socket, who);
    socket.once('close', () => {
      this.signedInSockets.delete(socket);
      if (this.signedInSockets.size === 0 && this.sweep) {
        clearInterval(this.sweep);
        this.sweep = null;
      }
    });
    // (an expired sign-in's sockets: checked every minute while there are any)
    this.sweep ??= setInterval(() => {
      for (const [s, w] of this.signedInSockets) if (!this.o.passkeys?.stillLive(w.session)) s.destroy();
    }, 60_000);
    this.sweep.unref();
  }

  private cutSockets(e: SignInEnded): void {
    for (const [s, w] of this.signedInSockets) if ('passkey' in e ? w.passkey === e.passkey : w.session === e.session) s.destroy();
  }

  private get unauthorized(): string {
    return this.signin?.available
      ? 'sign in with a passkey (the web UI at /signin), or send Authorization: Bearer <[http] token>'
      : 'missing or wrong Authorization: Bearer token';
  }

  private policy(bind: string, hooks: boolean): ListenerPolicy {
    return { port: this.port, bind, hooks, remote: this.o.remote ?? this.o.auth?.remote ?? null, tls: !!this.o.tls && bind === this.o.bind && !hooks };
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => undefined);
    let segments: string[];
    try {
      segments = parseTarget(req.url).segments;
    } catch (e) {
      return sendRaw(socket, 400, 'invalid_input', errorMessage(e));
    }
    const path = segments.join('/');
    // the same gate as every request: a page elsewhere may not listen to the events (nor type into a console) either
    const refused = checkCaller(req, this.policy(this.o.bind, false));
    if (refused) return sendRaw(socket, refused.status, refused.code, refused.message);
    // the web UI's live terminal (console.ts): browser-only, not an operation
    const consoleName = ConsoleServer.nameOf(segments);
    // …and its live chat (transcript-watch.ts), browser-only as well
    const historyName = HistoryServer.nameOf(segments);
    // (before anything about the path is said: without sign-in, no endpoint is told apart)
    const who = this.caller(req);
    if (!who) return sendRaw(socket, 401, 'invalid_input', this.unauthorized);
    if (typeof who === 'object') this.track(socket, who);
    if (consoleName === null && historyName === null && !STREAM_PATHS.includes(`/${path}`)) return sendRaw(socket, 404, 'not_found', `no WebSocket endpoint at ${req.url ?? ''}: use ${[...STREAM_PATHS, `${CONSOLE_PATH}/:name`, `${HISTORY_PATH}/:name`].join(', ')}`);
    if (historyName !== null) {
      this.histories ??= new HistoryServer({ manager: this.d.manager, log: this.d.log, subscribe: (cb) => this.d.subscribe(cb) });
      return this.histories.upgrade(req, socket, head, historyName);
    }
    if (consoleName !== null) {
      this.consoles ??= new ConsoleServer({ manager: this.d.manager, log: this.d.log, env: scrubbedEnv(process.env) });
      return this.consoles.upgrade(req, socket, head, consoleName);
    }
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
      const hooks = `/${seg.join('/')}` === HOOKS_PATH;
      const page = !hooksOnly && (method === 'GET' || method === 'HEAD') && isWebPath(seg);
      const refused = checkCaller(req, this.policy(addr, hooksOnly || hooks), page);
      if (refused) throw refused;
      // (a CORS preflight is never approved: no Access-Control-Allow-* header is ever sent)
      if (method === 'OPTIONS') throw httpError(405, 'invalid_input', 'OPTIONS is not served: this API sends no CORS headers, so pages of other origins cannot use it');
      // (a route taking raw bytes has its own limit; its Content-Type is checked once the caller is known: http-raw.ts)
      const rawRoute = matchRoute(method, seg)?.route.http.raw;
      const badBody = rawRoute ? checkRawLength(req, rawRoute) : checkBody(req);
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
      // the web UI's files (static.ts): no data in them, so served before the API's token is asked for
      if (page) return this.web.serve(req, res, seg);
      // the sign-in page's endpoints (auth/routes.ts): what a browser calls before it is signed in
      if (this.signin && `/${seg.slice(0, 2).join('/')}` === AUTH_PREFIX) return await this.signin.handle(req, res, seg.slice(2));
      const who = this.caller(req);
      if (!who) throw httpError(401, 'invalid_input', this.unauthorized);
      const found = matchRoute(method, seg);
      if (!found) throw httpError(404, 'not_found', `no such endpoint ${method} ${path}`);
      const raw = found.route.http.raw;
      const fromRaw: Record<string, unknown> = {};
      if (raw) {
        fromRaw[raw.typeParam] = rawType(req, raw);
        fromRaw[raw.param] = (await readRaw(req, res, raw.limit)).toString('base64');
      }
      const params = await paramsOf(found.route, found.path, query, () => readJson(req, res), fromRaw);
      // (no progress here: HTTP clients see a create's steps on the event stream)
      return send(found.route.http.status ?? 200, await runOperation(found.route.op, params, this.context(), { passkey: typeof who === 'object' ? who.passkey : null }));
    } catch (e) {
      const status = e instanceof HttpError ? e.status : isClauderonError(e) ? STATUS_FOR[e.code] : 500;
      if (status >= 500) this.d.log.error('http api error', { method, path: shownPath, error: errorMessage(e), stack: isClauderonError(e) ? undefined : (e as Error | undefined)?.stack });
      send(status, { error: errorBody(e) });
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

/** Stop listening and cut the server's connections; resolves once it is closed. */
function stopServer(s: Server): Promise<void> {
  s.closeAllConnections();
  return new Promise<void>((r) => s.close(() => r()));
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * An operation's params from a request: its path segments, the query params its route declares
 * (a lenient one the schema refuses is left to its default), and the rest from the JSON body —
 * read only when some are left for it. Validated like a socket request's.
 */
async function paramsOf(route: Route, path: Record<string, string>, query: URLSearchParams, readBody: () => Promise<unknown>, fromRaw: Record<string, unknown> = {}): Promise<ParsedParams<Method>> {
  const shape: Record<string, z.ZodType> = operations[route.op].params.shape;
  let body: Record<string, unknown> = {};
  if (route.body) {
    const r = route.body.safeParse(await readBody());
    if (!r.success) {
      const issue = r.error.issues[0];
      throw new ClauderonError('invalid_input', `invalid request body${issue ? `: ${issue.path.join('.') || '(body)'}: ${issue.message}` : ''}`, issueField(issue)); // (a 400)
    }
    body = r.data;
  }
  const fromQuery: Record<string, unknown> = {};
  for (const [k, q] of Object.entries(route.http.query ?? {})) {
    const text = query.get(k);
    if (text === null) continue;
    const value = q.as === 'number' ? Number(text) : q.as === 'flag' ? text === 'true' : text;
    if (q.lenient && !shape[k]?.safeParse(value).success) continue;
    fromQuery[k] = value;
  }
  const parsed = parseParams(route.op, { ...body, ...fromQuery, ...fromRaw, ...path });
  if (!parsed.ok) throw new ClauderonError('invalid_input', `invalid ${issueText(parsed.issue)}`, issueField(parsed.issue)); // (a 400)
  return parsed.params;
}

/**
 * The context of an API that runs without a daemon (in-process tests): the sessions' operations
 * as usual, the daemon's own ones (info, config, credentials, CA) a 503.
 */
function standaloneContext(d: HttpApiDeps, port: () => number): () => OperationContext {
  const startedAt = new Date().toISOString();
  const absent = (): never => {
    throw new ClauderonError('daemon', 'this HTTP API runs without a daemon');
  };
  const later = (): Promise<never> => Promise.reject(new ClauderonError('daemon', 'this HTTP API runs without a daemon'));
  const context: OperationContext = {
    manager: d.manager,
    store: d.store,
    startupReconciled: () => Promise.resolve(),
    daemon: {
      info: absent,
      status: () => ({ version: VERSION, pid: process.pid, startedAt, httpPort: port(), httpError: null, configError: null, sessions: statusCounts(d.store.listSessions()) }),
      stopSoon: absent,
      configShow: later,
      credentials: later,
      ca: later,
      home: absent,
      passkeys: absent,
      audit: absent,
      push: absent,
      egressProxies: () => null,
    },
  };
  return () => context;
}
