// Versioned schema for db.sqlite. Migrations are append-only: never edit a
// released one, add the next version instead. Store.open runs each pending
// migration in its own transaction and records the version in schema_version.
//
// Conventions: one column per Session field in snake_case; booleans are
// INTEGER 0/1; timestamps are ISO-8601 TEXT (Date#toISOString, so they sort as
// text). No CHECK constraints on enum-like values (status, backend, agent…):
// later versions add values, and the store validates them in code.
import type { Database } from 'better-sqlite3';

export interface Migration {
  version: number;
  description: string;
  up(db: Database): void;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'sessions and session_events',
    up(db) {
      db.exec(`
        CREATE TABLE sessions (
          id            TEXT PRIMARY KEY NOT NULL,
          name          TEXT NOT NULL UNIQUE,
          repo_path     TEXT NOT NULL,
          subdirectory  TEXT NOT NULL,
          worktree_path TEXT NOT NULL,
          branch_name   TEXT NOT NULL,
          backend       TEXT NOT NULL,
          backend_id    TEXT,
          agent         TEXT NOT NULL,
          model         TEXT,
          prompt        TEXT NOT NULL,
          access_mode   TEXT NOT NULL,
          skip_checks   INTEGER NOT NULL,
          plan_mode     INTEGER NOT NULL,
          proxy_port    INTEGER,
          status        TEXT NOT NULL,
          agent_status  TEXT NOT NULL,
          error         TEXT,
          created_at    TEXT NOT NULL,
          updated_at    TEXT NOT NULL
        );
        CREATE INDEX sessions_status ON sessions (status);
        CREATE INDEX sessions_created_at_name ON sessions (created_at, name);

        CREATE TABLE session_events (
          id          INTEGER PRIMARY KEY AUTOINCREMENT,
          session_id  TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
          at          TEXT NOT NULL,
          kind        TEXT NOT NULL,
          from_status TEXT,
          to_status   TEXT,
          detail      TEXT
        );
        CREATE INDEX session_events_session_id ON session_events (session_id);
      `);
    },
  },
  {
    version: 2,
    description: 'recent_repos',
    up(db) {
      db.exec(`
        CREATE TABLE recent_repos (
          path         TEXT PRIMARY KEY NOT NULL,
          last_used_at TEXT NOT NULL,
          use_count    INTEGER NOT NULL
        );
      `);
    },
  },
  {
    version: 3,
    description: 'session_backend_options',
    up(db) {
      // What a backend needs to re-create a session's object (e.g. a container's image and limits);
      // kept out of the sessions table, whose columns are the public session model.
      db.exec(`
        CREATE TABLE session_backend_options (
          session_id TEXT PRIMARY KEY NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
          options    TEXT NOT NULL
        );
      `);
    },
  },
  {
    version: 4,
    description: 'session_base_commits',
    up(db) {
      // The commit a session's branch started from (its diff is against it); like the backend
      // options, kept out of the sessions table, whose columns are the public session model.
      db.exec(`
        CREATE TABLE session_base_commits (
          session_id TEXT PRIMARY KEY NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
          commit_sha TEXT NOT NULL
        );
      `);
    },
  },
  {
    version: 5,
    description: 'passkeys, signin_sessions and registration_codes',
    up(db) {
      // Passkey sign-in to the HTTP API (src/daemon/auth): the registered credentials, the browser
      // sessions signed in with them, and the one-time codes `clauderon auth register` mints.
      // Sign-in session ids and codes are stored as SHA-256 hashes only.
      db.exec(`
        CREATE TABLE passkeys (
          id            TEXT PRIMARY KEY NOT NULL,
          credential_id TEXT NOT NULL UNIQUE,
          name          TEXT NOT NULL,
          public_key    BLOB NOT NULL,
          counter       INTEGER NOT NULL,
          transports    TEXT NOT NULL,
          created_at    TEXT NOT NULL,
          last_used_at  TEXT
        );

        CREATE TABLE signin_sessions (
          id_hash    TEXT PRIMARY KEY NOT NULL,
          passkey_id TEXT NOT NULL REFERENCES passkeys (id) ON DELETE CASCADE,
          created_at TEXT NOT NULL,
          expires_at TEXT NOT NULL
        );
        CREATE INDEX signin_sessions_passkey_id ON signin_sessions (passkey_id);

        CREATE TABLE registration_codes (
          code_hash  TEXT PRIMARY KEY NOT NULL,
          created_at TEXT NOT NULL,
          expires_at TEXT NOT NULL,
          used_at    TEXT
        );
      `);
    },
  },
  {
    version: 6,
    description: 'push_subscriptions',
    up(db) {
      // Web Push (src/daemon/push.ts, src/store/push.ts): the browsers that get a push when an agent
      // waits, each with the passkey it was signed in with (null: loopback, the Bearer token, or auth
      // disabled) — revoking the passkey deletes them.
      db.exec(`
        CREATE TABLE push_subscriptions (
          endpoint   TEXT PRIMARY KEY NOT NULL,
          p256dh     TEXT NOT NULL,
          auth       TEXT NOT NULL,
          passkey_id TEXT REFERENCES passkeys (id) ON DELETE CASCADE,
          created_at TEXT NOT NULL
        );
        CREATE INDEX push_subscriptions_passkey_id ON push_subscriptions (passkey_id);
      `);
    },
  },
  {
    version: 7,
    description: 'session_egress',
    up(db) {
      // A session's egress policy (src/proxy/egress-policy.ts): `open`, `allow-list` or `locked`,
      // and its own rules (a JSON array of host / *.suffix / host:port / preset texts). Kept out of
      // the sessions table, whose columns are the public session model; a session without a row
      // (made before this) is `open`, as it always was.
      db.exec(`
        CREATE TABLE session_egress (
          session_id TEXT PRIMARY KEY NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
          policy     TEXT NOT NULL,
          rules      TEXT NOT NULL
        );
      `);
    },
  },
];
