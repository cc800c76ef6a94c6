// Git worktree plumbing. Every call runs the real `git` binary with an argument
// array (never a shell string), `reject: false`, no prompts and a C locale, and
// turns failures into one-line ClauderonErrors. Nothing here touches the user's
// source worktree or index: we only add/remove linked worktrees and branches.
// (Over 400 lines: one function per git operation the product uses, each with its own failure
// messages; they share the runner and the error shaping above, and read best together.)

import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { ClauderonError } from '../shared/errors.js';

export interface RepoInfo {
  /** Real path (symlinks resolved) of the top level of the checkout containing the input path. */
  root: string;
  /** The input path relative to `root`, POSIX separators, '' at the root. */
  subdirectory: string;
  /** Real path of the repository's common git directory (shared by all worktrees). */
  commonDir: string;
  /** Full sha of the commit HEAD points at. */
  headSha: string;
  /** Short name of the checked-out branch (e.g. 'main'), or null when HEAD is detached. */
  headRef: string | null;
}

export interface WorktreeEntry {
  path: string;
  /** Short branch name (e.g. 'clauderon/x'), or null when detached or bare. */
  branch: string | null;
  /** Commit sha, '' for a bare entry. */
  head: string;
}

interface GitResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

// Variables that would point git at some other repository than the `cwd` we pass
// (e.g. when clauderon itself runs from a git hook).
const REPO_ENV_VARS = new Set([
  'GIT_DIR',
  'GIT_WORK_TREE',
  'GIT_INDEX_FILE',
  'GIT_COMMON_DIR',
  'GIT_OBJECT_DIRECTORY',
  'GIT_ALTERNATE_OBJECT_DIRECTORIES',
  'GIT_NAMESPACE',
  'GIT_PREFIX',
]);

export function gitEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !REPO_ENV_VARS.has(k)) env[k] = v;
  }
  env.GIT_TERMINAL_PROMPT = '0';
  // Don't take optional locks (e.g. `git status` refreshing the index).
  env.GIT_OPTIONAL_LOCKS = '0';
  // Stable, parseable messages.
  env.LC_ALL = 'C';
  return env;
}

/**
 * One worktree operation (add, remove, prune) at a time per repository: git's own `worktree add`
 * reads every other worktree's admin directory, and one being written beside it fails the add
 * ("failed to read .git/worktrees/x/commondir: Success") — several sessions of one repository are
 * often created at once. In-process: the daemon is the one writer of its sessions' worktrees.
 */
const worktreeQueues = new Map<string, Promise<unknown>>();
function oneAtATime<T>(repoRoot: string, fn: () => Promise<T>): Promise<T> {
  let key = path.resolve(repoRoot);
  try {
    key = fs.realpathSync(key);
  } catch {
    // (a missing repository fails in git, with git's message)
  }
  const prev = worktreeQueues.get(key) ?? Promise.resolve();
  const run = prev.then(fn, fn);
  const tail = run.then(
    () => undefined,
    () => undefined,
  );
  worktreeQueues.set(key, tail);
  void tail.then(() => {
    if (worktreeQueues.get(key) === tail) worktreeQueues.delete(key);
  });
  return run;
}

async function git(cwd: string, args: string[]): Promise<GitResult> {
  const r = await execa('git', args, {
    cwd,
    reject: false,
    env: gitEnv(),
    extendEnv: false,
    stdin: 'ignore',
    stripFinalNewline: true,
  });
  if (typeof r.exitCode !== 'number') {
    const cause = r.cause as NodeJS.ErrnoException | undefined;
    if (cause?.code === 'ENOENT' && fs.existsSync(cwd)) {
      throw new ClauderonError('git', 'git is not installed or not on PATH — install git and try again', {
        cause: r.cause,
      });
    }
    throw new ClauderonError('git', `could not run git in ${cwd}: ${oneLine(r.shortMessage ?? 'unknown error')}`, { cause: r.cause });
  }
  return { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr };
}

/** The most useful single line of git's stderr, without the `fatal:`/`error:` prefix. */
function oneLine(text: string): string {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const line = lines.find((l) => /^(fatal|error):/i.test(l)) ?? lines[0] ?? 'unknown error';
  return line.replace(/^(fatal|error):\s*/i, '');
}

function gitFailure(what: string, r: GitResult, hint?: string): ClauderonError {
  const msg = `${what} failed: ${oneLine(r.stderr || r.stdout)}`;
  return new ClauderonError('git', hint ? `${msg} — ${hint}` : msg);
}

