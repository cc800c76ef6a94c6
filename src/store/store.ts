// The SQLite store (db.sqlite): sessions, their event log, recently used repos, (auth.ts) the passkey sign-in tables and (push.ts) the Web Push subscriptions.
// Only the daemon opens it. Every statement is prepared once per connection, session rows are
// read as arrays, and the sessions columns are declared once (SESSION_COLUMNS in rows.ts), so listing
// 1,000 sessions stays cheap and a new field is one line there plus a migration. Opening and
// migrating is open.ts.
import { chmodSync, closeSync, existsSync, openSync } from 'node:fs';
import Database from 'better-sqlite3';
import { ClauderonError, errorMessage } from '../shared/errors.js';
import {
  SESSION_STATUSES,
  type RecentRepo,
  type Session,
  type SessionEvent,
  type SessionStatus,
} from '../shared/types.js';
import { AuthRows } from './auth.js';
import { PushRows } from './push.js';
import { MIGRATIONS, type Migration } from './migrations.js';
import { checkMigrationList, chmodIfExists, isSqliteError, newerSchemaError, openError, readSchemaVersion } from './open.js';
import { checkOneOf, PATCHABLE, RAW, SESSION_COLUMNS, rowToEvent, rowToSession, sessionValues, SQL, UPDATE_COLUMNS, validateSession, type EventRow, type RecentRepoRow, type SessionRow, type SqlKey, type Stmt } from './rows.js';

export interface StoreOpenOptions {
  /** The migrations this build knows; tests pass a prefix to act as an older clauderon. */
  migrations?: readonly Migration[];
}

export type SessionPatch = Partial<Omit<Session, 'id' | 'createdAt' | 'status'>>;

const now = (): string => new Date().toISOString();


/** Turn constraint failures on the sessions table into errors a user can act on. */
function translateWriteError(e: unknown, s: { id: string; name: string }): unknown {
  if (!isSqliteError(e)) return e;
  if (e.code === 'SQLITE_CONSTRAINT_UNIQUE' && e.message.includes('sessions.name')) {
    return new ClauderonError('conflict', `a session named "${s.name}" already exists`, { cause: e });
  }
  if (e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || (e.code === 'SQLITE_CONSTRAINT_UNIQUE' && e.message.includes('sessions.id'))) {
    return new ClauderonError('conflict', `a session with id ${s.id} already exists`, { cause: e });
  }
  return e;
}

interface Mirror {
  byId: Map<string, Session>;
  byName: Map<string, string>;
  /** listSessions' order, rebuilt lazily after a change. */
  sorted: Session[] | null;
}

/**
 * The store. Sessions are also mirrored in memory (loaded on first read, kept current by every
 * write through this object): the daemon is the only writer while it runs, so reads cost no
 * query and a list of 1,000 sessions is a copy of an array. Mirrored sessions are frozen.
 */
export class Store {
  private readonly stmts = new Map<SqlKey, Stmt>();
  private mirror: Mirror | null = null;

  private constructor(
    private readonly db: Database.Database,
    private readonly dbPath: string,
  ) {}

  /**
   * Open (creating if needed, mode 0600) the database at `path` and bring its schema
   * up to date. Refuses, without writing, a file whose schema is newer than we know.
   */
  static open(path: string, opts: StoreOpenOptions = {}): Store {
    const migrations = opts.migrations ?? MIGRATIONS;
    checkMigrationList(migrations);
    const max = migrations.length;

    if (!existsSync(path)) {
      try {
        closeSync(openSync(path, 'wx', 0o600));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw openError(path, e);
      }
    }

    let db: Database.Database;
    try {
      db = new Database(path, { timeout: 5000 });
    } catch (e) {
      throw openError(path, e);
    }

    try {
      // Read the version before changing anything (WAL switch, migrations): a newer
      // file must be left exactly as it is.
      const initial = readSchemaVersion(db);
      if (initial > max) throw newerSchemaError(path, initial, max);

      const mode = db.pragma('journal_mode = WAL', { simple: true }) as string;
      if (mode.toLowerCase() !== 'wal') {
        throw new ClauderonError('store', `cannot switch ${path} to WAL journal mode (got ${mode})`);
      }
      db.pragma('busy_timeout = 5000');
      db.pragma('foreign_keys = ON');
      db.pragma('synchronous = NORMAL');

      if (initial < max) {
        db.exec('CREATE TABLE IF NOT EXISTS schema_version (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)');
        const setVersion = db.prepare(
          'INSERT INTO schema_version (id, version) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET version = excluded.version',
        );
        for (const m of migrations) {
          if (m.version <= initial) continue;
          // IMMEDIATE takes the write lock first, so two processes opening a fresh
          // file at once cannot both run the same migration.
          db.transaction(() => {
            const current = readSchemaVersion(db);
            if (current > max) throw newerSchemaError(path, current, max);
            if (current >= m.version) return;
            try {
              m.up(db);
            } catch (e) {
              throw new ClauderonError(
                'store',
                `migrating ${path} to schema version ${m.version} (${m.description}) failed: ${errorMessage(e)}`,
                { cause: e },
              );
            }
            setVersion.run(m.version);
          }).immediate();
        }
      }

      chmodSync(path, 0o600);
      chmodIfExists(`${path}-wal`);
      chmodIfExists(`${path}-shm`);
    } catch (e) {
      db.close();
      throw openError(path, e);
    }
    return new Store(db, path);
  }

