// A session's life after create: archive (stop the agent and its proxy, keep the worktree),
// unarchive (start it again from the launch spec), refresh (a container re-created from its
// image) and delete (the backend object, the worktree and — when safe or forced — the branch;
// teardown is reconcile's too). Each holds the session exclusively while it runs.
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { agentExecutable, resolveAgentExecutable } from '../agents/agents.js';
import { agentSpec } from '../agents/registry.js';
import { backendSpec } from '../backends/registry.js';
import { reapSession } from '../backends/session-procs.js';
import type { Backend, BackendRequest } from '../backends/types.js';
import { ClauderonError, errorMessage } from '../shared/errors.js';
import type { CreateResult, DeleteResult, FetchWorkResult, Session } from '../shared/types.js';
import { LIVE_STATUSES, type ManagerContext } from './context.js';
import { launchSpec, type Launch } from './launch.js';

export async function archive(c: ManagerContext, nameOrId: string): Promise<Session> {
  return c.exclusive(nameOrId, async (s) => {
    if (s.status === 'archived') throw new ClauderonError('conflict', `session ${s.name} is already archived`);
    if (!LIVE_STATUSES.has(s.status)) throw new ClauderonError('conflict', `session ${s.name} is ${s.status} — try again when it is done`);
    const backend = await c.backendOf(s);
    if (s.backendId) {
      // a remote runtime's commits come home first (a failure refuses the archive: nothing stops)
      await fetchWorkOf(c, s, backend);
      // A container is stopped and kept (unarchive starts it again); a terminal session is ended.
      await (backend.stop ? backend.stop(s.backendId) : backend.delete(s.backendId));
    }
    await endLeftovers(c, s);
    await c.d.proxies?.stop(s.id);
    return c.transition(s, 'archived', { detail: 'archived by user' });
  });
}

export async function unarchive(c: ManagerContext, nameOrId: string): Promise<CreateResult> {
  return c.exclusive(nameOrId, async (s) => {
    if (s.status !== 'archived') throw new ClauderonError('conflict', `session ${s.name} is not archived (it is ${s.status})`);
    if (!existsSync(s.worktreePath)) {
      throw new ClauderonError('conflict', `the worktree ${s.worktreePath} is gone — reconcile, or delete the session`);
    }
    const config = await c.d.loadConfig();
    const backend = c.d.backends(config)[s.backend];
    const reason = backend.unavailableReason();
    if (reason) throw new ClauderonError('backend_unavailable', reason);
    if (!backendSpec(s.backend).capabilities.container) resolveAgentExecutable(s.agent, config, c.d.pathEnv);
    const options = c.store.getBackendOptions(s.id);
    const proxied = config.proxy.enabled && c.d.proxies !== undefined;
    let launch: Launch;
    let backendId: string;
    try {
      launch = await launchSpec(c, s, { config, backend, options, resume: true, proxy: proxied ? 'start' : null });
      if (launch.proxyPort !== null) c.store.updateSession(s.id, { proxyPort: launch.proxyPort });
      backendId = backend.resume ? await backend.resume(s.backendId ?? backend.idFor(s.name), launch.context) : await backend.create(launch.context);
    } catch (e) {
      // (e.g. its working directory now leads out of the worktree) it stays archived, without a proxy
      await c.d.proxies?.stop(s.id);
      throw e;
    }
    const next = c.transition(s, 'running', { detail: 'unarchived by user', patch: { backendId, error: null } });
    return { session: next, warnings: launch.warnings };
  });
}

/**
 * Re-create a container session's object from its image (pulled first unless the policy is
 * "never"), keeping the worktree, the proxy and the conversation.
 */
