// A session's diff with real git: a worktree on its own branch, commits on it, staged, unstaged
// and untracked changes, a binary file, ignored agent files — all against the commit it started
// from, and never touching the index (the diff is read-only).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { branchStart, diffFromBase } from '../../src/git/diff.js';
import { addWorktree } from '../../src/git/git.js';

const tmp = realpathSync(mkdtempSync(join(tmpdir(), 'clrn-diff-')));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const repo = join(tmp, 'repo');
const wt = join(tmp, 'wt');
const env = { ...process.env, GIT_AUTHOR_NAME: 'T', GIT_AUTHOR_EMAIL: 't@example.invalid', GIT_COMMITTER_NAME: 'T', GIT_COMMITTER_EMAIL: 't@example.invalid', GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' };
const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, env, encoding: 'utf8' }).trim();

mkdirSync(repo);
writeFileSync(join(repo, 'keep.txt'), 'one\ntwo\n');
writeFileSync(join(repo, 'gone.txt'), 'bye\n');
writeFileSync(join(repo, 'old-name.txt'), 'a file that will be renamed\nwith enough content to be found again\n');
git(repo, 'init', '-q', '-b', 'main');
git(repo, 'add', '.');
git(repo, 'commit', '-qm', 'init');
const base = git(repo, 'rev-parse', 'HEAD');

describe('diffFromBase', () => {
  it('shows committed, staged, unstaged and untracked changes against the start, and nothing of main’s later commits', async () => {
    await addWorktree(repo, wt, 'clauderon/s', base);
    expect(await branchStart(repo, 'clauderon/s')).toBe(base);
    // the agent's work: one commit, then uncommitted changes of every kind
    writeFileSync(join(wt, 'committed.txt'), 'c\n');
    git(wt, 'add', 'committed.txt');
    git(wt, 'commit', '-qm', 'agent commit');
    writeFileSync(join(wt, 'keep.txt'), 'one\nTWO\nthree\n'); // unstaged
    git(wt, 'mv', 'old-name.txt', 'new-name.txt'); // staged rename
    git(wt, 'rm', '-q', 'gone.txt'); // staged deletion
    writeFileSync(join(wt, 'untracked.txt'), 'u1\nu2\n');
    writeFileSync(join(wt, 'blob.bin'), Buffer.from([0, 1, 2, 3, 0, 255]));
    mkdirSync(join(wt, '.claude', 'projects'), { recursive: true });
    writeFileSync(join(wt, '.claude', 'projects', 't.jsonl'), '{}\n'); // an agent's home file
    // meanwhile the user commits on main: not the session's change
    writeFileSync(join(repo, 'mainline.txt'), 'm\n');
    git(repo, 'add', 'mainline.txt');
    git(repo, 'commit', '-qm', 'main moves on');
    const index = readFileSync(join(repo, '.git', 'worktrees', 'wt', 'index'));

    const d = await diffFromBase(wt, base, { ignore: ['.claude/projects'] });
    expect(d.base).toBe(base);
    expect(d.truncated).toBe(false);
    expect(d.files).toEqual([
      { path: 'blob.bin', status: 'A', additions: null, deletions: null },
      { path: 'committed.txt', status: 'A', additions: 1, deletions: 0 },
      { path: 'gone.txt', status: 'D', additions: 0, deletions: 1 },
      { path: 'keep.txt', status: 'M', additions: 2, deletions: 1 },
      { path: 'new-name.txt', status: 'R', additions: 0, deletions: 0 },
      { path: 'untracked.txt', status: 'A', additions: 2, deletions: 0 },
    ]);
    expect(d.patch).toContain('+TWO');
    expect(d.patch).toContain('+three');
    expect(d.patch).toContain('rename from old-name.txt');
    expect(d.patch).toContain('+u2');
    expect(d.patch).not.toContain('mainline');
    expect(d.patch).not.toContain('t.jsonl');
    // read-only: the worktree's index is as it was
    expect(readFileSync(join(repo, '.git', 'worktrees', 'wt', 'index'))).toEqual(index);
  });

  it('bounds the patch and says so; refuses a base that is not a commit', async () => {
    writeFileSync(join(wt, 'big.txt'), `${'x'.repeat(100)}\n`.repeat(2000));
    const d = await diffFromBase(wt, base, { maxBytes: 10_000 });
    expect(d.truncated).toBe(true);
    expect(Buffer.byteLength(d.patch)).toBeLessThanOrEqual(10_000);
    expect(d.files.map((f) => f.path)).toContain('big.txt');
    await expect(diffFromBase(wt, 'f'.repeat(40))).rejects.toThrow(/is not in its repository/);
  });
});
