// The sessions table as data: its columns (declared once: a Session field without a column is a
// compile error), the SQL made from them, and the mapping between rows and Sessions / events.
import type Database from 'better-sqlite3';
import { ClauderonError } from '../shared/errors.js';
import { ACCESS_MODES, AGENTS, AGENT_STATUSES, BACKENDS, SESSION_STATUSES, type Session, type SessionEvent, type SessionStatus } from '../shared/types.js';

export interface EventRow {
  id: number;
  session_id: string;
  at: string;
  kind: string;
  from_status: string | null;
  to_status: string | null;
  detail: string | null;
}

export interface RecentRepoRow {
  path: string;
  last_used_at: string;
  use_count: number;
}

export type Stmt<R = unknown> = Database.Statement<unknown[], R>;

/**
 * The sessions table's columns, declared once, in table order (migration 1): the Session field
 * each holds and, for booleans, that it is stored as INTEGER 0/1. Every statement on the table,
 * the row mapping and what updateSession may change are made from this list.
 */
export const SESSION_COLUMNS = [
  { field: 'id', column: 'id' },
  { field: 'name', column: 'name' },
  { field: 'repoPath', column: 'repo_path' },
  { field: 'subdirectory', column: 'subdirectory' },
  { field: 'worktreePath', column: 'worktree_path' },
  { field: 'branchName', column: 'branch_name' },
  { field: 'backend', column: 'backend' },
  { field: 'backendId', column: 'backend_id' },
  { field: 'agent', column: 'agent' },
  { field: 'model', column: 'model' },
  { field: 'prompt', column: 'prompt' },
  { field: 'accessMode', column: 'access_mode' },
  { field: 'skipChecks', column: 'skip_checks', bool: true },
  { field: 'planMode', column: 'plan_mode', bool: true },
  { field: 'proxyPort', column: 'proxy_port' },
  { field: 'status', column: 'status' },
  { field: 'agentStatus', column: 'agent_status' },
  { field: 'error', column: 'error' },
  { field: 'createdAt', column: 'created_at' },
  { field: 'updatedAt', column: 'updated_at' },
] as const satisfies readonly SessionColumn[];

export type SessionColumn = { [K in keyof Session]: { field: K; column: string; bool?: Session[K] extends boolean ? true : never } }[keyof Session];

/** Every Session field has its column: a field without one is a compile error that names it. */
type FieldWithoutColumn = Exclude<keyof Session, (typeof SESSION_COLUMNS)[number]['field']>;
const everyFieldHasAColumn: [FieldWithoutColumn] extends [never] ? true : FieldWithoutColumn = true;
void everyFieldHasAColumn;

/** The fields updateSession writes (everything but id, createdAt and status), in table order. */
export const UPDATE_COLUMNS = SESSION_COLUMNS.filter((c) => c.field !== 'id' && c.field !== 'createdAt' && c.field !== 'status');

/** A sessions row in raw (array) mode, columns in SESSION_COLUMNS order: ~2x faster than objects. */
export type SessionRow = unknown[];

/** A Session's column values, in the order of `columns`. */
export function sessionValues(s: Session, columns: readonly SessionColumn[]): unknown[] {
  return columns.map((c) => (c.bool ? (s[c.field] ? 1 : 0) : s[c.field]));
}

export const columnList = (columns: readonly SessionColumn[]): string => columns.map((c) => c.column).join(', ');

export const SQL = {
  insertSession: `INSERT INTO sessions (${columnList(SESSION_COLUMNS)}) VALUES (${SESSION_COLUMNS.map(() => '?').join(', ')})`,
  listSessions: `SELECT ${columnList(SESSION_COLUMNS)} FROM sessions ORDER BY created_at, name`,
  deleteSession: 'DELETE FROM sessions WHERE id = ?',
  updateSession: `UPDATE sessions SET ${UPDATE_COLUMNS.map((c) => `${c.column} = ?`).join(', ')} WHERE id = ?`,
  setStatus: 'UPDATE sessions SET status = ?, error = ?, updated_at = ? WHERE id = ?',
  insertEvent: 'INSERT INTO session_events (session_id, at, kind, from_status, to_status, detail) VALUES (?, ?, ?, ?, ?, ?)',
  listEvents: 'SELECT id, session_id, at, kind, from_status, to_status, detail FROM session_events WHERE session_id = ? ORDER BY id',
  touchRecentRepo:
    'INSERT INTO recent_repos (path, last_used_at, use_count) VALUES (?, ?, 1) ' +
    'ON CONFLICT (path) DO UPDATE SET last_used_at = excluded.last_used_at, use_count = use_count + 1',
  getBackendOptions: 'SELECT options FROM session_backend_options WHERE session_id = ?',
  getBaseCommit: 'SELECT commit_sha FROM session_base_commits WHERE session_id = ?',
  setBaseCommit: 'INSERT INTO session_base_commits (session_id, commit_sha) VALUES (?, ?) ON CONFLICT (session_id) DO UPDATE SET commit_sha = excluded.commit_sha',
  getEgress: 'SELECT policy, rules FROM session_egress WHERE session_id = ?',
  setEgress: 'INSERT INTO session_egress (session_id, policy, rules) VALUES (?, ?, ?) ON CONFLICT (session_id) DO UPDATE SET policy = excluded.policy, rules = excluded.rules',
  setBackendOptions:
    'INSERT INTO session_backend_options (session_id, options) VALUES (?, ?) ON CONFLICT (session_id) DO UPDATE SET options = excluded.options',
  listRecentRepos:
    'SELECT path, last_used_at, use_count FROM recent_repos ORDER BY last_used_at DESC, use_count DESC, path LIMIT ?',
} as const;

export type SqlKey = keyof typeof SQL;

/** Statements read in raw (array) mode, see SessionRow. */
export const RAW = new Set<SqlKey>(['listSessions']);

/** The keys updateSession accepts (everything but id, createdAt, status). */
export const PATCHABLE = new Set<string>(UPDATE_COLUMNS.map((c) => c.field));

export function rowToSession(r: SessionRow): Session {
  const s: Record<string, unknown> = {};
  for (let i = 0; i < SESSION_COLUMNS.length; i++) {
    const c: SessionColumn = SESSION_COLUMNS[i]!;
    s[c.field] = c.bool ? r[i] !== 0 : r[i];
  }
  return s as unknown as Session;
}

export function rowToEvent(r: EventRow): SessionEvent {
  return {
    id: r.id,
    sessionId: r.session_id,
    at: r.at,
    kind: r.kind as SessionEvent['kind'],
    fromStatus: r.from_status as SessionStatus | null,
    toStatus: r.to_status as SessionStatus | null,
    detail: r.detail,
  };
}

export function checkOneOf(what: string, value: unknown, allowed: readonly string[]): void {
  if (typeof value !== 'string' || !allowed.includes(value)) {
    throw new ClauderonError('invalid_input', `invalid ${what} ${JSON.stringify(value)} (expected one of: ${allowed.join(', ')})`);
  }
}

export function validateSession(s: Session): void {
  checkOneOf('status', s.status, SESSION_STATUSES);
  checkOneOf('agent status', s.agentStatus, AGENT_STATUSES);
  checkOneOf('backend', s.backend, BACKENDS);
  checkOneOf('agent', s.agent, AGENTS);
  checkOneOf('access mode', s.accessMode, ACCESS_MODES);
}

