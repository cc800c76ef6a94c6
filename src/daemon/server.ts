// The daemon: one per clauderon home. Owns the store, the session manager and (later) the
// proxies and HTTP API; serves clients over a Unix socket (newline-delimited JSON).
// Stopping the daemon never stops a session.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { defaultConfig, loadConfig, type Config } from '../config/config.js';
import { HookTokens, writeHookSettings } from '../core/hooks.js';
import { ensureHome, ensurePrivateFile, socketPathProblem, type Paths } from '../config/paths.js';
import { scrubbedEnv } from '../shared/env.js';
import { ClauderonError, errorMessage, isClauderonError } from '../shared/errors.js';
import type { DaemonEvent } from '../shared/events.js';
import { LIVE_STATUSES, SessionManager } from '../core/manager.js';
import type { ReconcileItem } from '../shared/types.js';
import { statusCounts, type BackendName, type CreateStep, type Session } from '../shared/types.js';
import { DockerBackend } from '../backends/docker.js';
import { TmuxBackend } from '../backends/tmux.js';
import type { Backend } from '../backends/types.js';
import { ZellijBackend } from '../backends/zellij.js';
import { loadOrCreateCa, rotateCa, type Ca } from '../proxy/ca.js';
import { loadCredentials, type CredentialStore } from '../proxy/credentials.js';
import { ProxyService } from '../proxy/service.js';
import { rulesFromConfig } from '../proxy/rules.js';
import { loadProxyConfig } from '../config/proxy-config.js';
import { Store } from '../store/store.js';
import { VERSION } from '../version.js';
import { guarded } from '../shared/guard.js';
import { HttpApi } from './http.js';
import { parseRemoteOrigin } from './http-guard.js';
import { FileLogger } from './log.js';
import { LineSplitter } from '../shared/lines.js';
import { canConnect } from '../shared/socket.js';
import { MAX_LINE_BYTES, methodSchemas, requestSchema, type DaemonInfo, type Method } from '../protocol/protocol.js';

export interface DaemonOptions {
  paths: Paths;
  /** Echo log lines to stderr (foreground `clauderon daemon`). */
  echoLog: boolean;
  /** `clauderon daemon --http-port N` (0: no HTTP API); default [http] port. */
  httpPort?: number | undefined;
}

/** What the daemon log says about an error that reached the process's last-resort handlers. */
export const UNCAUGHT_MESSAGE = 'uncaught error (bug)';

/** A result already encoded as JSON (so large lists are joined, not re-encoded). */
export class RawJson {
  constructor(readonly json: string) {}
}

/** Sessions from the store are frozen and replaced on change: their JSON can be memoized. */
const sessionJson = new WeakMap<Session, string>();
/** Session.error of a session started before `config ca --rotate`. */
const CA_ROTATED = 'the proxy CA was rotated after this agent started';
export function encodeSessions(list: readonly Session[]): RawJson {
  const parts = new Array<string>(list.length);
  for (let i = 0; i < list.length; i++) {
    const s = list[i]!;
    let j = sessionJson.get(s);
    if (j === undefined) sessionJson.set(s, (j = JSON.stringify(s)));
    parts[i] = j;
  }
  return new RawJson(`[${parts.join(',')}]`);
}

/** Bytes of answers and events a client may leave unread before it is disconnected. */
const MAX_BACKLOG = 16 << 20;

interface Conn {
  socket: Socket;
  subscribed: boolean;
}

export class Daemon {
  private server: Server | null = null;
  private store!: Store;
  private manager!: SessionManager;
  private readonly conns = new Set<Conn>();
  private readonly log: FileLogger;
  private readonly startedAt = new Date().toISOString();
  private startupReconcile: Promise<ReconcileItem[]> = Promise.resolve([]);
  /** The interception CA (created on first start; proxy-ca.pem 0644, proxy-ca-key.pem 0600). */
  private ca: Promise<Ca> | null = null;
  private proxies: ProxyService | null = null;
  /** Real credentials: only ever in this process's memory. */
  private credentials: Promise<{ store: CredentialStore | null; error: string | null }> = Promise.resolve({ store: null, error: null });
  private stopping: Promise<void> | null = null;
  private http: HttpApi | null = null;
  private screenTimer: NodeJS.Timeout | null = null;
  private readonly eventListeners = new Set<(e: DaemonEvent) => void>();
  private inflight = 0;
  private resolveStopped: () => void = () => undefined;
  /** Settles once the daemon has stopped (signal or daemon.stop). */
  readonly stopped = new Promise<void>((r) => (this.resolveStopped = r));

