// The manager's create with in-process fakes (manager-fixture.ts): its steps, and a failure at
// each one rolling back exactly the steps done, in reverse, leaving no row.
import { afterEach, describe, expect, it } from 'vitest';
import type { CreateStep } from '../../src/shared/types.js';
import { makeFixture, steps, type Fixture } from './manager-fixture.js';

let f: Fixture;
afterEach(() => f.close());

describe('SessionManager.create', () => {
  it('runs validate → worktree → proxy → backend → hooks → finalize and starts the agent from the launch spec', async () => {
    f = makeFixture({ proxies: true, hooks: true });
    const { session, warnings } = await f.manager.create(f.request());
    expect(warnings).toEqual([]);
    expect(steps(f.progress)).toEqual(['validate:done', 'worktree:done', 'proxy:done', 'backend:done', 'hooks:done', 'finalize:done']);
    expect(session).toMatchObject({ name: 'fix', status: 'running', backendId: 'fake-fix', proxyPort: 41000, branchName: 'clauderon/fix' });
    expect(f.store.getSession(session.id)?.status).toBe('running');
    // git: checked, then the worktree from the commit validate saw
    expect(f.git.names()).toEqual(['resolveRepo', 'checkSubdirectoryInHead', 'branchExists', 'addWorktree']);
    expect(f.git.calls[3]).toEqual(['addWorktree', f.git.repoRoot, session.worktreePath, 'clauderon/fix', 'c0ffee']);
    // the backend got the agent under the exit report, the proxy's env and the session's own
    const ctx = f.backend.contexts[0];
    expect(ctx?.argv.slice(0, 2)).toEqual(['sh', '-c']);
    expect(ctx?.argv).toContain('--session-id');
    expect(ctx?.argv.slice(-2)).toEqual(['--', 'fix the bug']);
    expect(ctx?.env).toMatchObject({ HTTPS_PROXY: 'http://127.0.0.1:41000', CLAUDERON_SESSION_ID: session.id, CLAUDERON_SESSION_NAME: 'fix', CLAUDERON_HOOK_URL: 'http://127.0.0.1:9' });
    expect(ctx?.cwd).toBe(session.worktreePath);
    // events: created first; running pushed once, after finalize's done
    const kinds = f.events.map((e) => (e.type === 'create.progress' ? `${e.step}:${e.state}` : 'session' in e ? `${e.type}:${e.session.status}` : e.type));
    expect(kinds[0]).toBe('session.created:creating');
    expect(kinds.filter((k) => k.startsWith('session.updated'))).toEqual(['session.updated:running']);
    expect(kinds.indexOf('session.updated:running')).toBeGreaterThan(kinds.indexOf('finalize:done'));
    const rows = f.store.listEvents(session.id);
    expect(rows.filter((r) => r.kind === 'step').map((r) => r.detail?.split(' ')[0])).toEqual(['validate', 'worktree', 'proxy', 'backend', 'hooks', 'finalize']);
    expect(rows.some((r) => r.kind === 'status' && r.fromStatus === 'creating' && r.toStatus === 'running')).toBe(true);
  });

  it('has no proxy step without a proxy service and no hooks step without the HTTP API', async () => {
    f = makeFixture();
    const { session } = await f.manager.create(f.request());
    expect(steps(f.progress)).toEqual(['validate:done', 'worktree:done', 'backend:done', 'finalize:done']);
    expect(session.proxyPort).toBeNull();
    expect(f.backend.contexts[0]?.argv[0]).not.toBe('sh'); // no exit report without a hook URL
  });

  it('refuses at validate before anything is made: no row, no step, no git change', async () => {
    f = makeFixture({ proxies: true });
    f.git.branches.add('clauderon/fix');
    await expect(f.manager.create(f.request())).rejects.toThrow(`branch clauderon/fix already exists in ${f.git.repoRoot} — choose another name or delete the branch`);
    expect(f.store.listSessions()).toEqual([]);
    expect(f.events).toEqual([]);
    expect(f.git.names()).toEqual(['resolveRepo', 'checkSubdirectoryInHead', 'branchExists']);
    expect(f.proxies?.calls).toEqual([]);
    // the name and the slot were given back
    f.git.branches.clear();
    await expect(f.manager.create(f.request())).resolves.toMatchObject({ session: { name: 'fix' } });
  });

  const failures: { at: CreateStep; inject: (f: Fixture) => void; rolledBack: CreateStep[]; backendDeletes: string[]; proxyStops: number; gitUndo: boolean }[] = [
    { at: 'worktree', inject: (x) => (x.git.failAddWorktree = new Error('disk full')), rolledBack: [], backendDeletes: [], proxyStops: 0, gitUndo: false },
    { at: 'proxy', inject: (x) => x.proxies && (x.proxies.failStart = new Error('no port')), rolledBack: ['worktree'], backendDeletes: [], proxyStops: 0, gitUndo: true },
    // the backend made its object and then failed: its undo removes it by its deterministic id
    { at: 'backend', inject: (x) => (x.backend.failCreate = new Error('tmux died')), rolledBack: ['backend', 'proxy', 'worktree'], backendDeletes: ['fake-fix'], proxyStops: 1, gitUndo: true },
    { at: 'hooks', inject: (x) => (x.failBefore = 'hooks'), rolledBack: ['backend', 'proxy', 'worktree'], backendDeletes: ['fake-fix'], proxyStops: 1, gitUndo: true },
    { at: 'finalize', inject: (x) => (x.failBefore = 'finalize'), rolledBack: ['backend', 'proxy', 'worktree'], backendDeletes: ['fake-fix'], proxyStops: 1, gitUndo: true },
  ];

  it.each(failures)('a failure at $at rolls back exactly the steps done, in reverse, and leaves no row', async ({ at, inject, rolledBack, backendDeletes, proxyStops, gitUndo }) => {
    f = makeFixture({ proxies: true, hooks: true });
    inject(f);
    await expect(f.manager.create(f.request())).rejects.toThrow();
    const seq = steps(f.progress);
    const failedAt = seq.indexOf(`${at}:failed`);
    expect(failedAt, seq.join(' ')).toBeGreaterThan(0);
    expect(seq.slice(failedAt + 1)).toEqual(rolledBack.map((s) => `${s}:rolled_back`));
    expect(f.progress.find((p) => p.state === 'failed')?.ms).not.toBeNull();
    // no row, no event rows, and the last event says so
    expect(f.store.listSessions()).toEqual([]);
    const created = f.events.find((e) => e.type === 'session.created');
    expect(created && f.store.listEvents(created.session.id)).toEqual([]);
    expect(f.events.at(-1)?.type).toBe('session.deleted');
    expect(f.events.some((e) => e.type === 'session.updated')).toBe(false);
    // exactly those undos ran
    expect(f.backend.calls.filter((c) => c[0] === 'delete').map((c) => c[1])).toEqual(backendDeletes);
    expect(f.proxies?.calls.filter((c) => c[0] === 'stop').length).toBe(proxyStops);
    const undo = f.git.calls.filter((c) => c[0] === 'removeWorktree' || c[0] === 'deleteBranch').map((c) => c[0]);
    expect(undo).toEqual(gitUndo ? ['removeWorktree', 'deleteBranch'] : []);
    expect(f.git.branches.size).toBe(0);
    // the name is free again
    f.git.failAddWorktree = null;
    f.backend.failCreate = null;
    if (f.proxies) f.proxies.failStart = null;
    f.failBefore = null;
    await expect(f.manager.create(f.request())).resolves.toMatchObject({ session: { name: 'fix', status: 'running' } });
  });

  it('takes the max_sessions slot before its first await: a second create at once is refused', async () => {
    f = makeFixture({ config: (c) => ({ ...c, general: { ...c.general, max_sessions: 1 } }) });
    const first = f.manager.create(f.request({ name: 'one' }));
    await expect(f.manager.create(f.request({ name: 'two' }))).rejects.toThrow('1 sessions exist or are being created (limit 1) — delete some sessions or raise general.max_sessions in config.toml');
    await expect(first).resolves.toMatchObject({ session: { name: 'one' } });
    await expect(f.manager.create(f.request({ name: 'two' }))).rejects.toThrow('limit 1');
  });

  it('refuses a name a create under way holds', async () => {
    f = makeFixture();
    const first = f.manager.create(f.request());
    await expect(f.manager.create(f.request())).rejects.toThrow('a session named "fix" already exists — choose another name');
    await first;
  });
});
