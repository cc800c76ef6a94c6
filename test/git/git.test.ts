import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ClauderonError } from '../../src/shared/errors.js';
import {
  addExistingWorktree,
  addWorktree,
  branchExists,
  deleteBranch,
  isDirty,
  isValidBranchName,
  listWorktrees,
  mainRepoOf,
  pruneWorktrees,
  removeWorktree,
  resolveRepo,
  uniqueCommitCount,
} from '../../src/git/git.js';

// ---------------------------------------------------------------------------
// Isolated git environment for this test process (and the module under test,
// which inherits process.env).

const ENV_OVERRIDES: Record<string, string> = {
  GIT_AUTHOR_NAME: 'Test Author',
  GIT_AUTHOR_EMAIL: 'author@example.com',
  GIT_COMMITTER_NAME: 'Test Committer',
  GIT_COMMITTER_EMAIL: 'committer@example.com',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: os.devNull,
  GIT_CEILING_DIRECTORIES: fs.realpathSync(os.tmpdir()),
};
const savedEnv: Record<string, string | undefined> = {};

beforeAll(() => {
  for (const [k, v] of Object.entries(ENV_OVERRIDES)) {
    savedEnv[k] = process.env[k];
    process.env[k] = v;
  }
});

afterAll(() => {
  for (const [k, v] of Object.entries(savedEnv)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

let tmp: string;
let repo: string;

beforeEach(() => {
  tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'clauderon-git-')));
  repo = path.join(tmp, 'repo');
  fs.mkdirSync(repo);
  sh(repo, 'init', '-q', '-b', 'main');
  fs.writeFileSync(path.join(repo, 'README.md'), 'committed readme\n');
  fs.writeFileSync(path.join(repo, '.gitignore'), '*.log\n');
  fs.mkdirSync(path.join(repo, 'a', 'b'), { recursive: true });
  fs.writeFileSync(path.join(repo, 'a', 'b', 'deep.txt'), 'deep\n');
  sh(repo, 'add', '-A');
  sh(repo, 'commit', '-q', '-m', 'initial');
});

