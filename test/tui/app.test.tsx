// The TUI root with ink-testing-library: keys go through the keymap, the store is fed as the
// daemon would feed it, and side effects are recorded by the services passed in.
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../src/tui/app.js';
import { actions, createTuiStore, type TuiStore } from '../../src/tui/store.js';
import { DOWN, ENTER, ESC, TAB, ctrl } from '../helpers/keys.js';
import { waitForFrame } from '../helpers/ink.js';
import type { SessionDiff } from '../../src/shared/types.js';
import { DAEMON_INFO, recordingServices, session, type Recorder } from './fixtures.js';

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
    await waitForFrame(frame, (f) => f.includes('Keys — '));
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
    const { frame, press } = setup(['one'], { columns: 100, rows: 40 });
    press('?');
    await waitForFrame(frame, (f) => f.includes('Keys — '));
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

const lines = (f: string) => f.split('\n');
const DIFF: SessionDiff = {
  base: 'abc123def456',
  files: [
    { path: 'src/a.ts', status: 'M', additions: 1, deletions: 1 },
    { path: 'notes.md', status: 'A', additions: 2, deletions: 0 },
  ],
  patch: [
    'diff --git a/src/a.ts b/src/a.ts',
    'index 1..2 100644',
    '--- a/src/a.ts',
    '+++ b/src/a.ts',
    '@@ -1 +1 @@',
    '-old line',
    '+new line \u001b]0;pwned\u0007',
    'diff --git a/notes.md b/notes.md',
    'new file mode 100644',
    '--- /dev/null',
    '+++ b/notes.md',
    '@@ -0,0 +1,2 @@',
    '+first note',
    '+second note',
    '',
  ].join('\n'),
  truncated: false,
};

