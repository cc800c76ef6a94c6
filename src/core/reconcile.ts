// Reconcile: compare the store with reality and repair what is safe — an interrupted create or
// delete rolled back, a lost worktree re-created from its branch, a session whose agent exited or
// whose backend object is gone marked so, orphan backend objects (where the namespace is ours)
// and clean orphan worktrees removed. Sessions under an operation (busy) are left alone.
import { readdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { backendSpec } from '../backends/registry.js';
import { errorMessage } from '../shared/errors.js';
import { BACKENDS, type BackendName, type ReconcileItem, type Session } from '../shared/types.js';
import type { Backend, BackendHealth } from '../backends/types.js';
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
        // (it ended while nobody listened, e.g. the daemon was down)
        const item = applyHealth(c, s, id, await backend.health(id), 'found by reconcile');
        if (item) items.push(item);
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

/**
 * What a backend says of a session's object, applied: its agent exited → completed (with its exit
 * status); its object is gone → failed. Null when nothing changed (running, or already completed).
 */
export function applyHealth(c: ManagerContext, s: Session, id: string, health: BackendHealth, how: string): ReconcileItem | null {
  if (health.state === 'exited' && s.status !== 'completed') {
    agentExited(c, s, health.exitCode, how);
    return { session: s.name, kind: 'missing_backend', action: 'reported', detail: `its agent exited with status ${health.exitCode ?? 'unknown'}; marked completed` };
  }
  if (health.state === 'missing') {
    c.transition(s, 'failed', { error: `its ${s.backend} session is gone — archive and unarchive it to restart the agent, or delete it`, detail: `${s.backend} session ${id} is gone (${how})` });
    return { session: s.name, kind: 'missing_backend', action: 'reported', detail: `${s.backend} session ${id} is gone; marked failed` };
  }
  return null;
}

/** How often a backend without an event stream is asked about its live sessions (one call for all). */
export const LIVENESS_INTERVAL_MS = 1500;
/** How long an object's burst of events is let settle before it is looked at. */
const EVENT_SETTLE_MS = 200;

/**
 * The daemon learns by itself that a live session's agent exited or its backend object died
 * (`tmux kill-session`, a removed container): no per-session loop. Every tick looks at the
 * store; for each backend with live (running/idle) sessions it asks once for all of them
 * (healthOf: one `tmux list-sessions`, one `zellij list-sessions`), or, for a backend with an
 * event stream (Docker), keeps that stream open instead. A backend without live sessions costs
 * nothing: no call, no stream (and config.toml is not even read). Completed, failed and archived
 * sessions are never watched. Sessions under an operation are left to it.
 */
export class LivenessWatcher {
  private timer: NodeJS.Timeout | null = null;
  private ticking = false;
  private stopped = false;
  /** Open event streams, by backend, with the stop of each. */
  private readonly streams = new Map<BackendName, () => void>();
  /** After a stream broke: not before this time again (ms since epoch). */
  private readonly retryAt = new Map<BackendName, number>();

  constructor(
    private readonly c: ManagerContext,
    private readonly intervalMs = LIVENESS_INTERVAL_MS,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const close of this.streams.values()) close();
    this.streams.clear();
  }

  /** Live sessions no operation holds, by backend. */
  private live(): Map<BackendName, Session[]> {
    const out = new Map<BackendName, Session[]>();
    for (const s of this.c.store.listSessions()) {
      if ((s.status !== 'running' && s.status !== 'idle') || this.c.busy.has(s.name)) continue;
      out.set(s.backend, [...(out.get(s.backend) ?? []), s]);
    }
    return out;
  }

  /** One look (the timer's; tests call it directly). */
  async tick(): Promise<void> {
    if (this.ticking || this.stopped) return;
    this.ticking = true;
    try {
      const live = this.live();
      for (const [b, close] of this.streams) {
        if (live.has(b)) continue;
        close(); // its last live session ended: nothing left to hear about
        this.streams.delete(b);
      }
      if (live.size === 0) return;
      const backends = this.c.d.backends(await this.c.d.loadConfig());
      for (const [b, sessions] of live) {
        const backend = backends[b];
        if (backend.unavailableReason()) continue;
        if (backend.watch) this.ensureStream(b, backend);
        else if (backend.healthOf) await this.check(b, backend, sessions, (ids) => backend.healthOf?.(ids) ?? Promise.resolve(new Map<string, BackendHealth>()));
      }
    } catch (e) {
      this.c.d.log.warn('liveness check failed', { error: errorMessage(e) });
    } finally {
      this.ticking = false;
    }
  }

  /** Ask once for all `sessions` of backend `b`; apply what changed to those still as they were. */
  private async check(b: BackendName, backend: Backend, sessions: Session[], ask: (ids: string[]) => Promise<Map<string, BackendHealth>>): Promise<void> {
    const idOf = (s: Session) => s.backendId ?? backend.idFor(s.name);
    const health = await ask(sessions.map(idOf));
    for (const before of sessions) {
      const h = health.get(idOf(before));
      if (!h || h.state === 'running' || this.stopped) continue;
      // (an operation may have started, or the session changed, while the backend was asked)
      const s = this.c.store.getSession(before.id);
      if (!s || s.updatedAt !== before.updatedAt || s.status !== before.status || this.c.busy.has(s.name)) continue;
      const item = applyHealth(this.c, s, idOf(s), h, `found by the ${b} liveness check`);
      if (item) this.c.d.log.info('liveness', { item });
    }
  }

  /** Backend `b`'s event stream, opened once (and again after it broke, at most every 5 s). */
  private ensureStream(b: BackendName, backend: Backend): void {
    if (this.streams.has(b) || Date.now() < (this.retryAt.get(b) ?? 0)) return;
    const idOf = (s: Session) => s.backendId ?? backend.idFor(s.name);
    /** Look at the live sessions of `b` (only the one whose object is `only`, when given). */
    const look = (only?: string) => {
      const sessions = (this.live().get(b) ?? []).filter((s) => only === undefined || idOf(s) === only);
      if (sessions.length === 0) return; // (an object of another session, or of none)
      const ask = async (ids: string[]): Promise<Map<string, BackendHealth>> =>
        only === undefined && backend.healthOf ? backend.healthOf(ids) : new Map(await Promise.all(ids.map(async (id) => [id, await backend.health(id)] as const)));
      this.check(b, backend, sessions, ask).catch((e: unknown) => this.c.d.log.warn('liveness check failed', { backend: b, error: errorMessage(e) }));
    };
    const stream: { close?: () => void } = {};
    let closed = false;
    // An object's events come in bursts (`docker rm -f`: kill, die, destroy): one look after the
    // burst sees how it ended (gone, not merely exited).
    const pending = new Map<string, NodeJS.Timeout>();
    this.streams.set(b, () => {
      closed = true;
      for (const t of pending.values()) clearTimeout(t);
      stream.close?.();
    });
    stream.close = backend.watch?.({
      onChange: (id) => {
        clearTimeout(pending.get(id));
        pending.set(
          id,
          setTimeout(() => {
            pending.delete(id);
            if (!closed) look(id);
          }, EVENT_SETTLE_MS),
        );
      },
      // what happened before it was open: one look at all
      onOpen: () => look(),
      onError: (e) => {
        if (closed) return;
        this.c.d.log.warn('event stream broke', { backend: b, error: errorMessage(e) });
        this.streams.get(b)?.();
        this.streams.delete(b);
        this.retryAt.set(b, Date.now() + 5000);
      },
    });
    if (closed) stream.close?.();
  }
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
