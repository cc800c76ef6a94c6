// The TUI root with ink-testing-library: keys go through the keymap, the store is fed as the
// daemon would feed it, and side effects are recorded by the services passed in.
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../src/tui/app.js';
import { actions, createTuiStore, type TuiStore } from '../../src/tui/store.js';
import { DOWN, ENTER, ESC, TAB, ctrl } from '../helpers/keys.js';
import { waitForFrame } from '../helpers/ink.js';
import { recordingServices, session, type Recorder } from './fixtures.js';

let ui: ReturnType<typeof render> | null = null;
afterEach(() => {
  ui?.unmount();
  ui = null;
});

function setup(names: string[], opts: { columns?: number; rows?: number; services?: Recorder } = {}) {
  const store: TuiStore = createTuiStore({ columns: opts.columns ?? 100, rows: opts.rows ?? 24, connection: 'connected' });
  actions(store).setSessions(names.map((name) => session({ name })));
  const rec = opts.services ?? recordingServices();
  ui = render(<App store={store} services={rec.services} />);
  const frame = () => ui?.lastFrame() ?? '';
  const press = (k: string) => ui?.stdin.write(k);
  return { store, rec, frame, press, act: actions(store) };
}

const selectedLine = (frame: string) => frame.split('\n').find((l) => l.startsWith('› ')) ?? '';