describe('TUI views: help, banners, daemon state, preview, diff', () => {
  for (const [columns, rows] of [[80, 24], [60, 20]] as const) {
    it(`help at ${columns}×${rows}: scrolls with j, Space, G and g to every command, with a position`, async () => {
      const { frame, press } = setup(['one'], { columns, rows });
      press('?');
      let f = await waitForFrame(frame, (x) => x.includes('Keys — '));
      expect(f).toMatch(/1–\d+\/\d+/);
      expect(f).not.toContain('Close the help');
      for (const l of lines(f)) expect([...l].length).toBeLessThanOrEqual(columns);
      press('j');
      await waitForFrame(frame, (x) => /2–\d+\/\d+/.test(x));
      press(' ');
      await waitForFrame(frame, (x) => !/[12]–\d+\//.test(x));
      press('G');
      f = await waitForFrame(frame, (x) => x.includes('Close the help'));
      const [, last, total] = /\d+–(\d+)\/(\d+)/.exec(f) ?? [];
      expect(last).toBe(total);
      press('g');
      await waitForFrame(frame, (x) => /1–\d+\//.test(x) && x.includes('Session list'));
      press(ESC);
      await waitForFrame(frame, (x) => x.includes('NAME'));
    });
  }

  it('keeps the count on the status line at 80 columns, however long the message', async () => {
    const rec = recordingServices({ archive: () => Promise.reject(new Error(`the daemon says ${'something long '.repeat(12)}`)) });
    const { frame, press } = setup(['one', 'two'], { columns: 80, rows: 24, services: rec });
    press('a');
    const f = await waitForFrame(frame, (x) => x.includes('the daemon says'));
    const status = lines(f).find((l) => l.includes('the daemon says')) ?? '';
    expect(status).toMatch(/^All 2\/2 the daemon says .*…$/);
    expect([...status].length).toBeLessThanOrEqual(80);
    expect(lines(f).filter((l) => l.trim() === 'All 2/2')).toEqual([]);
  });

  it('drops what the status bar said when a dialog opens (no stale "press n" under it)', async () => {
    const { frame, press } = setup([]);
    press('\r');
    await waitForFrame(frame, (x) => x.includes('No session selected — press n to create one'));
    press('?');
    const f = await waitForFrame(frame, (x) => x.includes('Keys — '));
    expect(f).not.toContain('No session selected');
  });

  it('shows the daemon’s notes as banners under the header, from daemonInfo on R and from daemon.notes', async () => {
    const rec = recordingServices({
      daemonInfo: () => Promise.resolve({ ...DAEMON_INFO, httpError: 'the HTTP API could not listen on port 3030: EADDRINUSE' }),
    });
    const { frame, press, act } = setup(['one'], { services: rec });
    press('R');
    let f = await waitForFrame(frame, (x) => x.includes('HTTP API not listening'));
    expect(lines(f)[1]).toMatch(/^HTTP API not listening — agent status still works; the web UI cannot connect: could not listen on p.*…$/);
    act.applyEvent({ type: 'daemon.notes', configError: '/home/dev/.clauderon/config.toml:3: expected "off", "bell" or "desktop"', httpError: null });
    f = await waitForFrame(frame, (x) => x.includes('config.toml line 3'));
    expect(lines(f)[1]).toBe('/home/dev/.clauderon/config.toml line 3: expected "off", "bell" or "desktop"');
    expect(f).not.toContain('HTTP API not listening');
    expect(lines(f)[0]).not.toContain('no agent status');
    act.applyEvent({ type: 'daemon.notes', configError: null, httpError: null });
    f = await waitForFrame(frame, (x) => !x.includes('config.toml'));
    expect(lines(f)[1]).toMatch(/1 All/);
  });

  it('a daemon the user stopped: "daemon stopped", S in the footer, S starts it', async () => {
    const { frame, press, act, rec } = setup(['one']);
    act.setConnection('stopped');
    const f = await waitForFrame(frame, (x) => x.includes('daemon stopped'));
    expect(f).toContain('The daemon was stopped — press S to start it');
    expect(lines(f).at(-1)).toContain('S start daemon');
    press('S');
    await waitForFrame(() => JSON.stringify(rec.calls), (c) => c.includes('"startDaemon"'));
    act.setConnection('connected');
    await waitForFrame(frame, (x) => x.includes('● daemon') && !x.includes('S start daemon'));
  });

  it('the REPOSITORY column shows the repository’s name, its parent’s too where two share it', async () => {
    const store = createTuiStore({ columns: 80, rows: 24, connection: 'connected' });
    actions(store).setSessions([
      session({ name: 'one', repoPath: '/home/dev/work/api' }),
      session({ name: 'two', repoPath: '/home/dev/work/api', subdirectory: 'docs' }),
      session({ name: 'three', repoPath: '/home/dev/web' }),
      session({ name: 'four', repoPath: '/srv/old/web' }),
    ]);
    ui = render(<App store={store} services={recordingServices().services} />);
    const f = await waitForFrame(() => ui?.lastFrame(), (x) => x.includes('four'));
    const row = (n: string) => lines(f).find((l) => l.slice(2).startsWith(`${n} `)) ?? '';
    expect(row('one')).toMatch(/^› one +api +running/);
    expect(row('two')).toMatch(/^ {2}two +api\/docs +running/);
    expect(row('three')).toMatch(/^ {2}three +dev\/web +running/);
    expect(row('four')).toMatch(/^ {2}four +old\/web +running/);
  });

  it('ages tick each second while a session is young', async () => {
    const store = createTuiStore({ columns: 80, rows: 24, connection: 'connected' });
    actions(store).setSessions([session({ name: 'young', createdAt: new Date(Date.now() - 3_000).toISOString() })]);
    ui = render(<App store={store} services={recordingServices().services} />);
    const ageOf = (f: string) => Number(/young .* (\d+)s\s*$/m.exec(f)?.[1] ?? -1);
    const first = ageOf(await waitForFrame(() => ui?.lastFrame(), (x) => ageOf(x) >= 3));
    await waitForFrame(() => ui?.lastFrame(), (x) => ageOf(x) >= first + 1, 2500);
  });

  it('young sessions created at different moments still draw at most one frame a second', async () => {
    const store = createTuiStore({ columns: 80, rows: 24, connection: 'connected' });
    // 20 sessions whose ages change at 20 different phases of the second
    const t = Date.now();
    actions(store).setSessions(Array.from({ length: 20 }, (_, i) => session({ name: `s${i}`, createdAt: new Date(t - 2_000 - i * 50).toISOString() })));
    ui = render(<App store={store} services={recordingServices().services} />);
    await waitForFrame(() => ui?.lastFrame(), (x) => x.includes('20 running'));
    const before = ui.frames.length;
    await new Promise((r) => setTimeout(r, 3_000));
    const drawn = ui.frames.length - before;
    expect(drawn).toBeGreaterThanOrEqual(2); // the ages did tick
    expect(drawn).toBeLessThanOrEqual(4); // …about once a second, not 20 times
  });

  it('p opens the preview of the selected session, fed by watchScreen: stripped, re-watched on j, stopped on p', async () => {
    const { frame, press, rec } = setup(['one', 'two'], { columns: 100, rows: 30 });
    await waitForFrame(frame, (x) => selectedLine(x).includes('one'));
    press('p');
    await waitForFrame(frame, (x) => x.includes('Preview: one') && x.includes('Waiting for the screen'));
    expect(rec.watches.has('id-one')).toBe(true);
    rec.watches.get('id-one')?.push('$ make test\n\u001b[31mFAIL\u001b[0m 2 tests\u001b]0;title\u0007\n\u001b[2Jdo you approve? [y/n]\n\n');
    let f = await waitForFrame(frame, (x) => x.includes('do you approve? [y/n]'));
    expect(f).toContain('FAIL 2 tests');
    expect(f).not.toContain('title');
    expect(ui?.lastFrame()).not.toContain('\u001b]');
    expect(ui?.lastFrame()).not.toContain('\u001b[2J');
    // below the list at 100 columns: the table keeps its head and the selection
    const previewAt = lines(f).findIndex((l) => l.includes('Preview: one'));
    expect(lines(f).findIndex((l) => l.startsWith('  NAME'))).toBeLessThan(previewAt);
    press('j');
    await waitForFrame(frame, (x) => x.includes('Preview: two') && !x.includes('do you approve'));
    expect(rec.calls.filter((c) => c[0] === 'unwatchScreen')).toEqual([['unwatchScreen', 'id-one']]);
    expect(rec.watches.has('id-two')).toBe(true);
    rec.watches.get('id-two')?.push('second screen');
    f = await waitForFrame(frame, (x) => x.includes('second screen'));
    rec.watches.get('id-two')?.fail('tmux session two is gone');
    await waitForFrame(frame, (x) => x.includes('tmux session two is gone'));
    press('p');
    f = await waitForFrame(frame, (x) => !x.includes('Preview'));
    expect(rec.watches.size).toBe(0);
    expect(rec.calls.filter((c) => c[0] === 'watchScreen').map((c) => c[1])).toEqual(['id-one', 'id-two']);
  });

  it('D shows the changes: files with counts, a coloured patch, scrolling, Tab to the next file, Esc closes', async () => {
    const asked: string[] = [];
    const rec = recordingServices({ diff: (id) => (asked.push(id), Promise.resolve(DIFF)) });
    const { frame, press } = setup(['one'], { columns: 80, rows: 20, services: rec });
    press('D');
    let f = await waitForFrame(frame, (x) => x.includes('Changes: one') && x.includes('src/a.ts'));
    expect(f).toContain('2 files +3 -1');
    expect(f).toMatch(/M src\/a\.ts +\+1 -1/);
    expect(f).toContain('-old line');
    expect(f).toContain('+new line');
    expect(f).not.toContain('pwned');
    expect(asked).toEqual(['id-one']);
    // (the colours are checked in a real terminal: test/e2e/tui-views.test.ts)
    press('\t');
    f = await waitForFrame(frame, (x) => x.includes('+first note') && !x.includes('-old line'));
    press('g');
    await waitForFrame(frame, (x) => x.includes('-old line'));
    press('j');
    await waitForFrame(frame, (x) => !x.includes('diff --git a/src/a.ts'));
    press(ESC);
    await waitForFrame(frame, (x) => x.includes('NAME') && !x.includes('Changes:'));
  });

  it('D on a session without changes, or when the daemon refuses, says so', async () => {
    const rec = recordingServices({ diff: () => Promise.reject(new Error('the worktree of one is missing')) });
    const { frame, press } = setup(['one'], { services: rec });
    press('D');
    await waitForFrame(frame, (x) => x.includes('Cannot show the changes of one: the worktree of one is missing'));
    press('q');
    await waitForFrame(frame, (x) => x.includes('NAME'));
    expect(rec.calls.map((c) => c[0])).not.toContain('quit');
  });
});