  get path(): string {
    return this.dbPath;
  }

  private authRows: AuthRows | null = null;

  /** The passkey sign-in tables (auth.ts). */
  get auth(): AuthRows {
    return (this.authRows ??= new AuthRows(this.db));
  }

  private pushRows: PushRows | null = null;

  /** The Web Push subscriptions (push.ts). */
  get push(): PushRows {
    return (this.pushRows ??= new PushRows(this.db));
  }

  close(): void {
    this.stmts.clear();
    if (this.db.open) this.db.close();
  }

  schemaVersion(): number {
    return readSchemaVersion(this.db);
  }

  /** Each statement is prepared on first use and kept (tables of later versions may not exist yet). */
  private stmt<R>(key: SqlKey): Stmt<R> {
    let s = this.stmts.get(key);
    if (s === undefined) {
      s = this.db.prepare(SQL[key]);
      if (RAW.has(key)) s.raw(true);
      this.stmts.set(key, s);
    }
    return s as Stmt<R>;
  }

  // ---- sessions ----

  /** Insert a new session and its first 'status' event (null → s.status). */
  insertSession(s: Session): void {
    validateSession(s);
    const insert = this.stmt('insertSession');
    const event = this.stmt('insertEvent');
    try {
      this.db.transaction(() => {
        insert.run(...sessionValues(s, SESSION_COLUMNS));
        event.run(s.id, s.createdAt, 'status', null, s.status, null);
      })();
    } catch (e) {
      throw translateWriteError(e, s);
    }
    this.remember(s);
  }

  private loadMirror(): Mirror {
    if (this.mirror) return this.mirror;
    const rows = this.stmt<SessionRow>('listSessions').all();
    const m: Mirror = { byId: new Map(), byName: new Map(), sorted: null };
    for (const r of rows) {
      const s = Object.freeze(rowToSession(r));
      m.byId.set(s.id, s);
      m.byName.set(s.name, s.id);
    }
    return (this.mirror = m);
  }

  /** Record a committed write in the mirror (if it is loaded). */
  private remember(s: Session): Session {
    const frozen = Object.freeze({ ...s });
    const m = this.mirror;
    if (!m) return frozen;
    const old = m.byId.get(s.id);
    if (old && old.name !== s.name) m.byName.delete(old.name);
    m.byId.set(s.id, frozen);
    m.byName.set(s.name, s.id);
    m.sorted = null;
    return frozen;
  }

  getSession(id: string): Session | undefined {
    return this.loadMirror().byId.get(id);
  }

  getSessionByName(name: string): Session | undefined {
    const m = this.loadMirror();
    const id = m.byName.get(name);
    return id === undefined ? undefined : m.byId.get(id);
  }

  /** All sessions, oldest first (ties broken by name). The objects are frozen. */
  listSessions(): Session[] {
    const m = this.loadMirror();
    m.sorted ??= [...m.byId.values()].sort((a, b) =>
      a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    );
    return [...m.sorted];
  }

  countSessions(): number {
    return this.loadMirror().byId.size;
  }

  /** Delete a session and (by cascade) its events. Deleting an unknown id is a no-op. */
  deleteSession(id: string): void {
    this.stmt('deleteSession').run(id);
    const m = this.mirror;
    const old = m?.byId.get(id);
    if (m && old) {
      m.byId.delete(id);
      m.byName.delete(old.name);
      m.sorted = null;
    }
  }

  private mustGet(id: string): Session {
    const s = this.getSession(id);
    if (s === undefined) throw new ClauderonError('not_found', `no session with id ${id}`);
    return s;
  }

