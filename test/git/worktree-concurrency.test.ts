// Several sessions of one repository created at once: `git worktree add` run side by side in one
// repository races inside git (one add reads another's half-written .git/worktrees/<name>/ —
// "failed to read .git/worktrees/x/commondir: Success", seen in `npm run bench` with 50 concurrent
// Kubernetes creates). The daemon runs a repository's worktree adds, removes and prunes one at a
// time; this creates and removes many at once, with real git, and every one must succeed.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { addWorktree, removeWorktree } from '../../src/git/git.js';

const tmp = realpathSync(mkdtempSync(join(tmpdir(), 'clrn-wt-race-')));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const env = { ...process.env, GIT_AUTHOR_NAME: 'T', GIT_AUTHOR_EMAIL: 't@example.invalid', GIT_COMMITTER_NAME: 'T', GIT_COMMITTER_EMAIL: 't@example.invalid', GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' };
const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, env, encoding: 'utf8' }).trim();

const COUNT = 40;

describe('worktrees of one repository, many at once', () => {
  it(`${COUNT} concurrent adds, then ${COUNT} concurrent removes, all succeed`, async () => {
    const repo = join(tmp, 'repo');
    mkdirSync(join(repo, 'src'), { recursive: true });
    for (let i = 0; i < 200; i++) writeFileSync(join(repo, 'src', `f${i}.txt`), `${i}\n`);
    git(repo, 'init', '-q', '-b', 'main');
    git(repo, 'add', '.');
    git(repo, 'commit', '-qm', 'init');
    const head = git(repo, 'rev-parse', 'HEAD');
    const wt = (i: number) => join(tmp, 'wts', `w${i}`);
    const added = await Promise.allSettled(Array.from({ length: COUNT }, (_, i) => addWorktree(repo, wt(i), `clauderon/w${i}`, head)));
    expect(added.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []))).toEqual([]);
    const listed = git(repo, 'worktree', 'list', '--porcelain').split('\n').filter((l) => l.startsWith('worktree '));
    expect(listed).toHaveLength(COUNT + 1);
    const removed = await Promise.allSettled(Array.from({ length: COUNT }, (_, i) => removeWorktree(repo, wt(i), { force: false })));
    expect(removed.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []))).toEqual([]);
    expect(git(repo, 'worktree', 'list', '--porcelain').split('\n').filter((l) => l.startsWith('worktree '))).toHaveLength(1);
  }, 120_000);
});
