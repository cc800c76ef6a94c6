// Opening db.sqlite: its schema version, the migration list, and the errors a user can act on.
import { chmodSync } from 'node:fs';
import Database from 'better-sqlite3';
import { ClauderonError, errorMessage } from '../shared/errors.js';
import type { Migration } from './migrations.js';

export function isSqliteError(e: unknown): e is InstanceType<typeof Database.SqliteError> {
  return e instanceof Database.SqliteError;
}

export function readSchemaVersion(db: Database.Database): number {
  const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'").get();
  if (table === undefined) return 0;
  const v = db.prepare('SELECT version FROM schema_version WHERE id = 1').pluck().get() as number | undefined;
  return v ?? 0;
}

export function checkMigrationList(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new ClauderonError('internal', `migration list is not consecutive: entry ${i} has version ${m.version}, expected ${i + 1}`);
    }
  });
}

export function newerSchemaError(path: string, v: number, max: number): ClauderonError {
  return new ClauderonError(
    'store',
    `${path} has database schema version ${v}, newer than this clauderon supports (${max}) — upgrade clauderon, or set CLAUDERON_HOME to use another home`,
  );
}

export function openError(path: string, e: unknown): ClauderonError {
  if (e instanceof ClauderonError) return e;
  if (isSqliteError(e) && (e.code === 'SQLITE_NOTADB' || e.code === 'SQLITE_CORRUPT')) {
    return new ClauderonError(
      'store',
      `${path} is not a usable SQLite database (${e.message}) — move it aside (e.g. mv ${path} ${path}.bad) and clauderon will create a new one`,
      { cause: e },
    );
  }
  return new ClauderonError('store', `cannot open database ${path}: ${errorMessage(e)}`, { cause: e });
}

export function chmodIfExists(path: string): void {
  try {
    chmodSync(path, 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}

