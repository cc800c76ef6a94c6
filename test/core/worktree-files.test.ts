// The worktree's files as sessions.files / sessions.file see them (src/core/worktree-files.ts), on
// a real temp tree: a FIFO is refused without hanging, a big file is cut at 1 MiB, a huge tree is
// cut at MAX_ENTRIES, and paths that are no plain relative path are refused before the disk.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkRelativePath, listWorktree, MAX_ENTRIES, MAX_FILE_BYTES, readWorktreeFile } from '../../src/core/worktree-files.js';
import { isClauderonError } from '../../src/shared/errors.js';

let root = '';
beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'clrn-wt-'))));
afterEach(() => rmSync(root, { recursive: true, force: true }));

const refusal = (fn: () => unknown): { code: string; field: string | undefined; message: string } => {
  try {
    fn();
  } catch (e) {
    if (isClauderonError(e)) return { code: e.code, field: e.field, message: e.message };
    throw e;
  }
  throw new Error('not refused');
};

describe('worktree files', () => {
  it('refuses a FIFO or a device without hanging, and cuts a big file at 1 MiB', () => {
    execFileSync('mkfifo', [join(root, 'pipe')]);
    const pipe = refusal(() => readWorktreeFile(root, 'pipe'));
    expect(pipe).toMatchObject({ code: 'invalid_input', field: 'path' });
    expect(pipe.message).toContain('not a regular file');
    writeFileSync(join(root, 'big.txt'), 'x'.repeat(MAX_FILE_BYTES + 10));
    const big = readWorktreeFile(root, 'big.txt');
    expect(big).toMatchObject({ binary: false, truncated: true });
    expect(big.content.length).toBe(MAX_FILE_BYTES);
  });

  it('lists at most MAX_ENTRIES and says it cut the rest', () => {
    mkdirSync(join(root, 'many'));
    for (let i = 0; i < MAX_ENTRIES + 5; i++) writeFileSync(join(root, 'many', `f${i}`), '');
    const l = listWorktree(root, []);
    expect(l.entries.length).toBe(MAX_ENTRIES);
    expect(l.truncated).toBe(true);
  });

  it('refuses what is no plain relative path, saying why', () => {
    for (const [p, why] of [
      ['', 'empty'],
      ['/etc/passwd', 'absolute'],
      ['\\\\server\\share', 'absolute'],
      ['a/../../b', '..'],
      ['..', '..'],
      ['.', 'worktree itself'],
      ['a\0b', 'NUL'],
    ] as const) {
      const r = refusal(() => checkRelativePath(p));
      expect(r, p).toMatchObject({ code: 'invalid_input', field: 'path' });
      expect(r.message, p).toContain(why);
    }
    expect(checkRelativePath('./src//a.ts')).toEqual(['src', 'a.ts']);
  });
});
