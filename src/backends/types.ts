// One interface for every place an agent can run. Each backend file knows only its own tool.
import type { BackendName } from '../core/types.js';

export interface BackendCreateContext {
  /** The clauderon session name; backends derive their object names from it. */
  name: string;
  /** Where the agent starts (the worktree, or the remembered subdirectory inside it). */
  cwd: string;
  /** The agent's argv. */
  argv: string[];
  /** Extra environment for the agent (placeholders, proxy settings, session ids). */
  env: Record<string, string>;
}

export type BackendState = 'running' | 'exited' | 'missing';

export interface BackendHealth {
  state: BackendState;
  /** The agent's exit status when it has exited and the backend knows it. */
  exitCode: number | null;
}

export interface Backend {
  readonly name: BackendName;
  readonly capabilities: {
    /** Every object in the backend's namespace belongs to this clauderon home (orphans may be removed). */
    ownsNamespace: boolean;
    resourceLimits: boolean;
    customImage: boolean;
  };
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
  /** The last `lines` lines of the agent's screen. */
  output(backendId: string, lines: number): Promise<string>;
  health(backendId: string): Promise<BackendHealth>;
  /** Ids of the objects in this backend's namespace (for orphan detection). */
  listIds(): Promise<string[]>;
}