afterEach(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

function sh(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trimEnd();
}

function commitFile(cwd: string, file: string, content: string, message: string): void {
  fs.writeFileSync(path.join(cwd, file), content);
  sh(cwd, 'add', '--', file);
  sh(cwd, 'commit', '-q', '-m', message);
}

async function expectClauderonError(p: Promise<unknown>, code: string, message: RegExp | string): Promise<ClauderonError> {
  let caught: unknown;
  try {
    await p;
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(ClauderonError);
  const err = caught as ClauderonError;
  expect(err.code).toBe(code);
  if (typeof message === 'string') expect(err.message).toContain(message);
  else expect(err.message).toMatch(message);
  expect(err.message).not.toContain('\n');
  return err;
}

const read = (p: string): string => fs.readFileSync(p, 'utf8');

// ---------------------------------------------------------------------------

describe('resolveRepo', () => {
  it('resolves the repository root', async () => {
    const info = await resolveRepo(repo);
    expect(info).toEqual({
      root: repo,
      subdirectory: '',
      commonDir: path.join(repo, '.git'),
      headSha: sh(repo, 'rev-parse', 'HEAD'),
      headRef: 'main',
    });
    expect(info.headSha).toMatch(/^[0-9a-f]{40}$/);
  });

  it('resolves from a nested subdirectory', async () => {
    const info = await resolveRepo(path.join(repo, 'a', 'b'));
    expect(info.root).toBe(repo);
    expect(info.subdirectory).toBe('a/b');
    expect(info.commonDir).toBe(path.join(repo, '.git'));
  });

  it('resolves symlinks so the same repo always has the same root', async () => {
    const linkToSub = path.join(tmp, 'link-to-a');
    fs.symlinkSync(path.join(repo, 'a'), linkToSub);
    const viaSub = await resolveRepo(path.join(linkToSub, 'b'));
    expect(viaSub.root).toBe(repo);
    expect(viaSub.subdirectory).toBe('a/b');

    const linkToRoot = path.join(tmp, 'link-to-repo');
    fs.symlinkSync(repo, linkToRoot);
    const viaRoot = await resolveRepo(linkToRoot);
    expect(viaRoot.root).toBe(repo);
    expect(viaRoot.subdirectory).toBe('');
  });

  it('reports a detached HEAD as headRef null', async () => {
    commitFile(repo, 'second.txt', '2\n', 'second');
    sh(repo, 'checkout', '-q', '--detach', 'HEAD~1');
    const info = await resolveRepo(repo);
    expect(info.headRef).toBeNull();
    expect(info.headSha).toBe(sh(repo, 'rev-parse', 'HEAD'));
  });

  it('inside a linked worktree, root is the worktree and commonDir the main .git', async () => {
    const wt = path.join(tmp, 'wt');
    await addWorktree(repo, wt, 'feature');
    const info = await resolveRepo(path.join(wt, 'a'));
    expect(info.root).toBe(wt);
    expect(info.subdirectory).toBe('a');
    expect(info.commonDir).toBe(path.join(repo, '.git'));
    expect(info.headRef).toBe('feature');
  });

  it('rejects a path that does not exist', async () => {
    const missing = path.join(tmp, 'nope');
    await expectClauderonError(resolveRepo(missing), 'invalid_input', `repository path ${missing} does not exist`);
  });

  it('rejects a file', async () => {
    const file = path.join(repo, 'README.md');
    await expectClauderonError(resolveRepo(file), 'invalid_input', `${file} is a file`);
  });

  it('rejects a directory outside any repository', async () => {
    const plain = path.join(tmp, 'plain');
    fs.mkdirSync(plain);
    await expectClauderonError(
      resolveRepo(plain),
      'invalid_input',
      `${plain} is not inside a git repository`,
    );
  });

  it('rejects a bare repository', async () => {
    const bare = path.join(tmp, 'bare.git');
    sh(tmp, 'init', '-q', '--bare', bare);
    await expectClauderonError(resolveRepo(bare), 'invalid_input', /bare repository/);
  });

  it('rejects a .git directory', async () => {
    await expectClauderonError(resolveRepo(path.join(repo, '.git')), 'invalid_input', /not inside a git working tree/);
  });

  it('rejects a repository with no commits yet', async () => {
    const empty = path.join(tmp, 'empty');
    fs.mkdirSync(empty);
    sh(empty, 'init', '-q', '-b', 'main');
    await expectClauderonError(
      resolveRepo(empty),
      'invalid_input',
      `${empty} has no commits yet — commit once, then create the session`,
    );
  });
});

// ---------------------------------------------------------------------------

describe('addWorktree', () => {
  it('creates a branch at HEAD with committed files only, leaving the source untouched', async () => {
    // Uncommitted work in the source repo: modified, staged, untracked, ignored.
    fs.writeFileSync(path.join(repo, 'README.md'), 'modified, not committed\n');
    fs.writeFileSync(path.join(repo, 'staged.txt'), 'staged\n');
    sh(repo, 'add', 'staged.txt');
    fs.writeFileSync(path.join(repo, 'untracked.txt'), 'untracked\n');
    fs.writeFileSync(path.join(repo, 'debug.log'), 'ignored\n');
    const statusBefore = sh(repo, 'status', '--porcelain', '--ignored');
    const headBefore = sh(repo, 'rev-parse', 'HEAD');
    expect(statusBefore).not.toBe('');

    const wt = path.join(tmp, 'worktrees', 'one');
    await addWorktree(repo, wt, 'clauderon/one');

    expect(await branchExists(repo, 'clauderon/one')).toBe(true);
    expect(sh(repo, 'rev-parse', 'refs/heads/clauderon/one')).toBe(headBefore);
    expect(sh(wt, 'rev-parse', 'HEAD')).toBe(headBefore);
    expect(sh(wt, 'symbolic-ref', '--short', 'HEAD')).toBe('clauderon/one');

    // The worktree has the committed content only.
    expect(read(path.join(wt, 'README.md'))).toBe('committed readme\n');
    expect(read(path.join(wt, 'a', 'b', 'deep.txt'))).toBe('deep\n');
    expect(fs.existsSync(path.join(wt, 'staged.txt'))).toBe(false);
    expect(fs.existsSync(path.join(wt, 'untracked.txt'))).toBe(false);
    expect(fs.existsSync(path.join(wt, 'debug.log'))).toBe(false);
    expect(sh(wt, 'status', '--porcelain')).toBe('');

    // The source repo is exactly as it was.
    expect(sh(repo, 'status', '--porcelain', '--ignored')).toBe(statusBefore);
    expect(sh(repo, 'rev-parse', 'HEAD')).toBe(headBefore);
    expect(sh(repo, 'symbolic-ref', '--short', 'HEAD')).toBe('main');
    expect(read(path.join(repo, 'README.md'))).toBe('modified, not committed\n');
    expect(read(path.join(repo, 'staged.txt'))).toBe('staged\n');
    expect(read(path.join(repo, 'untracked.txt'))).toBe('untracked\n');
    expect(read(path.join(repo, 'debug.log'))).toBe('ignored\n');
    expect(sh(repo, 'diff', '--cached', '--name-only')).toBe('staged.txt');
  });

  it('honours an explicit start point', async () => {
    const first = sh(repo, 'rev-parse', 'HEAD');
    commitFile(repo, 'second.txt', '2\n', 'second');
    const wt = path.join(tmp, 'wt');
    await addWorktree(repo, wt, 'from-first', first);
    expect(sh(wt, 'rev-parse', 'HEAD')).toBe(first);
    expect(fs.existsSync(path.join(wt, 'second.txt'))).toBe(false);
  });

  it('fails with code git when the branch already exists', async () => {
    sh(repo, 'branch', 'taken');
    const wt = path.join(tmp, 'wt');
    await expectClauderonError(addWorktree(repo, wt, 'taken'), 'git', /branch taken already exists/);
    expect(fs.existsSync(wt)).toBe(false);
    expect((await listWorktrees(repo)).length).toBe(1);
  });

  it('fails with code git when the path already exists', async () => {
    const wt = path.join(tmp, 'occupied');
    fs.mkdirSync(wt);
    fs.writeFileSync(path.join(wt, 'keep.txt'), 'mine\n');
    await expectClauderonError(addWorktree(repo, wt, 'fresh'), 'git', `${wt} already exists`);
    expect(await branchExists(repo, 'fresh')).toBe(false);
    expect(read(path.join(wt, 'keep.txt'))).toBe('mine\n');
  });

  it('fails with code git for a bad start point and leaves no branch behind', async () => {
    const wt = path.join(tmp, 'wt');
    await expectClauderonError(addWorktree(repo, wt, 'fresh', 'no-such-ref'), 'git', /git worktree add/);
    expect(await branchExists(repo, 'fresh')).toBe(false);
    expect(fs.existsSync(wt)).toBe(false);
  });

  it('rejects an invalid branch name as invalid_input', async () => {
    await expectClauderonError(addWorktree(repo, path.join(tmp, 'wt'), 'bad..name'), 'invalid_input', /not a valid git branch name/);
  });
});

describe('addExistingWorktree', () => {
  it('re-creates a worktree for an existing branch, keeping its commits', async () => {
    const wt = path.join(tmp, 'wt');
    await addWorktree(repo, wt, 'again');
    commitFile(wt, 'work.txt', 'work\n', 'work');
    const tip = sh(wt, 'rev-parse', 'HEAD');
    fs.rmSync(wt, { recursive: true, force: true });
    await pruneWorktrees(repo);

    await addExistingWorktree(repo, wt, 'again');
    expect(sh(wt, 'rev-parse', 'HEAD')).toBe(tip);
    expect(sh(wt, 'symbolic-ref', '--short', 'HEAD')).toBe('again');
    expect(read(path.join(wt, 'work.txt'))).toBe('work\n');
  });

  it('fails with code git when the branch does not exist or the path exists', async () => {
    await expectClauderonError(addExistingWorktree(repo, path.join(tmp, 'wt'), 'nope'), 'git', /branch nope does not exist/);
    expect(fs.existsSync(path.join(tmp, 'wt'))).toBe(false);
    sh(repo, 'branch', 'b1');
    fs.mkdirSync(path.join(tmp, 'busy'));
    await expectClauderonError(addExistingWorktree(repo, path.join(tmp, 'busy'), 'b1'), 'git', /already exists/);
  });

  it('fails with code git when the branch is checked out elsewhere', async () => {
    await expectClauderonError(addExistingWorktree(repo, path.join(tmp, 'wt'), 'main'), 'git', /git worktree add/);
    expect(fs.existsSync(path.join(tmp, 'wt'))).toBe(false);
  });
});

describe('mainRepoOf', () => {
  it('returns the main checkout for a linked worktree and for the main checkout itself', async () => {
    const wt = path.join(tmp, 'wt');
    await addWorktree(repo, wt, 'linked');
    expect(await mainRepoOf(wt)).toBe(repo);
    expect(await mainRepoOf(repo)).toBe(repo);
  });

  it('returns null for a subdirectory, a plain directory and a missing path', async () => {
    const plain = path.join(tmp, 'plain');
    fs.mkdirSync(plain);
    expect(await mainRepoOf(path.join(repo, 'a'))).toBeNull();
    expect(await mainRepoOf(plain)).toBeNull();
    expect(await mainRepoOf(path.join(tmp, 'missing'))).toBeNull();
  });

  it('returns null for a worktree whose repository is gone', async () => {
    const wt = path.join(tmp, 'wt');
    await addWorktree(repo, wt, 'linked');
    fs.rmSync(repo, { recursive: true, force: true });
    expect(await mainRepoOf(wt)).toBeNull();
  });
});

// ---------------------------------------------------------------------------

describe('isDirty', () => {
  let wt: string;
  beforeEach(async () => {
    wt = path.join(tmp, 'wt');
    await addWorktree(repo, wt, 'dirty-test');
  });

  it('is false for a clean worktree', async () => {
    expect(await isDirty(wt)).toBe(false);
  });

  it('is true for a modified tracked file', async () => {
    fs.appendFileSync(path.join(wt, 'README.md'), 'more\n');
    expect(await isDirty(wt)).toBe(true);
  });

  it('is true for a staged change', async () => {
    fs.writeFileSync(path.join(wt, 'new.txt'), 'x\n');
    sh(wt, 'add', 'new.txt');
    expect(await isDirty(wt)).toBe(true);
  });

  it('is true for an untracked file, including one in a new directory', async () => {
    fs.mkdirSync(path.join(wt, 'newdir'));
    fs.writeFileSync(path.join(wt, 'newdir', 'f.txt'), 'x\n');
    expect(await isDirty(wt)).toBe(true);
  });

  it('ignores ignored files', async () => {
    fs.writeFileSync(path.join(wt, 'build.log'), 'x\n');
    expect(await isDirty(wt)).toBe(false);
  });

  it('does not look at the source repo', async () => {
    fs.writeFileSync(path.join(repo, 'untracked.txt'), 'x\n');
    expect(await isDirty(wt)).toBe(false);
    expect(await isDirty(repo)).toBe(true);
  });
});

// ---------------------------------------------------------------------------

describe('removeWorktree / pruneWorktrees / listWorktrees', () => {
  let wt: string;
  beforeEach(async () => {
    wt = path.join(tmp, 'wt');
    await addWorktree(repo, wt, 'rm-test');
  });

  const listedPaths = async (): Promise<string[]> => (await listWorktrees(repo)).map((w) => w.path);

  it('lists the main checkout and linked worktrees with branches and heads', async () => {
    const head = sh(repo, 'rev-parse', 'HEAD');
    sh(repo, 'worktree', 'add', '-q', '--detach', path.join(tmp, 'detached'));
    const list = await listWorktrees(repo);
    // The main checkout comes first; git does not promise an order for linked ones.
    expect(list[0]).toEqual({ path: repo, branch: 'main', head });
    expect(list.slice(1).sort((a, b) => a.path.localeCompare(b.path))).toEqual([
      { path: path.join(tmp, 'detached'), branch: null, head },
      { path: wt, branch: 'rm-test', head },
    ]);
    // Same answer from inside a linked worktree.
    expect((await listWorktrees(wt)).map((w) => w.path).sort()).toEqual(list.map((w) => w.path).sort());
  });

  it('removes a clean worktree and keeps the branch', async () => {
    await removeWorktree(repo, wt, { force: false });
    expect(fs.existsSync(wt)).toBe(false);
    expect(await listedPaths()).toEqual([repo]);
    expect(await branchExists(repo, 'rm-test')).toBe(true);
  });

  it('refuses a dirty worktree without force (conflict) and keeps it', async () => {
    fs.writeFileSync(path.join(wt, 'work.txt'), 'precious\n');
    const err = await expectClauderonError(removeWorktree(repo, wt, { force: false }), 'conflict', 'has uncommitted changes');
    expect(err.message).toBe(`worktree ${wt} has uncommitted changes — commit or stash them, or use --force`);
    expect(read(path.join(wt, 'work.txt'))).toBe('precious\n');
    expect(await listedPaths()).toContain(wt);
  });

  it('refuses a worktree with modified tracked files without force', async () => {
    fs.appendFileSync(path.join(wt, 'README.md'), 'edit\n');
    await expectClauderonError(removeWorktree(repo, wt, { force: false }), 'conflict', 'has uncommitted changes');
    expect(fs.existsSync(wt)).toBe(true);
  });

  it('removes a dirty worktree with force', async () => {
    fs.writeFileSync(path.join(wt, 'work.txt'), 'discard me\n');
    fs.appendFileSync(path.join(wt, 'README.md'), 'edit\n');
    await removeWorktree(repo, wt, { force: true });
    expect(fs.existsSync(wt)).toBe(false);
    expect(await listedPaths()).toEqual([repo]);
  });

  it('only prunes when the directory is already gone', async () => {
    fs.rmSync(wt, { recursive: true, force: true });
    expect(sh(repo, 'worktree', 'list', '--porcelain')).toContain(`worktree ${wt}`);
    await removeWorktree(repo, wt, { force: false });
    expect(sh(repo, 'worktree', 'list', '--porcelain')).not.toContain(`worktree ${wt}`);
    // The branch is free again: it can be deleted now.
    expect(await deleteBranch(repo, 'rm-test', { force: false })).toEqual({ deleted: true, uniqueCommits: 0 });
  });

  it('pruneWorktrees drops worktrees whose directory vanished', async () => {
    fs.rmSync(wt, { recursive: true, force: true });
    expect(await listedPaths()).toContain(wt);
    await pruneWorktrees(repo);
    expect(await listedPaths()).toEqual([repo]);
  });

  it('does not touch the source repo', async () => {
    fs.writeFileSync(path.join(repo, 'untracked.txt'), 'keep\n');
    fs.appendFileSync(path.join(repo, 'README.md'), 'edit\n');
    const before = sh(repo, 'status', '--porcelain');
    await removeWorktree(repo, wt, { force: true });
    expect(sh(repo, 'status', '--porcelain')).toBe(before);
    expect(read(path.join(repo, 'untracked.txt'))).toBe('keep\n');
  });
});

// ---------------------------------------------------------------------------

describe('uniqueCommitCount / deleteBranch / branchExists', () => {
  const branch = 'clauderon/work';
  let wt: string;
  beforeEach(async () => {
    wt = path.join(tmp, 'wt');
    await addWorktree(repo, wt, branch);
  });

  it('branchExists', async () => {
    expect(await branchExists(repo, branch)).toBe(true);
    expect(await branchExists(repo, 'main')).toBe(true);
    expect(await branchExists(repo, 'clauderon')).toBe(false);
    expect(await branchExists(repo, 'nope')).toBe(false);
    expect(await branchExists(repo, 'bad..name')).toBe(false);
  });

  it('counts 0 for a fresh branch, 2 after two commits, 0 after merging into main', async () => {
    expect(await uniqueCommitCount(repo, branch)).toBe(0);
    commitFile(wt, 'one.txt', '1\n', 'one');
    commitFile(wt, 'two.txt', '2\n', 'two');
    expect(await uniqueCommitCount(repo, branch)).toBe(2);
    sh(repo, 'merge', '-q', '--no-edit', branch);
    expect(await uniqueCommitCount(repo, branch)).toBe(0);
  });

  it('counts commits covered by a tag or another branch as not unique', async () => {
    commitFile(wt, 'one.txt', '1\n', 'one');
    commitFile(wt, 'two.txt', '2\n', 'two');
    sh(repo, 'tag', 'v1', `${branch}~1`);
    expect(await uniqueCommitCount(repo, branch)).toBe(1);
    sh(repo, 'branch', 'other/work', branch);
    expect(await uniqueCommitCount(repo, branch)).toBe(0);
  });

  it('counts commits covered by a remote-tracking branch as not unique', async () => {
    commitFile(wt, 'one.txt', '1\n', 'one');
    sh(repo, 'update-ref', 'refs/remotes/origin/work', `refs/heads/${branch}`);
    expect(await uniqueCommitCount(repo, branch)).toBe(0);
  });

  it('is 0 for a branch that does not exist', async () => {
    expect(await uniqueCommitCount(repo, 'nope')).toBe(0);
  });

  it('keeps a branch with unique commits without force, deletes it with force', async () => {
    commitFile(wt, 'one.txt', '1\n', 'one');
    commitFile(wt, 'two.txt', '2\n', 'two');
    await removeWorktree(repo, wt, { force: false });

    expect(await deleteBranch(repo, branch, { force: false })).toEqual({ deleted: false, uniqueCommits: 2 });
    expect(await branchExists(repo, branch)).toBe(true);

    expect(await deleteBranch(repo, branch, { force: true })).toEqual({ deleted: true, uniqueCommits: 2 });
    expect(await branchExists(repo, branch)).toBe(false);
  });

  it('deletes a branch without unique commits without force', async () => {
    await removeWorktree(repo, wt, { force: false });
    expect(await deleteBranch(repo, branch, { force: false })).toEqual({ deleted: true, uniqueCommits: 0 });
    expect(await branchExists(repo, branch)).toBe(false);
  });

  it('reports a missing branch as not deleted', async () => {
    expect(await deleteBranch(repo, 'nope', { force: true })).toEqual({ deleted: false, uniqueCommits: 0 });
  });

  it('throws code git when the branch is still checked out in a worktree', async () => {
    await expectClauderonError(deleteBranch(repo, branch, { force: true }), 'git', /checked out.*remove its worktree first/);
    expect(await branchExists(repo, branch)).toBe(true);
  });
});

// ---------------------------------------------------------------------------

describe('isValidBranchName', () => {
  /** What git itself says about `name` as a branch name. */
  function gitAccepts(name: string): boolean {
    if (name.startsWith('-') || name === 'HEAD') return false; // git-branch's own rules
    if (name === '@') return false; // git allows it, but '@' means HEAD in revisions: we refuse it on purpose
    const r = spawnSync('git', ['check-ref-format', `refs/heads/${name}`], { stdio: 'ignore' });
    return r.status === 0;
  }

  const good = [
    'clauderon/fix-login-ab12',
    'main',
    'feature/x',
    'a.b',
    'a/b.c/d',
    'fix_123',
    'v1.2.3',
    'x@y',
    'a-',
    'ünïcödé',
    'a.loc',
    'lock.x',
  ];
  const bad = [
    '',
    '@',
    'HEAD',
    'a..b',
    '..',
    'a b',
    'a~1',
    'a^',
    'a:b',
    'a?',
    'a*',
    'a[b',
    'a\\b',
    'a\tb',
    'a\nb',
    'a\x7fb',
    'a\x01b',
    '-start',
    '/start',
    'end/',
    'end.lock',
    'dir.lock/x',
    'end.',
    'a@{b',
    'a//b',
    '.hidden',
    'dir/.hidden',
    'a/./b',
    'a/../b',
  ];

  it.each(good)('accepts %j', (name) => {
    expect(isValidBranchName(name)).toBe(true);
    expect(gitAccepts(name)).toBe(true);
  });

  it.each(bad)('rejects %j', (name) => {
    expect(isValidBranchName(name)).toBe(false);
  });

  it('agrees with git check-ref-format on every name in the table', () => {
    const disagreements = [...good, ...bad].filter((n) => isValidBranchName(n) !== gitAccepts(n));
    expect(disagreements).toEqual([]);
  });
});
