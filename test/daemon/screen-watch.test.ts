// ScreenWatcher (the daemon side of sessions.watchScreen): changes only, one read per watched
// session per tick however many connections watch it, nothing read once nobody watches, and a
// slow read never piles reads up.
import { afterEach, describe, expect, it } from 'vitest';
import { ScreenWatcher, type ScreenPush } from '../../src/daemon/screen-watch.js';
import type { Logger } from '../../src/shared/logger.js';
import { waitFor } from '../helpers/wait.js';

const quiet: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let watchers: ScreenWatcher[] = [];
afterEach(() => {
  for (const w of watchers) w.stop();
  watchers = [];
});

function make(read: (id: string, lines: number) => Promise<string>, ms = 20): ScreenWatcher {
  const w = new ScreenWatcher(read, quiet, ms);
  watchers.push(w);
  return w;
}

describe('ScreenWatcher', () => {
  it('pushes the screen at once and then only when it changes', async () => {
    let screen = 'one';
    const w = make(() => Promise.resolve(screen));
    const got: ScreenPush[] = [];
    w.watch({}, { id: 's1', name: 'alpha', lines: 10 }, (m) => got.push(m));
    await waitFor(() => got.length === 1, 'first push');
    expect(got[0]).toEqual({ screen: { name: 'alpha', screen: 'one' } });
    await sleep(100); // several ticks, no change
    expect(got).toHaveLength(1);
    screen = 'two';
    await waitFor(() => got.length === 2, 'second push');
    expect(got[1]).toEqual({ screen: { name: 'alpha', screen: 'two' } });
  });

  it('reads a session once per tick for all its watchers, and stops reading when nobody watches', async () => {
    const reads: string[] = [];
    const w = make((id) => {
      reads.push(id);
      return Promise.resolve(`screen of ${id}`);
    });
    const a = {};
    const b = {};
    const got = { a: 0, b: 0 };
    w.watch(a, { id: 's1', name: 'x', lines: 10 }, () => got.a++);
    w.watch(b, { id: 's1', name: 'x', lines: 10 }, () => got.b++);
    await sleep(150);
    expect(got).toEqual({ a: 1, b: 1 });
    const ticks = w.reads;
    expect(ticks).toBeGreaterThan(2);
    expect(reads.length).toBe(ticks); // one read per tick, not one per watcher
    w.unwatch(a);
    w.unwatch(b);
    expect(w.size).toBe(0);
    const after = w.reads;
    await sleep(100);
    expect(w.reads).toBe(after);
  });

  it('a new watch on the same connection replaces the old one', async () => {
    const w = make((id) => Promise.resolve(`screen of ${id}`));
    const key = {};
    const got: ScreenPush[] = [];
    w.watch(key, { id: 's1', name: 'one', lines: 10 }, (m) => got.push(m));
    await waitFor(() => got.length === 1, 'first');
    w.watch(key, { id: 's2', name: 'two', lines: 10 }, (m) => got.push(m));
    await waitFor(() => got.length === 2, 'second');
    await sleep(60);
    expect(got).toEqual([{ screen: { name: 'one', screen: 'screen of s1' } }, { screen: { name: 'two', screen: 'screen of s2' } }]);
    expect(w.size).toBe(1);
  });

  it('tells the watcher once why the screen cannot be read, and recovers', async () => {
    let fail = true;
    const w = make(() => (fail ? Promise.reject(new Error('no such tmux session')) : Promise.resolve('back')));
    const got: ScreenPush[] = [];
    w.watch({}, { id: 's1', name: 'x', lines: 10 }, (m) => got.push(m));
    await waitFor(() => got.length === 1, 'error push');
    await sleep(80);
    expect(got).toEqual([{ screen: { name: 'x', error: 'no such tmux session' } }]);
    fail = false;
    await waitFor(() => got.length === 2, 'recovered');
    expect(got[1]).toEqual({ screen: { name: 'x', screen: 'back' } });
  });

  it('skips ticks while a slow read runs (reads never pile up)', async () => {
    let running = 0;
    let most = 0;
    const w = make(async () => {
      running++;
      most = Math.max(most, running);
      await sleep(120);
      running--;
      return 'slow';
    }, 10);
    w.watch({}, { id: 's1', name: 'x', lines: 10 }, () => undefined);
    await sleep(400);
    expect(most).toBe(1);
    expect(w.reads).toBeLessThanOrEqual(5);
  });
});
