// The handlers of the operations table (src/protocol/operations.ts): one function per operation,
// typed from the table. Both transports — the Unix socket (socket.ts) and the HTTP API (http.ts) —
// validate a request's params with the table's schema and then run it here, so an operation does
// the same over either. The work is the SessionManager's (and the store's, for what is only
// read from it) and the daemon's own (info, status, stop, config, credentials, CA).
import { ClauderonError, errorMessage } from '../shared/errors.js';
import type { ProgressEvent } from '../shared/events.js';
import type { SessionManager } from '../core/manager.js';
import type { Store } from '../store/store.js';
import type { CaInfo, Catalog, ConfigShow, CredentialsReport, DaemonInfo, DaemonStatus, Method, ParsedParams, Result } from '../protocol/operations.js';
import { homedir } from 'node:os';
import { existsSync } from 'node:fs';
import { allAgentSpecs } from '../agents/registry.js';
import { allBackendSpecs, backendOptions } from '../backends/registry.js';
import { AGENTS } from '../shared/types.js';
import { listDirectory } from '../shared/directories.js';
import type { AuditEntry } from '../shared/events.js';
import type { Session } from '../shared/types.js';
import { listWorktree, readWorktreeFile } from '../core/worktree-files.js';
import type { PasskeyAuth } from './auth/passkeys.js';
import { getPaths } from '../config/paths.js';
import { scrubbedEnv } from '../shared/env.js';
import { typeIntoAgent } from './agent-input.js';
import { storeUpload } from './uploads.js';
import type { PushNotifier } from './push.js';
import { egressChange, egressReport, type EgressProxies } from './egress.js';

/** What the daemon itself answers for (server.ts). */
export interface DaemonServices {
  info(): DaemonInfo;
  status(): DaemonStatus;
  /** daemon.stop: begin a graceful stop once the answer is out. */
  stopSoon(reason: 'user' | 'replaced'): void;
  configShow(): Promise<ConfigShow>;
  credentials(): Promise<CredentialsReport>;
  ca(opts: { rotate: boolean }): Promise<CaInfo>;
  /** The clauderon home (directories.browse never lists inside it). */
  home(): string;
  /** sessions.audit: the session's audit lines, newest first. */
  audit(s: Session, limit: number): Promise<AuditEntry[]>;
  /** auth.*: passkey sign-in to the HTTP API (auth/passkeys.ts). */
  passkeys(): PasskeyAuth;
  /** push.*: Web Push subscriptions and the VAPID public key (push.ts). */
  push(): PushNotifier;
  /** sessions.egress*: the sessions' live egress policies (null: no proxies). */
  egressProxies(): EgressProxies | null;
}

/** What the transport a request came over lets an operation do to its caller. */
export interface CallContext {
  /** sessions.create's steps, as they happen (the socket sends them; HTTP clients see them on /ws/events). */
  onProgress?: (p: ProgressEvent) => void;
  /** events.subscribe: push this connection every event from now on (the socket). */
  subscribe?: () => void;
  /** sessions.watchScreen: push this connection the session's screen while it lives (null: stop). */
  watchScreen?: (w: { id: string; name: string; lines: number } | null) => void;
  /** The passkey (clauderon's id) an HTTP request is signed in with; absent/null: none (loopback, the Bearer token, the socket). */
  passkey?: string | null;
}

export interface OperationContext {
  manager: SessionManager;
  store: Store;
  daemon: DaemonServices;
  /** Settles once the start-up reconcile is over. */
  startupReconciled(): Promise<unknown>;
}

export type Handler<M extends Method> = (params: ParsedParams<M>, ctx: OperationContext, call: CallContext) => Result<M> | Promise<Result<M>>;
type Handlers = { [M in Method]: Handler<M> };

