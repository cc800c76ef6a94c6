// The SQLite store against real database files in a temp dir.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ClauderonError } from '../../src/shared/errors.js';
import { SESSION_FIELDS, type Session } from '../../src/shared/types.js';
import { MIGRATIONS } from '../../src/store/migrations.js';
import { Store } from '../../src/store/store.js';

let dir: string;
let file: string;
const open: Store[] = [];

function openStore(opts?: Parameters<typeof Store.open>[1]): Store {
  const s = Store.open(file, opts);
  open.push(s);
  return s;
}

function raw(): Database.Database {
  return new Database(file);
}

function session(over: Partial<Session> = {}): Session {
  return {
    id: '11111111-2222-3333-4444-555555555555',
    name: 'fix-the-bug-ab12',
    repoPath: '/home/u/repo',
    subdirectory: 'packages/app',
    worktreePath: '/home/u/.clauderon/worktrees/fix-the-bug-ab12',
    branchName: 'clauderon/fix-the-bug-ab12',
    backend: 'tmux',
    backendId: 'clauderon-fix-the-bug-ab12',
    agent: 'codex',
    model: 'gpt-5',
    prompt: 'Fix the bug in "parser" — with unicode ✓ and\nnewlines',
    accessMode: 'read-only',
    skipChecks: true,
    planMode: false,
    proxyPort: 45123,
    status: 'running',
    agentStatus: 'waiting_input',
    error: 'something went wrong earlier',
    createdAt: '2024-05-01T10:00:00.000Z',
    updatedAt: '2024-05-01T10:05:00.000Z',
    ...over,
  };
}

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error, got none');
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'clauderon-store-'));
  file = join(dir, 'db.sqlite');
});