  constructor(private readonly opts: DaemonOptions) {
    ensureHome(opts.paths);
    this.log = new FileLogger(opts.paths.daemonLog, opts.echoLog);
  }

  /** An error nothing caught (see runDaemon): logged, never fatal. */
  reportUncaught(kind: string, e: unknown): void {
    this.log.error(UNCAUGHT_MESSAGE, { kind, error: errorMessage(e), stack: e instanceof Error ? e.stack : undefined });
  }

  info(): DaemonInfo {
    return { pid: process.pid, version: VERSION, startedAt: this.startedAt, socketPath: this.opts.paths.socket, httpPort: this.http?.port ?? null };
  }

  async start(): Promise<void> {
    const { paths } = this.opts;
    this.log.info('daemon starting', { pid: process.pid, version: VERSION, home: paths.home });
    this.store = Store.open(paths.db);
    const childEnv = scrubbedEnv(process.env);
    // The CA and the credentials load in the background; proxies wait for them when they start.
    this.ca = loadOrCreateCa(paths);
    this.ca.catch((e: unknown) => this.log.error('proxy CA unusable', { error: errorMessage(e) }));
    this.credentials = loadCredentials({ env: process.env, paths, log: this.log }).then(
      (store) => {
        this.log.info('credentials loaded', { set: store.describe().filter((c) => c.set).map((c) => `${c.name} (${c.source ?? ''})`) });
        return { store, error: null };
      },
      (e: unknown) => {
        this.log.error('credentials not loaded', { error: errorMessage(e) });
        return { store: null, error: errorMessage(e) };
      },
    );
    // (a broken config.toml is reported by each operation that reads it; start with the defaults)
    const initialConfig = await loadConfig(paths.config).catch(() => defaultConfig());
    this.proxies = new ProxyService({
      paths,
      ca: () => this.ca ?? Promise.reject(new ClauderonError('internal', 'no CA')),
      credentials: async () => (await this.credentials).store,
      rules: async () => rulesFromConfig(await loadProxyConfig(paths.proxyConfig)),
      session: (id) => this.store.getSession(id),
      portRange: initialConfig.proxy.port_range,
      env: process.env,
      log: this.log,
      httpPort: () => this.http?.port ?? null,
    });
    const proxies = this.proxies;
    const holdStep = process.env.CLAUDERON_TEST_HOLD_STEP;
    this.manager = new SessionManager({
      store: this.store,
      paths,
      loadConfig: () => loadConfig(paths.config),
      backends: (config): Record<BackendName, Backend> => ({
        zellij: new ZellijBackend(childEnv),
        tmux: new TmuxBackend({ socket: config.tmux.socket ?? paths.tmuxSocket, width: config.tmux.width, height: config.tmux.height, env: childEnv }),
        docker: new DockerBackend({ config: config.docker, paths }),
      }),
      pathEnv: process.env.PATH,
      log: this.log,
      emit: (e) => this.broadcast(e),
      proxies,
      hooks: {
        tokens: new HookTokens(paths),
        url: () => (this.http ? `http://${hookHost(this.http.bindAddress)}:${this.http.port}` : null),
        settingsFile: writeHookSettings(paths),
        listenOn: async (addrs) => {
          for (const a of addrs) await this.http?.listenHooksOn(a);
        },
      },
      firstNotice: (key) => this.firstNotice(key),
      ...(holdStep
        ? {
            beforeStep: async (step: CreateStep, name: string) => {
              if (step !== holdStep) return;
              this.log.warn(`test hold before ${step}`, { name });
              await new Promise<never>(() => undefined); // held until the process is killed
            },
          }
        : {}),
    });
    // An unsafe HTTP bind refuses to start before any client can connect.
    await this.startHttp(initialConfig);
    await this.listen();
    ensurePrivateFile(paths.daemonInfo); // 0600 even if an older daemon left a looser file
    writeFileSync(paths.daemonInfo, JSON.stringify(this.info()), { mode: 0o600 });
    this.log.info('daemon listening', { socket: paths.socket });
    this.startupReconcile = this.manager.reconcile({ startup: true }).catch((e: unknown) => {
      this.log.error('startup reconcile failed', { error: errorMessage(e) });
      return [];
    });
    // Agents without hooks: their screens, read while such sessions run (nothing is read otherwise).
    let watching = false;
    this.screenTimer = setInterval(() => {
      if (watching || this.stopping) return;
      watching = true;
      this.manager
        .watchScreens()
        .catch((e: unknown) => this.log.warn('screen status check failed', { error: errorMessage(e) }))
        .finally(() => (watching = false));
    }, initialConfig.general.screen_poll_ms);
    this.screenTimer.unref();
    // Live sessions get their proxies back on the same ports (their agents still point there).
    void this.startupReconcile.then(() => this.manager.restoreProxies(() => this.stopping !== null));
  }

