// The TUI figures of `npm run bench` (called by bench/run.ts, which owns the run's temp root,
// cleanup and table): cold start to the first full list frame, keypress to updated frame with 500
// sessions, and CPU while idle with 50 running sessions. Each is printed beside a baseline measured
// in the same run; timings never fail the run.
//
// Cold start and idle CPU run the built dist/clauderon.js in a real terminal (a tmux pane of a
// private tmux server). The keypress figure renders <App> in process with ink-testing-library, from
// a bundle built here the way scripts/build.mjs builds dist/ (production React, automatic JSX).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type * as Esbuild from 'esbuild';
import type * as InkTesting from 'ink-testing-library';
import type * as React from 'react';
import type { DaemonClient } from '../src/client/client.js';
import { getPaths, type Paths } from '../src/config/paths.js';
import type { Session } from '../src/shared/types.js';
import type * as AppModule from '../src/tui/app.js';
import type { TuiServices } from '../src/tui/services.js';
import type * as StoreModule from '../src/tui/store.js';

/** A row of the final table (the same shape as bench/run.ts's). */
export interface TuiRow {
  figure: string;
  ours: string;
  baseline: string;
  target: string;
  verdict: string;
}

/** What bench/run.ts lends the TUI figures: its helpers, and the lists its cleanup works from. */
export interface TuiBenchContext {
  /** The run's temp root (removed by the caller's cleanup). */
  root: string;
  /** The dist/ snapshot's clauderon.js. */
  bin: string;
  log: (line?: string) => void;
  /** Adds a millisecond row to the final table (`ok` when ours ≤ target). */
  row: (figure: string, ours: number, baseline: number | undefined, target?: number) => void;
  /** Adds a row formatted by the caller. */
  addRow: (r: TuiRow) => void;
  p50: (xs: readonly number[]) => number;
  p95: (xs: readonly number[]) => number;
  fmtMs: (ms: number) => string;
  describe: (xs: readonly number[]) => string;
  /** Homes whose daemons, and tmux sockets whose servers, the caller's cleanup stops. */
  homes: Paths[];
  tmuxSockets: string[];
  writeConfig: (paths: Paths) => void;
  makeSmallRepo: (dir: string) => string;
  startDaemon: (paths: Paths) => Promise<{ client: DaemonClient; pid: number; startMs: number }>;
  stopDaemon: (paths: Paths, client: DaemonClient | undefined) => Promise<void>;
  /** True once the caller's cleanup has begun (Ctrl-C, crash): stop starting things. */
  aborting: () => boolean;
}

