// The passkey sign-in tables of db.sqlite (migration 5): registered passkeys, the browser sessions
// signed in with them, and the one-time registration codes. Only hashes of session ids and codes
// are stored (src/daemon/auth hashes them): a copy of the database signs nobody in. Timestamps are
// ISO-8601 text, compared as text like the rest of the store.
import type Database from 'better-sqlite3';

export interface PasskeyRecord {
  /** A short id of clauderon's own, for `clauderon auth revoke ID`. */
  id: string;
  /** The WebAuthn credential id (base64url), as the browser reports it. */
  credentialId: string;
  /** The device name given when it was registered. */
  name: string;
  publicKey: Uint8Array;
  counter: number;
  transports: string[];
  createdAt: string;
  /** The last sign-in with it (null: never since its registration). */
  lastUsedAt: string | null;
}

interface PasskeyRow {
  id: string;
  credential_id: string;
  name: string;
  public_key: Buffer;
  counter: number;
  transports: string;
  created_at: string;
  last_used_at: string | null;
}

const toRecord = (r: PasskeyRow): PasskeyRecord => ({
  id: r.id,
  credentialId: r.credential_id,
  name: r.name,
  publicKey: new Uint8Array(r.public_key),
  counter: r.counter,
  transports: (JSON.parse(r.transports) as unknown[]).filter((t): t is string => typeof t === 'string'),
  createdAt: r.created_at,
  lastUsedAt: r.last_used_at,
});

/** The auth tables, on the store's connection (Store#auth). */
export class AuthRows {
  constructor(private readonly db: Database.Database) {}

  // ---- registration codes ----

  insertCode(codeHash: string, createdAt: string, expiresAt: string): void {
    // expired codes are of no use to anyone: dropped as new ones are made
    this.db.prepare('DELETE FROM registration_codes WHERE expires_at <= ? OR used_at IS NOT NULL').run(createdAt);
    this.db.prepare('INSERT INTO registration_codes (code_hash, created_at, expires_at) VALUES (?, ?, ?)').run(codeHash, createdAt, expiresAt);
  }

  /** Whether the code is known, unused and not expired at `now` (nothing is changed). */
  codeUsable(codeHash: string, now: string): boolean {
    return this.db.prepare('SELECT 1 FROM registration_codes WHERE code_hash = ? AND used_at IS NULL AND expires_at > ?').get(codeHash, now) !== undefined;
  }

  /** Mark the code used, atomically: true for exactly one caller of a usable code. */
  consumeCode(codeHash: string, now: string): boolean {
    return this.db.prepare('UPDATE registration_codes SET used_at = ? WHERE code_hash = ? AND used_at IS NULL AND expires_at > ?').run(now, codeHash, now).changes === 1;
  }

  // ---- passkeys ----

  insertPasskey(p: PasskeyRecord): void {
    this.db
      .prepare('INSERT INTO passkeys (id, credential_id, name, public_key, counter, transports, created_at, last_used_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(p.id, p.credentialId, p.name, Buffer.from(p.publicKey), p.counter, JSON.stringify(p.transports), p.createdAt, p.lastUsedAt);
  }

  /** Registered first first. */
  listPasskeys(): PasskeyRecord[] {
    return (this.db.prepare('SELECT * FROM passkeys ORDER BY created_at, id').all() as PasskeyRow[]).map(toRecord);
  }

  passkeyByCredential(credentialId: string): PasskeyRecord | null {
    const r = this.db.prepare('SELECT * FROM passkeys WHERE credential_id = ?').get(credentialId) as PasskeyRow | undefined;
    return r ? toRecord(r) : null;
  }

  passkeyById(id: string): PasskeyRecord | null {
    const r = this.db.prepare('SELECT * FROM passkeys WHERE id = ?').get(id) as PasskeyRow | undefined;
    return r ? toRecord(r) : null;
  }

  markUsed(id: string, counter: number, at: string): void {
    this.db.prepare('UPDATE passkeys SET counter = ?, last_used_at = ? WHERE id = ?').run(counter, at, id);
  }

  /** Remove a passkey and every session signed in with it; how many sessions ended. */
  deletePasskey(id: string): number {
    return this.db.transaction(() => {
      const ended = this.db.prepare('DELETE FROM signin_sessions WHERE passkey_id = ?').run(id).changes;
      this.db.prepare('DELETE FROM passkeys WHERE id = ?').run(id);
      return ended;
    })();
  }

  // ---- sign-in sessions ----

  insertSession(idHash: string, passkeyId: string, createdAt: string, expiresAt: string): void {
    this.db.prepare('DELETE FROM signin_sessions WHERE expires_at <= ?').run(createdAt);
    this.db.prepare('INSERT INTO signin_sessions (id_hash, passkey_id, created_at, expires_at) VALUES (?, ?, ?, ?)').run(idHash, passkeyId, createdAt, expiresAt);
  }

  /** The passkey a live (unexpired at `now`) session belongs to, or null. */
  sessionPasskey(idHash: string, now: string): string | null {
    const r = this.db.prepare('SELECT passkey_id FROM signin_sessions WHERE id_hash = ? AND expires_at > ?').get(idHash, now) as { passkey_id: string } | undefined;
    return r?.passkey_id ?? null;
  }

  deleteSession(idHash: string): boolean {
    return this.db.prepare('DELETE FROM signin_sessions WHERE id_hash = ?').run(idHash).changes === 1;
  }

  /** Sessions per passkey (unexpired at `now`), for `auth list`. */
  sessionCounts(now: string): Map<string, number> {
    const rows = this.db.prepare('SELECT passkey_id, count(*) AS n FROM signin_sessions WHERE expires_at > ? GROUP BY passkey_id').all(now) as { passkey_id: string; n: number }[];
    return new Map(rows.map((r) => [r.passkey_id, r.n]));
  }
}
