// The manager's lifecycle with in-process fakes (manager-fixture.ts): create → archive →
// unarchive → delete calls the backend, the proxies and git as expected; busy sessions refuse.
import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { makeFixture, type Fixture } from './manager-fixture.js';

let f: Fixture;
afterEach(() => f.close());

describe('SessionManager lifecycle', () => {
  it('create → archive → unarchive → delete', async () => {
    f = makeFixture({ proxies: true, hooks: true });
    const { session } = await f.manager.create(f.request());
    const proxies = f.proxies!;
    expect(proxies.calls).toEqual([['start', session.id]]);
    f.backend.calls.length = 0;
    f.git.calls.length = 0;
    proxies.calls.length = 0;
    f.events.length = 0;

    // archive: a terminal backend's object is deleted (it has no stop), the proxy stopped
    const archived = await f.manager.archive('fix');
    expect(archived.status).toBe('archived');
    expect(f.backend.calls).toEqual([['delete', 'fake-fix']]);
    expect(proxies.calls).toEqual([['stop', session.id]]);
    expect(f.git.calls).toEqual([]);
    expect(f.events.map((e) => e.type)).toEqual(['session.updated']);
    expect(f.store.listEvents(session.id).at(-1)).toMatchObject({ kind: 'status', fromStatus: 'running', toStatus: 'archived', detail: 'archived by user' });
    await expect(f.manager.archive('fix')).rejects.toThrow('session fix is already archived');
    await expect(f.manager.attachCommand('fix')).rejects.toThrow('session fix is archived — unarchive it first');

    // unarchive: a new proxy, the agent created again from the same launch spec, resuming
    f.backend.calls.length = 0;
    proxies.calls.length = 0;
    const { session: back } = await f.manager.unarchive('fix');
    expect(back).toMatchObject({ status: 'running', backendId: 'fake-fix', proxyPort: 41001, error: null });
    expect(proxies.calls).toEqual([['start', session.id]]);
    expect(f.backend.calls).toEqual([['create', 'fix']]);
    const ctx = f.backend.contexts.at(-1);
    expect(ctx?.argv.slice(0, 2)).toEqual(['sh', '-c']);
    expect(ctx?.argv).toContain('--resume');
    expect(ctx?.argv).not.toContain('fix the bug'); // a restart never re-sends the prompt
    expect(ctx?.env.HTTPS_PROXY).toBe('http://127.0.0.1:41001');
    expect(f.store.listEvents(session.id).at(-1)).toMatchObject({ kind: 'status', fromStatus: 'archived', toStatus: 'running', detail: 'unarchived by user' });
    await expect(f.manager.unarchive('fix')).rejects.toThrow('session fix is not archived (it is running)');

    // delete: checked for changes, then backend, proxy, worktree and branch
    f.backend.calls.length = 0;
    f.git.calls.length = 0;
    proxies.calls.length = 0;
    f.events.length = 0;
    f.git.dirty = true;
    await expect(f.manager.delete('fix', { force: false })).rejects.toThrow(`the worktree of fix has uncommitted changes (${session.worktreePath}) — commit them, or force the delete to discard them`);
    expect(f.store.getSession(session.id)?.status).toBe('running');
    f.git.dirty = false;
    f.git.calls.length = 0;
    const { notes } = await f.manager.delete('fix', { force: false });
    expect(notes).toEqual([]);
    expect(f.git.calls).toEqual([
      ['isDirty', session.worktreePath, []],
      ['removeWorktree', f.git.repoRoot, session.worktreePath, { force: true }],
      ['branchExists', f.git.repoRoot, 'clauderon/fix'],
      ['deleteBranch', f.git.repoRoot, 'clauderon/fix', { force: false }],
    ]);
    expect(f.backend.calls).toEqual([['delete', 'fake-fix']]);
    expect(proxies.calls).toEqual([['stop', session.id]]);
    expect(existsSync(session.worktreePath)).toBe(false);
    expect(f.store.listSessions()).toEqual([]);
    expect(f.events.map((e) => (e.type === 'create.progress' ? e.type : 'session' in e ? `${e.type}:${e.session.status}` : e.type))).toEqual(['session.updated:deleting', 'session.deleted:deleting']);
  });

  it('a failed unarchive stays archived and stops the proxy it started', async () => {
    f = makeFixture({ proxies: true });
    await f.manager.create(f.request());
    await f.manager.archive('fix');
    f.backend.failCreate = new Error('no tmux server');
    f.proxies!.calls.length = 0;
    await expect(f.manager.unarchive('fix')).rejects.toThrow('no tmux server');
    expect(f.proxies!.calls.map((c) => c[0])).toEqual(['start', 'stop']);
    expect(f.manager.get('fix').status).toBe('archived');
  });

  it('a failed teardown marks the session failed with the reason', async () => {
    f = makeFixture();
    const { session } = await f.manager.create(f.request());
    f.git.removeWorktree = () => Promise.reject(new Error('worktree is locked'));
    await expect(f.manager.delete('fix', { force: true })).rejects.toThrow('worktree is locked');
    expect(f.store.getSession(session.id)).toMatchObject({ status: 'failed', error: 'delete failed: worktree is locked' });
  });

  it('refresh is for containers; an operation under way makes others wait their turn', async () => {
    f = makeFixture();
    await f.manager.create(f.request());
    await expect(f.manager.refresh('fix')).rejects.toThrow('refresh re-creates a container; fix runs on tmux — archive and unarchive it to restart its agent');
    const archiving = f.manager.archive('fix');
    await expect(f.manager.delete('fix', { force: true })).rejects.toThrow('session fix is busy with another operation — try again');
    await archiving;
  });
});