const COLD_SESSIONS = 20;
const COLD_RUNS = 10;
const IDLE_SESSIONS = 50;
const IDLE_SETTLE_MS = 500;
const IDLE_WINDOW_MS = 5000;
const KEY_SESSIONS = 500;
const KEY_BASELINE_SESSIONS = 5;
const KEY_PRESSES = 100;
const KEY_WARMUP = 10;
const FILTER_ROUNDS = 5;
/** The preview figure's busy agent: a new screen this often (the daemon pushes at most every 250 ms). */
const PREVIEW_PUSH_MS = 50;
const TERM_COLUMNS = 100;
const TERM_ROWS = 30;

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
// eslint-disable-next-line no-control-regex
const ANSI = /\u001B\[[0-9;?]*[ -/]*[@-~]/g;
const plain = (frame: string | undefined) => (frame ?? '').replace(ANSI, '');

export async function benchTui(ctx: TuiBenchContext): Promise<void> {
  const { log } = ctx;
  const dir = join(ctx.root, 'tui');
  mkdirSync(dir, { recursive: true });
  // The terminal: a private tmux server whose panes run the TUI (separate from the daemon's).
  const termSock = join(dir, 'term.sock');
  ctx.tmuxSockets.push(termSock);
  const term = (...args: string[]) => {
    const r = spawnSync('tmux', ['-S', termSock, ...args], { encoding: 'utf8' });
    return { ok: r.status === 0, out: (r.stdout ?? '').trim(), err: (r.stderr ?? '').trim() };
  };
  const paths = getPaths(join(dir, 'home'));
  ctx.homes.push(paths);
  ctx.writeConfig(paths);
  let client: DaemonClient | undefined;
  const extra = new Set<ChildProcess>();
  try {
    log(`\n## 4. TUI: cold start, keypress to frame, idle CPU`);
    const repo = ctx.makeSmallRepo(join(dir, 'repo'));
    const started = await ctx.startDaemon(paths);
    client = started.client;
    await client.call('reconcile', {});
    // Keeps the terminal's server up between runs (a pane that exits would otherwise end it).
    if (!term('new-session', '-d', '-s', 'hold', '-x', `${TERM_COLUMNS}`, '-y', `${TERM_ROWS}`, 'sleep', '3600').ok) {
      throw new Error('could not start the tmux server for the TUI panes');
    }

    let created = 0;
    const createUpTo = async (count: number) => {
      const t0 = performance.now();
      const from = created;
      for (; created < count; created++) {
        if (ctx.aborting()) throw new Error('the bench is stopping');
        const r = await client!.call('sessions.create', {
          repoPath: repo,
          prompt: `TUI benchmark session ${created}: keep the list busy`,
          name: `tui-${String(created).padStart(3, '0')}`,
          backend: 'tmux',
          accessMode: 'read-write',
          skipChecks: false,
          planMode: true,
        });
        if (r.session.status !== 'running') throw new Error(`session ${r.session.name} is ${r.session.status}, expected running`);
      }
      log(`  created ${count - from} running sessions (tmux, fake agent) in ${ctx.fmtMs(performance.now() - t0)}; ${count} in the store`);
    };

    // ---------------------------------------------------------------- 4a. cold start
    await createUpTo(COLD_SESSIONS);
    const env = `export CLAUDERON_HOME='${paths.home}'; cd '${dir}'`;
    /** Start the TUI in a new pane; the pane's shell records the time right before exec. */
    const startTui = (name: string) => {
      const t0File = join(dir, `${name}.t0`);
      const frameFile = join(dir, `${name}.frame`);
      const script = `${env}; export CLAUDERON_BENCH_FRAME_FILE='${frameFile}'; echo "$EPOCHREALTIME" > '${t0File}'; exec '${process.execPath}' '${ctx.bin}'`;
      const r = term('new-session', '-d', '-s', name, '-x', `${TERM_COLUMNS}`, '-y', `${TERM_ROWS}`, 'bash', '-c', script);
      if (!r.ok) throw new Error(`tmux new-session ${name} failed: ${r.err}`);
      return { t0File, frameFile };
    };
    const readEpochMs = (file: string): number | null => {
      try {
        // (bash prints $EPOCHREALTIME with the locale's decimal separator)
        const text = readFileSync(file, 'utf8').trim().replace(',', '.');
        if (!text) return null;
        const n = Number(text);
        // $EPOCHREALTIME is seconds with microseconds; the frame file is Date.now() milliseconds.
        return Number.isFinite(n) ? (text.includes('.') ? n * 1000 : n) : null;
      } catch {
        return null;
      }
    };
    const waitForFile = async (file: string, what: string, pane: string, timeoutMs = 10_000): Promise<number> => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const v = readEpochMs(file);
        if (v !== null) return v;
        if (ctx.aborting()) throw new Error('the bench is stopping');
        if (Date.now() > deadline) {
          throw new Error(`${what} did not appear within ${timeoutMs} ms; pane ${pane} shows:\n${term('capture-pane', '-p', '-t', pane).out}`);
        }
        await sleep(2);
      }
    };
    const paneGone = async (name: string, timeoutMs = 5000) => {
      const deadline = Date.now() + timeoutMs;
      while (term('has-session', '-t', name).ok) {
        if (Date.now() > deadline) {
          term('kill-session', '-t', name);
          throw new Error(`the TUI in pane ${name} did not exit on q`);
        }
        await sleep(10);
      }
    };
    const paneText = (name: string) => term('capture-pane', '-p', '-t', name).out;

    const coldRun = async (name: string): Promise<number> => {
      const { t0File, frameFile } = startTui(name);
      const frameAt = await waitForFile(frameFile, 'the first-frame file', name);
      const t0 = await waitForFile(t0File, 'the spawn-time file', name);
      // Leave it a moment so the list is surely painted, then check it is the list, and quit.
      await sleep(60);
      const shown = paneText(name);
      if (!shown.includes('tui-000')) throw new Error(`pane ${name} does not show the session list:\n${shown}`);
      term('send-keys', '-t', name, 'q');
      await paneGone(name);
      return frameAt - t0;
    };
    const nodeRun = async (name: string): Promise<number> => {
      const t0File = join(dir, `${name}.t0`);
      const t1File = join(dir, `${name}.t1`);
      const script = `${env}; echo "$EPOCHREALTIME" > '${t0File}'; '${process.execPath}' -e 0; echo "$EPOCHREALTIME" > '${t1File}'`;
      const r = term('new-session', '-d', '-s', name, '-x', `${TERM_COLUMNS}`, '-y', `${TERM_ROWS}`, 'bash', '-c', script);
      if (!r.ok) throw new Error(`tmux new-session ${name} failed: ${r.err}`);
      const t1 = await waitForFile(t1File, 'node -e 0 end time', name);
      const t0 = await waitForFile(t0File, 'node -e 0 start time', name);
      await paneGone(name);
      return t1 - t0;
    };
    // The baseline the issue names: a bare Ink "hello", bundled like dist/ (production React), whose
    // first frame is timed the same way (it writes the frame file once rendered, and quits on q).
    const helloBundle = await buildInkHello(join(dir, 'ink-hello.mjs'));
    const helloRun = async (name: string): Promise<number> => {
      const t0File = join(dir, `${name}.t0`);
      const frameFile = join(dir, `${name}.frame`);
      const script = `${env}; export CLAUDERON_BENCH_FRAME_FILE='${frameFile}'; echo "$EPOCHREALTIME" > '${t0File}'; exec '${process.execPath}' '${helloBundle}'`;
      const r = term('new-session', '-d', '-s', name, '-x', `${TERM_COLUMNS}`, '-y', `${TERM_ROWS}`, 'bash', '-c', script);
      if (!r.ok) throw new Error(`tmux new-session ${name} failed: ${r.err}`);
      const frameAt = await waitForFile(frameFile, 'the hello first-frame file', name);
      const t0 = await waitForFile(t0File, 'the spawn-time file', name);
      await sleep(60);
      if (!paneText(name).includes('hello')) throw new Error(`pane ${name} does not show hello:\n${paneText(name)}`);
      term('send-keys', '-t', name, 'q');
      await paneGone(name);
      return frameAt - t0;
    };
    log(`  cold start: ${COLD_RUNS} runs of \`node dist/clauderon.js\` in a ${TERM_COLUMNS}×${TERM_ROWS} tmux pane (after 1 warm-up), interleaved with a bundled bare Ink "hello" and \`node -e 0\``);
    await coldRun('cold-warm');
    await helloRun('hello-warm');
    await nodeRun('node-warm');
    const cold: number[] = [];
    const hello: number[] = [];
    const nodeBare: number[] = [];
    for (let i = 0; i < COLD_RUNS; i++) {
      cold.push(await coldRun(`cold-${i}`));
      hello.push(await helloRun(`hello-${i}`));
      nodeBare.push(await nodeRun(`node-${i}`));
    }
    log(`  ours: spawn → first full list frame (${COLD_SESSIONS} sessions)  ${ctx.describe(cold)}`);
    log(`  baseline: bare Ink hello, spawn → first frame    ${ctx.describe(hello)}`);
    log(`  (for scale) node -e 0, spawn → exit             ${ctx.describe(nodeBare)}`);
    const ratio = ctx.p50(cold) / ctx.p50(hello);
    log(`  ours / bare Ink hello (medians): ${ratio.toFixed(2)}×`);
    ctx.row(`TUI cold start → first frame (${COLD_SESSIONS})`, ctx.p50(cold), ctx.p50(hello), 1.2 * ctx.p50(hello));
    ctx.addRow({ figure: 'TUI cold start ÷ bare Ink hello', ours: `${ratio.toFixed(2)}×`, baseline: '1.00×', target: '≤ 1.2×', verdict: ratio <= 1.2 ? 'ok' : 'MISS' });

    // ---------------------------------------------------------------- 4b. keypress to frame, in process
    const mod = await loadTuiBundle(join(dir, 'tui-app.mjs'));
    const many = await keyLatencies(mod, KEY_SESSIONS);
    const few = await keyLatencies(mod, KEY_BASELINE_SESSIONS);
    log(`  keypress → updated frame (in process, ink-testing-library, ${TERM_COLUMNS}×${TERM_ROWS}, ${KEY_PRESSES} presses of j/k/G/g after ${KEY_WARMUP} warm-up;`);
    log(`  / filter: type and erase "task-1" ${FILTER_ROUNDS} times after 1 warm-up round):`);
    log(`    first render of <App>: ${ctx.fmtMs(many.mountMs)} with ${KEY_SESSIONS} sessions, then ${ctx.fmtMs(few.mountMs)} with ${KEY_BASELINE_SESSIONS}; very first press ${ctx.fmtMs(many.firstMs)} / ${ctx.fmtMs(few.firstMs)}`);
    log(`    frames appeared ${many.delivery} (${KEY_SESSIONS}) / ${few.delivery} (${KEY_BASELINE_SESSIONS}) after stdin.write`);
    log(`    ours: ${KEY_SESSIONS} sessions, move             ${ctx.describe(many.move)}`);
    log(`    baseline: ${KEY_BASELINE_SESSIONS} sessions, move            ${ctx.describe(few.move)}`);
    log(`    ours: ${KEY_SESSIONS} sessions, / filter key     ${ctx.describe(many.filter)}`);
    log(`    baseline: ${KEY_BASELINE_SESSIONS} sessions, / filter key    ${ctx.describe(few.filter)}`);
    ctx.row(`TUI keypress → frame p50 (${KEY_SESSIONS})`, ctx.p50(many.move), ctx.p50(few.move), 30);
    ctx.row(`TUI keypress → frame p95 (${KEY_SESSIONS})`, ctx.p95(many.move), ctx.p95(few.move), 30);
    ctx.row(`TUI / filter keystroke p95 (${KEY_SESSIONS})`, ctx.p95(many.filter), ctx.p95(few.filter), 30);
    // With the preview pane open on a busy agent (a new screen every PREVIEW_PUSH_MS, 5× the rate
    // the daemon pushes at), beside the same list without it.
    const previewed = await keyLatencies(mod, KEY_SESSIONS, { preview: true });
    log(`  with the preview open (p) on a busy agent (a new screen every ${PREVIEW_PUSH_MS} ms), ${KEY_SESSIONS} sessions:`);
    log(`    ours: move with preview        ${ctx.describe(previewed.move)}`);
    log(`    baseline: move without preview ${ctx.describe(many.move)}`);
    ctx.row(`TUI keypress → frame p95, preview open (${KEY_SESSIONS})`, ctx.p95(previewed.move), ctx.p95(many.move), 30);

    // ---------------------------------------------------------------- 4c. idle CPU
    await createUpTo(IDLE_SESSIONS);
    const tick = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
    const { frameFile } = startTui('idle');
    await waitForFile(frameFile, 'the first-frame file', 'idle');
    const tuiPid = Number(term('display-message', '-p', '-t', 'idle', '#{pane_pid}').out);
    if (!readFileSync(`/proc/${tuiPid}/cmdline`, 'utf8').includes('clauderon.js')) throw new Error(`pane pid ${tuiPid} is not the TUI`);
    const sleeper = spawn('sleep', ['600'], { stdio: 'ignore' });
    extra.add(sleeper);
    await sleep(IDLE_SETTLE_MS);
    const pids = { tui: tuiPid, daemon: started.pid, sleep: sleeper.pid! };
    /** CPU of each process over IDLE_WINDOW_MS. */
    const measure = async () => {
      const before = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuTicks(pid)]));
      const w0 = performance.now();
      await sleep(IDLE_WINDOW_MS);
      const windowMs = performance.now() - w0;
      const used = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, ((cpuTicks(pid) - before[k]!) * 1000) / tick]));
      return { windowMs, used };
    };
    // Twice: right after the sessions were created (their ages tick each second, one frame a
    // second), and once every session is over a minute old (ages change once a minute: idle).
    const young = await measure();
    const newest = Math.max(...(await client.call('sessions.list', { filter: 'active' })).map((s) => Date.parse(s.createdAt)));
    const settleMs = Math.max(0, newest + 61_000 - Date.now());
    log(`  (waiting ${ctx.fmtMs(settleMs)} until every session is over a minute old)`);
    await sleep(settleMs);
    const settled = await measure();
    const shown = paneText('idle');
    if (!shown.includes('tui-049') && !shown.includes(`${IDLE_SESSIONS} running`)) throw new Error(`the idle TUI does not show the ${IDLE_SESSIONS} sessions:\n${shown}`);
    term('send-keys', '-t', 'idle', 'q');
    await paneGone('idle');
    for (const [phase, m] of [['ages ticking (sessions under a minute old)', young], ['settled (every session over a minute old)', settled]] as const) {
      const pct = (ms: number) => (ms / m.windowMs) * 100;
      const fmtCpu = (ms: number) => `${ms.toFixed(0)} ms (${pct(ms).toFixed(2)}%)`;
      log(`  idle CPU over ${ctx.fmtMs(m.windowMs)}, ${IDLE_SESSIONS} running sessions, ${phase}, /proc/<pid>/stat utime+stime (1 tick = ${1000 / tick} ms):`);
      log(`    ours: TUI process           ${fmtCpu(m.used.tui!)} of one core`);
      log(`    ours: daemon                ${fmtCpu(m.used.daemon!)} of one core`);
      log(`    baseline: idle sleep        ${fmtCpu(m.used.sleep!)} of one core`);
      const ticking = m === young;
      for (const [k, label] of [['tui', 'TUI'], ['daemon', 'daemon']] as const) {
        // While ages tick the TUI draws a frame a second by design: reported, not judged.
        const judged = !(ticking && k === 'tui');
        ctx.addRow({
          figure: `${label} idle CPU, 5 s (${IDLE_SESSIONS} running${ticking ? ', ages ticking' : ', settled'})`,
          ours: fmtCpu(m.used[k]!),
          baseline: fmtCpu(m.used.sleep!),
          target: judged ? '≤ 1% core' : '1 frame/s',
          verdict: judged ? (pct(m.used[k]!) <= 1 ? 'ok' : 'MISS') : '—',
        });
      }
    }
  } finally {
    // Our own cleanup (bench/run.ts's repeats it, harmlessly, on its lists).
    for (const c of extra) c.kill('SIGKILL');
    if (existsSync(termSock)) spawnSync('tmux', ['-S', termSock, 'kill-server'], { stdio: 'ignore' });
    await ctx.stopDaemon(paths, client).catch(() => undefined);
    if (existsSync(paths.tmuxSocket)) spawnSync('tmux', ['-S', paths.tmuxSocket, 'kill-server'], { stdio: 'ignore' });
    rmSync(join(dir, 'tui-app.mjs'), { force: true });
    rmSync(join(dir, 'ink-hello.mjs'), { force: true });
  }
}

