// SessionManager: the lifecycle of sessions. Lives in the daemon; every change goes through the
// store (status changes are event rows) and is pushed to subscribers. This is the facade the
// daemon calls; the work is split by concern:
//
//   context.ts    ManagerDeps, the busy set, exclusive, backendOf, transition/update, progress
//   create.ts     limits and name, validate, the create steps (steps.ts runs them, with rollback)
//   launch.ts     the one launch spec (settings file, argv, proxy, env, backend context)
//   lifecycle.ts  archive, unarchive, refresh, delete (and teardown)
//   status.ts     agent status from hooks, screens and the exit report; history
//   reconcile.ts  the store against reality
//
// git enters as a service (ManagerDeps.git, git-service.ts) like every other side effect.
import { existsSync } from 'node:fs';
import { agentSpec } from '../agents/registry.js';
import { backendSpec } from '../backends/registry.js';
import type { SessionDiff } from '../git/diff.js';
import { ClauderonError } from '../shared/errors.js';
import type { ProgressEvent } from '../shared/events.js';
import type { AccessMode, AgentStatus, CreateResult, DeleteResult, FetchWorkResult, ListFilter, ReconcileItem, Session } from '../shared/types.js';
import { ManagerContext, type ManagerDeps } from './context.js';
import { Creator, type CreateRequest } from './create.js';
import { agentEnv, restoreProxies } from './launch.js';
import { archive, deleteSession, fetchWork, refresh, unarchive } from './lifecycle.js';
import { LivenessWatcher, reconcile } from './reconcile.js';
import { AgentStatuses } from './status.js';

export { LIVE_STATUSES, type ManagerDeps, type TransitionOptions } from './context.js';
export type { CreateRequest } from './create.js';
export type { GitService } from './git-service.js';

export class SessionManager {
  private readonly c: ManagerContext;
  private readonly creator: Creator;
  private readonly statuses: AgentStatuses;

  constructor(d: ManagerDeps) {
    this.c = new ManagerContext(d);
    this.creator = new Creator(this.c);
    this.statuses = new AgentStatuses(this.c);
  }

  list(filter: ListFilter = 'active'): Session[] {
    const all = this.c.store.listSessions();
    if (filter === 'all') return all;
    return all.filter((s) => (filter === 'archived') === (s.status === 'archived'));
  }

  get(nameOrId: string): Session {
    return this.c.get(nameOrId);
  }

  /** Validate → worktree → proxy → backend → hooks → finalize; a failure rolls back what was done. */
  create(req: CreateRequest, onProgress?: (e: ProgressEvent) => void): Promise<CreateResult> {
    return this.creator.create(req, onProgress);
  }

  archive(nameOrId: string): Promise<Session> {
    return archive(this.c, nameOrId);
  }

  unarchive(nameOrId: string): Promise<CreateResult> {
    return unarchive(this.c, nameOrId);
  }

  /**
   * Re-create a container session's object from its image (pulled first unless the policy is
   * "never"), keeping the worktree, the proxy and the conversation.
   */
  fetchWork(nameOrId: string): Promise<FetchWorkResult> {
    return fetchWork(this.c, nameOrId);
  }

  refresh(nameOrId: string): Promise<Session> {
    return refresh(this.c, nameOrId);
  }

  delete(nameOrId: string, opts: { force: boolean }): Promise<DeleteResult> {
    return deleteSession(this.c, nameOrId, opts);
  }

  async attachCommand(nameOrId: string): Promise<{ argv: string[]; detachHint: string; detachExitCodes: number[]; session: Session }> {
    const s = this.get(nameOrId);
    if (s.status === 'archived') throw new ClauderonError('conflict', `session ${s.name} is archived — unarchive it first`);
    if (s.status === 'creating' || s.status === 'deleting') throw new ClauderonError('conflict', `session ${s.name} is ${s.status}`);
    const backend = await this.c.backendOf(s);
    const reason = backend.unavailableReason();
    if (reason) throw new ClauderonError('backend_unavailable', reason);
    const id = s.backendId ?? backend.idFor(s.name);
    if (!(await backend.exists(id))) {
      throw new ClauderonError('backend', `the ${s.backend} session of ${s.name} is gone — reconcile`);
    }
    await backend.prepareAttach?.(id);
    return { argv: backend.attachCommand(id), detachHint: backend.detachHint, detachExitCodes: [...(backend.detachExitCodes ?? [])], session: s };
  }