function exists(p: string): boolean {
  try {
    fs.lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}

// ---------------------------------------------------------------------------

export async function resolveRepo(inputPath: string): Promise<RepoInfo> {
  const abs = path.resolve(inputPath);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(abs);
  } catch {
    throw new ClauderonError('invalid_input', `repository path ${abs} does not exist`, { field: 'repo' });
  }
  if (!stat.isDirectory()) {
    throw new ClauderonError(
      'invalid_input',
      `repository path ${abs} is a file, not a directory`,
      { field: 'repo' },
    );
  }
  const real = fs.realpathSync(abs);

  const probe = await git(real, ['rev-parse', '--is-bare-repository', '--is-inside-work-tree']);
  if (probe.exitCode !== 0) {
    const err = probe.stderr;
    if (/not a git repository/i.test(err)) {
      throw new ClauderonError(
        'invalid_input',
        `${abs} is not inside a git repository`,
        { field: 'repo' },
      );
    }
    if (/dubious ownership/i.test(err)) {
      throw new ClauderonError(
        'invalid_input',
        `git refuses to use ${abs} because it is owned by another user — add it to safe.directory (git config --global --add safe.directory <path>) or choose another repository`,
        { field: 'repo' },
      );
    }
    throw gitFailure(`git rev-parse in ${abs}`, probe);
  }
  const [bare, inside] = probe.stdout.split('\n').map((s) => s.trim());
  if (bare === 'true') {
    throw new ClauderonError(
      'invalid_input',
      `${abs} is a bare repository — a session needs a checkout (a non-bare clone)`,
      { field: 'repo' },
    );
  }
  if (inside !== 'true') {
    throw new ClauderonError(
      'invalid_input',
      `${abs} is not inside a git working tree (is it a .git directory?)`,
      { field: 'repo' },
    );
  }

  const top = await git(real, ['rev-parse', '--show-toplevel']);
  if (top.exitCode !== 0 || top.stdout.trim() === '') throw gitFailure(`git rev-parse --show-toplevel in ${abs}`, top);
  const root = fs.realpathSync(top.stdout.trim());

  const common = await git(root, ['rev-parse', '--git-common-dir']);
  if (common.exitCode !== 0) throw gitFailure(`git rev-parse --git-common-dir in ${root}`, common);
  const commonDir = fs.realpathSync(path.resolve(root, common.stdout.trim()));

  const head = await git(root, ['rev-parse', '--verify', '--quiet', 'HEAD^{commit}']);
  if (head.exitCode !== 0 || head.stdout.trim() === '') {
    throw new ClauderonError(
      'invalid_input',
      `repository ${root} has no commits yet — commit once, then create the session`,
      { field: 'repo' },
    );
  }
  const headSha = head.stdout.trim();

  const sym = await git(root, ['symbolic-ref', '--quiet', 'HEAD']);
  let headRef: string | null = null;
  if (sym.exitCode === 0) {
    const ref = sym.stdout.trim();
    headRef = ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : ref;
  } else if (sym.exitCode !== 1) {
    throw gitFailure(`git symbolic-ref HEAD in ${root}`, sym);
  }

  const rel = path.relative(root, real);
  const subdirectory = rel === '' ? '' : toPosix(rel);

  return { root, subdirectory, commonDir, headSha, headRef };
}

/**
 * Refuse a subdirectory that a worktree made from `repo.headSha` would not have (untracked, a file
 * or symlink in that commit, a submodule): the agent would start somewhere else — tmux, for one,
 * falls back to its own working directory when `-c` names a missing one.
 */
export async function checkSubdirectoryInHead(repo: RepoInfo): Promise<void> {
  if (repo.subdirectory === '') return;
  // `<sha>:<path>` takes the path literally, relative to the top level
  const r = await git(repo.root, ['cat-file', '-t', `${repo.headSha}:${repo.subdirectory}`]);
  const type = r.exitCode === 0 ? r.stdout.trim() : null;
  if (type === 'tree') return;
  const what = type === 'commit' ? 'is a submodule in HEAD, whose files a new worktree does not have' : type ? `is not a directory in HEAD (a ${type === 'blob' ? 'file or symlink' : type})` : 'is not in HEAD (untracked or uncommitted)';
  throw new ClauderonError(
    'invalid_input',
    `${repo.subdirectory} ${what}: the session's worktree is made from HEAD (${repo.headSha.slice(0, 12)}), so the agent could not start there — commit it, or use the repository root (${repo.root})`,
    { field: 'repo' },
  );
}

export async function branchExists(repoRoot: string, branch: string): Promise<boolean> {
  if (!isValidBranchName(branch)) return false;
  const r = await git(repoRoot, ['show-ref', '--verify', '--quiet', `refs/heads/${branch}`]);
  if (r.exitCode === 0) return true;
  if (r.exitCode === 1) return false;
  throw gitFailure(`git show-ref in ${repoRoot}`, r);
}