/** What every bundle the TUI figures build shares with scripts/build.mjs's (so they run like dist/). */
const DIST_LIKE = {
  absWorkingDir: ROOT,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  alias: { 'react-devtools-core': './scripts/stubs/react-devtools-core.js' },
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  logLevel: 'warning',
} as const satisfies Esbuild.BuildOptions;

/** A bare Ink app that draws "hello", bundled like dist/: the cold-start baseline. */
async function buildInkHello(outfile: string): Promise<string> {
  const esbuildName = 'esbuild';
  const esbuild = (await import(esbuildName)) as typeof Esbuild;
  await esbuild.build({
    stdin: {
      contents: [
        "import { writeFileSync } from 'node:fs';",
        "import { render, Text, useInput, useApp } from 'ink';",
        "import { createElement, useEffect } from 'react';",
        'function Hello() {',
        '  const app = useApp();',
        "  useInput((input) => { if (input === 'q') app.exit(); });",
        '  useEffect(() => { const f = process.env.CLAUDERON_BENCH_FRAME_FILE; if (f) writeFileSync(f, String(Date.now())); }, []);',
        "  return createElement(Text, null, 'hello');",
        '}',
        'render(createElement(Hello));',
      ].join('\n'),
      resolveDir: ROOT,
      loader: 'js',
      sourcefile: 'bench-ink-hello.js',
    },
    ...DIST_LIKE,
    outfile,
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  return outfile;
}

/** utime + stime of a process, in clock ticks (all its threads). */
function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after "(comm)": state is field 3, utime 14, stime 15.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]);
}

