// The commit a session started from (schema v4): kept beside the session, gone with it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Store } from '../../src/store/store.js';
import { session } from '../tui/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'clrn-base-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('session base commits', () => {
  it('stores, replaces and forgets the base commit with its session', () => {
    const store = Store.open(join(dir, 'db.sqlite'));
    try {
      const s = session({ name: 'based' });
      store.insertSession(s);
      expect(store.getBaseCommit(s.id)).toBeNull();
      store.setBaseCommit(s.id, 'a'.repeat(40));
      store.setBaseCommit(s.id, 'b'.repeat(40));
      expect(store.getBaseCommit(s.id)).toBe('b'.repeat(40));
      store.deleteSession(s.id);
      expect(store.getBaseCommit(s.id)).toBeNull();
    } finally {
      store.close();
    }
  });
});
