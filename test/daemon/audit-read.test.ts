// sessions.audit's reader (src/daemon/audit-read.ts) on real files: newest first, only the
// session's own lines (not another's, not an earlier session's of the same name), across chunk
// boundaries, a line cut by a crash skipped, the limit kept, no file yet being none.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readSessionAudit } from '../../src/daemon/audit-read.js';

let dir = '';
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'clrn-audit-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const line = (session: string, i: number, ts = `2026-12-01T10:00:${String(i % 60).padStart(2, '0')}.${String(i).padStart(3, '0')}Z`) =>
  JSON.stringify({ ts, session, host: 'api.github.com', method: 'GET', path: `/p/${i}?${'q'.repeat(i % 7)}=…`, credential: 'github_token', status: 200, durationMs: 3, blocked: null });

describe('readSessionAudit', () => {
  it('answers the session’s lines newest first, across chunks, up to the limit', () => {
    const lines: string[] = [];
    // ~2000 lines of ~190 bytes: several 64 KiB chunks, lines cut across their edges
    for (let i = 0; i < 2000; i++) lines.push(line(i % 3 === 0 ? 'web' : 'other', i, `2026-12-01T10:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}.000Z`));
    lines.splice(1000, 0, '{"ts":"2026-12-01T10:16:40.000Z","session":"web","host":"cut'); // a line a crash cut
    const file = join(dir, 'audit.jsonl');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const all = readSessionAudit(file, { name: 'web', createdAt: '2026-01-01T00:00:00.000Z' }, 1000);
    const want = Array.from({ length: 2000 }, (_x, i) => i)
      .filter((i) => i % 3 === 0)
      .reverse()
      .map((i) => `/p/${i}`);
    expect(all.map((e) => e.path.split('?')[0])).toEqual(want.slice(0, 667));
    expect(all.every((e) => e.session === 'web')).toBe(true);
    expect(readSessionAudit(file, { name: 'web', createdAt: '2026-01-01T00:00:00.000Z' }, 3).map((e) => e.path.split('?')[0])).toEqual(want.slice(0, 3));
    expect(readSessionAudit(file, { name: 'nobody', createdAt: '2026-01-01T00:00:00.000Z' }, 10)).toEqual([]);
  });

  it('leaves out an earlier session’s lines of the same name, and a file not there yet is none', () => {
    const file = join(dir, 'audit.jsonl');
    writeFileSync(file, [line('web', 1, '2026-11-01T00:00:00.000Z'), line('web', 2, '2026-12-01T00:00:01.000Z'), line('web', 3, '2026-12-01T00:00:02.000Z')].join('\n') + '\n');
    expect(readSessionAudit(file, { name: 'web', createdAt: '2026-12-01T00:00:00.000Z' }, 10).map((e) => e.path)).toEqual(['/p/3?qqq=…', '/p/2?qq=…']);
    expect(readSessionAudit(join(dir, 'none.jsonl'), { name: 'web', createdAt: '' }, 10)).toEqual([]);
  });
});
