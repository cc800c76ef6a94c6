// The built TUI in a real terminal: a tmux server of the test's own (the "outer terminal") runs a
// shell, the shell runs clauderon; keys go in with send-keys, the screen comes back with
// capture-pane. Every step waits on what the screen shows (no fixed sleeps). Used by every
// whole-binary TUI test (tui, tui-views, tui-create).
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, processGone, waitFor, type Env } from './e2e.js';

export interface Term {
  tmux(...args: string[]): { code: number; stdout: string };
  /** The visible screen, plain text (or with SGR escapes, `escapes`; wrapped lines joined, `join`). */
  screen(opts?: { escapes?: boolean; join?: boolean }): string;
  /** Type text literally. */
  type(text: string): void;
  /** Named keys (Enter, Tab, BTab, Escape, C-e, …). */
  keys(...keys: string[]): void;
  /** Start the TUI from `cwd` (default: the env's root, not a repository) with extra variables. */
  launch(opts?: { cwd?: string; vars?: Record<string, string> }): void;
  /** Wait until the screen satisfies `test` (a substring, a pattern or a predicate); returns that screen. */
  waitScreen(test: string | RegExp | ((s: string) => boolean), what: string, timeoutMs?: number): Promise<string>;
  /** Kill the outer terminal and wait until its shell and what the shell ran (the TUI) have exited,
   *  so no TUI is left to start a new daemon after env.cleanup() killed the old one. */
  kill(): Promise<void>;
}

/** A shell single-quoted word. */
export const sq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Pids whose parent is `pid` (Linux /proc). */
export function childPids(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) out.push(Number(entry));
    } catch {
      // exited
    }
  }
  return out;
}

export function openTerm(e: Env, size: { cols: number; rows: number } = { cols: 100, rows: 30 }): Term {
  const sock = join(e.root, 'term.sock');
  // The outer shell's environment: the test's, without anything that would change colours.
  const shellEnv: NodeJS.ProcessEnv = { ...e.env };
  for (const k of ['NO_COLOR', 'FORCE_COLOR', 'TMUX', 'VISUAL', 'EDITOR']) delete shellEnv[k];
  const tmux = (...args: string[]) => {
    const r = spawnSync('tmux', ['-u', '-S', sock, ...args], { encoding: 'utf8', env: shellEnv });
    return { code: r.status ?? -1, stdout: r.stdout };
  };
  if (tmux('new-session', '-d', '-s', 'term', '-x', String(size.cols), '-y', String(size.rows), 'sh').code !== 0) throw new Error('could not start the outer tmux terminal');
  const screen: Term['screen'] = (o = {}) => tmux('capture-pane', '-p', ...(o.escapes ? ['-e'] : []), ...(o.join ? ['-J'] : []), '-t', 'term').stdout;
  return {
    tmux,
    screen,
    type: (text) => void tmux('send-keys', '-t', 'term', '-l', text),
    keys: (...keys) => void tmux('send-keys', '-t', 'term', ...keys),
    launch(o = {}) {
      // Type only once the shell has drawn its prompt (a loaded machine can be slow to start it).
      const deadline = Date.now() + 15_000;
      const pause = new Int32Array(new SharedArrayBuffer(4));
      while (screen().trim() === '' && Date.now() < deadline) Atomics.wait(pause, 0, 0, 25);
      // The shell's startup files may reset PATH: everything the TUI needs is on the command line.
      // CI=true always: a TUI on a terminal must draw live even where CI is set (Ink would not).
      const assigns = Object.entries({ CLAUDERON_HOME: e.home, PATH: e.env.PATH ?? '', CI: 'true', ...o.vars })
        .map(([k, v]) => `${k}=${sq(v)}`)
        .join(' ');
      // CLAUDERON_TEST_BIN: run the TUI of another build (e.g. to see a test fail on older code)
      const bin = process.env.CLAUDERON_TEST_BIN ?? BIN;
      tmux('send-keys', '-t', 'term', '-l', `cd ${sq(o.cwd ?? e.root)} && ${assigns} ${process.execPath} ${bin}; echo TUI-EXIT=$?`);
      tmux('send-keys', '-t', 'term', 'Enter');
    },
    async waitScreen(test, what, timeoutMs = 20_000) {
      const ok = typeof test === 'string' ? (s: string) => s.includes(test) : test instanceof RegExp ? (s: string) => test.test(s) : test;
      try {
        return await waitFor(() => {
          const s = screen();
          return ok(s) ? s : '';
        }, what, timeoutMs);
      } catch (err) {
        throw new Error(`${(err as Error).message}\n--- screen ---\n${screen()}`);
      }
    },
    async kill() {
      const shell = Number(tmux('display', '-p', '-t', 'term', '#{pane_pid}').stdout.trim());
      // Not deeper: a daemon the TUI started is its child, and outlives the terminal by design.
      const inside = shell > 0 ? [shell, ...childPids(shell)] : [];
      tmux('kill-server');
      await waitFor(() => inside.every(processGone), "the outer terminal's processes to exit", 5_000);
    },
  };
}

/** The TUI's list is up and connected (header "● daemon"), showing `needle`. */
export function listShows(t: Term, needle: string | RegExp): Promise<string> {
  return t.waitScreen(
    (s) => s.split('\n')[0]?.includes('● daemon') === true && (typeof needle === 'string' ? s.includes(needle) : needle.test(s)),
    `the list showing ${String(needle)}`,
  );
}

/** The table row of a session (the selection marker, then its name), or undefined. */
export function rowOf(screen: string, namePrefix: string): string | undefined {
  return screen.split('\n').find((l) => l.startsWith(`› ${namePrefix}`) || l.startsWith(`  ${namePrefix}`));
}