export async function refresh(c: ManagerContext, nameOrId: string): Promise<Session> {
  return c.exclusive(nameOrId, async (s) => {
    const config = await c.d.loadConfig();
    const backend = c.d.backends(config)[s.backend];
    if (!backendSpec(s.backend).capabilities.container || !backend.prepare) {
      throw new ClauderonError('invalid_input', `refresh re-creates a container; ${s.name} runs on ${s.backend} — archive and unarchive it to restart its agent`);
    }
    if (!LIVE_STATUSES.has(s.status)) throw new ClauderonError('conflict', `session ${s.name} is ${s.status} — refresh works on running sessions`);
    const stored = c.store.getBackendOptions<BackendRequest>(s.id) ?? {};
    // (the backend fetches its image again, as its pull policy allows)
    const options = await backend.prepare(stored, agentExecutable(s.agent, config), { refresh: true });
    c.store.setBackendOptions(s.id, options);
    const proxied = s.proxyPort !== null && c.d.proxies !== undefined;
    const launch = await launchSpec(c, s, { config, backend, options, resume: true, proxy: proxied ? 'start' : null });
    await backend.delete(s.backendId ?? backend.idFor(s.name));
    const backendId = await backend.create(launch.context);
    // (its proxy is normally the one already running, on the port the session has)
    const port = launch.proxyPort !== null ? { proxyPort: launch.proxyPort } : {};
    return c.transition(s, 'running', { detail: 'refreshed by user', patch: { backendId, error: null, ...port } });
  });
}

export async function deleteSession(c: ManagerContext, nameOrId: string, opts: { force: boolean }): Promise<DeleteResult> {
  return c.exclusive(nameOrId, async (s) => {
    if (s.status === 'creating') throw new ClauderonError('conflict', `session ${s.name} is still being created — wait, or reconcile if its daemon died`);
    // what the agent keeps in its home, when its home is the worktree, is not the user's work
    const backend = await c.backendOf(s);
    const home = backendSpec(s.backend).capabilities.workspace !== null;
    const agentFiles = home ? [...(backend.agentFiles ?? []), ...agentSpec(s.agent).home.files] : [];
    if (!opts.force && existsSync(s.worktreePath) && (await c.git.isDirty(s.worktreePath, agentFiles))) {
      throw new ClauderonError(
        'conflict',
        `the worktree of ${s.name} has uncommitted changes (${s.worktreePath}) — commit them, or force the delete to discard them`,
        { field: 'force' },
      );
    }
    // a remote runtime's commits come home before anything goes (forced: tried, and let go)
    if (s.status !== 'archived') await fetchBeforeDelete(c, s, backend, opts.force);
    const deleting = c.transition(s, 'deleting');
    try {
      const notes = await teardown(c, s, opts.force);
      c.store.deleteSession(s.id);
      c.emit({ type: 'session.deleted', session: deleting });
      c.d.log.info('session deleted', { name: s.name });
      return { session: deleting, notes };
    } catch (e) {
      c.transition(s, 'failed', { error: `delete failed: ${errorMessage(e)}` });
      throw e;
    }
  });
}

/**
 * Bring a remote runtime's commits back onto the session's branch (`clauderon fetch`, archive,
 * delete). Null when the backend has no remote copy, or its runtime is gone.
 */
export async function fetchWorkOf(c: ManagerContext, s: Session, backend: Backend): Promise<{ commits: number; dirty: boolean } | null> {
  if (!backend.fetchWork || !s.backendId) return null;
  const got = await backend.fetchWork(s.backendId, { worktreePath: s.worktreePath, branchName: s.branchName, sessionId: s.id });
  if (got && got.commits > 0) {
    c.store.addEvent({ sessionId: s.id, kind: 'note', detail: `fetched ${got.commits} commit${got.commits === 1 ? '' : 's'} from the ${s.backend} runtime onto ${s.branchName}` });
    c.d.log.info('fetched remote commits', { name: s.name, commits: got.commits });
  }
  return got;
}

/**
 * Delete's fetch: a failure (or uncommitted work left in the runtime) refuses the delete, saying
 * that forcing it loses those commits; forced, it is logged and the delete goes on.
 */
