// The directory browser's listing on a real temp directory tree.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { enclosingRepo, listDirectory } from '../../src/shared/directories.js';

let root = '';
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'clrn-dirs-'));
  for (const d of ['beta', 'alpha/.git', 'alpha/src/deep', '.hidden', 'home/.clauderon/worktrees/s1', 'wt']) mkdirSync(join(root, d), { recursive: true });
  writeFileSync(join(root, 'wt', '.git'), 'gitdir: /elsewhere\n'); // a worktree: .git is a file
  writeFileSync(join(root, 'file.txt'), 'x');
  symlinkSync(join(root, 'beta'), join(root, 'link-to-beta'));
  symlinkSync(join(root, 'nowhere'), join(root, 'dangling'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('listDirectory', () => {
  const opts = () => ({ cwd: root, clauderonHome: join(root, 'home', '.clauderon'), home: join(root, 'home') });

  it('lists subdirectories sorted, hidden ones and files left out, git repositories marked', () => {
    const l = listDirectory(root, opts());
    expect(l.error).toBeNull();
    expect(l.repoRoot).toBeNull();
    expect(l.entries).toEqual([
      { name: 'alpha', repo: true },
      { name: 'beta', repo: false },
      { name: 'home', repo: false },
      { name: 'link-to-beta', repo: false },
      { name: 'wt', repo: true },
    ]);
    expect(l.parent).toBe(join(root, '..'));
  });

  it('resolves relative paths and ~, and says which repository a directory is in', () => {
    const l = listDirectory('alpha/src', opts());
    expect(l.path).toBe(join(root, 'alpha', 'src'));
    expect(l.repoRoot).toBe(join(root, 'alpha'));
    expect(l.entries).toEqual([{ name: 'deep', repo: false }]);
    expect(listDirectory('~', opts()).path).toBe(join(root, 'home'));
    expect(enclosingRepo(join(root, 'alpha', 'src', 'deep'))).toBe(join(root, 'alpha'));
    expect(enclosingRepo(join(root, 'beta'))).toBeNull();
  });

  it('never lists inside the clauderon home', () => {
    const opt = { ...opts(), clauderonHome: join(root, 'home') };
    expect(listDirectory(root, opt).entries.map((e) => e.name)).not.toContain('home');
    const inside = listDirectory(join(root, 'home', '.clauderon', 'worktrees'), opt);
    expect(inside.path).toBe(root);
    expect(inside.entries.map((e) => e.name)).not.toContain('home');
  });

  it('says what is wrong with a path it cannot list, and never throws', () => {
    const missing = listDirectory(join(root, 'missing'), opts());
    expect(missing.entries).toEqual([]);
    expect(missing.error).toBe(`${join(root, 'missing')} does not exist`);
    expect(listDirectory(join(root, 'file.txt'), opts()).error).toBe(`${join(root, 'file.txt')} is not a directory`);
    expect(listDirectory('/', opts()).parent).toBeNull();
  });
});