  /** The HTTP API (and hooks): [http] in config.toml, `daemon --http-port`, CLAUDERON_BIND_ADDR. */
  private async startHttp(config: Config): Promise<void> {
    const c = config.http;
    const port = this.opts.httpPort ?? c.port;
    if (!c.enabled || port === 0) return;
    const api = new HttpApi(
      {
        manager: this.manager,
        store: this.store,
        log: this.log,
        subscribe: (cb) => {
          this.eventListeners.add(cb);
          return () => this.eventListeners.delete(cb);
        },
        status: () => ({ version: VERSION, pid: process.pid, startedAt: this.startedAt, httpPort: this.http?.port ?? null, sessions: statusCounts(this.store.listSessions()) }),
      },
      {
        port,
        bind: process.env.CLAUDERON_BIND_ADDR ?? c.bind,
        token: c.token ?? process.env.CLAUDERON_HTTP_TOKEN ?? null,
        disableAuth: process.env.CLAUDERON_DISABLE_AUTH === 'true',
        remote: parseRemoteOrigin(process.env.CLAUDERON_ORIGIN),
      },
    );
    try {
      await api.start();
      this.http = api;
      this.log.info('http api listening', { bind: api.bindAddress, port: api.port });
    } catch (e) {
      if (isClauderonError(e) && e.code === 'config') throw e; // an unsafe bind refuses to start
      this.log.error('http api not started: agent status from hooks is off', { port, error: errorMessage(e) });
    }
  }

  private async listen(): Promise<void> {
    const { socket } = this.opts.paths;
    const tooLong = socketPathProblem(this.opts.paths);
    if (tooLong) throw new ClauderonError('config', tooLong);
    if (existsSync(socket)) {
      if (await canConnect(socket)) {
        const pid = readInfoPid(this.opts.paths.daemonInfo);
        throw new ClauderonError('daemon', `a clauderon daemon is already running for ${this.opts.paths.home}${pid ? ` (pid ${pid})` : ''}`);
      }
      rmSync(socket, { force: true }); // stale socket of a dead daemon
    }
    const server = createServer(guarded(this.log, 'socket connection', (s: Socket) => this.onConnection(s), (_e, s) => s.destroy()));
    const oldMask = process.umask(0o177); // the socket is created 0600
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(socket, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } finally {
      process.umask(oldMask);
    }
    // (an accept failing later, e.g. with EMFILE, costs that connection, not the daemon)
    server.on('error', (e) => this.log.error('socket server error', { error: errorMessage(e) }));
    this.server = server;
  }

  private onConnection(socket: Socket): void {
    const conn: Conn = { socket, subscribed: false };
    this.conns.add(conn);
    socket.on('error', () => undefined);
    socket.on('close', () => this.conns.delete(conn));
    const onLine = guarded(this.log, 'socket request', (line: string) => (line.trim() ? this.onLine(conn, line) : undefined), (_e, line) =>
      this.send(conn, { id: requestId(line), error: { code: 'internal', message: 'internal error (see logs/daemon.log)' } }),
    );
    const lines = new LineSplitter(onLine, {
      maxLineBytes: MAX_LINE_BYTES,
      // Answered, then closed: nothing more from this connection is read as a request. What the
      // client still sends is read and dropped for a moment, so that the answer reaches it rather
      // than a reset.
      onOverflow: () => {
        this.send(conn, { id: null, error: { code: 'invalid_input', message: `request line over ${MAX_LINE_BYTES} bytes: the connection is closed` } });
        socket.end();
        setTimeout(() => socket.destroy(), 2_000).unref();
      },
    });
    socket.setEncoding('utf8');
    socket.on(
      'data',
      guarded(this.log, 'socket read', (chunk: string) => lines.push(chunk), () => socket.destroy()),
    );
  }