describe('TUI app', () => {
  it('shows an empty state with a hint', async () => {
    const { frame } = setup([]);
    await waitForFrame(frame, (f) => f.includes('No sessions yet.'));
    expect(frame()).toContain('Press n to create one');
    expect(frame()).toMatch(/n new/);
  });

  it('draws the header counts, the table and the footer of keys that work here', async () => {
    const { frame, act } = setup(['alpha', 'beta']);
    act.applyEvent({ type: 'session.updated', session: session({ name: 'beta', status: 'idle' }) });
    await waitForFrame(frame, (f) => f.includes('1 idle'));
    const f = frame();
    expect(f).toContain('1 running');
    expect(f).toMatch(/NAME\s+REPOSITORY\s+STATUS\s+BACKEND\s+AGENT/);
    expect(f).toContain('alpha');
    expect(f).toContain('~'.length ? 'project' : '');
    expect(f).toMatch(/Enter attach.*n new.*a archive.*d delete/);
  });

  it('counts the agents waiting for the user in the header, live', async () => {
    const { frame, act } = setup(['a', 'b', 'c']);
    await waitForFrame(frame, (f) => f.includes('3 running'));
    expect(frame()).not.toContain('waiting for you');
    act.applyEvent({ type: 'session.updated', session: session({ name: 'a', agentStatus: 'waiting_approval' }) });
    act.applyEvent({ type: 'session.updated', session: session({ name: 'b', agentStatus: 'waiting_input' }) });
    await waitForFrame(frame, (f) => f.includes('2 waiting for you'));
    act.applyEvent({ type: 'session.updated', session: session({ name: 'a', agentStatus: 'working' }) });
    await waitForFrame(frame, (f) => f.includes('1 waiting for you'));
    act.applyEvent({ type: 'session.updated', session: session({ name: 'b', agentStatus: 'idle' }) });
    await waitForFrame(frame, (f) => !f.includes('waiting for you'));
  });

  it('moves with j/k/G/g and arrows', async () => {
    const { frame, press } = setup(['s1', 's2', 's3', 's4']);
    await waitForFrame(frame, (f) => selectedLine(f).includes('s1'));
    press('j');
    await waitForFrame(frame, (f) => selectedLine(f).includes('s2'));
    press(DOWN);
    await waitForFrame(frame, (f) => selectedLine(f).includes('s3'));
    press('G');
    await waitForFrame(frame, (f) => selectedLine(f).includes('s4'));
    press('k');
    await waitForFrame(frame, (f) => selectedLine(f).includes('s3'));
    press('g');
    await waitForFrame(frame, (f) => selectedLine(f).includes('s1'));
  });

  it('filters by text with / and clears with Esc; 1–5 and Tab switch views', async () => {
    const { frame, press, act } = setup(['fix-login', 'write-docs']);
    press('/');
    await waitForFrame(frame, (f) => /^\/ ?/m.test(f.split('\n').slice(-2).join('\n')));
    for (const ch of 'docs') press(ch);
    await waitForFrame(frame, (f) => !f.includes('fix-login') && f.includes('write-docs'));
    press(ENTER);
    await waitForFrame(frame, (f) => f.includes('filter: "docs"'));
    press('/');
    press(ESC);
    await waitForFrame(frame, (f) => f.includes('fix-login') && f.includes('write-docs'));
    act.applyEvent({ type: 'session.updated', session: session({ name: 'write-docs', status: 'archived' }) });
    await waitForFrame(frame, (f) => !f.includes('write-docs'));
    press('5');
    await waitForFrame(frame, (f) => f.includes('write-docs') && !f.includes('fix-login'));
    press(TAB);
    await waitForFrame(frame, (f) => f.includes('fix-login') && f.includes('All 1/2'));
  });

  it('d asks y/N; n keeps, y deletes the selected session', async () => {
    const { frame, press, rec } = setup(['keep-me', 'drop-me']);
    press('j');
    await waitForFrame(frame, (f) => selectedLine(f).includes('drop-me'));
    press('d');
    await waitForFrame(frame, (f) => f.includes('Delete drop-me?'));
    press('n');
    await waitForFrame(frame, (f) => f.includes('Nothing deleted'));
    expect(rec.calls.filter((c) => c[0] === 'deleteSession')).toEqual([]);
    press('d');
    await waitForFrame(frame, (f) => f.includes('Delete drop-me?'));
    press('y');
    await waitForFrame(frame, (f) => f.includes('Deleted drop-me'));
    expect(rec.calls.filter((c) => c[0] === 'deleteSession')).toEqual([['deleteSession', 'id-drop-me', false]]);
  });

  it('a archives, u unarchives only an archived session, Enter attaches, q quits', async () => {
    const { frame, press, rec } = setup(['one']);
    press('u');
    await waitForFrame(frame, (f) => f.includes('one is not archived'));
    press('a');
    await waitForFrame(frame, (f) => f.includes('Archived one'));
    press(ENTER);
    await waitForFrame(() => JSON.stringify(rec.calls), (c) => c.includes('"attach","id-one"'));
    press('q');
    await waitForFrame(() => JSON.stringify(rec.calls), (c) => c.includes('"quit"'));
    expect(rec.calls.map((c) => c[0])).toEqual(['archive', 'attach', 'quit']);
  });

  it('Ctrl-C quits from the list and from a dialog', async () => {
    const { frame, press, rec } = setup(['one']);
    press('?');
    await waitForFrame(frame, (f) => f.includes('Keys — Esc closes'));
    press(ctrl('c'));
    await waitForFrame(() => JSON.stringify(rec.calls), (c) => c.includes('"quit"'));
  });

  it('shows errors from the daemon in the status bar', async () => {
    const rec = recordingServices({ archive: () => Promise.reject(new Error('the tmux session of one is gone')) });
    const { frame, press } = setup(['one'], { services: rec });
    press('a');
    await waitForFrame(frame, (f) => f.includes('the tmux session of one is gone'));
  });

  it("shows the selected session's own problem in the status bar, only while it is selected", async () => {
    const { frame, press, act } = setup(['ok', 'broken']);
    act.applyEvent({ type: 'session.updated', session: session({ name: 'broken', error: 'proxy not restored: port 41000 is in use' }) });
    await waitForFrame(frame, (f) => selectedLine(f).includes('ok'));
    expect(frame()).not.toContain('proxy not restored');
    press('j');
    await waitForFrame(frame, (f) => f.includes('broken: proxy not restored: port 41000 is in use'));
    press('k');
    await waitForFrame(frame, (f) => selectedLine(f).includes('ok') && !f.includes('proxy not restored'));
  });

  it('r shows the reconcile report in a dialog; Esc closes it', async () => {
    const rec = recordingServices({
      reconcile: () => Promise.resolve([{ session: 'x', kind: 'missing_backend' as const, action: 'reported' as const, detail: 'tmux session x is gone; marked failed' }]),
    });
    const { frame, press } = setup(['x'], { services: rec });
    press('r');
    await waitForFrame(frame, (f) => f.includes('Reconcile') && f.includes('tmux session x is gone'));
    press(ESC);
    await waitForFrame(frame, (f) => !f.includes('marked failed') && f.includes('NAME'));
  });

  it('? shows help generated from the keymap', async () => {
    const { frame, press } = setup(['one'], { columns: 120, rows: 40 });
    press('?');
    await waitForFrame(frame, (f) => f.includes('Keys — Esc closes'));
    expect(frame()).toContain('Delete the session (asks y/N)');
    expect(frame()).toContain('Ctrl-d');
  });

  it('fits 60 columns: every line at most 60 wide, long names truncated with …', async () => {
    const { frame } = setup(['a-very-long-session-name-that-cannot-fit-here', 'b'], { columns: 60, rows: 24 });
    await waitForFrame(frame, (f) => f.includes('…'));
    for (const line of frame().split('\n')) expect(line.length).toBeLessThanOrEqual(60);
  });

  it('updates from pushed events without reloading', async () => {
    const { frame, act, rec } = setup(['one']);
    act.applyEvent({ type: 'session.created', session: session({ name: 'newcomer', status: 'creating' }) });
    act.applyEvent({ type: 'create.progress', name: 'newcomer', step: 'worktree', state: 'started', message: null, ms: null });
    await waitForFrame(frame, (f) => f.includes('newcomer') && f.includes('worktree…'));
    act.applyEvent({ type: 'session.updated', session: session({ name: 'newcomer', status: 'running' }) });
    await waitForFrame(frame, (f) => f.includes('2 running'));
    expect(rec.calls.filter((c) => c[0] === 'reload')).toEqual([]);
  });

  it('keypress to frame stays fast with 500 sessions (no per-row work beyond the window)', async () => {
    const names = Array.from({ length: 500 }, (_, i) => `s${String(i).padStart(3, '0')}`);
    const { frame, press } = setup(names, { rows: 30 });
    await waitForFrame(frame, (f) => selectedLine(f).includes('s000'));
    press('G');
    await waitForFrame(frame, (f) => selectedLine(f).includes('s499'));
    // only the visible window is drawn
    expect(frame().split('\n').filter((l) => /\bs\d{3}\b/.test(l)).length).toBeLessThanOrEqual(30);
  });
});
