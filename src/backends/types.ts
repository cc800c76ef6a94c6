// One interface for every place an agent can run. Each backend file knows only its own tool.
import type { BackendName } from '../shared/types.js';

export interface BackendCreateContext {
  /** The clauderon session name; backends derive their object names from it. */
  name: string;
  /**
   * Where the agent starts (the worktree, or the remembered subdirectory inside it). Every backend
   * checks it with checkAgentCwd (./cwd.ts) before it starts anything.
   */
  cwd: string;
  /** The agent's argv. */
  argv: string[];
  /** Extra environment for the agent (placeholders, proxy settings, session ids). */
  env: Record<string, string>;
  /** The session (container backends label and mount by these). */
  sessionId: string;
  worktreePath: string;
  /** The repository's git common dir (a worktree's commits land there). */
  gitCommonDir: string | null;
  /** Permission checks skipped (`--dangerous-skip-checks`): agents' settings may follow it. */
  skipChecks: boolean;
  /** Host path of the settings file the agent's argv names (Claude's --settings), if any: containers mount it. */
  settingsFile: string | null;
  /** What `prepare` returned for this session (stored with it), for backends that have options. */
  options: unknown;
  /**
   * For backends whose agent's home is the worktree (containers), from the agent's spec: state
   * files to put in its home before it starts, and machine-wide settings to mount when permission
   * checks are skipped behind the proxy.
   */
  agentHome: { state: { file: string; content: unknown }[]; managedSettings: { path: string; content: unknown } | null; files?: readonly string[] };
  /** The agent's config home (its spec's configHome), on the host and where the agent sees it; containers mount it. */
  configHome: { host: string; agent: string } | null;
}

/** What one create asks of a backend (its spec's requestSchema says which keys it takes). */
export type BackendRequest = Record<string, unknown>;

export type BackendState = 'running' | 'exited' | 'missing';

export interface BackendHealth {
  state: BackendState;
  /** The agent's exit status when it has exited and the backend knows it. */
  exitCode: number | null;
}

export interface Backend {
  readonly name: BackendName;
  // (what it can do is declared in its spec: registry.ts)
  /** null when usable, else an actionable message (e.g. the tool is not installed). */
  unavailableReason(): string | null;
  /** The backend object's id for a session name (deterministic). */
  idFor(name: string): string;
  create(ctx: BackendCreateContext): Promise<string>;
  exists(backendId: string): Promise<boolean>;
  /** Idempotent: deleting a missing object succeeds. */
  delete(backendId: string): Promise<void>;
  /** The argv a client runs, with the terminal handed over, to attach. */
  attachCommand(backendId: string): string[];
  /** How to detach again, for the user. */
  detachHint: string;
  /** Exit statuses of the attach command that mean "detached" (docker attach exits 1 on its detach keys). */
  readonly detachExitCodes?: readonly number[];
  /** The last `lines` lines of the agent's screen. */
  output(backendId: string, lines: number): Promise<string>;
  health(backendId: string): Promise<BackendHealth>;
  /** Ids of the objects in this backend's namespace (for orphan detection). */
  listIds(): Promise<string[]>;

  // Liveness (the daemon learns by itself that an agent's object died): a backend implements one.
  /**
   * The health of many objects in one cheap call (one subprocess for all of them), asked every
   * ~1.5 s while the backend has live sessions. An id absent from the answer is not known yet
   * (ask again later); throws when the backend could not be asked (nothing is concluded then).
   */
  healthOf?(ids: readonly string[]): Promise<Map<string, BackendHealth>>;
  /**
   * Push instead of polling (a container engine's event stream): `onChange(id)` when one of this
   * home's objects stopped or was removed, `onError` when the stream broke (the watcher opens it
   * again). `onOpen` once it listens (what happened before is for one health check). Returns the stop.
   */
  watch?(on: { onChange(id: string): void; onOpen(): void; onError(e: unknown): void }): () => void;

  // Backends whose objects outlive a stop (containers) implement these; the others are deleted on
  // archive and created again on unarchive.
  /**
   * Validate step: check (and fetch) what the session needs before anything is created; returns
   * the options to store with the session. `agentCommand` is the agent's executable name.
   */
  prepare?(req: BackendRequest, agentCommand: string, opts?: { refresh?: boolean }): Promise<unknown>;
  /** Addresses the session's proxy must listen on besides 127.0.0.1. */
  proxyBind?(options: unknown): string[];
  /** The agent's environment as seen from inside (paths and the proxy's host rewritten). */
  translateEnv?(env: Record<string, string>, options: unknown): Record<string, string>;
  /** Stop without removing (archive). */
  stop?(backendId: string): Promise<void>;
  /**
   * Bring an archived session back: restart its object when it still fits `ctx`, else re-create
   * it; returns the id.
   */
  resume?(backendId: string, ctx: BackendCreateContext): Promise<string>;
  /** Before attach: e.g. start a stopped container. */
  prepareAttach?(backendId: string): Promise<void>;
  /** Let go of what this instance holds open (the daemon built a new one from a changed config section). */
  close?(): void;
  /** Where the agent sees its config home (containers mount it), if not at its host path. */
  configHomePath?(hostDir: string): string;
  /** Where the agent sees one of clauderon's settings files (containers mount it), if not at its host path. */
  agentSettingsPath?(hostPath: string): string;
  /**
   * Remote runtimes (the worktree is a copy there): bring the agent's commits back onto the
   * session's branch in its host worktree. Null when the runtime is gone (nothing left to fetch from);
   * throws, saying why, when they could not come back (the commits are kept where they are).
   */
  fetchWork?(backendId: string, target: { worktreePath: string; branchName: string; sessionId: string }): Promise<{ commits: number; dirty: boolean } | null>;
  /**
   * Remote runtimes (the agent's files are there, not on this host): the tail of the session's
   * transcript, read where the agent runs — at most `maxBytes` of it, and never written to this host.
   * `roots` are the agent's transcript directories as it sees them; `hinted` (from its hooks, so
   * untrusted) is used only inside them. Null when there is none (yet), or nothing runs to read from.
   */
  readTranscript?(backendId: string, q: { roots: readonly string[]; sessionId: string; hinted: string | null; find: 'session-id' | 'newest'; maxBytes: number }): Promise<{ text: string; size: number } | null>;
  /**
   * Remote runtimes (the agent's files are there, not on this host): write `data` as the file at
   * `path` where the agent runs (its directory made when absent; one of that name replaced) — an
   * image attachment (src/daemon/uploads.ts). Throws, saying why, when it could not: e.g. nothing
   * runs there (the session is archived).
   */
  writeAgentFile?(backendId: string, path: string, data: Buffer): Promise<void>;
  /** After a daemon restart, for each live session: reopen what links the agent to this host (a relay). */
  reconnect?(backendId: string, sessionId: string): Promise<void>;
  /** Files the agent keeps in the worktree that are not the user's work (ignored by delete's dirty check). */
  readonly agentFiles?: readonly string[];
}
