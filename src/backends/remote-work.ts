// What the remote backends (Kubernetes, Sprites) share to bring an agent's work back: git run on
// this host in the session's worktree, and landing a bundle of the agent's commits onto the
// session's branch — fetched to refs/clauderon/<branch>, then fast-forwarded; when that cannot
// be done the commits stay at that ref and the error says how to merge them.
import { spawn } from 'node:child_process';
import { ClauderonError } from '../shared/errors.js';

/** git in `cwd` on this host; its stdout, or an error carrying its stderr. */
export function hostGit(cwd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`git ${args[0] ?? ''}: ${err.trim() || `exit ${code ?? '?'}`}`))));
  });
}

/** The bundle's `refs/heads/<branch>` onto that branch in the worktree; returns how many commits came (since `hostTip`). */
export async function landBundle(p: { worktreePath: string; branch: string }, hostTip: string, bundle: string): Promise<number> {
  const keep = `refs/clauderon/${p.branch}`;
  await hostGit(p.worktreePath, ['fetch', '-q', bundle, `+refs/heads/${p.branch}:${keep}`]);
  const count = Number((await hostGit(p.worktreePath, ['rev-list', '--count', `${hostTip}..${keep}`])).trim());
  try {
    await hostGit(p.worktreePath, ['merge', '-q', '--ff-only', keep]);
  } catch (e) {
    throw new ClauderonError(
      'conflict',
      `the agent's commits could not be fast-forwarded onto ${p.branch} in ${p.worktreePath} (${e instanceof Error ? e.message.split('\n')[0] : 'merge failed'}); they are kept at ${keep} — merge them yourself (git merge ${keep}), then try again`,
    );
  }
  return count;
}
