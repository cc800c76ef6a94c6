import { describe, expect, it } from 'vitest';
import { actions, createTuiStore, pageSize, selectedSession, visibleSessions } from '../../src/tui/store.js';
import { session } from './fixtures.js';

function setup(names: [string, Parameters<typeof session>[0]['status']?][], rows = 24) {
  const store = createTuiStore({ rows });
  const act = actions(store);
  act.setSessions(names.map(([name, status]) => session({ name, ...(status ? { status } : {}) })));
  return { store, act };
}

describe('TUI store', () => {
  it('views filter by status; All hides archived', () => {
    const { store, act } = setup([['a'], ['b', 'idle'], ['c', 'completed'], ['d', 'failed'], ['e', 'archived'], ['f', 'creating']]);
    const names = () => visibleSessions(store.getState()).map((s) => s.name);
    expect(names()).toEqual(['a', 'b', 'c', 'd', 'f']);
    act.setView('running');
    expect(names()).toEqual(['a', 'f']);
    act.setView('idle');
    expect(names()).toEqual(['b']);
    act.setView('completed');
    expect(names()).toEqual(['c', 'd']);
    act.setView('archived');
    expect(names()).toEqual(['e']);
    act.cycleView();
    expect(store.getState().view).toBe('all');
  });

  it('text filter matches name, repository, branch and prompt, case-insensitively', () => {
    const { store, act } = setup([['fix-login'], ['docs']]);
    act.setText('LOGIN');
    expect(visibleSessions(store.getState()).map((s) => s.name)).toEqual(['fix-login']);
    act.setText('prompt for docs');
    expect(visibleSessions(store.getState()).map((s) => s.name)).toEqual(['docs']);
    act.clearText();
    expect(visibleSessions(store.getState())).toHaveLength(2);
  });

  it('moves, jumps and pages within bounds', () => {
    const { store, act } = setup(Array.from({ length: 50 }, (_, i) => [`s${String(i).padStart(2, '0')}`] as [string]), 24);
    const sel = () => selectedSession(store.getState())?.name;
    expect(sel()).toBe('s00');
    act.move(-1);
    expect(sel()).toBe('s00');
    act.move(3);
    expect(sel()).toBe('s03');
    act.last();
    expect(sel()).toBe('s49');
    act.move(1);
    expect(sel()).toBe('s49');
    act.first();
    act.halfPage(1);
    expect(sel()).toBe(`s${String(Math.floor(pageSize(store.getState()) / 2)).padStart(2, '0')}`);
    act.halfPage(-1);
    expect(sel()).toBe('s00');
  });

  it('keeps the selection on the same session when others arrive or leave', () => {
    const { store, act } = setup([['a'], ['b'], ['c']]);
    act.move(1);
    act.applyEvent({ type: 'session.deleted', session: session({ name: 'a' }) });
    expect(selectedSession(store.getState())?.name).toBe('b');
    act.applyEvent({ type: 'session.created', session: session({ name: 'z', status: 'creating' }) });
    expect(visibleSessions(store.getState()).map((s) => s.name)).toEqual(['b', 'c', 'z']);
    expect(selectedSession(store.getState())?.name).toBe('b');
    act.applyEvent({ type: 'create.progress', name: 'z', step: 'worktree', state: 'started', message: null, ms: null });
    expect(store.getState().progress.z?.step).toBe('worktree');
    act.applyEvent({ type: 'session.updated', session: { ...session({ name: 'z' }), status: 'running' } });
    expect(store.getState().sessions.find((s) => s.name === 'z')?.status).toBe('running');
    expect(store.getState().progress.z).toBeUndefined();
  });

  it('an archived selection leaves the All view; the first row is selected instead', () => {
    const { store, act } = setup([['a'], ['b']]);
    act.move(1);
    act.applyEvent({ type: 'session.updated', session: session({ name: 'b', status: 'archived' }) });
    expect(selectedSession(store.getState())?.name).toBe('a');
    act.setView('archived');
    expect(selectedSession(store.getState())?.name).toBe('b');
  });
});
