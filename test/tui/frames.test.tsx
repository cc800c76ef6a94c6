// How many frames the TUI draws for what happens (each one is a full-screen layout in Ink): one
// per key with the preview pane open, none for a daemon answer that changes nothing, and what a
// narrow box clips is still clipped with the list's horizontal clipping gone.
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../src/tui/app.js';
import { actions, createTuiStore, type TuiStore } from '../../src/tui/store.js';
import { waitForFrame } from '../helpers/ink.js';
import { recordingServices, session } from './fixtures.js';

let ui: ReturnType<typeof render> | null = null;
afterEach(() => {
  ui?.unmount();
  ui = null;
});

function setup(names: string[], columns = 100, rows = 30) {
  const store: TuiStore = createTuiStore({ columns, rows, connection: 'connected' });
  actions(store).setSessions(names.map((name) => session({ name })));
  const rec = recordingServices();
  ui = render(<App store={store} services={rec.services} />);
  const frame = () => ui?.lastFrame() ?? '';
  return { store, rec, frame, press: (k: string) => ui?.stdin.write(k), act: actions(store) };
}

const selectedLine = (f: string) => f.split('\n').find((l) => l.startsWith('› ')) ?? '';
/** Store updates from now on (each one renders a frame while the App is mounted). */
function countUpdates(store: TuiStore): () => number {
  let n = 0;
  store.subscribe(() => n++);
  return () => n;
}

describe('TUI frames', () => {
  it('with the preview open, a move is one store update (the old screen dropped with the selection)', async () => {
    const { store, frame, press, rec } = setup(['one', 'two', 'three']);
    await waitForFrame(frame, (x) => selectedLine(x).includes('one'));
    press('p');
    await waitForFrame(frame, (x) => x.includes('Preview: one'));
    rec.watches.get('id-one')?.push('screen of one');
    await waitForFrame(frame, (x) => x.includes('screen of one'));
    const updates = countUpdates(store);
    press('j');
    const f = await waitForFrame(frame, (x) => x.includes('Preview: two'));
    expect(f).not.toContain('screen of one');
    expect(f).toContain('Waiting for the screen');
    expect(store.getState().preview).toEqual({ open: true, id: 'id-two', screen: null, error: null });
    expect(updates()).toBe(1);
    expect(rec.watches.has('id-two')).toBe(true);
    // back to one: its old screen is not shown again before a new one arrives
    press('k');
    await waitForFrame(frame, (x) => x.includes('Preview: one'));
    expect(frame()).not.toContain('screen of one');
    rec.watches.get('id-one')?.push('new screen of one');
    await waitForFrame(frame, (x) => x.includes('new screen of one'));
  });

  it('daemon notes that change nothing are no update; a change is one', () => {
    const { store, act } = setup(['one']);
    const updates = countUpdates(store);
    act.setDaemonNotes({ configError: null, httpError: null });
    expect(updates()).toBe(0);
    act.setDaemonNotes({ httpError: 'port 3030 is taken' });
    expect(updates()).toBe(1);
    expect(store.getState().daemon).toEqual({ configError: null, httpError: 'port 3030 is taken' });
    act.setDaemonNotes({ httpError: 'port 3030 is taken' });
    expect(updates()).toBe(1);
  });

  it('long names and a long status still end at the screen edge, preview open or not', async () => {
    const long = `a-very-long-session-name-${'x'.repeat(120)}`;
    const { frame, press, act } = setup([long, 'two'], 60, 20);
    act.setStatus(`a status message that is much longer than the sixty columns of this terminal ${'y'.repeat(80)}`);
    await waitForFrame(frame, (x) => selectedLine(x).includes('a-very-long'));
    // eslint-disable-next-line no-control-regex
    const widest = (f: string) => Math.max(...f.split('\n').map((l) => [...l.replace(/\u001b\[[0-9;]*m/g, '')].length));
    expect(widest(frame())).toBeLessThanOrEqual(60);
    press('p');
    await waitForFrame(frame, (x) => x.includes('Preview: a-very'));
    expect(widest(frame())).toBeLessThanOrEqual(60);
  });
});