// ---------------------------------------------------------------- keypress latency

interface TuiBundle {
  App: typeof AppModule.App;
  createTuiStore: typeof StoreModule.createTuiStore;
  actions: typeof StoreModule.actions;
  render: typeof InkTesting.render;
  createElement: typeof React.createElement;
}

/**
 * <App>, its store, ink-testing-library and React, bundled like dist/ (production React, automatic
 * JSX, the react-devtools-core stub), so the in-process figure renders what the CLI renders.
 */
async function loadTuiBundle(outfile: string): Promise<TuiBundle> {
  const esbuildName = 'esbuild'; // resolved at run time from node_modules, not bundled into the bench
  const esbuild = (await import(esbuildName)) as typeof Esbuild;
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  const pluginsFile = 'scripts/esbuild-plugins.mjs'; // the build's own plugins, so the bundle is dist's
  const { fastStringWidth } = (await import(pathToFileURL(join(ROOT, pluginsFile)).href)) as { fastStringWidth: Esbuild.Plugin };
  // and scripts/build.mjs's other plugin: Ink's @alcalzone/ansi-tokenize is src/tui/ansi-tokenize.ts
  const tuiAnsiTokenize = join(ROOT, 'src/tui/ansi-tokenize.ts');
  const cachedAnsiTokenize: Esbuild.Plugin = {
    name: 'cached-ansi-tokenize',
    setup(b) {
      b.onResolve({ filter: /^@alcalzone\/ansi-tokenize$/ }, (args) => (args.importer === tuiAnsiTokenize ? undefined : { path: tuiAnsiTokenize }));
    },
  };
  await esbuild.build({
    plugins: [fastStringWidth, cachedAnsiTokenize],
    stdin: {
      contents: [
        "export { App } from './src/tui/app.tsx';",
        "export { createTuiStore, actions } from './src/tui/store.ts';",
        "export { render } from 'ink-testing-library';",
        "export { createElement } from 'react';",
      ].join('\n'),
      resolveDir: ROOT,
      loader: 'ts',
      sourcefile: 'bench-tui-entry.ts',
    },
    ...DIST_LIKE,
    outfile,
    external: ['better-sqlite3', 'typescript', 'dockerode'],
    jsx: 'automatic',
    define: { __CLAUDERON_VERSION__: JSON.stringify(pkg.version), 'process.env.NODE_ENV': '"production"' },
  });
  return (await import(pathToFileURL(outfile).href)) as TuiBundle;
}