export async function addWorktree(
  repoRoot: string,
  worktreePath: string,
  branch: string,
  startPoint = 'HEAD',
): Promise<void> {
  if (!isValidBranchName(branch)) {
    throw new ClauderonError('invalid_input', `'${branch}' is not a valid git branch name — choose another name`, { field: 'name' });
  }
  const target = path.resolve(worktreePath);
  if (exists(target)) {
    throw new ClauderonError(
      'git',
      `worktree path ${target} already exists — remove it or choose another session name`,
      { field: 'name' },
    );
  }
  if (await branchExists(repoRoot, branch)) {
    throw new ClauderonError(
      'git',
      `branch ${branch} already exists in ${repoRoot} — choose another session name or delete the branch (git branch -D ${branch})`,
      { field: 'name' },
    );
  }
  await oneAtATime(repoRoot, async () => {
    const r = await git(repoRoot, ['worktree', 'add', '-b', branch, '--', target, startPoint]);
    if (r.exitCode !== 0) {
      // git may have created the branch before failing to check it out: undo that.
      if (await branchExists(repoRoot, branch).catch(() => false)) {
        await git(repoRoot, ['branch', '-D', branch]).catch(() => undefined);
      }
      await git(repoRoot, ['worktree', 'prune']).catch(() => undefined);
      throw gitFailure(`git worktree add ${target}`, r);
    }
  });
}

/**
 * Re-creates a worktree for a branch that already exists (`git worktree add <path> <branch>`),
 * e.g. when a session's worktree directory was deleted but its branch survived.
 */
export async function addExistingWorktree(repoRoot: string, worktreePath: string, branch: string): Promise<void> {
  const target = path.resolve(worktreePath);
  if (exists(target)) {
    throw new ClauderonError('git', `worktree path ${target} already exists — remove it or choose another session name`);
  }
  if (!(await branchExists(repoRoot, branch))) {
    throw new ClauderonError('git', `branch ${branch} does not exist in ${repoRoot} — cannot re-create its worktree`);
  }
  await oneAtATime(repoRoot, async () => {
    const r = await git(repoRoot, ['worktree', 'add', '--', target, branch]);
    if (r.exitCode !== 0) {
      await git(repoRoot, ['worktree', 'prune']).catch(() => undefined);
      const hint = /already (checked out|used by worktree)/i.test(r.stderr) ? 'remove the other worktree first' : undefined;
      throw gitFailure(`git worktree add ${target}`, r, hint);
    }
  });
}

/**
 * For a directory that is the top level of a git worktree (linked or main), the real path
 * of the repository's main worktree (the bare directory for a bare repository); null when
 * `dir` is missing, not a git worktree, or only a subdirectory of one.
 */
export async function mainRepoOf(dir: string): Promise<string | null> {
  let real: string;
  try {
    real = fs.realpathSync(dir);
    if (!fs.statSync(real).isDirectory()) return null;
  } catch {
    return null;
  }
  const top = await git(real, ['rev-parse', '--show-toplevel']);
  if (top.exitCode !== 0 || top.stdout.trim() === '') return null;
  let topReal: string;
  try {
    topReal = fs.realpathSync(top.stdout.trim());
  } catch {
    return null;
  }
  if (topReal !== real) return null;
  const list = await git(real, ['worktree', 'list', '--porcelain']);
  if (list.exitCode !== 0) return null;
  const first = list.stdout.split('\n').find((l) => l.startsWith('worktree '));
  if (!first) return null;
  try {
    return fs.realpathSync(first.slice('worktree '.length));
  } catch {
    return null;
  }
}

/**
 * Uncommitted changes in a worktree. `ignore` holds glob pathspecs of files an agent keeps there
 * that are not the user's work (e.g. a container agent's home directory files).
 */
export async function isDirty(worktreePath: string, ignore: readonly string[] = []): Promise<boolean> {
  if (!exists(worktreePath)) {
    throw new ClauderonError('git', `worktree ${worktreePath} does not exist — cannot check it for changes`);
  }
  const pathspec = ignore.length > 0 ? ['--', '.', ...ignore.map((g) => `:(exclude,glob)${g}`), ...ignore.map((g) => `:(exclude,glob)${g}/**`)] : [];
  const r = await git(worktreePath, ['status', '--porcelain=v1', '-z', '--untracked-files=normal', ...pathspec]);
  if (r.exitCode !== 0) throw gitFailure(`git status in ${worktreePath}`, r);
  return r.stdout.length > 0;
}

/** The absolute git common dir of a worktree (where its commits land). */
export async function gitCommonDir(worktreePath: string): Promise<string> {
  const r = await git(worktreePath, ['rev-parse', '--path-format=absolute', '--git-common-dir']);
  if (r.exitCode !== 0) throw gitFailure(`git rev-parse --git-common-dir in ${worktreePath}`, r);
  return r.stdout.trim();
}