  /** False (and the connection dropped) for a client that stopped reading: its backlog is bounded. */
  private writable(conn: Conn): boolean {
    if (conn.socket.writableLength > MAX_BACKLOG) conn.socket.destroy();
    return conn.socket.writable;
  }

  private send(conn: Conn, msg: unknown): void {
    if (this.writable(conn)) conn.socket.write(`${JSON.stringify(msg)}\n`);
  }

  private reply(conn: Conn, id: number, result: unknown): void {
    if (!this.writable(conn)) return;
    if (result instanceof RawJson) conn.socket.write(`{"id":${id},"result":${result.json}}\n`);
    else conn.socket.write(`${JSON.stringify({ id, result })}\n`);
  }

  private broadcast(e: DaemonEvent): void {
    for (const c of this.conns) if (c.subscribed) this.send(c, { event: e });
    for (const l of this.eventListeners) l(e);
  }

  private async onLine(conn: Conn, line: string): Promise<void> {
    let id: number | null = null;
    try {
      let raw: unknown;
      try {
        raw = JSON.parse(line);
      } catch {
        throw new ClauderonError('invalid_input', 'request is not valid JSON');
      }
      const req = requestSchema.safeParse(raw);
      if (!req.success) throw new ClauderonError('invalid_input', `bad request: ${req.error.issues[0]?.message ?? 'invalid'}`);
      id = req.data.id;
      const method = req.data.method;
      if (!Object.hasOwn(methodSchemas, method)) throw new ClauderonError('invalid_input', `unknown method ${method}`);
      const schema = methodSchemas[method as Method];
      const params = schema.safeParse(req.data.params ?? {});
      if (!params.success) {
        const issue = params.error.issues[0];
        throw new ClauderonError('invalid_input', `invalid ${issue?.path.join('.') || 'params'}: ${issue?.message ?? 'invalid'}`);
      }
      this.inflight++;
      try {
        const result = await this.dispatch(conn, id, method as Method, params.data);
        this.reply(conn, id, result);
      } finally {
        this.inflight--;
      }
      if (method === 'daemon.stop') void this.stop('daemon.stop request');
    } catch (e) {
      if (!isClauderonError(e)) this.log.error('request failed', { error: errorMessage(e), stack: e instanceof Error ? e.stack : undefined });
      this.send(conn, { id, error: { code: isClauderonError(e) ? e.code : 'internal', message: errorMessage(e) } });
    }
  }

  private async dispatch(conn: Conn, id: number, method: Method, p: unknown): Promise<unknown> {
    const m = this.manager;
    const mutating = method.startsWith('sessions.') && method !== 'sessions.list' && method !== 'sessions.get';
    if (mutating || method === 'reconcile') await this.startupReconcile;
    switch (method) {
      case 'daemon.info':
        return this.info();
      case 'daemon.stop':
        return { stopping: true };
      case 'events.subscribe':
        conn.subscribed = true;
        return { subscribed: true };
      case 'sessions.list': {
        const { filter } = p as { filter: 'active' | 'archived' | 'all' };
        return encodeSessions(m.list(filter));
      }
      case 'sessions.get':
        return m.get((p as { name: string }).name);
      case 'sessions.create': {
        const req = p as Parameters<SessionManager['create']>[0];
        return m.create(req, (progress) => this.send(conn, { id, progress }));
      }
      case 'sessions.archive':
        return m.archive((p as { name: string }).name);
      case 'sessions.unarchive':
        return m.unarchive((p as { name: string }).name);
      case 'sessions.refresh':
        return m.refresh((p as { name: string }).name);
      case 'sessions.delete': {
        const { name, force } = p as { name: string; force: boolean };
        return m.delete(name, { force });
      }
      case 'sessions.attach':
        return m.attachCommand((p as { name: string }).name);
      case 'sessions.output': {
        const { name, lines } = p as { name: string; lines: number };
        return { output: await m.output(name, lines) };
      }
      case 'sessions.events':
        return this.store.listEvents(m.get((p as { name: string }).name).id);
      case 'reconcile':
        return m.reconcile();
      case 'config.show':
        return { path: this.opts.paths.config, config: await loadConfig(this.opts.paths.config) };
      case 'ca.show':
      case 'ca.rotate': {
        if (!this.ca) throw new ClauderonError('internal', 'the daemon has not started');
        const restart: string[] = [];
        if (method === 'ca.rotate') {
          const rotated = rotateCa(this.opts.paths);
          this.ca = rotated;
          await rotated;
          await this.proxies?.writeBundle();
          // Running agents loaded the old CA when they started (and their proxies keep minting with
          // it, so they go on working): each is marked until it is restarted.
          for (const s of this.store.listSessions()) {
            if (s.proxyPort === null || !LIVE_STATUSES.has(s.status)) continue;
            const error = `${CA_ROTATED} — archive and unarchive the session so its agent trusts the new one`;
            this.broadcast({ type: 'session.updated', session: this.store.updateSession(s.id, { error }) });
            restart.push(s.name);
          }
          this.log.warn('proxy CA rotated; sessions started before must be restarted (archive + unarchive)', { sessions: restart.length });
        }
        const ca = await this.ca;
        return { certPath: this.opts.paths.caCert, keyPath: this.opts.paths.caKey, fingerprint256: ca.fingerprint256(), rotated: method === 'ca.rotate', restart };
      }
      case 'sessions.env':
        return m.agentEnvironment((p as { name: string }).name);
      case 'sessions.setAccessMode': {
        const { name, mode } = p as { name: string; mode: 'read-only' | 'read-write' };
        return m.setAccessMode(name, mode);
      }
      case 'credentials.describe': {
        const { store, error } = await this.credentials;
        return { credentials: store?.describe() ?? [], error };
      }
      case 'repos.recent':
        return this.store.listRecentRepos((p as { limit: number }).limit);
    }
  }