  /**
   * Change any field but id, createdAt and status (use setStatus). Keys whose value is
   * undefined are left alone. updatedAt is set to now unless the patch gives one.
   */
  updateSession(id: string, patch: SessionPatch): Session {
    for (const k of Object.keys(patch)) {
      if (!PATCHABLE.has(k)) {
        throw new ClauderonError('internal', `updateSession cannot change "${k}"${k === 'status' ? ' (use setStatus)' : ''}`);
      }
    }
    const update = this.stmt('updateSession');
    let next: Session | undefined;
    try {
      this.db.transaction(() => {
        const cur = this.mustGet(id);
        const merged: Session = { ...cur, updatedAt: now() };
        const target = merged as unknown as Record<string, unknown>;
        for (const [k, v] of Object.entries(patch)) {
          if (v !== undefined) target[k] = v;
        }
        validateSession(merged);
        update.run(...sessionValues(merged, UPDATE_COLUMNS), id);
        next = merged;
      })();
    } catch (e) {
      throw translateWriteError(e, { id, name: patch.name ?? '' });
    }
    return this.remember(next!);
  }

  /**
   * Change a session's status and record a 'status' event (from → to), atomically.
   * `opts.error` (when given; null clears it) is written too. If the status does not
   * change, no event is recorded; if nothing changes at all, nothing is written.
   */
  setStatus(id: string, to: SessionStatus, opts: { error?: string | null; detail?: string } = {}): Session {
    checkOneOf('status', to, SESSION_STATUSES);
    const update = this.stmt('setStatus');
    const event = this.stmt('insertEvent');
    let changed = false;
    const next = this.db.transaction((): Session => {
      const cur = this.mustGet(id);
      const error = opts.error === undefined ? cur.error : opts.error;
      if (cur.status === to && error === cur.error) return cur;
      const at = now();
      update.run(to, error, at, id);
      if (cur.status !== to) event.run(id, at, 'status', cur.status, to, opts.detail ?? null);
      changed = true;
      return { ...cur, status: to, error, updatedAt: at };
    })();
    return changed ? this.remember(next) : next;
  }

  // ---- events ----

  addEvent(e: { sessionId: string; kind: 'step' | 'note' | 'agent'; detail: string }): void {
    checkOneOf('event kind', e.kind, ['step', 'note', 'agent']);
    try {
      this.stmt('insertEvent').run(e.sessionId, now(), e.kind, null, null, e.detail);
    } catch (err) {
      if (isSqliteError(err) && err.code === 'SQLITE_CONSTRAINT_FOREIGNKEY') {
        throw new ClauderonError('not_found', `no session with id ${e.sessionId}`, { cause: err });
      }
      throw err;
    }
  }

  /** A session's events, oldest first. */
  listEvents(sessionId: string): SessionEvent[] {
    return this.stmt<EventRow>('listEvents').all(sessionId).map(rowToEvent);
  }

  // ---- backend options ----

  /** A backend's own record for a session (JSON), or null. Deleted with the session. */
  getBackendOptions<T>(sessionId: string): T | null {
    const row = this.stmt<{ options: string }>('getBackendOptions').get(sessionId);
    return row ? (JSON.parse(row.options) as T) : null;
  }

  setBackendOptions(sessionId: string, options: unknown): void {
    this.stmt('setBackendOptions').run(sessionId, JSON.stringify(options));
  }
  /** The commit the session's branch started from (null for sessions made before it was kept). */
  getBaseCommit(sessionId: string): string | null {
    return this.stmt<{ commit_sha: string }>('getBaseCommit').get(sessionId)?.commit_sha ?? null;
  }

  setBaseCommit(sessionId: string, sha: string): void {
    this.stmt('setBaseCommit').run(sessionId, sha);
  }

  // ---- egress policy ----

  /** A session's egress policy and its own rules (src/proxy/egress-policy.ts), or null (made before it was kept: open). */
  getEgress(sessionId: string): { policy: string; allow: string[] } | null {
    const row = this.stmt<{ policy: string; rules: string }>('getEgress').get(sessionId);
    return row ? { policy: row.policy, allow: JSON.parse(row.rules) as string[] } : null;
  }

  setEgress(sessionId: string, e: { policy: string; allow: readonly string[] }): void {
    this.stmt('setEgress').run(sessionId, e.policy, JSON.stringify(e.allow));
  }


  // ---- recent repos ----

  touchRecentRepo(path: string): void {
    this.stmt('touchRecentRepo').run(path, now());
  }

  /** Most recently used first. */
  listRecentRepos(limit = 20): RecentRepo[] {
    if (!Number.isInteger(limit) || limit < 0) {
      throw new ClauderonError('invalid_input', `invalid limit ${limit} (expected a non-negative integer)`);
    }
    return this.stmt<RecentRepoRow>('listRecentRepos')
      .all(limit)
      .map((r) => ({ path: r.path, lastUsedAt: r.last_used_at, useCount: r.use_count }));
  }
}
