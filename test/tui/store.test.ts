import { describe, expect, it } from 'vitest';
import { sanitizeScreen } from '../../src/tui/components/preview.js';
import { layoutColumns, nextAgeChange } from '../../src/tui/components/session-table.js';
import { actions, bodyHeight, bodyLayout, createTuiStore, pageSize, selectedSession, visibleSessions } from '../../src/tui/store.js';
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

describe('TUI store: preview, daemon notes, layout', () => {
  it('the preview keeps only the screen of the session it was pushed for, and only while open', () => {
    const store = createTuiStore({ columns: 100, rows: 30 });
    const act = actions(store);
    act.setPreview('a', 'ignored: closed');
    expect(store.getState().preview).toEqual({ open: false, id: null, screen: null, error: null });
    act.togglePreview();
    act.setPreview('a', 'screen of a');
    expect(store.getState().preview).toEqual({ open: true, id: 'a', screen: 'screen of a', error: null });
    const before = store.getState();
    act.setPreview('a', 'screen of a'); // the same text: no update, no render
    expect(store.getState()).toBe(before);
    act.togglePreview();
    expect(store.getState().preview.screen).toBeNull();
  });

  it('daemon.notes events set the banners; bodyLayout puts the preview beside from 120 columns, below under', () => {
    const store = createTuiStore({ columns: 100, rows: 30 });
    const act = actions(store);
    act.applyEvent({ type: 'daemon.notes', configError: 'config.toml:2: bad', httpError: null });
    expect(store.getState().daemon).toEqual({ configError: 'config.toml:2: bad', httpError: null });
    expect(bodyHeight(store.getState())).toBe(30 - 4 - 1);
    act.togglePreview();
    const below = bodyLayout(store.getState());
    expect(below.preview?.beside).toBe(false);
    expect(below.listHeight + (below.preview?.height ?? 0)).toBe(bodyHeight(store.getState()));
    act.setSize(140, 30);
    const beside = bodyLayout(store.getState());
    expect(beside.preview?.beside).toBe(true);
    expect(beside.listWidth + (beside.preview?.width ?? 0)).toBe(140);
    expect(beside.listWidth).toBeGreaterThanOrEqual(60);
  });

  it('the next age change: the next second under a minute, the next minute under an hour', () => {
    const now = Date.parse('2026-01-01T01:00:00.500Z');
    const at = (msAgo: number) => session({ name: `s${msAgo}`, createdAt: new Date(now - msAgo).toISOString() });
    expect(nextAgeChange([at(5_200)], now)).toBe(now - 5_200 + 6_000);
    expect(nextAgeChange([at(125_000)], now)).toBe(now - 125_000 + 180_000);
    expect(nextAgeChange([at(125_000), at(5_200)], now)).toBe(now - 5_200 + 6_000);
    expect(nextAgeChange([], now)).toBeNull();
  });

  it('table columns fill the width exactly, giving way by priority when narrow', () => {
    for (const w of [40, 50, 56, 60, 66, 70, 80, 100, 129, 130, 200]) {
      const c = layoutColumns(w);
      const used = 2 + c.name + 1 + (c.repo ? c.repo + 1 : 0) + c.status + 1 + (c.backend ? c.backend + 1 : 0) + (c.agent ? c.agent + 1 : 0) + 3 + (c.branch ? c.branch + 1 : 0) + c.age;
      expect(used, `width ${w}`).toBeLessThanOrEqual(w);
      expect(used, `width ${w}`).toBeGreaterThanOrEqual(w - 1);
    }
    expect(layoutColumns(60)).toMatchObject({ backend: 0, agent: 6, branch: 0 });
    expect(layoutColumns(50)).toMatchObject({ backend: 0, agent: 0 });
    expect(layoutColumns(50).repo).toBeGreaterThan(0);
  });

  it('screen text is drawn without escape sequences or control characters', () => {
    expect(sanitizeScreen('\u001b[1;31mred\u001b[0m \u001b]8;;http://x\u001b\\link\u001b]8;;\u001b\\ \u009b2Jx\u0007\u202eevil\tend\r\nnext')).toEqual(['red link xevil  end', 'next']);
    expect(sanitizeScreen('progress 10%\rprogress 20%')).toEqual(['progress 20%']);
  });
});