function benchSession(i: number): Session {
  const name = `task-${String(i).padStart(3, '0')}`;
  const created = new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString();
  return {
    id: `id-${name}`,
    name,
    repoPath: `/home/dev/project-${i % 7}`,
    subdirectory: '',
    worktreePath: `/home/dev/.clauderon/worktrees/${name}`,
    branchName: `clauderon/${name}`,
    backend: 'tmux',
    backendId: name,
    agent: 'claude',
    model: null,
    prompt: `prompt for ${name}: fix the flaky test in module ${i % 13}`,
    accessMode: 'read-write',
    skipChecks: false,
    planMode: true,
    proxyPort: null,
    status: i % 10 === 9 ? 'idle' : 'running',
    agentStatus: 'unknown',
    error: null,
    createdAt: created,
    updatedAt: created,
  };
}

const noServices: TuiServices = {
  createSession: () => Promise.reject(new Error('not in the bench')),
  archive: () => Promise.reject(new Error('not in the bench')),
  unarchive: () => Promise.reject(new Error('not in the bench')),
  deleteSession: () => Promise.resolve({ notes: [] }),
  reconcile: () => Promise.resolve([]),
  reload: () => Promise.resolve(),
  attach: () => Promise.resolve(),
  recentRepos: () => Promise.resolve([]),
  completePath: () => Promise.resolve([]),
  editText: (t) => Promise.resolve(t),
  listDirectory: (path) => Promise.resolve({ path, parent: null, repoRoot: null, entries: [], error: null }),
  attachImage: () => Promise.reject(new Error('not in the bench')),
  egressAllow: () => Promise.reject(new Error('not in the bench')),
  diff: () => Promise.resolve({ base: '0000000', files: [], patch: '', truncated: false }),
  watchScreen: () => () => undefined,
  daemonInfo: () => Promise.reject(new Error('not in the bench')),
  startDaemon: () => Promise.resolve(),
  notify: () => undefined,
  quit: () => undefined,
};