async function fetchBeforeDelete(c: ManagerContext, s: Session, backend: Backend, force: boolean): Promise<void> {
  let got: { commits: number; dirty: boolean } | null;
  try {
    got = await fetchWorkOf(c, s, backend);
  } catch (e) {
    const why = errorMessage(e);
    if (force) return c.d.log.warn('delete forced without the remote commits', { name: s.name, error: why });
    const conflict = e instanceof ClauderonError && e.code === 'conflict';
    throw new ClauderonError(
      'conflict',
      conflict ? `${why} — or force the delete (its unfetched commits are lost)` : `cannot bring back the agent's commits of ${s.name}: ${why} — fix that and try again, or force the delete (its unfetched commits are lost)`,
      { field: 'force' },
    );
  }
  if (got?.dirty && !force) {
    throw new ClauderonError('conflict', `the agent's workspace of ${s.name} has uncommitted changes (in its ${s.backend} runtime) — have the agent commit them, or force the delete to discard them`, { field: 'force' });
  }
}

/** `clauderon fetch NAME`: the agent's commits onto the session's branch now. */
export async function fetchWork(c: ManagerContext, nameOrId: string): Promise<FetchWorkResult> {
  return c.exclusive(nameOrId, async (s) => {
    const backend = await c.backendOf(s);
    if (!backend.fetchWork) {
      throw new ClauderonError('invalid_input', `${s.name} runs on ${s.backend}, which works in the worktree itself (${s.worktreePath}): there is nothing to fetch`);
    }
    if (!s.backendId) throw new ClauderonError('conflict', `session ${s.name} has no ${s.backend} object (it is ${s.status})`);
    const got = await fetchWorkOf(c, s, backend);
    if (!got) throw new ClauderonError('conflict', `the ${s.backend} runtime of ${s.name} is not running: nothing to fetch from (archive fetched what it had; unarchive starts it again)`);
    return { session: c.store.getSession(s.id) ?? s, commits: got.commits, dirty: got.dirty };
  });
}

/**
 * A host agent that outlives its terminal session (SIGHUP ignored, or slow to exit) is ended
 * before its files go: nothing of the session keeps running or writing.
 */
async function endLeftovers(c: ManagerContext, s: Session): Promise<void> {
  if (backendSpec(s.backend).capabilities.container) return;
  const killed = await reapSession(s.id);
  if (killed.length > 0) c.d.log.warn('agent processes outlived their session; killed', { name: s.name, pids: killed });
}

/** Remove the backend object, the worktree and (when safe or forced) the branch. */
export async function teardown(c: ManagerContext, s: Session, force: boolean): Promise<string[]> {
  const notes: string[] = [];
  const backend = await c.backendOf(s);
  await backend.delete(s.backendId ?? backend.idFor(s.name));
  await endLeftovers(c, s);
  await c.d.proxies?.stop(s.id);
  // What a container session kept beside the worktree (Claude's state, uploads).
  for (const dir of [join(c.d.paths.sessions, s.id), join(c.d.paths.uploads, s.id)]) rmSync(dir, { recursive: true, force: true });
  if (existsSync(s.repoPath)) {
    await c.git.removeWorktree(s.repoPath, s.worktreePath, { force: true });
    const r = (await c.git.branchExists(s.repoPath, s.branchName))
      ? await c.git.deleteBranch(s.repoPath, s.branchName, { force })
      : { deleted: false, uniqueCommits: 0 };
    if (!r.deleted && r.uniqueCommits > 0) {
      notes.push(
        `kept branch ${s.branchName}: it has ${r.uniqueCommits} commit${r.uniqueCommits === 1 ? '' : 's'} not on any other branch (delete with --force to remove it)`,
      );
    }
  } else {
    notes.push(`repository ${s.repoPath} is gone; removed nothing there`);
  }
  return notes;
}
