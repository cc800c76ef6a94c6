// What every part of the session manager shares: its dependencies (ManagerDeps — the store, the
// backends, the proxies, the hooks, git, the event push), the sessions under an operation (busy),
// and the few things all of them do the same way — find a session, take one exclusively, reach
// its backend, change it (transition for a status, update for other fields: each is one store
// write, its event row and one pushed event) and report create progress.
import type { Backend } from '../backends/types.js';
import type { Config } from '../config/config.js';
import type { Paths } from '../config/paths.js';
import type { CredentialName } from '../config/proxy-config.js';
import type { SessionPatch, Store } from '../store/store.js';
import { ClauderonError } from '../shared/errors.js';
import type { DaemonEvent, ProgressEvent, StepState } from '../shared/events.js';
import type { Logger } from '../shared/logger.js';
import type { BackendName, CreateStep, Session, SessionStatus } from '../shared/types.js';
import { realGit, type GitService } from './git-service.js';
import type { HookTokens } from './hooks.js';

export interface ManagerDeps {
  store: Store;
  paths: Paths;
  loadConfig: () => Promise<Config>;
  /** Backends built for the current config. */
  backends: (config: Config) => Record<BackendName, Backend>;
  /** PATH used to find agent CLIs. */
  pathEnv: string | undefined;
  log: Logger;
  emit: (e: DaemonEvent) => void;
  /** Remember that the user has been told something (returns true the first time). */
  firstNotice: (key: string) => boolean;
  /** The per-session credential proxies (absent: sessions get none). */
  proxies?: {
    start(s: Session, opts: { skipChecks: boolean; bind?: string[]; keepPort?: boolean }): Promise<{ port: number; env: Record<string, string> }>;
    stop(id: string): Promise<void>;
    envFor(s: Session, port: number, skipChecks: boolean): Promise<Record<string, string>>;
    /** Whether the daemon holds a credential (never its value). */
    hasCredential(name: CredentialName): Promise<boolean>;
    /** What the daemon holds that is no secret (the ChatGPT account id and plan). */
    info(name: string): Promise<string | undefined>;
  };
  /** Live agent status from hooks (absent: no hooks are installed). */
  hooks?: {
    tokens: HookTokens;
    /** The daemon's HTTP API as the agent reaches it on this host; null while it is not listening. */
    url(): string | null;
    /** Also receive hooks on these addresses (a container bridge's gateway). */
    listenOn?(addrs: readonly string[]): Promise<void>;
  };
  /** Repositories, worktrees and branches (default: src/git/git.ts). */
  git?: GitService;
  /** Testing aid: called before each create step (CLAUDERON_TEST_HOLD_STEP). */
  beforeStep?: (step: CreateStep, name: string) => Promise<void>;
}

/** Statuses of sessions whose agent (and proxy) may be up. */
export const LIVE_STATUSES: ReadonlySet<string> = new Set(['running', 'idle', 'completed', 'failed']);

export interface TransitionOptions {
  /** The status event row's detail. */
  detail?: string;
  /** Session.error with the status (null clears it; absent leaves it). */
  error?: string | null;
  /** Other fields written first (a separate store write, as before the status). */
  patch?: SessionPatch;
  /**
   * false: the caller pushes the session itself, later (create's finalize: after its done event,
   * so that no client sees a session running before its create is over).
   */
  emit?: boolean;
}

export class ManagerContext {
  /** Names of sessions with an operation under way (create — from its first step — delete, archive…). */
  readonly busy = new Set<string>();
  /** Per-create listeners for progress, by session name (the requester sees its own steps). */
  readonly progressSinks = new Map<string, (e: ProgressEvent) => void>();
  readonly git: GitService;

  constructor(readonly d: ManagerDeps) {
    this.git = d.git ?? realGit;
  }

  get store(): Store {
    return this.d.store;
  }

  get(nameOrId: string): Session {
    const s = this.d.store.getSessionByName(nameOrId) ?? this.d.store.getSession(nameOrId);
    if (!s) throw new ClauderonError('not_found', `no session named "${nameOrId}"`, { field: 'name' });
    return s;
  }

  /** The backend a session runs on, built for the current config. */
  async backendOf(s: Session): Promise<Backend> {
    return this.d.backends(await this.d.loadConfig())[s.backend];
  }

  /** Run `fn` on a session no other operation holds (it is busy meanwhile). */
  async exclusive<T>(nameOrId: string, fn: (s: Session) => Promise<T>): Promise<T> {
    const s = this.get(nameOrId);
    if (this.busy.has(s.name)) throw new ClauderonError('conflict', `session ${s.name} is busy with another operation — try again`);
    this.busy.add(s.name);
    try {
      return await fn(s);
    } finally {
      this.busy.delete(s.name);
    }
  }

  emit(e: DaemonEvent): void {
    this.d.emit(e);
  }

  /**
   * A session's status changes: the store (and its status event row, from → to), then one pushed
   * session.updated. The one way a status changes once a session exists.
   */
  transition(s: Session, to: SessionStatus, opts: TransitionOptions = {}): Session {
    if (opts.patch) this.d.store.updateSession(s.id, opts.patch);
    const next = this.d.store.setStatus(s.id, to, { detail: opts.detail, error: opts.error });
    if (opts.emit !== false) this.emit({ type: 'session.updated', session: next });
    return next;
  }

  /** Other fields of a session change: the store, an event row when one is given, one pushed event. */
  update(s: Session, patch: SessionPatch, event?: { kind: 'note' | 'agent'; detail: string }): Session {
    const next = this.d.store.updateSession(s.id, patch);
    if (event) this.d.store.addEvent({ sessionId: s.id, ...event });
    this.emit({ type: 'session.updated', session: next });
    return next;
  }

  /** One create progress event: to its requester and to every subscriber. */
  progress(name: string, step: CreateStep, state: StepState, message: string | null, ms: number | null): void {
    const e: ProgressEvent = { type: 'create.progress', name, step, state, message, ms: ms === null ? null : Math.round(ms * 10) / 10 };
    this.progressSinks.get(name)?.(e);
    this.emit(e);
  }
}