export async function pruneWorktrees(repoRoot: string): Promise<void> {
  await oneAtATime(repoRoot, async () => {
    const r = await git(repoRoot, ['worktree', 'prune']);
    if (r.exitCode !== 0) throw gitFailure(`git worktree prune in ${repoRoot}`, r);
  });
}

export async function removeWorktree(
  repoRoot: string,
  worktreePath: string,
  opts: { force: boolean },
): Promise<void> {
  worktreePath = path.resolve(worktreePath);
  if (exists(worktreePath)) {
    const args = ['worktree', 'remove'];
    if (opts.force) args.push('--force');
    args.push('--', worktreePath);
    const r = await oneAtATime(repoRoot, () => git(repoRoot, args));
    if (r.exitCode !== 0) {
      if (!opts.force && /modified or untracked files/i.test(r.stderr)) {
        throw new ClauderonError(
          'conflict',
          `worktree ${worktreePath} has uncommitted changes — commit or stash them, or use --force`,
        );
      }
      if (/is locked/i.test(r.stderr)) {
        throw gitFailure(`git worktree remove ${worktreePath}`, r, `unlock it with git worktree unlock ${worktreePath}`);
      }
      throw gitFailure(`git worktree remove ${worktreePath}`, r);
    }
  }
  await pruneWorktrees(repoRoot);
}

export async function uniqueCommitCount(repoRoot: string, branch: string): Promise<number> {
  if (!(await branchExists(repoRoot, branch))) return 0;
  // --exclude patterns for --branches are matched without the refs/heads/ prefix.
  // Valid branch names contain no glob characters, so this excludes exactly `branch`.
  const r = await git(repoRoot, [
    'rev-list',
    '--count',
    `refs/heads/${branch}`,
    '--not',
    `--exclude=${branch}`,
    '--branches',
    '--remotes',
    '--tags',
  ]);
  if (r.exitCode !== 0) throw gitFailure(`git rev-list for branch ${branch}`, r);
  const n = Number.parseInt(r.stdout.trim(), 10);
  if (!Number.isFinite(n)) throw new ClauderonError('git', `git rev-list printed an unexpected count: ${r.stdout.trim()}`);
  return n;
}

export async function deleteBranch(
  repoRoot: string,
  branch: string,
  opts: { force: boolean },
): Promise<{ deleted: boolean; uniqueCommits: number }> {
  if (!(await branchExists(repoRoot, branch))) return { deleted: false, uniqueCommits: 0 };
  const uniqueCommits = await uniqueCommitCount(repoRoot, branch);
  if (uniqueCommits > 0 && !opts.force) return { deleted: false, uniqueCommits };
  const r = await git(repoRoot, ['branch', '-D', '--', branch]);
  if (r.exitCode !== 0) {
    const hint = /checked out/i.test(r.stderr) ? 'remove its worktree first' : undefined;
    throw gitFailure(`git branch -D ${branch}`, r, hint);
  }
  return { deleted: true, uniqueCommits };
}

export async function listWorktrees(repoRoot: string): Promise<WorktreeEntry[]> {
  const r = await git(repoRoot, ['worktree', 'list', '--porcelain']);
  if (r.exitCode !== 0) throw gitFailure(`git worktree list in ${repoRoot}`, r);
  const out: WorktreeEntry[] = [];
  let cur: WorktreeEntry | null = null;
  for (const line of r.stdout.split('\n')) {
    if (line.startsWith('worktree ')) {
      if (cur) out.push(cur);
      cur = { path: line.slice('worktree '.length), branch: null, head: '' };
    } else if (cur && line.startsWith('HEAD ')) {
      cur.head = line.slice('HEAD '.length);
    } else if (cur && line.startsWith('branch ')) {
      const ref = line.slice('branch '.length);
      cur.branch = ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : ref;
    }
  }
  if (cur) out.push(cur);
  return out;
}

/**
 * git check-ref-format rules for `refs/heads/<name>`, plus git-branch's own
 * rules (no leading '-', not 'HEAD'). Pure and synchronous.
 */
export function isValidBranchName(name: string): boolean {
  if (name === '' || name === '@' || name === 'HEAD') return false;
  if (name.startsWith('-') || name.startsWith('/') || name.endsWith('/') || name.endsWith('.')) return false;
  if (name.includes('..') || name.includes('@{') || name.includes('//')) return false;
  for (const ch of name) {
    const c = ch.codePointAt(0) ?? 0;
    if (c < 0x20 || c === 0x7f) return false;
    if (' ~^:?*[\\'.includes(ch)) return false;
  }
  for (const component of name.split('/')) {
    if (component === '' || component.startsWith('.') || component.endsWith('.lock')) return false;
  }
  return true;
}
