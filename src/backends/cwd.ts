// The one check every backend makes before it starts an agent: its working directory must be a
// real directory inside the session's worktree. A path the worktree lacks, or one that leads out
// of it (a symlink the agent left there, say, pointing at the clauderon home), must never become
// the agent's starting point — tmux silently falls back to its own working directory when `-c`
// names a missing one.
import { realpath, stat } from 'node:fs/promises';
import { isAbsolute, relative } from 'node:path';
import { ClauderonError } from '../shared/errors.js';

export interface CheckedCwd {
  /** The real path of the worktree. */
  worktree: string;
  /** The real path of the working directory (inside `worktree`). */
  cwd: string;
  /** `cwd` relative to `worktree`, POSIX separators, '' at its top. */
  relative: string;
}

/** Real paths of `cwd` and `worktreePath`, or a ClauderonError saying why the agent must not start there. */
export async function checkAgentCwd(cwd: string, worktreePath: string): Promise<CheckedCwd> {
  const worktree = await realpath(worktreePath).catch(() => null);
  if (worktree === null || !(await isDirectory(worktree))) {
    throw new ClauderonError('conflict', `the worktree ${worktreePath} is missing — reconcile, or delete the session`);
  }
  const real = await realpath(cwd).catch(() => null);
  if (real === null || !(await isDirectory(real))) {
    throw new ClauderonError(
      'conflict',
      `the agent's working directory ${cwd} does not exist in the worktree (or is not a directory) — restore it there, or delete the session and create it with --repo pointing at a committed directory or the repository root`,
    );
  }
  const rel = relative(worktree, real);
  if (rel.startsWith('..') || isAbsolute(rel)) {
    throw new ClauderonError(
      'conflict',
      `the agent's working directory ${cwd} leads out of its worktree ${worktreePath} (to ${real}, through a symlink) — the agent is not started there; remove the link, or delete the session`,
    );
  }
  return { worktree, cwd: real, relative: rel.split('\\').join('/') };
}

async function isDirectory(p: string): Promise<boolean> {
  return (await stat(p).catch(() => null))?.isDirectory() === true;
}
