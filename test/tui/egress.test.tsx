// Egress blocks in the TUI (issue 16): a proxy.blocked event marks the session's row and says on
// the status line what was blocked; e asks y/N with the target shown, y allows it through
// sessions.egressAllow (no port for 443/80, so the rule covers both) and reports the note, n keeps
// it blocked; either way the mark goes, and a later block marks the session again.
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../src/tui/app.js';
import type { BlockedTarget, DaemonEvent } from '../../src/shared/events.js';
import { markdownKeyTable } from '../../src/tui/keymap.js';
import { actions, createTuiStore, type TuiStore } from '../../src/tui/store.js';
import { ESC } from '../helpers/keys.js';
import { waitForFrame } from '../helpers/ink.js';
import { recordingServices, session, type Recorder } from './fixtures.js';

let ui: ReturnType<typeof render> | null = null;
afterEach(() => {
  ui?.unmount();
  ui = null;
});

function setup(names: string[], opts: { columns?: number; rows?: number; services?: Recorder } = {}) {
  const store: TuiStore = createTuiStore({ columns: opts.columns ?? 80, rows: opts.rows ?? 24, connection: 'connected' });
  actions(store).setSessions(names.map((name) => session({ name })));
  const rec = opts.services ?? recordingServices();
  ui = render(<App store={store} services={rec.services} />);
  const frame = () => ui?.lastFrame() ?? '';
  const press = (k: string) => ui?.stdin.write(k);
  return { store, rec, frame, press, act: actions(store) };
}

function blocked(name: string, b: Partial<BlockedTarget> & { host: string }): DaemonEvent {
  const port = b.port ?? 443;
  return {
    type: 'proxy.blocked',
    sessionId: `id-${name}`,
    name,
    policy: 'allow-list',
    blocked: { kind: 'name', port, count: 1, firstAt: '2026-01-01T00:00:00.000Z', lastAt: '2026-01-01T00:00:01.000Z', allow: `clauderon egress ${name} --allow ${b.host}`, ...b },
  };
}

const rowOf = (f: string, name: string) => f.split('\n').find((l) => l.includes(` ${name} `)) ?? '';
const MARKED = /✗\s+\S+\s*$/; // the egress mark beside the agent's, before AGE