export const handlers: Handlers = {
  'daemon.info': (_p, c) => c.daemon.info(),
  'daemon.status': (_p, c) => c.daemon.status(),
  'daemon.stop': ({ reason }, c) => {
    c.daemon.stopSoon(reason);
    return { stopping: true };
  },
  'events.subscribe': (_p, _c, call) => {
    call.subscribe?.();
    return { subscribed: true };
  },
  'sessions.list': ({ filter }, c) => c.manager.list(filter),
  'sessions.get': ({ name }, c) => c.manager.get(name),
  'sessions.create': (req, c, call) => c.manager.create(req, call.onProgress),
  'sessions.archive': ({ name }, c) => c.manager.archive(name),
  'sessions.unarchive': ({ name }, c) => c.manager.unarchive(name),
  'sessions.refresh': ({ name }, c) => c.manager.refresh(name),
  'sessions.fetch': ({ name }, c) => c.manager.fetchWork(name),
  'sessions.delete': ({ name, force }, c) => c.manager.delete(name, { force }),
  'sessions.setAccessMode': ({ name, mode }, c) => c.manager.setAccessMode(name, mode),
  'sessions.attach': ({ name }, c) => c.manager.attachCommand(name),
  'sessions.diff': ({ name }, c) => c.manager.diff(name),
  'sessions.watchScreen': ({ name, lines }, c, call) => {
    if (!call.watchScreen) throw new ClauderonError('invalid_input', 'sessions.watchScreen is served on the daemon socket only');
    if (name === null) {
      call.watchScreen(null);
      return { watching: null };
    }
    const s = c.manager.get(name);
    call.watchScreen({ id: s.id, name, lines });
    return { watching: s.id };
  },
  'sessions.output': async ({ name, lines }, c) => ({ output: await c.manager.output(name, lines) }),
  'sessions.events': ({ name }, c) => c.store.listEvents(c.manager.get(name).id),
  'sessions.env': ({ name }, c) => c.manager.agentEnvironment(name),
  'sessions.history': async ({ name }, c) => ({ lines: await c.manager.history(name) }),
  'sessions.files': async ({ name }, c) => {
    const s = worktreeOf(c, name);
    // (changed marks from the session's diff; a session whose start is unknown shows none)
    const changed = await c.manager.diff(s.id).then(
      (d) => d.files.map((f) => f.path),
      () => [],
    );
    return listWorktree(s.worktreePath, changed);
  },
  'sessions.file': ({ name, path }, c) => readWorktreeFile(worktreeOf(c, name).worktreePath, path),
  'sessions.audit': ({ name, limit }, c) => c.daemon.audit(c.manager.get(name), limit),
  'sessions.egress': ({ name }, c) => egressReport(c.manager.get(name), c.daemon.egressProxies()),
  'sessions.egressAllow': ({ name, ...change }, c) => egressChange(c.manager.get(name), change, { store: c.store, proxies: c.daemon.egressProxies() }),
  'sessions.upload': async (p, c) => {
    const s = c.manager.get(p.name);
    // (a remote runtime's agent reads a copy, written where it runs: Backend.writeAgentFile)
    const stored = await storeUpload(s, getPaths(c.daemon.home()).uploads, p, (path, bytes) => c.manager.writeAgentFile(s.id, path, bytes));
    if (p.message === undefined && !p.send) return stored;
    // (typed after it is stored: a failure to type leaves the file attached and says why)
    const text = p.message ? `${p.message} ${stored.path}` : stored.path;
    return typeIntoAgent(c.manager, s.id, text, scrubbedEnv(process.env)).then(
      () => ({ ...stored, sent: true }),
      (e: unknown) => ({ ...stored, sendError: errorMessage(e) }),
    );
  },
  reconcile: (_p, c) => c.manager.reconcile(),
  'repos.recent': ({ limit }, c) => c.store.listRecentRepos(limit),
  'catalog.get': async (_p, c) => catalog(await c.daemon.configShow().then((x) => x.config.general, () => null)),
  'directories.browse': ({ path }, c) => listDirectory(path, { cwd: homedir(), clauderonHome: c.daemon.home() }),
  'config.show': (_p, c) => c.daemon.configShow(),
  'credentials.describe': (_p, c) => c.daemon.credentials(),
  'ca.show': (_p, c) => c.daemon.ca({ rotate: false }),
  'ca.rotate': (_p, c) => c.daemon.ca({ rotate: true }),
  'auth.register': (_p, c) => c.daemon.passkeys().mintCode(),
  'auth.list': (_p, c) => c.daemon.passkeys().list(),
  'auth.revoke': ({ id }, c) => c.daemon.passkeys().revoke(id),
  'push.key': (_p, c) => c.daemon.push().publicKey(),
  'push.subscribe': (sub, c, call) => c.daemon.push().subscribe(sub, call.passkey ?? null),
  'push.unsubscribe': ({ endpoint }, c) => c.daemon.push().unsubscribe(endpoint),
};

/**
 * Operations that wait for the start-up reconcile: those on sessions it may still be repairing
 * (a create or delete a dead daemon left half done, a missing worktree or backend session).
 */
const AFTER_STARTUP_RECONCILE: ReadonlySet<Method> = new Set<Method>([
  'sessions.create',
  'sessions.archive',
  'sessions.unarchive',
  'sessions.refresh',
  'sessions.fetch',
  'sessions.delete',
  'sessions.setAccessMode',
  'sessions.attach',
  'sessions.output',
  'sessions.events',
  'sessions.env',
  'sessions.history',
  'sessions.files',
  'sessions.file',
  'sessions.upload',
  'reconcile',
]);

/** A session whose worktree is there to read. */
function worktreeOf(c: OperationContext, name: string): Session {
  const s = c.manager.get(name);
  if (!existsSync(s.worktreePath)) throw new ClauderonError('conflict', `the worktree of ${s.name} is gone — reconcile`);
  return s;
}

/** catalog.get: the registries, and config.toml's defaults (a broken one: none). */
function catalog(general: { default_backend?: string | undefined; default_agent: string } | null): Catalog {
  const options = backendOptions();
  return {
    backends: allBackendSpecs().filter((b) => !b.unsupportedHere?.()).map((b) => ({ name: b.name, options: options.filter((o) => o.backends.includes(b.name)).map(({ backends: _b, ...o }) => o) })),
    agents: allAgentSpecs().map((a) => ({ name: a.name, displayName: a.displayName, models: a.models.map((m) => ({ ...m })) })),
    defaults: { backend: general?.default_backend ?? null, agent: general?.default_agent ?? AGENTS[0] },
  };
}

/** Run one operation whose params the transport has validated. */
export async function runOperation<M extends Method>(method: M, params: ParsedParams<M>, ctx: OperationContext, call: CallContext = {}): Promise<Result<M>> {
  if (AFTER_STARTUP_RECONCILE.has(method)) await ctx.startupReconciled();
  const handler: Handler<M> = handlers[method];
  return handler(params, ctx, call);
}