  private firstNotice(key: string): boolean {
    const file = `${this.opts.paths.home}/notices.json`;
    let seen: string[] = [];
    try {
      seen = JSON.parse(readFileSync(file, 'utf8')) as string[];
    } catch {
      // none yet
    }
    if (seen.includes(key)) return false;
    ensurePrivateFile(file);
    writeFileSync(file, JSON.stringify([...seen, key]));
    return true;
  }

  /** Graceful stop: finish what is under way (bounded), close everything, leave sessions running. */
  stop(reason: string): Promise<void> {
    this.stopping ??= (async () => {
      this.log.info('daemon stopping', { reason });
      this.server?.close();
      if (this.screenTimer) clearInterval(this.screenTimer);
      await this.http?.close().catch(() => undefined);
      const deadline = Date.now() + 10_000;
      while (this.inflight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
      for (const c of this.conns) c.socket.end();
      await this.proxies?.closeAll().catch(() => undefined);
      rmSync(this.opts.paths.socket, { force: true });
      if (readInfoPid(this.opts.paths.daemonInfo) === process.pid) rmSync(this.opts.paths.daemonInfo, { force: true });
      try {
        this.store.close();
      } catch {
        // already closed
      }
      this.log.info('daemon stopped');
      this.resolveStopped();
    })();
    return this.stopping;
  }
}

/** The id of a request line, if it has one (for an answer to a request that failed oddly). */
function requestId(line: string): number | null {
  try {
    const v = (JSON.parse(line) as { id?: unknown } | null)?.id;
    return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : null;
  } catch {
    return null;
  }
}

/** Where an agent on this host reaches the API: the bind address, or loopback for a wildcard. */
function hookHost(bind: string): string {
  return bind === '0.0.0.0' || bind === '::' ? '127.0.0.1' : bind.includes(':') ? `[${bind}]` : bind;
}

function readInfoPid(file: string): number | null {
  try {
    const info = JSON.parse(readFileSync(file, 'utf8')) as Partial<DaemonInfo>;
    return typeof info.pid === 'number' ? info.pid : null;
  } catch {
    return null;
  }
}

/** `clauderon daemon`: run in the foreground until SIGTERM/SIGINT/SIGHUP or daemon.stop. */
export async function runDaemon(opts: DaemonOptions): Promise<void> {
  const daemon = new Daemon(opts);
  const onSignal = (sig: NodeJS.Signals) => void daemon.stop(sig);
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.once(sig, onSignal);
  // Last resort: every entry point is guarded (guard.ts), so reaching these is a bug — logged
  // with its stack under UNCAUGHT_MESSAGE, and the daemon (every session's proxy) stays up.
  process.on('uncaughtException', (e) => daemon.reportUncaught('uncaughtException', e));
  process.on('unhandledRejection', (e) => daemon.reportUncaught('unhandledRejection', e));
  await daemon.start();
  await daemon.stopped;
}
