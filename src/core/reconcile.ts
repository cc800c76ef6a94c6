// Reconcile: compare the store with reality and repair what is safe — an interrupted create or
// delete rolled back, a lost worktree re-created from its branch, a session whose agent exited or
// whose backend object is gone marked so, orphan backend objects (where the namespace is ours)
// and clean orphan worktrees removed. Sessions under an operation (busy) are left alone.
import { readdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { backendSpec } from '../backends/registry.js';
import { errorMessage } from '../shared/errors.js';
import { BACKENDS, type ReconcileItem } from '../shared/types.js';
import type { ManagerContext } from './context.js';
import { teardown } from './lifecycle.js';
import { agentExited } from './status.js';

/**
 * `startup`: the daemon's own pass at start, which skips asking a container engine for orphans
 * when no session uses it (loading its client costs more than the rest of the pass).
 */
export async function reconcile(c: ManagerContext, opts: { startup?: boolean } = {}): Promise<ReconcileItem[]> {
  const config = await c.d.loadConfig();
  const backends = c.d.backends(config);
  const items: ReconcileItem[] = [];
  const sessions = c.store.listSessions();

  for (const s of sessions) {
    if (c.busy.has(s.name)) continue;
    const backend = backends[s.backend];
    try {
      if (s.status === 'creating' || s.status === 'deleting') {
        // A daemon died in the middle: nothing is running it now. Undo it completely.
        const notes = await teardown(c, s, false);
        c.store.deleteSession(s.id);
        c.emit({ type: 'session.deleted', session: s });
        items.push({
          session: s.name,
          kind: s.status === 'creating' ? 'stale_creating' : 'stale_deleting',
          action: 'removed',
          detail: [`interrupted ${s.status === 'creating' ? 'create' : 'delete'} rolled back`, ...notes].join('; '),
        });
        continue;
      }
      if (!existsSync(s.worktreePath)) {
        if (existsSync(s.repoPath) && (await c.git.branchExists(s.repoPath, s.branchName))) {
          await c.git.pruneWorktrees(s.repoPath);
          await c.git.addExistingWorktree(s.repoPath, s.worktreePath, s.branchName);
          items.push({ session: s.name, kind: 'missing_worktree', action: 'repaired', detail: `worktree re-created from branch ${s.branchName}` });
        } else {
          c.transition(s, s.status === 'archived' ? 'archived' : 'failed', {
            error: `worktree ${s.worktreePath} and branch ${s.branchName} are gone — delete this session`,
          });
          items.push({ session: s.name, kind: 'missing_worktree', action: 'reported', detail: `worktree and branch ${s.branchName} are gone` });
          continue;
        }
      }
      if ((s.status === 'running' || s.status === 'idle' || s.status === 'completed') && !backend.unavailableReason()) {
        const id = s.backendId ?? backend.idFor(s.name);
        const health = await backend.health(id);
        if (health.state === 'exited' && s.status !== 'completed') {
          // it ended while nobody listened (e.g. the daemon was down)
          agentExited(c, s, health.exitCode, 'found by reconcile');
          items.push({ session: s.name, kind: 'missing_backend', action: 'reported', detail: `its agent exited with status ${health.exitCode ?? 'unknown'}; marked completed` });
        } else if (health.state === 'missing') {
          c.transition(s, 'failed', { error: `its ${s.backend} session is gone — archive and unarchive it to restart the agent, or delete it` });
          items.push({ session: s.name, kind: 'missing_backend', action: 'reported', detail: `${s.backend} session ${id} is gone; marked failed` });
        }
      }
    } catch (e) {
      items.push({ session: s.name, kind: 'missing_backend', action: 'reported', detail: `could not check: ${errorMessage(e)}` });
    }
  }

  // Orphan backend objects, where the namespace is ours alone.
  const now = c.store.listSessions();
  const known = new Set(now.map((s) => s.backendId ?? backends[s.backend].idFor(s.name)));
  const used = new Set(now.map((s) => s.backend));
  const busyIds = new Set<string>();
  for (const n of c.busy) for (const b of BACKENDS) busyIds.add(backends[b].idFor(n));
  for (const b of BACKENDS) {
    const backend = backends[b];
    const caps = backendSpec(b).capabilities;
    if (backend.unavailableReason()) continue;
    // (at start, an engine's client is not loaded for a backend no session uses: it costs more than the pass)
    if (opts.startup && caps.container && !used.has(b)) continue;
    for (const id of await backend.listIds()) {
      if (known.has(id) || busyIds.has(id)) continue;
      if (caps.ownsNamespace) {
        await backend.delete(id);
        items.push({ session: null, kind: 'orphan_backend', action: 'removed', detail: `${b} session ${id} had no clauderon session; removed` });
      } else {
        items.push({ session: null, kind: 'orphan_backend', action: 'reported', detail: `${b} session ${id} has no clauderon session (not removed: ${b} sessions are shared with other homes)` });
      }
    }
  }

  // Orphan worktrees: directories under worktrees/ that no session owns.
  const owned = new Set(c.store.listSessions().map((s) => s.worktreePath));
  for (const n of c.busy) owned.add(join(c.d.paths.worktrees, n));
  for (const dir of await listDirs(c.d.paths.worktrees)) {
    if (owned.has(dir)) continue;
    items.push(await reconcileOrphanWorktree(c, dir));
  }
  if (items.length > 0) c.d.log.info('reconcile', { items });
  return items;
}

async function reconcileOrphanWorktree(c: ManagerContext, dir: string): Promise<ReconcileItem> {
  const base: Omit<ReconcileItem, 'action' | 'detail'> = { session: null, kind: 'orphan_worktree' };
  const repoRoot = await c.git.mainRepoOf(dir);
  if (!repoRoot) return { ...base, action: 'reported', detail: `${dir} is not a git worktree; left alone` };
  if (await c.git.isDirty(dir)) {
    return { ...base, action: 'reported', detail: `${dir} has uncommitted changes and no session; left alone (remove it yourself)` };
  }
  await c.git.removeWorktree(repoRoot, dir, { force: false });
  return { ...base, action: 'removed', detail: `${dir} had no session and no changes; removed (its branch is kept)` };
}

async function listDirs(root: string): Promise<string[]> {
  try {
    const entries = await readdir(root, { withFileTypes: true });
    return entries.filter((e) => e.isDirectory()).map((e) => join(root, e.name));
  } catch {
    return [];
  }
}
