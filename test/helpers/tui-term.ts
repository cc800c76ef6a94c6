// The built TUI in a real terminal: a tmux server of the test's own (the "outer terminal") runs a
// shell, the shell runs clauderon; keys go in with send-keys, the screen comes back with
// capture-pane. Every step waits on what the screen shows (no fixed sleeps). The same harness as
// test/e2e/tui.test.ts, with a working directory and variables for the TUI.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, processGone, waitFor, type Env } from './e2e.js';

export interface Term {
  tmux(...args: string[]): { code: number; stdout: string };
  screen(opts?: { join?: boolean }): string;
  /** Type text literally. */
  type(text: string): void;
  /** Named keys (Enter, Tab, BTab, Escape, C-e, …). */
  keys(...keys: string[]): void;
  /** Start the TUI from `cwd` (default: the env's root, not a repository) with extra variables. */
  launch(opts?: { cwd?: string; vars?: Record<string, string> }): void;
  waitScreen(test: string | RegExp | ((s: string) => boolean), what: string, timeoutMs?: number): Promise<string>;
  /** Kill the outer terminal and wait for its shell and the TUI to exit. */
  kill(): Promise<void>;
}

const sq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

function childPids(pid: number): number[] {
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

export function openTerm(e: Env, size: { cols: number; rows: number }): Term {
  const sock = join(e.root, 'term.sock');
  const shellEnv: NodeJS.ProcessEnv = { ...e.env };
  for (const k of ['NO_COLOR', 'FORCE_COLOR', 'TMUX', 'VISUAL', 'EDITOR']) delete shellEnv[k];
  const tmux = (...args: string[]) => {
    const r = spawnSync('tmux', ['-u', '-S', sock, ...args], { encoding: 'utf8', env: shellEnv });
    return { code: r.status ?? -1, stdout: r.stdout };
  };
  if (tmux('new-session', '-d', '-s', 'term', '-x', String(size.cols), '-y', String(size.rows), 'sh').code !== 0) throw new Error('could not start the outer tmux terminal');
  const screen: Term['screen'] = (o = {}) => tmux('capture-pane', '-p', ...(o.join ? ['-J'] : []), '-t', 'term').stdout;
  return {
    tmux,
    screen,
    type: (text) => void tmux('send-keys', '-t', 'term', '-l', text),
    keys: (...keys) => void tmux('send-keys', '-t', 'term', ...keys),
    launch(o = {}) {
      const deadline = Date.now() + 15_000;
      const pause = new Int32Array(new SharedArrayBuffer(4));
      while (screen().trim() === '' && Date.now() < deadline) Atomics.wait(pause, 0, 0, 25);
      const assigns = Object.entries({ CLAUDERON_HOME: e.home, PATH: e.env.PATH ?? '', CI: 'true', ...o.vars })
        .map(([k, v]) => `${k}=${sq(v)}`)
        .join(' ');
      // CLAUDERON_TEST_BIN: run the TUI of another build (e.g. to see a test fail on older code)
      const bin = process.env.CLAUDERON_TEST_BIN ?? BIN;
      tmux('send-keys', '-t', 'term', '-l', `cd ${sq(o.cwd ?? e.root)} && ${assigns} ${process.execPath} ${bin}; echo TUI-EXIT=$?`);
      tmux('send-keys', '-t', 'term', 'Enter');
    },
    async waitScreen(test, what, timeoutMs = 15_000) {
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
      const inside = shell > 0 ? [shell, ...childPids(shell)] : [];
      tmux('kill-server');
      await waitFor(() => inside.every(processGone), "the outer terminal's processes to exit", 5_000);
    },
  };
}