  /**
   * The session's changes against the commit its branch started from: committed, staged, unstaged
   * and untracked, without what the agent keeps in the worktree as its home (a container's).
   */
  async diff(nameOrId: string): Promise<SessionDiff> {
    const s = this.get(nameOrId);
    if (!existsSync(s.worktreePath)) throw new ClauderonError('conflict', `the worktree of ${s.name} is gone — reconcile`);
    const base = this.c.store.getBaseCommit(s.id) ?? (await this.c.git.branchStart(s.repoPath, s.branchName));
    if (!base) throw new ClauderonError('not_found', `the commit ${s.name} started from is not known (the session is older than clauderon keeping it, and its branch has no reflog)`);
    const home = backendSpec(s.backend).capabilities.workspace !== null;
    const ignore = home ? [...((await this.c.backendOf(s)).agentFiles ?? []), ...agentSpec(s.agent).home.files] : [];
    return this.c.git.diffFromBase(s.worktreePath, base, { ignore });
  }

  /** What the agent's environment holds beyond the backend's base: placeholders, never a secret. */
  async agentEnvironment(nameOrId: string): Promise<Record<string, string>> {
    const s = this.get(nameOrId);
    const proxies = this.c.d.proxies;
    const proxy = s.proxyPort && proxies ? await proxies.envFor(s, s.proxyPort, s.skipChecks) : {};
    const env = { ...proxy, ...agentEnv(this.c, s) };
    const backend = await this.c.backendOf(s);
    return backend.translateEnv ? backend.translateEnv(env, this.c.store.getBackendOptions(s.id)) : env;
  }

  /** Change a session's access mode; its live proxy applies it to the very next request. */
  setAccessMode(nameOrId: string, mode: AccessMode): Session {
    const s = this.get(nameOrId);
    if (s.accessMode === mode) return s;
    const next = this.c.update(s, { accessMode: mode }, { kind: 'note', detail: `access mode ${s.accessMode} → ${mode}` });
    this.c.d.log.info('access mode changed', { name: s.name, mode });
    return next;
  }

  async output(nameOrId: string, lines: number): Promise<string> {
    const s = this.get(nameOrId);
    const backend = await this.c.backendOf(s);
    return backend.output(s.backendId ?? backend.idFor(s.name), lines);
  }

  /** Write a file where a remote runtime's agent reads it (Backend.writeAgentFile): an image attachment. */
  async writeAgentFile(nameOrId: string, path: string, data: Buffer): Promise<void> {
    const s = this.get(nameOrId);
    const backend = await this.c.backendOf(s);
    if (!backend.writeAgentFile) throw new ClauderonError('invalid_input', `the ${s.backend} backend cannot copy files to where its agent runs`);
    await backend.writeAgentFile(s.backendId ?? backend.idFor(s.name), path, data);
  }

  /**
   * `startup`: the daemon's own pass at start, which skips asking a container engine for orphans
   * when no session uses it (loading its client costs more than the rest of the pass).
   */
  reconcile(opts: { startup?: boolean } = {}): Promise<ReconcileItem[]> {
    return reconcile(this.c, opts);
  }

  /** The watcher that marks a session whose agent exited or whose backend object died (start it once). */
  livenessWatcher(intervalMs?: number): LivenessWatcher {
    return new LivenessWatcher(this.c, intervalMs);
  }

  /**
   * After a daemon restart: every live session's proxy back on its own port (its running agent
   * still points there). One that cannot come back says so on the session, where list and TUI show it.
   */
  restoreProxies(stopping: () => boolean): Promise<void> {
    return restoreProxies(this.c, stopping);
  }

  /**
   * A hook event from an agent. Refused (not_found) unless the token is the session's own; maps
   * the event to an agentStatus and records a change (store row, event row, pushed event) — O(1).
   */
  recordHook(sessionId: string, token: string, payload: unknown): { agentStatus: AgentStatus; changed: boolean } {
    return this.statuses.recordHook(sessionId, token, payload);
  }

  /** The screens of agents without hooks (codex, gemini), read for their status; how many were. */
  watchScreens(): Promise<number> {
    return this.statuses.watchScreens();
  }

  /** The agent's transcript, one parsed line each ([] when there is none yet; see status.ts). */
  history(nameOrId: string): Promise<unknown[]> {
    return this.statuses.history(nameOrId);
  }

  /** Where the agent's transcript is (real path; null when none yet) and the real roots it must stay in (see status.ts). */
  transcriptLocation(nameOrId: string): Promise<{ file: string | null; roots: string[]; shape: (lines: readonly unknown[]) => unknown[] }> {
    return this.statuses.transcriptLocation(nameOrId);
  }
}
