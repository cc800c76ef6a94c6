// The Web Push subscriptions of db.sqlite (migration 6): one row per browser that asked for pushes
// while the page is closed (src/daemon/push.ts sends them). A subscription's endpoint is the push
// service's capability URL for that browser (whoever holds it can push to it), so it is stored and
// used, never logged or answered. `passkey_id` is the passkey the browser was signed in with (null
// on loopback, with the Bearer token, or auth disabled); revoking the passkey deletes its rows (ON
// DELETE CASCADE). At most MAX_PUSH_SUBSCRIPTIONS are kept: a new one beyond that drops the oldest.
import type Database from 'better-sqlite3';

/** Browsers rarely hold more than one each; this bounds what a signed-in client can make us store. */
export const MAX_PUSH_SUBSCRIPTIONS = 50;

export interface PushSubscriptionRecord {
  /** The push service URL (https; a capability: never shown). */
  endpoint: string;
  /** The browser's ECDH P-256 public key (base64url, 65 bytes uncompressed). */
  p256dh: string;
  /** The browser's auth secret (base64url, 16 bytes). */
  auth: string;
  /** The passkey (clauderon's id) the browser was signed in with, or null. */
  passkeyId: string | null;
  createdAt: string;
}

interface Row {
  endpoint: string;
  p256dh: string;
  auth: string;
  passkey_id: string | null;
  created_at: string;
}

const toRecord = (r: Row): PushSubscriptionRecord => ({ endpoint: r.endpoint, p256dh: r.p256dh, auth: r.auth, passkeyId: r.passkey_id, createdAt: r.created_at });

/** The push_subscriptions table, on the store's connection (Store#push). */
export class PushRows {
  constructor(private readonly db: Database.Database) {}

  /**
   * Insert, or update the keys and passkey of, the subscription with this endpoint (a browser that
   * subscribes again). Returns how many old subscriptions were dropped to stay within the bound.
   */
  upsert(s: PushSubscriptionRecord): number {
    return this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO push_subscriptions (endpoint, p256dh, auth, passkey_id, created_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (endpoint) DO UPDATE SET p256dh = excluded.p256dh, auth = excluded.auth, passkey_id = excluded.passkey_id, created_at = excluded.created_at`,
        )
        .run(s.endpoint, s.p256dh, s.auth, s.passkeyId, s.createdAt);
      return this.db
        .prepare('DELETE FROM push_subscriptions WHERE endpoint NOT IN (SELECT endpoint FROM push_subscriptions ORDER BY created_at DESC, endpoint LIMIT ?)')
        .run(MAX_PUSH_SUBSCRIPTIONS).changes;
    })();
  }

  /** Oldest first. */
  list(): PushSubscriptionRecord[] {
    return (this.db.prepare('SELECT * FROM push_subscriptions ORDER BY created_at, endpoint').all() as Row[]).map(toRecord);
  }

  /** Whether a subscription with this endpoint was there. */
  delete(endpoint: string): boolean {
    return this.db.prepare('DELETE FROM push_subscriptions WHERE endpoint = ?').run(endpoint).changes === 1;
  }

  count(): number {
    return this.db.prepare('SELECT count(*) FROM push_subscriptions').pluck().get() as number;
  }
}
