// A session's changes against the commit it started from: what the agent committed on its branch
// and what it has not committed yet (staged, unstaged and untracked files), as a file list and a
// unified diff. Read-only: no index or ref is touched (GIT_OPTIONAL_LOCKS=0), the patch is bounded.
import { execa } from 'execa';
import { ClauderonError } from '../shared/errors.js';
import type { DiffFile, SessionDiff } from '../shared/types.js';
import { gitEnv } from './git.js';

export type { DiffFile, SessionDiff };

const UNTRACKED_MAX = 200;

async function run(cwd: string, args: string[], maxBuffer = 64 * 1024 * 1024) {
  const r = await execa('git', args, { cwd, reject: false, env: gitEnv(), extendEnv: false, stdin: 'ignore', stripFinalNewline: false, maxBuffer });
  if (typeof r.exitCode !== 'number' && !r.isMaxBuffer) throw new ClauderonError('git', `could not run git in ${cwd}: ${r.shortMessage}`);
  return r;
}

/** Pathspec that leaves out `ignore` globs (files an agent keeps in the worktree as its home). */
function pathspec(ignore: readonly string[]): string[] {
  return ['--', '.', ...ignore.flatMap((g) => [`:(exclude,glob)${g}`, `:(exclude,glob)${g}/**`])];
}

export async function diffFromBase(worktree: string, base: string, o: { ignore?: readonly string[]; maxBytes?: number } = {}): Promise<SessionDiff> {
  const maxBytes = o.maxBytes ?? 1024 * 1024;
  const spec = pathspec(o.ignore ?? []);
  const verify = await run(worktree, ['rev-parse', '--verify', '--quiet', `${base}^{commit}`]);
  if (verify.exitCode !== 0) throw new ClauderonError('git', `the commit the session started from (${base.slice(0, 12)}) is not in its repository any more`);
  // the working tree against the base: commits on the branch, staged and unstaged changes together
  const [names, nums, untracked] = await Promise.all([
    run(worktree, ['diff', '--no-color', '--find-renames', '--name-status', '-z', base, ...spec]),
    run(worktree, ['diff', '--no-color', '--find-renames', '--numstat', '-z', base, ...spec]),
    run(worktree, ['ls-files', '--others', '--exclude-standard', '-z', ...spec]),
  ]);
  for (const r of [names, nums, untracked]) if (r.exitCode !== 0) throw new ClauderonError('git', `git diff in ${worktree} failed: ${r.stderr.trim().split('\n').pop() ?? ''}`);
  const files = parseNameStatus(names.stdout);
  const counts = parseNumstat(nums.stdout);
  for (const f of files) Object.assign(f, counts.get(f.path) ?? { additions: null, deletions: null });
  const patch = await run(worktree, ['diff', '--no-color', '--find-renames', base, ...spec], maxBytes);
  let text = patch.stdout;
  let truncated = Boolean(patch.isMaxBuffer);
  const extra = untracked.stdout.split('\0').filter(Boolean);
  for (const path of extra.slice(0, UNTRACKED_MAX)) {
    // an untracked file is all additions: `git diff --no-index /dev/null FILE` (exit 1 = differences)
    const one = await run(worktree, ['diff', '--no-color', '--no-index', '--numstat', '--', '/dev/null', path]);
    const [add = '-', del = '-'] = one.stdout.trim().split('\t');
    files.push({ path, status: 'A', additions: add === '-' ? null : Number(add), deletions: del === '-' ? null : Number(del) });
    if (text.length < maxBytes) {
      const p = await run(worktree, ['diff', '--no-color', '--no-index', '--', '/dev/null', path], maxBytes);
      text += p.stdout;
    }
  }
  if (extra.length > UNTRACKED_MAX) truncated = true;
  if (Buffer.byteLength(text) > maxBytes) {
    text = Buffer.from(text).subarray(0, maxBytes).toString('utf8');
    truncated = true;
  }
  files.sort((a, b) => a.path.localeCompare(b.path));
  return { base, files, patch: text, truncated };
}

function parseNameStatus(out: string): DiffFile[] {
  const parts = out.split('\0').filter((p) => p !== '');
  const files: DiffFile[] = [];
  for (let i = 0; i < parts.length; ) {
    const code = parts[i++] ?? '';
    const kind = code[0] ?? 'M';
    if (kind === 'R' || kind === 'C') {
      i++; // the old name
      files.push({ path: parts[i++] ?? '', status: 'R', additions: null, deletions: null });
    } else {
      files.push({ path: parts[i++] ?? '', status: (['A', 'M', 'D', 'T'].includes(kind) ? kind : 'M') as DiffFile['status'], additions: null, deletions: null });
    }
  }
  return files;
}

function parseNumstat(out: string): Map<string, { additions: number | null; deletions: number | null }> {
  // "ADD\tDEL\tPATH\0", or for a rename "ADD\tDEL\t\0OLD\0NEW\0"
  const m = new Map<string, { additions: number | null; deletions: number | null }>();
  const parts = out.split('\0');
  for (let i = 0; i < parts.length; i++) {
    const [add, del, path] = (parts[i] ?? '').split('\t');
    if (add === undefined || del === undefined) continue;
    const counts = { additions: add === '-' ? null : Number(add), deletions: del === '-' ? null : Number(del) };
    if (path === '') {
      i += 2; // old and new name follow
      m.set(parts[i] ?? '', counts);
    } else if (path !== undefined) m.set(path, counts);
  }
  return m;
}

/** The commit `branch` was created from: the first entry of its reflog (null when there is none). */
export async function branchStart(repoRoot: string, branch: string): Promise<string | null> {
  const r = await run(repoRoot, ['reflog', 'show', '--format=%H', `refs/heads/${branch}`, '--']);
  if (r.exitCode !== 0) return null;
  return r.stdout.trim().split('\n').filter(Boolean).at(-1) ?? null;
}