describe('TUI egress blocks', () => {
  for (const [columns, rows] of [
    [60, 20],
    [80, 24],
  ] as const) {
    it(`marks a session whose proxy blocked a host, live, and says what at ${columns}×${rows}`, async () => {
      const { frame, act, press } = setup(['alpha', 'beta'], { columns, rows });
      await waitForFrame(frame, (f) => f.includes('alpha') && f.includes('beta'));
      expect(rowOf(frame(), 'beta')).not.toMatch(MARKED);
      expect(frame()).not.toContain('blocked');
      act.applyEvent(blocked('beta', { host: 'evil.example.com', count: 3 }));
      await waitForFrame(frame, (f) => MARKED.test(rowOf(f, 'beta')));
      expect(rowOf(frame(), 'alpha')).not.toMatch(MARKED);
      expect(frame()).toContain('1 blocked'); // the header counts the marked sessions
      for (const line of frame().split('\n')) expect(Array.from(line).length).toBeLessThanOrEqual(columns);
      // the status line names the target for the selected session only
      expect(frame()).not.toContain('evil.example.com:443');
      press('j');
      await waitForFrame(frame, (f) => f.includes('beta: blocked evil.example.com:443 3× — e allows'));
    });
  }

  it('e asks y/N with the host shown; y calls sessions.egressAllow without the port for 443, reports the note, clears the mark', async () => {
    const { frame, act, press, rec } = setup(['alpha'], { columns: 80, rows: 24 });
    act.applyEvent(blocked('alpha', { host: 'api.example.com', count: 1 }));
    act.applyEvent(blocked('alpha', { host: 'api.example.com', count: 2 })); // the same target again: one entry
    await waitForFrame(frame, (f) => f.includes('alpha: blocked api.example.com:443 2× — e allows'));
    press('e');
    await waitForFrame(frame, (f) => f.includes('Allow api.example.com:443 for alpha?'));
    expect(frame()).toContain('api.example.com (ports 443 and 80)');
    expect(frame()).toMatch(/y allow · n\/Esc keep blocked/);
    press('y');
    await waitForFrame(frame, (f) => f.includes('alpha: allowed api.example.com; applied to the running proxy'));
    expect(rec.calls.filter((c) => c[0] === 'egressAllow')).toEqual([['egressAllow', 'id-alpha', 'api.example.com', undefined]]);
    expect(MARKED.test(rowOf(frame(), 'alpha'))).toBe(false);
    expect(frame()).not.toContain('1 blocked');
    // a later block marks it again
    act.applyEvent(blocked('alpha', { host: 'other.example.com' }));
    await waitForFrame(frame, (f) => MARKED.test(rowOf(f, 'alpha')) && f.includes('1 blocked'));
  });

  it('an IPv6 target on another port is allowed with its port; n (or Esc) keeps it blocked and drops the mark', async () => {
    const { frame, act, press, rec } = setup(['alpha'], { columns: 80, rows: 24 });
    act.applyEvent(blocked('alpha', { host: '2001:db8::1', port: 8443, kind: 'ip' }));
    act.applyEvent(blocked('alpha', { host: 'late.example.com', port: 80 }));
    await waitForFrame(frame, (f) => f.includes('blocked late.example.com:80 1× (+1 more)'));
    // the last one first: kept blocked
    press('e');
    await waitForFrame(frame, (f) => f.includes('Allow late.example.com:80 for alpha?'));
    press('n');
    await waitForFrame(frame, (f) => f.includes('alpha: late.example.com:80 stays blocked'));
    expect(rec.calls.filter((c) => c[0] === 'egressAllow')).toEqual([]);
    expect(MARKED.test(rowOf(frame(), 'alpha'))).toBe(true); // the IPv6 one is still to handle
    press('e');
    await waitForFrame(frame, (f) => f.includes('Allow [2001:db8::1]:8443 for alpha?'));
    press(ESC);
    await waitForFrame(frame, (f) => f.includes('[2001:db8::1]:8443 stays blocked'));
    expect(MARKED.test(rowOf(frame(), 'alpha'))).toBe(false);
    act.applyEvent(blocked('alpha', { host: '2001:db8::1', port: 8443, kind: 'ip' }));
    await waitForFrame(frame, (f) => MARKED.test(rowOf(f, 'alpha')));
    press('e');
    await waitForFrame(frame, (f) => f.includes('Allow [2001:db8::1]:8443 for alpha?'));
    press('Y');
    await waitForFrame(frame, (f) => f.includes('alpha: allowed 2001:db8::1'));
    expect(rec.calls.filter((c) => c[0] === 'egressAllow')).toEqual([['egressAllow', 'id-alpha', '2001:db8::1', 8443]]);
  });

  it('e on a session with nothing blocked says so; a refused allow is shown and the mark stays', async () => {
    const rec = recordingServices({ egressAllow: () => Promise.reject(new Error('alpha has 1000 rules already')) });
    const { frame, act, press } = setup(['alpha'], { services: rec });
    await waitForFrame(frame, (f) => f.includes('alpha'));
    press('e');
    await waitForFrame(frame, (f) => f.includes('alpha: no blocked host to allow'));
    act.applyEvent(blocked('alpha', { host: 'x.example.com' }));
    await waitForFrame(frame, (f) => MARKED.test(rowOf(f, 'alpha')));
    press('e');
    await waitForFrame(frame, (f) => f.includes('Allow x.example.com:443 for alpha?'));
    press('y');
    await waitForFrame(frame, (f) => f.includes('alpha has 1000 rules already'));
    expect(MARKED.test(rowOf(frame(), 'alpha'))).toBe(true);
  });

  it('a deleted session takes its blocks along; the key is in the keymap the help and README are drawn from', () => {
    const { act, store } = setup(['alpha']);
    act.applyEvent(blocked('alpha', { host: 'x.example.com' }));
    expect(store.getState().blocked['id-alpha']).toHaveLength(1);
    act.applyEvent({ type: 'session.deleted', session: session({ name: 'alpha' }) });
    expect(store.getState().blocked['id-alpha']).toBeUndefined();
    expect(markdownKeyTable()).toMatch(/\| `e` \| Allow the last host/);
  });
});