type Delivery = 'synchronously' | 'in a microtask' | 'after a macrotask';

interface KeyFigures {
  mountMs: number;
  /** The very first press (cold JIT), not in `move`. */
  firstMs: number;
  move: number[];
  filter: number[];
  /** When the slowest-delivered frame was there, counted from stdin.write. */
  delivery: Delivery;
}

/** A busy agent's screen: a new line every push, a status line that changes. */
function busyScreen(id: string, n: number): string {
  const lines: string[] = [];
  for (let i = Math.max(0, n - 40); i <= n; i++) lines.push(`⏺ ${id} step ${i}: editing src/module-${i % 17}.ts (+${i % 9} -${i % 4})`);
  lines.push(`✻ Working… (${n} s · esc to interrupt)`);
  return lines.join('\n');
}

/** Pushes a new screen every PREVIEW_PUSH_MS to the watched session, like a busy agent's. */
const previewServices = (): TuiServices => ({
  ...noServices,
  watchScreen: (id, onScreen) => {
    let n = 0;
    onScreen(busyScreen(id, n++));
    const t = setInterval(() => onScreen(busyScreen(id, n++)), PREVIEW_PUSH_MS);
    return () => clearInterval(t);
  },
});

async function keyLatencies(mod: TuiBundle, count: number, opts: { preview?: boolean } = {}): Promise<KeyFigures> {
  const sessions = Array.from({ length: count }, (_, i) => benchSession(i));
  const store = mod.createTuiStore({ columns: TERM_COLUMNS, rows: TERM_ROWS, connection: 'connected' });
  mod.actions(store).setSessions(sessions);
  const t0 = performance.now();
  const ui = mod.render(mod.createElement(mod.App, { store, services: opts.preview ? previewServices() : noServices }));
  const mountMs = performance.now() - t0;
  let delivery: Delivery = 'synchronously';
  try {
    const frame = () => plain(ui.lastFrame());
    const selectedLine = (f: string) => f.split('\n').find((l) => l.startsWith('› ')) ?? '';
    const inputLine = (f: string) => f.split('\n').find((l) => l.startsWith('/')) ?? '';
    // Ink reads keys once React has subscribed its stdin listener, a few ticks after the first frame.
    const deadline = Date.now() + 3000;
    while (ui.stdin.listenerCount('readable') === 0) {
      if (Date.now() > deadline) throw new Error('ink did not start reading keys');
      await new Promise((r) => setImmediate(r));
    }
    if (!selectedLine(frame()).includes(sessions[0]!.name)) throw new Error(`the first frame does not select ${sessions[0]!.name}:\n${frame()}`);

    /** Time from stdin.write(key) until the frame satisfies `done`. */
    // React 19 commits a legacy root's sync update in a microtask, so the frame usually appears
    // one microtask after stdin.write; setImmediate polling is the fallback.
    const press = async (key: string, done: (f: string) => boolean): Promise<number> => {
      const t = performance.now();
      ui.stdin.write(key);
      if (done(frame())) return performance.now() - t;
      for (let i = 0; i < 20; i++) {
        await Promise.resolve();
        if (done(frame())) {
          if (delivery === 'synchronously') delivery = 'in a microtask';
          return performance.now() - t;
        }
      }
      delivery = 'after a macrotask';
      const until = Date.now() + 3000;
      for (;;) {
        await new Promise((r) => setImmediate(r));
        if (done(frame())) return performance.now() - t;
        if (Date.now() > until) throw new Error(`the frame did not update after ${JSON.stringify(key)}:\n${frame()}`);
      }
    };
    // Let React run the effects of the last render before the next key, as a person's typing would.
    const settle = () => new Promise((r) => setImmediate(r));

    if (opts.preview) {
      await press('p', (f) => f.includes('Preview: ') && f.includes('✻ Working…'));
      await settle();
    }

    // Every press moves the selection: j j j k G k k g j j from wherever it is. The first
    // KEY_WARMUP presses (JIT still cold) are not counted; the very first is reported alone.
    const cycle = ['j', 'j', 'j', 'k', 'G', 'k', 'k', 'g', 'j', 'j'];
    const visible = sessions.filter((s) => s.status !== 'archived');
    let sel = 0;
    const move: number[] = [];
    let firstMs = NaN;
    for (let i = 0; i < KEY_WARMUP + KEY_PRESSES; i++) {
      const key = cycle[i % cycle.length]!;
      sel = key === 'j' ? Math.min(sel + 1, visible.length - 1) : key === 'k' ? Math.max(sel - 1, 0) : key === 'G' ? visible.length - 1 : 0;
      const want = visible[sel]!.name;
      const ms = await press(key, (f) => selectedLine(f).includes(want));
      if (i === 0) firstMs = ms;
      if (i >= KEY_WARMUP) move.push(ms);
      await settle();
    }

    // The text filter: `/`, then type and erase "task-1" (each key re-filters the whole list);
    // the first round is the warm-up.
    const filter: number[] = [];
    if (opts.preview) return { mountMs, firstMs, move, filter, delivery };
    await press('/', (f) => inputLine(f).startsWith('/'));
    await settle();
    let text = '';
    for (let round = 0; round < 1 + FILTER_ROUNDS; round++) {
      const keep = (ms: number) => round > 0 && filter.push(ms);
      for (const ch of 'task-1') {
        text += ch;
        const want = `/${text}`; // then the cursor, an inverse space (trailing spaces are trimmed)
        keep(await press(ch, (f) => inputLine(f).trimEnd() === want));
        await settle();
      }
      while (text.length > 0) {
        text = text.slice(0, -1);
        const want = `/${text}`;
        keep(await press('\u007f', (f) => inputLine(f).trimEnd() === want));
        await settle();
      }
    }
    return { mountMs, firstMs, move, filter, delivery };
  } finally {
    ui.unmount();
  }
}