afterEach(() => {
  vi.useRealTimers();
  for (const s of open.splice(0)) s.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('Store.open', () => {
  it('creates the file with mode 0600, in WAL mode, at the latest schema version', () => {
    expect(existsSync(file)).toBe(false);
    const store = openStore();
    expect(store.path).toBe(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    for (const extra of [`${file}-wal`, `${file}-shm`]) {
      if (existsSync(extra)) expect(statSync(extra).mode & 0o777).toBe(0o600);
    }
    expect(store.schemaVersion()).toBe(MIGRATIONS.length);
    expect(MIGRATIONS.length).toBe(7);

    const db = raw();
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.prepare('SELECT id, version FROM schema_version').all()).toEqual([{ id: 1, version: 7 }]);
      const tables = db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        .pluck()
        .all();
      expect(tables).toEqual(['passkeys', 'push_subscriptions', 'recent_repos', 'registration_codes', 'schema_version', 'session_backend_options', 'session_base_commits', 'session_egress', 'session_events', 'sessions', 'signin_sessions']);
    } finally {
      db.close();
    }
  });

  it('forces mode 0600 on an existing file', () => {
    writeFileSync(file, '', { mode: 0o644 });
    openStore();
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('reopening an up-to-date file keeps its data and version', () => {
    const a = openStore();
    a.insertSession(session());
    a.close();
    const b = openStore();
    expect(b.schemaVersion()).toBe(7);
    expect(b.countSessions()).toBe(1);
  });

  it('migrates a file made by an older clauderon (schema 1) to the latest version', () => {
    const old = openStore({ migrations: MIGRATIONS.slice(0, 1) });
    expect(old.schemaVersion()).toBe(1);
    // The older build has no recent_repos table.
    expect(() => old.touchRecentRepo('/repo')).toThrow(/recent_repos/);
    old.insertSession(session());
    old.close();

    const db = raw();
    try {
      expect(db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'recent_repos'").pluck().get()).toBe(0);
    } finally {
      db.close();
    }

    const store = openStore();
    expect(store.schemaVersion()).toBe(7);
    expect(store.getSession(session().id)).toStrictEqual(session());
    store.touchRecentRepo('/repo');
    expect(store.listRecentRepos().map((r) => [r.path, r.useCount])).toEqual([['/repo', 1]]);
    // v3: backend options per session, gone with the session
    expect(store.getBackendOptions(session().id)).toBeNull();
    store.setBackendOptions(session().id, { image: 'img:1', cpuLimit: 2 });
    store.setBackendOptions(session().id, { image: 'img:2', cpuLimit: 2 });
    expect(store.getBackendOptions(session().id)).toEqual({ image: 'img:2', cpuLimit: 2 });
    // v7: the egress policy per session (none: open), gone with the session
    expect(store.getEgress(session().id)).toBeNull();
    store.setEgress(session().id, { policy: 'allow-list', allow: ['npm', '*.example.com'] });
    store.setEgress(session().id, { policy: 'locked', allow: ['example.com:8443'] });
    expect(store.getEgress(session().id)).toEqual({ policy: 'locked', allow: ['example.com:8443'] });
    store.deleteSession(session().id);
    expect(store.getBackendOptions(session().id)).toBeNull();
    expect(store.getEgress(session().id)).toBeNull();
  });

  it('refuses a file with a newer schema version and leaves it unchanged', () => {
    openStore().close();
    const db = raw();
    db.prepare('UPDATE schema_version SET version = 99').run();
    db.close();
    const before = readFileSync(file);

    const err = catchError(() => Store.open(file));
    expect(err).toBeInstanceOf(ClauderonError);
    expect((err as ClauderonError).code).toBe('store');
    expect((err as ClauderonError).message).toBe(
      `${file} has database schema version 99, newer than this clauderon supports (7) — upgrade clauderon, or set CLAUDERON_HOME to use another home`,
    );

    expect(readFileSync(file).equals(before)).toBe(true);
    const check = raw();
    try {
      expect(check.prepare('SELECT version FROM schema_version').pluck().get()).toBe(99);
    } finally {
      check.close();
    }
  });

  it('an older clauderon refuses a file migrated by a newer one', () => {
    openStore().close();
    const err = catchError(() => Store.open(file, { migrations: MIGRATIONS.slice(0, 1) }));
    expect(err).toBeInstanceOf(ClauderonError);
    expect((err as ClauderonError).code).toBe('store');
    expect((err as ClauderonError).message).toContain('schema version 7, newer than this clauderon supports (1)');
  });

  it('refuses a file that is not a SQLite database, naming it and suggesting to move it aside', () => {
    const garbage = 'this is not a database, just some text that a user left here\n'.repeat(10);
    writeFileSync(file, garbage);
    const err = catchError(() => Store.open(file));
    expect(err).toBeInstanceOf(ClauderonError);
    expect((err as ClauderonError).code).toBe('store');
    expect((err as ClauderonError).message).toContain(file);
    expect((err as ClauderonError).message).toContain('move it aside');
    expect(readFileSync(file, 'utf8')).toBe(garbage);
  });

  it('reports a missing directory as a store error', () => {
    const err = catchError(() => Store.open(join(dir, 'missing', 'db.sqlite')));
    expect(err).toBeInstanceOf(ClauderonError);
    expect((err as ClauderonError).code).toBe('store');
    expect((err as ClauderonError).message).toContain(join(dir, 'missing', 'db.sqlite'));
  });
});

describe('sessions', () => {
  it('round-trips every field, with booleans as booleans and nulls as null', () => {
    const store = openStore();
    const a = session();
    const b = session({
      id: 'aaaaaaaa-0000-0000-0000-000000000000',
      name: 'other-cd34',
      subdirectory: '',
      backend: 'zellij',
      backendId: null,
      agent: 'claude',
      model: null,
      accessMode: 'read-write',
      skipChecks: false,
      planMode: true,
      proxyPort: null,
      status: 'creating',
      agentStatus: 'unknown',
      error: null,
    });
    store.insertSession(a);
    store.insertSession(b);

    const gotA = store.getSession(a.id);
    const gotB = store.getSessionByName('other-cd34');
    expect(gotA).toStrictEqual(a);
    expect(gotB).toStrictEqual(b);
    expect(Object.keys(gotA!)).toEqual([...SESSION_FIELDS]);
    expect(gotB!.skipChecks).toBe(false);
    expect(gotB!.planMode).toBe(true);
    expect(gotB!.backendId).toBeNull();
    expect(gotB!.model).toBeNull();
    expect(gotB!.proxyPort).toBeNull();
    expect(gotB!.error).toBeNull();

    expect(store.getSession('nope')).toBeUndefined();
    expect(store.getSessionByName('nope')).toBeUndefined();
    expect(store.countSessions()).toBe(2);
  });

  it('records the initial status event on insert', () => {
    const store = openStore();
    const s = session({ status: 'creating' });
    store.insertSession(s);
    const events = store.listEvents(s.id);
    expect(events).toHaveLength(1);
    expect(typeof events[0]!.id).toBe('number');
    expect({ ...events[0], id: 0 }).toStrictEqual({
      id: 0, sessionId: s.id, at: s.createdAt, kind: 'status', fromStatus: null, toStatus: 'creating', detail: null,
    });
  });

  it('rejects a duplicate name with a conflict error and keeps the first row', () => {
    const store = openStore();
    store.insertSession(session());
    const err = catchError(() => store.insertSession(session({ id: 'another-id' })));
    expect(err).toBeInstanceOf(ClauderonError);
    expect((err as ClauderonError).code).toBe('conflict');
    expect((err as ClauderonError).message).toContain('fix-the-bug-ab12');
    expect(store.countSessions()).toBe(1);
    expect(store.getSession('another-id')).toBeUndefined();
    // The failed insert must not leave an event behind either.
    expect(store.listEvents('another-id')).toEqual([]);
  });

  it('rejects a duplicate id', () => {
    const store = openStore();
    store.insertSession(session());
    const err = catchError(() => store.insertSession(session({ name: 'different-name' })));
    expect((err as ClauderonError).code).toBe('conflict');
    expect(store.countSessions()).toBe(1);
  });

  it('rejects unknown enum values in code', () => {
    const store = openStore();
    const err = catchError(() => store.insertSession(session({ status: 'bogus' as Session['status'] })));
    expect((err as ClauderonError).code).toBe('invalid_input');
    expect(store.countSessions()).toBe(0);
  });

  it('updateSession changes the given fields, bumps updatedAt and returns the stored row', () => {
    const store = openStore();
    const s = session();
    store.insertSession(s);
    const updated = store.updateSession(s.id, {
      backendId: null,
      planMode: true,
      skipChecks: false,
      agentStatus: 'working',
      proxyPort: 40000,
      model: undefined, // undefined means "leave alone"
    });
    expect(updated.backendId).toBeNull();
    expect(updated.planMode).toBe(true);
    expect(updated.skipChecks).toBe(false);
    expect(updated.agentStatus).toBe('working');
    expect(updated.proxyPort).toBe(40000);
    expect(updated.model).toBe('gpt-5');
    expect(updated.status).toBe('running');
    expect(updated.createdAt).toBe(s.createdAt);
    expect(updated.updatedAt > s.updatedAt).toBe(true);
    expect(Date.parse(updated.updatedAt)).toBeGreaterThan(Date.now() - 60_000);
    expect(store.getSession(s.id)).toStrictEqual(updated);
    expect(Object.keys(updated)).toEqual([...SESSION_FIELDS]);
  });

  it('updateSession on an unknown id throws not_found', () => {
    const store = openStore();
    const err = catchError(() => store.updateSession('missing', { prompt: 'x' }));
    expect(err).toBeInstanceOf(ClauderonError);
    expect((err as ClauderonError).code).toBe('not_found');
    expect((err as ClauderonError).message).toContain('missing');
  });

  it('updateSession refuses a status change and a duplicate name', () => {
    const store = openStore();
    store.insertSession(session());
    store.insertSession(session({ id: 'b', name: 'second' }));
    const statusErr = catchError(() => store.updateSession('b', { status: 'idle' } as never));
    expect(statusErr).toBeInstanceOf(ClauderonError);
    expect(store.getSession('b')!.status).toBe('running');
    const nameErr = catchError(() => store.updateSession('b', { name: 'fix-the-bug-ab12' }));
    expect((nameErr as ClauderonError).code).toBe('conflict');
    expect(store.getSession('b')!.name).toBe('second');
  });

  it('listSessions orders by createdAt, then name; 1,000 sessions come back in order', () => {
    const store = openStore();
    const n = 1000;
    // Insert in a scrambled order; pairs share a createdAt so the name tie-break matters.
    const order = Array.from({ length: n }, (_, i) => (i * 7919) % n);
    for (const i of order) {
      const t = new Date(Date.UTC(2024, 0, 1) + Math.floor(i / 2) * 1000).toISOString();
      const name = `s-${String(n - i).padStart(4, '0')}`; // within a pair, the later i has the smaller name
      store.insertSession(session({ id: `id-${i}`, name, createdAt: t, updatedAt: t }));
    }
    expect(store.countSessions()).toBe(n);
    const list = store.listSessions();
    expect(list).toHaveLength(n);
    const expected = Array.from({ length: n }, (_, k) => {
      const pair = Math.floor(k / 2);
      return `id-${k % 2 === 0 ? pair * 2 + 1 : pair * 2}`;
    });
    expect(list.map((s) => s.id)).toEqual(expected);
    expect(list[0]).toStrictEqual(store.getSession(list[0]!.id));
  });

  it('deleteSession removes the row and cascades to its events', () => {
    const store = openStore();
    store.insertSession(session());
    store.insertSession(session({ id: 'keep', name: 'keep' }));
    store.addEvent({ sessionId: session().id, kind: 'step', detail: 'worktree' });
    store.setStatus(session().id, 'idle');
    expect(store.listEvents(session().id)).toHaveLength(3);

    store.deleteSession(session().id);
    expect(store.getSession(session().id)).toBeUndefined();
    expect(store.listEvents(session().id)).toEqual([]);
    expect(store.countSessions()).toBe(1);
    expect(store.listEvents('keep')).toHaveLength(1);

    const db = raw();
    try {
      expect(db.prepare('SELECT count(*) FROM session_events WHERE session_id = ?').pluck().get(session().id)).toBe(0);
    } finally {
      db.close();
    }
  });
});

describe('status and events', () => {
  it('setStatus updates the row and writes a status event with from/to', () => {
    const store = openStore();
    const s = session({ status: 'creating', error: null });
    store.insertSession(s);
    const failed = store.setStatus(s.id, 'failed', { error: 'backend exploded', detail: 'step backend' });
    expect(failed.status).toBe('failed');
    expect(failed.error).toBe('backend exploded');
    expect(failed.updatedAt > s.updatedAt).toBe(true);
    expect(store.getSession(s.id)).toStrictEqual(failed);

    const events = store.listEvents(s.id);
    expect(events.map((e) => [e.kind, e.fromStatus, e.toStatus, e.detail])).toEqual([
      ['status', null, 'creating', null],
      ['status', 'creating', 'failed', 'step backend'],
    ]);
    expect(events[1]!.at).toBe(failed.updatedAt);
    expect(events[1]!.id).toBeGreaterThan(events[0]!.id);

    // error: null clears; omitted leaves it.
    const running = store.setStatus(s.id, 'running', { error: null });
    expect(running.error).toBeNull();
    store.setStatus(s.id, 'idle', { error: 'kept?' });
    expect(store.setStatus(s.id, 'running').error).toBe('kept?');
  });

  it('setStatus with an unchanged status updates the error but records no event', () => {
    const store = openStore();
    const s = session({ status: 'running', error: null });
    store.insertSession(s);
    const same = store.setStatus(s.id, 'running', { error: 'hook timed out' });
    expect(same.status).toBe('running');
    expect(same.error).toBe('hook timed out');
    expect(store.getSession(s.id)!.error).toBe('hook timed out');
    expect(store.listEvents(s.id)).toHaveLength(1);
  });

  it('setStatus is atomic: if the event cannot be written, the status is not changed', () => {
    const store = openStore();
    const s = session({ status: 'running' });
    store.insertSession(s);
    const db = raw();
    try {
      db.exec(`CREATE TRIGGER no_status_events BEFORE INSERT ON session_events WHEN NEW.kind = 'status'
               BEGIN SELECT RAISE(ABORT, 'event insert refused'); END`);
    } finally {
      db.close();
    }
    expect(() => store.setStatus(s.id, 'completed', { error: 'x' })).toThrow(/event insert refused/);
    const after = store.getSession(s.id)!;
    expect(after.status).toBe('running');
    expect(after.error).toBe(s.error);
    expect(after.updatedAt).toBe(s.updatedAt);
    expect(store.listEvents(s.id)).toHaveLength(1);
  });

  it('setStatus on an unknown id throws not_found; an unknown status is refused', () => {
    const store = openStore();
    expect((catchError(() => store.setStatus('missing', 'idle')) as ClauderonError).code).toBe('not_found');
    store.insertSession(session());
    expect((catchError(() => store.setStatus(session().id, 'weird' as never)) as ClauderonError).code).toBe('invalid_input');
    expect(store.getSession(session().id)!.status).toBe('running');
  });

  it('addEvent appends step and note events in order; unknown session → not_found', () => {
    const store = openStore();
    store.insertSession(session());
    store.addEvent({ sessionId: session().id, kind: 'step', detail: 'validate' });
    store.addEvent({ sessionId: session().id, kind: 'note', detail: 'hello' });
    const events = store.listEvents(session().id);
    expect(events.map((e) => [e.kind, e.fromStatus, e.toStatus, e.detail])).toEqual([
      ['status', null, 'running', null],
      ['step', null, null, 'validate'],
      ['note', null, null, 'hello'],
    ]);
    expect(Object.keys(events[1]!)).toEqual(['id', 'sessionId', 'at', 'kind', 'fromStatus', 'toStatus', 'detail']);
    const err = catchError(() => store.addEvent({ sessionId: 'missing', kind: 'note', detail: 'x' }));
    expect((err as ClauderonError).code).toBe('not_found');
  });
});

describe('recent repos', () => {
  it('orders most recent first and counts uses', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const store = openStore();
    const at = (s: string) => vi.setSystemTime(new Date(`2024-06-01T${s}Z`));
    at('10:00:00.000');
    store.touchRecentRepo('/a');
    at('10:00:01.000');
    store.touchRecentRepo('/b');
    at('10:00:02.000');
    store.touchRecentRepo('/a');
    expect(store.listRecentRepos()).toEqual([
      { path: '/a', lastUsedAt: '2024-06-01T10:00:02.000Z', useCount: 2 },
      { path: '/b', lastUsedAt: '2024-06-01T10:00:01.000Z', useCount: 1 },
    ]);
    at('10:00:03.000');
    store.touchRecentRepo('/c');
    expect(store.listRecentRepos().map((r) => r.path)).toEqual(['/c', '/a', '/b']);
    expect(store.listRecentRepos(2).map((r) => r.path)).toEqual(['/c', '/a']);
    expect(store.listRecentRepos(0)).toEqual([]);
  });

  it('default limit is 20', () => {
    const store = openStore();
    for (let i = 0; i < 25; i++) store.touchRecentRepo(`/repo/${i}`);
    expect(store.listRecentRepos()).toHaveLength(20);
    expect(store.listRecentRepos(100)).toHaveLength(25);
  });
});
