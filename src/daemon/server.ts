// The daemon: one per clauderon home. Owns the store, the session manager, the proxies and the
// HTTP API; serves clients over a Unix socket (socket.ts) and HTTP (http.ts), both running the
// operations of src/protocol/operations.ts through the same handlers (operations.ts).
// Stopping the daemon never stops a session.
// (Over 400 lines: the composition root — it builds and wires every part, then starts and stops
// them in order; each part's logic lives in its own module.)
import { existsSync, readFileSync, rmSync, watch, writeFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { defaultConfig, findConfig, loadConfig, type Config } from '../config/config.js';
import { HookTokens, readHookPort, writeHookPort } from '../core/hooks.js';
import { configSearchPlaces, ensureHome, ensurePrivateFile, socketPathProblem, type Paths } from '../config/paths.js';
import { scrubbedEnv } from '../shared/env.js';
import { ClauderonError, errorMessage, isClauderonError } from '../shared/errors.js';
import type { DaemonEvent } from '../shared/events.js';
import { LIVE_STATUSES, SessionManager } from '../core/manager.js';
import type { LivenessWatcher } from '../core/reconcile.js';
import type { ReconcileItem } from '../shared/types.js';
import { statusCounts, type CreateStep } from '../shared/types.js';
import { loadOrCreateCa, rotateCa, type Ca } from '../proxy/ca.js';
import { loadCredentials, type CredentialStore } from '../proxy/credentials.js';
import { ProxyService } from '../proxy/service.js';
import { rulesFromConfig } from '../proxy/rules.js';
import { loadProxyConfig } from '../config/proxy-config.js';
import { Store } from '../store/store.js';
import { VERSION } from '../version.js';
import { loadBackends } from './backends.js';
import { HttpApi } from './http.js';
import { PasskeyAuth } from './auth/passkeys.js';
import { authSettings, rpIdFits, type HttpAuthMode } from './auth/settings.js';
import { FileLogger } from './log.js';
import { EventHooks, redactHookUrl } from './event-hooks.js';
import { PushNotifier } from './push.js';
import { canConnect } from '../shared/socket.js';
import type { CaInfo, ConfigShow, CredentialsReport, DaemonInfo, DaemonStatus } from '../protocol/operations.js';
import type { DaemonServices, OperationContext } from './operations.js';
import { ScreenWatcher } from './screen-watch.js';
import { readSessionAudit } from './audit-read.js';
import { SocketServer } from './socket.js';

export { encodeSessions, RawJson } from './socket.js';

export interface DaemonOptions {
  paths: Paths;
  /** Echo log lines to stderr (foreground `clauderon daemon`). */
  echoLog: boolean;
  /** `clauderon daemon --http-port N` (0: no HTTP API); default [http] port. */
  httpPort?: number | undefined;
}

/** What the daemon log says about an error that reached the process's last-resort handlers. */
export const UNCAUGHT_MESSAGE = 'uncaught error (bug)';

/** How long config.toml must be quiet after a change before it is read again. */
const CONFIG_DEBOUNCE_MS = 100;

/** Session.error of a session started before `config ca --rotate`. */
const CA_ROTATED = 'the proxy CA was rotated after this agent started';

export class Daemon {
  private sockets: SocketServer | null = null;
  private store!: Store;
  private manager!: SessionManager;
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
  /** The agents' hooks listener (loopback, a port of its own: hook-port), whether or not the API listens. */
  private hooksApi: HttpApi | null = null;
  /** Marks sessions whose agent exited or whose backend object died (reconcile.ts). */
  private liveness: LivenessWatcher | null = null;
  /** The screens socket clients watch (the TUI's preview). */
  private screens: ScreenWatcher | null = null;
  private screenTimer: NodeJS.Timeout | null = null;
  private readonly eventListeners = new Set<(e: DaemonEvent) => void>();
  /** [[event_hooks]] in config.toml: commands and webhooks run on session events (event-hooks.ts). */
  private eventHooks: EventHooks | null = null;
  /** Web Push to the browsers that subscribed (push.ts): agent waiting, session failed. */
  private push: PushNotifier | null = null;
  private resolveStopped: () => void = () => undefined;
  /** Settles once the daemon has stopped (signal or daemon.stop). */
  readonly stopped = new Promise<void>((r) => (this.resolveStopped = r));
  /** Why the HTTP API is not listening (null: it is, or it is turned off). */
  private httpError: string | null = null;
  /** Why config.toml cannot be used, or null (kept current by the config watch). */
  private configError: string | null = null;
  /** Passkey sign-in to the HTTP API (its relying party once startHttp has read CLAUDERON_ORIGIN). */
  private passkeys!: PasskeyAuth;
  private httpAuth: HttpAuthMode = 'loopback';

  constructor(private readonly opts: DaemonOptions) {
    ensureHome(opts.paths);
    this.log = new FileLogger(opts.paths.daemonLog, opts.echoLog);
  }

  /** An error nothing caught (see runDaemon): logged, never fatal. */
  reportUncaught(kind: string, e: unknown): void {
    this.log.error(UNCAUGHT_MESSAGE, { kind, error: errorMessage(e), stack: e instanceof Error ? e.stack : undefined });
  }

  info(): DaemonInfo {
    return { pid: process.pid, version: VERSION, startedAt: this.startedAt, socketPath: this.opts.paths.socket, httpPort: this.http?.port ?? null, httpError: this.httpError, configError: this.configError, httpAuth: this.httpAuth };
  }

  status(): DaemonStatus {
    return { version: VERSION, pid: process.pid, startedAt: this.startedAt, httpPort: this.http?.port ?? null, httpError: this.httpError, configError: this.configError, httpAuth: this.httpAuth, sessions: statusCounts(this.store.listSessions()) };
  }

  async start(): Promise<void> {
    const { paths } = this.opts;
    this.log.info('daemon starting', { pid: process.pid, version: VERSION, home: paths.home });
    this.store = Store.open(paths.db);
    this.passkeys = new PasskeyAuth(this.store, null, this.log);
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
    // A broken config.toml: the daemon starts with the defaults, every operation that reads it
    // refuses with its error, and configError (DaemonInfo, daemon.notes) says so, kept current.
    const initialConfig = await loadConfig(paths.config).catch((e: unknown) => {
      this.configError = errorMessage(e);
      this.log.error('config.toml unusable: running with the defaults', { error: this.configError });
      return defaultConfig();
    });
    this.eventHooks = new EventHooks({ hooks: initialConfig.event_hooks, log: this.log, env: childEnv });
    this.eventHooks.seed(this.store.listSessions());
    this.push = new PushNotifier({ store: this.store, vapidPath: paths.vapid, log: this.log, subject: () => this.pushSubject() });
    this.push.start(this.store.listSessions());
    this.watchConfig();
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
      onAudit: (sessionId, entry) => {
        try {
          this.broadcast({ type: 'proxy.audit', sessionId, entry });
        } catch (e) {
          this.log.warn('proxy.audit event not sent', { error: errorMessage(e) });
        }
      },
      egressSettings: (id) => this.store.getEgress(id),
      onUnbound: (keep) => {
        void this.hooksApi
          ?.closeHooksExcept(keep)
          .then((gone) => gone.length > 0 && this.log.info('hooks no longer received there: no session needs it', { addrs: gone }))
          .catch((e: unknown) => this.log.warn('hooks listener not closed', { error: errorMessage(e) }));
      },
      onBlocked: (sessionId, blocked, policy) => {
        try {
          this.broadcast({ type: 'proxy.blocked', sessionId, name: this.store.getSession(sessionId)?.name ?? '', policy, blocked });
        } catch (e) {
          this.log.warn('proxy.blocked event not sent', { error: errorMessage(e) });
        }
      },
    });
    const proxies = this.proxies;
    const holdStep = process.env.CLAUDERON_TEST_HOLD_STEP;
    this.manager = new SessionManager({
      store: this.store,
      paths,
      loadConfig: () => loadConfig(paths.config),
      backends: await loadBackends(paths, childEnv, {
        proxyPort: (id) => proxies?.portOf(id) ?? null,
        hooksPort: () => this.hooksApi?.port ?? null,
      }),
      pathEnv: process.env.PATH,
      log: this.log,
      emit: (e) => this.broadcast(e),
      proxies,
      hooks: {
        tokens: new HookTokens(paths),
        url: () => (this.hooksApi ? `http://127.0.0.1:${this.hooksApi.port}` : null),
        listenOn: async (addrs) => {
          for (const a of addrs) await this.hooksApi?.listenHooksOn(a);
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
    // An unsafe HTTP bind refuses to start before any client can connect (and before anything listens).
    await this.startHttp(initialConfig);
    await this.startHooks();
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
    // After the startup pass: a live session's agent that exits or whose backend object dies is
    // marked within ~1.5 s (one call per backend with live sessions, Docker's event stream).
    void this.startupReconcile.then(() => {
      if (this.stopping) return;
      this.liveness = this.manager.livenessWatcher();
      this.liveness.start();
    });
  }

  /**
   * The agents' hooks: a hooks-only loopback listener of its own, on the port it had last time
   * (hook-port; agents started before still post there, and host agents read the file at each
   * hook), else on one the OS picks — never the API's port, which another program may hold.
   */
  private async startHooks(): Promise<void> {
    const api = new HttpApi(
      { manager: this.manager, store: this.store, log: this.log, subscribe: () => () => undefined, status: () => ({}), operations: () => this.operationContext() },
      { port: 0, bind: '127.0.0.1', token: null, disableAuth: false },
    );
    try {
      const port = await api.listenHooks(readHookPort(this.opts.paths));
      writeHookPort(this.opts.paths, port);
      this.hooksApi = api;
      this.log.info('hooks listening', { port });
    } catch (e) {
      this.log.error('hooks listener not started: agent status from hooks is off', { error: errorMessage(e) });
    }
  }

  /** The HTTP API: [http] in config.toml, `daemon --http-port`, CLAUDERON_BIND_ADDR. */
  private async startHttp(config: Config): Promise<void> {
    const c = config.http;
    const port = this.opts.httpPort ?? c.port;
    if (!c.enabled || port === 0) return;
    const bind = process.env.CLAUDERON_BIND_ADDR ?? c.bind;
    // (throws on a setting that cannot work: the daemon refuses to start)
    const token = c.token ?? process.env.CLAUDERON_HTTP_TOKEN ?? null;
    const auth = authSettings({ bind, requireAuth: c.require_auth, env: process.env, token: token !== null });
    this.passkeys = new PasskeyAuth(this.store, auth.rp, this.log);
    this.httpAuth = auth.mode;
    if (auth.mode === 'disabled') {
      this.log.warn(`AUTH DISABLED (CLAUDERON_DISABLE_AUTH=true): the HTTP API on ${bind}:${port} answers anyone who can reach it — every session, its terminal and its files. Unset it to require passkey sign-in.`);
    }
    if (auth.rp && !rpIdFits(auth.rp)) this.log.warn('CLAUDERON_RP_ID is neither the origin’s host nor a parent domain of it: browsers will refuse every passkey', { origin: auth.rp.origin, rpId: auth.rp.id });
    const tls = c.tls_cert && c.tls_key ? { cert: readTlsFile(c.tls_cert, 'tls_cert'), key: readTlsFile(c.tls_key, 'tls_key') } : null;
    const api = new HttpApi(
      {
        manager: this.manager,
        store: this.store,
        log: this.log,
        subscribe: (cb) => {
          this.eventListeners.add(cb);
          return () => this.eventListeners.delete(cb);
        },
        status: () => ({ ...this.status() }),
        operations: () => this.operationContext(),
      },
      {
        port,
        bind,
        token,
        disableAuth: auth.mode === 'disabled',
        remote: auth.remote,
        auth,
        passkeys: this.passkeys,
        tls,
      },
    );
    try {
      await api.start();
      this.http = api;
      this.log.info('http api listening', { bind: api.bindAddress, port: api.port, tls: tls !== null, auth: auth.mode, ...(auth.rp ? { origin: auth.rp.origin, rpId: auth.rp.id } : {}) });
    } catch (e) {
      if (isClauderonError(e) && e.code === 'config') throw e; // an unsafe bind refuses to start
      this.httpError = `the HTTP API could not listen on port ${port}: ${errorMessage(e)}`;
      this.log.error('http api not started', { port, error: errorMessage(e) });
    }
  }

  /**
   * Keep configError current: config.toml's directories (every search place that exists) are
   * watched, and a change to a config.toml there is read again, debounced (an editor's save is
   * several events). The watch never keeps the process alive.
   */
  private watchConfig(): void {
    const places = configSearchPlaces(this.opts.paths.config);
    let timer: NodeJS.Timeout | null = null;
    const check = () => {
      timer = null;
      if (this.stopping) return;
      void findConfig(this.opts.paths.config).then(
        (found) => {
          this.updateNotes({ configError: null });
          this.eventHooks?.configure(found.config.event_hooks);
        },
        (e: unknown) => this.updateNotes({ configError: errorMessage(e) }),
      );
    };
    for (const dir of new Set(places.map((p) => dirname(p)))) {
      const names = new Set(places.filter((p) => dirname(p) === dir).map((p) => basename(p)));
      try {
        const w = watch(dir, { persistent: false }, (_event, file) => {
          if (file !== null && !names.has(String(file))) return;
          if (timer) clearTimeout(timer);
          timer = setTimeout(check, CONFIG_DEBOUNCE_MS);
          timer.unref();
        });
        w.on('error', () => w.close()); // its directory went away
      } catch {
        // no such directory (yet): nothing there to read
      }
    }
  }

  /** Change configError / httpError; a change is broadcast as daemon.notes. */
  private updateNotes(next: { configError?: string | null; httpError?: string | null }): void {
    const configError = next.configError === undefined ? this.configError : next.configError;
    const httpError = next.httpError === undefined ? this.httpError : next.httpError;
    if (configError === this.configError && httpError === this.httpError) return;
    if (configError !== this.configError) {
      if (configError === null) this.log.info('config.toml is usable again');
      else this.log.error('config.toml unusable', { error: configError });
    }
    this.configError = configError;
    this.httpError = httpError;
    this.broadcast({ type: 'daemon.notes', configError, httpError });
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
    this.screens = new ScreenWatcher((id, lines) => this.manager.output(id, lines), this.log);
    const server = new SocketServer(this.log, () => this.operationContext(), this.screens);
    await server.listen(socket);
    this.sockets = server;
  }

  private broadcast(e: DaemonEvent): void {
    this.eventHooks?.handle(e); // never throws, never waits for a hook
    this.push?.handle(e); // nor for a push service
    this.sockets?.broadcast(e);
    for (const l of this.eventListeners) l(e);
  }

  /** What the operations run against (both transports), read for each request. */
  private operationContext(): OperationContext {
    return { manager: this.manager, store: this.store, daemon: this.services, startupReconciled: () => this.startupReconcile };
  }

  /** The daemon's own operations (operations.ts: daemon.*, config.show, credentials.describe, ca.*). */
  private readonly services: DaemonServices = {
    info: () => this.info(),
    status: () => this.status(),
    // (after the answer is out: the stop waits for the requests under way, this one done)
    stopSoon: (kind) => void setImmediate(() => void this.stop(kind === 'user' ? 'daemon.stop request' : 'replaced by a client of another version', kind)),
    configShow: async (): Promise<ConfigShow> => {
      const found = await findConfig(this.opts.paths.config);
      // [http] token is a credential of the API: a client sees that one is set, never its value
      const shown = found.config.http.token === undefined ? found.config : { ...found.config, http: { ...found.config.http, token: '(set)' } };
      // a webhook's path and query often are its secret (Slack, Discord): its origin only
      const config = { ...shown, event_hooks: shown.event_hooks.map((h) => (h.url === undefined ? h : { ...h, url: redactHookUrl(h.url) })) };
      return { path: found.file ?? this.opts.paths.config, config };
    },
    credentials: async (): Promise<CredentialsReport> => {
      const { store, error } = await this.credentials;
      return { credentials: store?.describe() ?? [], error };
    },
    ca: (opts) => this.caInfo(opts.rotate),
    home: () => this.opts.paths.home,
    // (its lines are pushed as events when written: the file is read once they are all in it)
    audit: async (s, limit) => {
      await this.proxies?.auditFlushed();
      return readSessionAudit(this.opts.paths.audit, s, limit);
    },
    passkeys: () => this.passkeys,
    egressProxies: () => this.proxies,
    push: () => {
      if (!this.push) throw new ClauderonError('internal', 'the daemon has not started');
      return this.push;
    },
  };

  /** The VAPID `sub` claim: CLAUDERON_ORIGIN when it is https (push services may contact it), else a mailto:. */
  private pushSubject(): string {
    const origin = this.passkeys.rp?.origin;
    return origin?.startsWith('https://') ? origin : 'mailto:clauderon@localhost';
  }

  private async caInfo(rotate: boolean): Promise<CaInfo> {
    if (!this.ca) throw new ClauderonError('internal', 'the daemon has not started');
    const restart: string[] = [];
    if (rotate) {
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
    return { certPath: this.opts.paths.caCert, keyPath: this.opts.paths.caKey, fingerprint256: ca.fingerprint256(), rotated: rotate, restart };
  }

  private firstNotice(key: string): boolean {
    const file = this.opts.paths.notices;
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
  stop(reason: string, kind: 'user' | 'signal' | 'replaced' = 'signal'): Promise<void> {
    this.stopping ??= (async () => {
      this.log.info('daemon stopping', { reason });
      // every subscriber hears it before its connection closes (a client does not restart a stopped daemon)
      this.broadcast({ type: 'daemon.stopping', reason: kind });
      this.liveness?.stop();
      this.sockets?.close();
      if (this.screenTimer) clearInterval(this.screenTimer);
      this.screens?.stop();
      await this.http?.close().catch(() => undefined);
      await this.hooksApi?.close().catch(() => undefined);
      const deadline = Date.now() + 10_000;
      while ((this.sockets?.inflight ?? 0) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
      this.sockets?.endConnections();
      await this.eventHooks?.close(); // bounded: pending deliveries are abandoned
      await this.push?.close(); // the same
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

/** [http] tls_cert / tls_key: read at start; a file that cannot be read refuses the start. */
function readTlsFile(path: string, key: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new ClauderonError('config', `[http] ${key} = "${path}" cannot be read: ${errorMessage(e)} — see README "Remote access and phone" for getting a certificate (tailscale cert, mkcert)`);
  }
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
