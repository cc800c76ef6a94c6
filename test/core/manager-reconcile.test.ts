// Reconcile with in-process fakes (manager-fixture.ts): the store compared with the fake backend
// and worktrees, and what it repairs.
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Session } from '../../src/shared/types.js';
import { session } from '../tui/fixtures.js';
import { later, makeFixture, type Fixture } from './manager-fixture.js';

let f: Fixture;
afterEach(() => f.close());

/** A session row whose worktree is a directory of the fixture. */
function row(over: Partial<Session> & { name: string }): Session {
  const s = session({ repoPath: f.git.repoRoot, worktreePath: join(f.paths.worktrees, over.name), backendId: `fake-${over.name}`, ...over });
  mkdirSync(s.worktreePath, { recursive: true });
  f.store.insertSession(s);
  return s;
}

describe('SessionManager.reconcile', () => {
  it('marks a running session whose backend object is gone failed', async () => {
    f = makeFixture();
    const s = row({ name: 'lost', status: 'running' });
    const items = await f.manager.reconcile();
    expect(items).toEqual([{ session: 'lost', kind: 'missing_backend', action: 'reported', detail: 'tmux session fake-lost is gone; marked failed' }]);
    expect(f.store.getSession(s.id)).toMatchObject({ status: 'failed', error: 'its tmux session is gone — archive and unarchive it to restart the agent, or delete it' });
    expect(later(f, s.id)).toMatchObject([{ kind: 'status', fromStatus: 'running', toStatus: 'failed' }]);
    expect(f.events.map((e) => e.type)).toEqual(['session.updated']);
  });

  it('leaves a session whose backend object runs alone, and completes one whose agent exited', async () => {
    f = makeFixture();
    const ok = row({ name: 'fine', status: 'running' });
    f.backend.objects.set('fake-fine', { state: 'running', exitCode: null });
    const done = row({ name: 'ended', status: 'idle' });
    f.backend.objects.set('fake-ended', { state: 'exited', exitCode: 0 });
    const items = await f.manager.reconcile();
    expect(items).toEqual([{ session: 'ended', kind: 'missing_backend', action: 'reported', detail: 'its agent exited with status 0; marked completed' }]);
    expect(f.store.getSession(ok.id)?.status).toBe('running');
    expect(f.store.getSession(done.id)).toMatchObject({ status: 'completed', agentStatus: 'idle', error: null });
  });

  it('rolls back a stale creating row completely: backend object, worktree, branch, row', async () => {
    f = makeFixture();
    const s = row({ name: 'half', status: 'creating', backendId: null });
    f.backend.objects.set('fake-half', { state: 'running', exitCode: null });
    f.git.branches.add('clauderon/half');
    const items = await f.manager.reconcile();
    expect(items).toEqual([{ session: 'half', kind: 'stale_creating', action: 'removed', detail: 'interrupted create rolled back' }]);
    expect(f.store.getSession(s.id)).toBeUndefined();
    expect(f.backend.calls).toContainEqual(['delete', 'fake-half']);
    expect(f.git.calls).toContainEqual(['deleteBranch', f.git.repoRoot, 'clauderon/half', { force: false }]);
    expect(existsSync(s.worktreePath)).toBe(false);
    expect(f.events.map((e) => e.type)).toEqual(['session.deleted']);
  });

  it('re-creates a lost worktree from its branch; without the branch the session is failed', async () => {
    f = makeFixture();
    const kept = row({ name: 'kept', status: 'archived' });
    const gone = row({ name: 'gone', status: 'archived' });
    f.git.branches.add('clauderon/kept');
    for (const s of [kept, gone]) rmSync(s.worktreePath, { recursive: true });
    const items = await f.manager.reconcile();
    expect(items.map((i) => `${i.session}:${i.kind}:${i.action}`).sort()).toEqual(['gone:missing_worktree:reported', 'kept:missing_worktree:repaired']);
    expect(f.git.calls).toContainEqual(['addExistingWorktree', f.git.repoRoot, kept.worktreePath, 'clauderon/kept']);
    expect(f.store.getSession(gone.id)).toMatchObject({ status: 'archived', error: `worktree ${gone.worktreePath} and branch clauderon/gone are gone — delete this session` });
  });

  it('removes orphans where the namespace is ours: backend objects and clean worktrees', async () => {
    f = makeFixture();
    f.backend.objects.set('fake-stray', { state: 'running', exitCode: null });
    mkdirSync(join(f.paths.worktrees, 'orphan'), { recursive: true });
    const items = await f.manager.reconcile();
    expect(items.map((i) => `${i.kind}:${i.action}`)).toEqual(['orphan_backend:removed', 'orphan_worktree:removed']);
    expect(f.backend.objects.size).toBe(0);
    expect(existsSync(join(f.paths.worktrees, 'orphan'))).toBe(false);
  });
});
