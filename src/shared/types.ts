// The session model. Field names and status words are the public contract:
// `clauderon list --json` prints exactly these fields (see DESIGN.md).

export const SESSION_STATUSES = ['creating', 'running', 'idle', 'completed', 'failed', 'archived', 'deleting'] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];

export const AGENT_STATUSES = ['unknown', 'working', 'waiting_approval', 'waiting_input', 'idle'] as const;
export type AgentStatus = (typeof AGENT_STATUSES)[number];

export const BACKENDS = ['zellij', 'tmux', 'docker', 'kubernetes', 'sprites', 'apple'] as const;
export type BackendName = (typeof BACKENDS)[number];

export const AGENTS = ['claude', 'codex', 'gemini'] as const;
export type AgentName = (typeof AGENTS)[number];

export const ACCESS_MODES = ['read-only', 'read-write'] as const;
export type AccessMode = (typeof ACCESS_MODES)[number];

export interface Session {
  id: string;
  name: string;
  repoPath: string;
  subdirectory: string;
  worktreePath: string;
  branchName: string;
  backend: BackendName;
  backendId: string | null;
  agent: AgentName;
  model: string | null;
  prompt: string;
  accessMode: AccessMode;
  skipChecks: boolean;
  planMode: boolean;
  proxyPort: number | null;
  status: SessionStatus;
  agentStatus: AgentStatus;
  error: string | null;
  createdAt: string;
  updatedAt: string;
}

/** The order of the field names in JSON output. */
export const SESSION_FIELDS = [
  'id', 'name', 'repoPath', 'subdirectory', 'worktreePath', 'branchName', 'backend', 'backendId',
  'agent', 'model', 'prompt', 'accessMode', 'skipChecks', 'planMode', 'proxyPort', 'status',
  'agentStatus', 'error', 'createdAt', 'updatedAt',
] as const satisfies readonly (keyof Session)[];

/** How many sessions are in each status (the TUI header, the HTTP API's /api/status). */
export function statusCounts(sessions: readonly Session[]): Partial<Record<SessionStatus, number>> {
  const out: Partial<Record<SessionStatus, number>> = {};
  for (const s of sessions) out[s.status] = (out[s.status] ?? 0) + 1;
  return out;
}

export const CREATE_STEPS = ['validate', 'worktree', 'proxy', 'backend', 'hooks', 'finalize'] as const;
export type CreateStep = (typeof CREATE_STEPS)[number];

export interface SessionEvent {
  id: number;
  sessionId: string;
  at: string;
  /** status: a status change; agent: an agentStatus change (from a hook); step: a create step; note. */
  kind: 'status' | 'step' | 'note' | 'agent';
  fromStatus: SessionStatus | null;
  toStatus: SessionStatus | null;
  detail: string | null;
}

export interface RecentRepo {
  path: string;
  lastUsedAt: string;
  useCount: number;
}

export type ListFilter = 'active' | 'archived' | 'all';

export interface CreateResult {
  session: Session;
  warnings: string[];
}

export interface DeleteResult {
  session: Session;
  notes: string[];
}

/** `sessions.fetch`: the agent's commits brought back from a remote runtime onto the session's branch. */
export interface FetchWorkResult {
  session: Session;
  /** Commits the branch moved by (0: it was up to date). */
  commits: number;
  /** The runtime's workspace has uncommitted changes (they stay there). */
  dirty: boolean;
}

export interface ReconcileItem {
  session: string | null;
  kind: 'stale_creating' | 'stale_deleting' | 'missing_worktree' | 'missing_backend' | 'orphan_worktree' | 'orphan_backend';
  action: 'repaired' | 'removed' | 'reported';
  detail: string;
}

/** One file of a session's changes against the commit it started from (sessions.diff). */
export interface DiffFile {
  path: string;
  /** A added (untracked files too), M modified, D deleted, R renamed (path is the new name), T type changed. */
  status: 'A' | 'M' | 'D' | 'R' | 'T';
  /** null for binary files. */
  additions: number | null;
  deletions: number | null;
}

export interface SessionDiff {
  base: string;
  files: DiffFile[];
  /** The unified diff (no colour), at most `maxBytes`. */
  patch: string;
  truncated: boolean;
}
