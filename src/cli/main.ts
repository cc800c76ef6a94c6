// The `clauderon` bin. Parses argv (commander), talks to the daemon through DaemonClient, and
// prints for people (tables, one-line errors) or for scripts (--json). Heavy modules are loaded
// only by the commands that need them; the daemon code is a separate lazily loaded chunk.
import { readFileSync, writeFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { DaemonClient } from '../client/client.js';
import { expandPath, runWithTerminal } from '../client/handoff.js';
import { getPaths, resolveHome, type Paths } from '../config/paths.js';
import { ClauderonError, errorMessage, isClauderonError } from '../shared/errors.js';
import { processAlive } from '../shared/process.js';
import type { ProgressEvent } from '../shared/events.js';
import { ACCESS_MODES, AGENTS, BACKENDS, SESSION_FIELDS, type Session } from '../shared/types.js';
import { VERSION } from '../version.js';
import { shortenHome } from '../shared/format.js';
import { colorStatus, sessionTable, useColor } from './format.js';

let debug = process.argv.includes('--debug');

function paths(): Paths {
  return getPaths(resolveHome());
}

async function connect(): Promise<DaemonClient> {
  return DaemonClient.connect({
    paths: paths(),
    onStatus: (m) => {
      if (process.stderr.isTTY) process.stderr.write(`${m}\n`);
    },
  });
}

async function withClient<T>(fn: (c: DaemonClient) => Promise<T>): Promise<T> {
  const client = await connect();
  try {
    return await fn(client);
  } finally {
    client.close();
  }
}

function printJson(v: unknown): void {
  process.stdout.write(`${JSON.stringify(v, null, 2)}\n`);
}

/** A session with exactly the public field names, in order. */
function publicSession(s: Session): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of SESSION_FIELDS) out[f] = s[f];
  return out;
}

function readPrompt(opt: string | undefined, file: string | undefined): string {
  if (file !== undefined) return readFileSync(file === '-' ? 0 : file, 'utf8').trim();
  if (opt === '-') return readFileSync(0, 'utf8').trim();
  return opt ?? '';
}

/**
 * Create's progress on stderr. Steps only when asked (a terminal, or CLAUDERON_PROGRESS); a warning
 * always, as it arrives — it must reach the user before the agent starts. `warned` collects them so
 * the result's warnings are not printed twice.
 */
function progressPrinter(enabled: boolean, warned: Set<string>): (p: ProgressEvent) => void {
  return (p) => {
    if (p.state === 'warning') {
      if (p.message !== null && !warned.has(p.message)) process.stderr.write(`warning: ${p.message}\n`);
      if (p.message !== null) warned.add(p.message);
      return;
    }
    if (!enabled) return;
    if (p.state === 'started') return;
    const mark = p.state === 'done' ? '✓' : p.state === 'failed' ? '✗' : '↺';
    const extra = p.state === 'rolled_back' ? ' (rolled back)' : p.ms !== null ? ` (${p.ms} ms)` : '';
    process.stderr.write(`  ${mark} ${p.step}${extra}${p.message ? `: ${p.message}` : ''}\n`);
  };
}

function warn(lines: string[]): void {
  for (const l of lines) process.stderr.write(`note: ${l}\n`);
}

const program = new Command();
program
  .name('clauderon')
  .description('Run AI coding agents in isolated sessions: a git worktree plus an agent in Zellij, tmux or a container.')
  .version(VERSION, '-V, --version')
  .option('--daemon', 'run the daemon in the foreground (same as `clauderon daemon`)')
  .option('--http-port <port>', 'with --daemon: the HTTP API port (default [http] port, 3030; 0 turns it off)')
  .option('--debug', 'show stack traces on errors')
  .showSuggestionAfterError(true)
  .configureOutput({ outputError: (str, write) => write(str) })
  .exitOverride()
  .allowExcessArguments(true)
  .action(async (opts: { daemon?: boolean; httpPort?: string }) => {
    const [unknown] = program.args;
    if (unknown !== undefined) {
      program.error(`error: unknown command '${unknown}' (see clauderon --help)`, { exitCode: 2, code: 'commander.unknownCommand' });
    }
    if (opts.daemon) return runDaemonForeground(opts.httpPort);
    if (!process.stdout.isTTY || !process.stdin.isTTY) {
      program.outputHelp();
      process.stderr.write('\n(the full-screen UI needs a terminal: run clauderon in one)\n');
      return;
    }
    const { runTui } = await importInteractive(() => import('../tui/run.js'));
    // Benchmark aid: the time the first full list frame was drawn is written to this file.
    const frameFile = process.env.CLAUDERON_BENCH_FRAME_FILE;
    process.exitCode = await runTui({
      paths: paths(),
      ...(frameFile ? { onFirstFrame: () => writeFileSync(frameFile, String(Date.now())) } : {}),
    });
  });

program
  .command('create')
  .description('create a session: a worktree of the repository and an agent working on the prompt')
  .option('-r, --repo <path>', 'repository (or a directory inside one)', '.')
  .option('-p, --prompt <text>', 'what the agent should do ("-" reads standard input)')
  .option('--prompt-file <file>', 'read the prompt from a file ("-" for standard input)')
  .option('-n, --name <name>', 'session name (default: from the prompt plus a 4-character suffix)')
  .addOption(new Option('-b, --backend <backend>', 'where the agent runs (default: zellij, or tmux when zellij is missing)').choices(BACKENDS))
  .addOption(new Option('-a, --agent <agent>', 'which agent (default: claude)').choices(AGENTS))
  .option('-m, --model <model>', 'model for the agent')
  .addOption(new Option('--access-mode <mode>', 'what the agent may do through the proxy').choices(ACCESS_MODES).default('read-write'))
  .option('--dangerous-skip-checks', "skip the agent's permission prompts (e.g. claude --dangerously-skip-permissions)", false)
  .option('--no-plan-mode', 'start the agent out of plan mode')
  .option('--image <image>', 'docker: the image to run (default: [docker] image in config.toml)')
  .addOption(new Option('--pull-policy <policy>', 'docker: when to pull the image (default: if-not-present)').choices(['always', 'if-not-present', 'never']))
  .option('--cpu-limit <cpus>', 'docker: CPUs the container may use, e.g. 2 or 0.5')
  .option('--memory-limit <size>', 'docker: memory the container may use, e.g. 4g or 512m')
  .option('--json', 'print the session as JSON')
  .action(async (o: {
    repo: string; prompt?: string; promptFile?: string; name?: string; backend?: (typeof BACKENDS)[number];
    agent?: (typeof AGENTS)[number]; model?: string; accessMode: (typeof ACCESS_MODES)[number];
    dangerousSkipChecks: boolean; planMode: boolean; json?: boolean;
    image?: string; pullPolicy?: 'always' | 'if-not-present' | 'never'; cpuLimit?: string; memoryLimit?: string;
  }) => {
    const cpuLimit = o.cpuLimit === undefined ? undefined : Number(o.cpuLimit);
    if (cpuLimit !== undefined && !(Number.isFinite(cpuLimit) && cpuLimit > 0)) throw new ClauderonError('invalid_input', `invalid --cpu-limit "${o.cpuLimit}": expected a number of CPUs above 0, e.g. 2 or 0.5`);
    const backendRequest = {
      ...(o.image !== undefined ? { image: o.image } : {}),
      ...(o.pullPolicy !== undefined ? { pullPolicy: o.pullPolicy } : {}),
      ...(cpuLimit !== undefined ? { cpuLimit } : {}),
      ...(o.memoryLimit !== undefined ? { memoryLimit: o.memoryLimit } : {}),
    };
    const prompt = readPrompt(o.prompt, o.promptFile);
    const showProgress = !o.json && Boolean(process.stderr.isTTY || process.env.CLAUDERON_PROGRESS);
    const warned = new Set<string>();
    const result = await withClient((c) =>
      c.call(
        'sessions.create',
        {
          repoPath: expandPath(o.repo),
          prompt,
          ...(o.name !== undefined ? { name: o.name } : {}),
          ...(o.backend ? { backend: o.backend } : {}),
          ...(o.agent ? { agent: o.agent } : {}),
          ...(o.model ? { model: o.model } : {}),
          accessMode: o.accessMode,
          skipChecks: o.dangerousSkipChecks,
          planMode: o.planMode,
          ...(Object.keys(backendRequest).length > 0 ? { backendRequest } : {}),
        },
        progressPrinter(showProgress, warned),
      ),
    );
    warn(result.warnings.filter((w) => !warned.has(w)));
    if (o.json) return printJson(publicSession(result.session));
    const s = result.session;
    process.stdout.write(`Created ${s.name} (${s.agent} on ${s.backend}, branch ${s.branchName})\nAttach: clauderon attach ${s.name}\n`);
  });

program
  .command('list')
  .alias('ls')
  .description('list sessions (archived ones with --archived or --all)')
  .option('--archived', 'only archived sessions')
  .option('--all', 'active and archived sessions')
  .option('--json', 'print a JSON array of sessions')
  .action(async (o: { archived?: boolean; all?: boolean; json?: boolean }) => {
    const filter = o.all ? 'all' : o.archived ? 'archived' : 'active';
    const sessions = await withClient((c) => c.call('sessions.list', { filter }));
    if (o.json) return printJson(sessions.map(publicSession));
    if (sessions.length === 0) {
      process.stdout.write(filter === 'active' ? 'No sessions. Create one: clauderon create --repo PATH --prompt "…"\n' : 'No sessions.\n');
      return;
    }
    process.stdout.write(`${sessionTable(sessions, process.stdout.columns ?? 100, useColor(process.stdout))}\n`);
  });

program
  .command('show')
  .description('show one session')
  .argument('<name>', 'session name or id')
  .option('--json', 'print JSON')
  .action(async (name: string, o: { json?: boolean }) => {
    const s = await withClient((c) => c.call('sessions.get', { name }));
    if (o.json) return printJson(publicSession(s));
    const color = useColor(process.stdout);
    const rows: [string, string][] = [
      ['name', s.name], ['status', colorStatus(s.status, color)], ['agent', `${s.agent}${s.model ? ` (${s.model})` : ''}`],
      ['backend', `${s.backend}${s.backendId ? ` (${s.backendId})` : ''}`], ['repository', shortenHome(s.repoPath) + (s.subdirectory ? ` (in ${s.subdirectory})` : '')],
      ['worktree', shortenHome(s.worktreePath)], ['branch', s.branchName], ['access mode', s.accessMode],
      ['plan mode', s.planMode ? 'on' : 'off'], ['skip checks', s.skipChecks ? 'yes' : 'no'], ['created', s.createdAt],
      ['prompt', s.prompt], ...(s.error ? ([['error', s.error]] as [string, string][]) : []),
    ];
    for (const [k, v] of rows) process.stdout.write(`${k.padEnd(12)} ${v}\n`);
  });

program
  .command('attach')
  .description("attach this terminal to a session's agent (zellij attach / tmux attach / docker attach)")
  .argument('<name>', 'session name or id')
  .action(async (name: string) => {
    const { argv, detachHint, detachExitCodes, session } = await withClient((c) => c.call('sessions.attach', { name }));
    process.stderr.write(`Attaching to ${session.name} — ${detachHint}\n`);
    const code = await runWithTerminal(argv);
    process.exitCode = detachExitCodes.includes(code) ? 0 : code;
  });

for (const [cmd, method, desc] of [
  ['archive', 'sessions.archive', 'stop the agent and hide the session (the worktree is kept)'],
  ['unarchive', 'sessions.unarchive', 'bring an archived session back (the agent is restarted; Claude resumes its conversation)'],
  ['refresh', 'sessions.refresh', 'docker: pull the image again and re-create the container (worktree and conversation kept)'],
] as const) {
  program
    .command(cmd)
    .description(desc)
    .argument('<name>', 'session name or id')
    .option('--json', 'print the session as JSON')
    .action(async (name: string, o: { json?: boolean }) => {
      const r = await withClient((c) => c.call(method, { name }));
      const s = 'session' in r ? r.session : r;
      if ('warnings' in r) warn(r.warnings);
      if (o.json) return printJson(publicSession(s));
      process.stdout.write(`${{ archive: 'Archived', unarchive: 'Unarchived', refresh: 'Refreshed' }[cmd]} ${s.name}\n`);
    });
}

program
  .command('delete')
  .alias('rm')
  .description('delete a session: stop the agent, remove the worktree and (if merged or --force) its branch')
  .argument('<name>', 'session name or id')
  .option('-f, --force', 'also discard uncommitted changes and delete a branch with unmerged commits')
  .option('--json', 'print the result as JSON')
  .action(async (name: string, o: { force?: boolean; json?: boolean }) => {
    const r = await withClient((c) => c.call('sessions.delete', { name, force: Boolean(o.force) }));
    if (o.json) return printJson({ deleted: publicSession(r.session), notes: r.notes });
    warn(r.notes);
    process.stdout.write(`Deleted ${r.session.name}\n`);
  });

program
  .command('env')
  .description("print what a session's agent gets in its environment (placeholders — never a real credential)")
  .argument('<name>', 'session name or id')
  .option('--json', 'print JSON')
  .action(async (name: string, o: { json?: boolean }) => {
    const env = await withClient((c) => c.call('sessions.env', { name }));
    if (o.json) return printJson(env);
    for (const [k, v] of Object.entries(env).sort(([a], [b]) => a.localeCompare(b))) process.stdout.write(`${k}=${v}\n`);
  });

program
  .command('set-access-mode')
  .description("change what a session's agent may do through its proxy, effective at once")
  .argument('<name>', 'session name or id')
  .argument('<mode>', 'read-only or read-write')
  .option('--json', 'print the session as JSON')
  .action(async (name: string, mode: string, o: { json?: boolean }) => {
    if (!(ACCESS_MODES as readonly string[]).includes(mode)) {
      throw new ClauderonError('invalid_input', `unknown access mode "${mode}" — use read-only or read-write`);
    }
    const s = await withClient((c) => c.call('sessions.setAccessMode', { name, mode: mode as (typeof ACCESS_MODES)[number] }));
    if (o.json) return printJson(publicSession(s));
    process.stdout.write(`${s.name} is now ${s.accessMode}\n`);
  });

program
  .command('output')
  .description("print the last lines of a session's agent screen")
  .argument('<name>', 'session name or id')
  .option('-n, --lines <n>', 'how many lines', (v) => Number.parseInt(v, 10), 50)
  .action(async (name: string, o: { lines: number }) => {
    const r = await withClient((c) => c.call('sessions.output', { name, lines: o.lines }));
    process.stdout.write(`${r.output}\n`);
  });

program
  .command('reconcile')
  .description('compare sessions with reality (worktrees, backend sessions) and repair what is safe')
  .option('--json', 'print the report as JSON')
  .action(async (o: { json?: boolean }) => {
    const items = await withClient((c) => c.call('reconcile', {}));
    if (o.json) return printJson(items);
    if (items.length === 0) {
      process.stdout.write('Everything matches: nothing to repair.\n');
      return;
    }
    for (const i of items) process.stdout.write(`${i.action.padEnd(8)} ${i.kind.padEnd(16)} ${i.session ?? '-'}  ${i.detail}\n`);
  });

const daemonCmd = program
  .command('daemon')
  .description('run the daemon in the foreground (it owns sessions, the store and the proxies)')
  .option('--http-port <port>', 'the HTTP API port (default [http] port in config.toml, 3030; 0 turns it off)')
  .action(async (o: { httpPort?: string }) => runDaemonForeground(o.httpPort));
daemonCmd
  .command('status')
  .description('show whether a daemon is running for this home')
  .option('--json', 'print JSON')
  .action(async (o: { json?: boolean }) => {
    let info;
    try {
      const c = await DaemonClient.connect({ paths: paths(), autoSpawn: false });
      info = await c.call('daemon.info', {});
      c.close();
    } catch {
      info = null;
    }
    if (o.json) return printJson({ running: info !== null, ...(info ?? {}) });
    process.stdout.write(info ? `running: pid ${info.pid}, version ${info.version}, since ${info.startedAt}\n` : 'not running\n');
    if (!info) process.exitCode = 3;
  });
daemonCmd
  .command('stop')
  .description('stop the daemon (sessions keep running)')
  .action(async () => {
    let c: DaemonClient;
    try {
      c = await DaemonClient.connect({ paths: paths(), autoSpawn: false });
    } catch {
      process.stdout.write('not running\n');
      return;
    }
    const info = await c.call('daemon.info', {});
    await c.call('daemon.stop', {});
    await new Promise<void>((res) => {
      c.onClose(res);
    });
    for (let i = 0; i < 200 && processAlive(info.pid); i++) await new Promise((r) => setTimeout(r, 25));
    process.stdout.write(`stopped daemon (pid ${info.pid})\n`);
  });

const configCmd = program.command('config').description('show configuration and file locations');
configCmd
  .command('show')
  .description('print the effective configuration (config.toml merged over defaults)')
  .option('--json', 'print JSON')
  .action(async (o: { json?: boolean }) => {
    const p = paths();
    const { loadConfig } = await import('../config/config.js');
    const config = await loadConfig(p.config);
    if (o.json) return printJson({ path: p.config, config });
    const { stringify } = await import('smol-toml');
    process.stdout.write(`# ${p.config}\n${stringify(config)}\n`);
  });
configCmd
  .command('credentials')
  .description('show which credentials the daemon holds and where each came from (never a value)')
  .option('--json', 'print JSON')
  .action(async (o: { json?: boolean }) => {
    const r = await withClient((c) => c.call('credentials.describe', {}));
    if (o.json) return printJson(r);
    if (r.error) process.stderr.write(`clauderon: ${r.error}\n`);
    const color = useColor(process.stdout);
    process.stdout.write(`${'NAME'.padEnd(22)} ${'SET'.padEnd(4)} ${'SOURCE'.padEnd(10)} DETAIL\n`);
    for (const c of r.credentials) {
      const set = c.set ? (color ? '\u001b[32myes\u001b[0m ' : 'yes ') : 'no  ';
      process.stdout.write(`${c.name.padEnd(22)} ${set} ${(c.source ?? '-').padEnd(10)} ${c.detail}\n`);
    }
    process.stdout.write('Values never leave the daemon; sources: environment, 1Password (proxy.toml), secrets/<name>.\n');
    if (r.error) process.exitCode = 1;
  });
configCmd
  .command('ca')
  .description('show the proxy CA (its certificate is what agents trust); --rotate makes a new one')
  .option('--rotate', 'replace the CA with a new one (sessions started before must be restarted)')
  .option('--json', 'print JSON')
  .action(async (o: { rotate?: boolean; json?: boolean }) => {
    const r = await withClient((c) => c.call(o.rotate ? 'ca.rotate' : 'ca.show', {}));
    if (o.json) return printJson(r);
    process.stdout.write(`certificate  ${r.certPath}\nkey          ${r.keyPath} (never leaves this host)\nSHA-256      ${r.fingerprint256}\n`);
    if (!r.rotated) return;
    if (r.restart.length === 0) process.stdout.write('Rotated. No session was running; new sessions trust the new CA.\n');
    else process.stdout.write(`Rotated. These sessions still trust the old CA — restart each (clauderon archive NAME, then clauderon unarchive NAME):\n${r.restart.map((n) => `  ${n}\n`).join('')}`);
  });
configCmd
  .command('paths')
  .description('print where clauderon keeps its files')
  .option('--json', 'print JSON')
  .action((o: { json?: boolean }) => {
    const p = paths();
    if (o.json) return printJson(p);
    for (const [k, v] of Object.entries(p)) process.stdout.write(`${k.padEnd(12)} ${v}\n`);
  });

/**
 * Import the TUI as for a person at a terminal. Ink decides once, when it loads, whether it runs
 * in CI (the CI or CONTINUOUS_INTEGRATION variables) and then draws nothing until it exits; the
 * TUI only starts on a TTY, so those variables are hidden while it loads.
 */
async function importInteractive<T>(load: () => Promise<T>): Promise<T> {
  const saved = { CI: process.env.CI, CONTINUOUS_INTEGRATION: process.env.CONTINUOUS_INTEGRATION };
  delete process.env.CI;
  delete process.env.CONTINUOUS_INTEGRATION;
  try {
    return await importWithoutFetch(load);
  } finally {
    for (const [k, v] of Object.entries(saved)) if (v !== undefined) process.env[k] = v;
  }
}

/**
 * Import a module while `globalThis.fetch` is hidden. Ink's layout engine (yoga, wasm) decodes its
 * embedded binary synchronously when there is no fetch, and otherwise fetch()es a data: URL —
 * which makes Node load its whole HTTP client (undici) on the TUI's start path.
 */
async function importWithoutFetch<T>(load: () => Promise<T>): Promise<T> {
  const original = Object.getOwnPropertyDescriptor(globalThis, 'fetch');
  if (!original?.configurable) return load();
  Object.defineProperty(globalThis, 'fetch', { value: undefined, configurable: true, writable: true });
  try {
    return await load();
  } finally {
    Object.defineProperty(globalThis, 'fetch', original);
  }
}

async function runDaemonForeground(httpPort?: string): Promise<void> {
  let port: number | undefined;
  if (httpPort !== undefined) {
    port = Number(httpPort);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ClauderonError('invalid_input', `invalid --http-port "${httpPort}": expected a port number 0–65535 (0 turns the HTTP API off)`);
  }
  const { runDaemon } = await import('../daemon/server.js');
  await runDaemon({ paths: paths(), echoLog: process.env.CLAUDERON_DAEMON_DETACHED !== '1', httpPort: port });
}

async function main(): Promise<void> {
  try {
    await program.parseAsync(process.argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      // help and version print and exit 0; usage errors have been printed by commander.
      process.exitCode = e.exitCode === 0 ? 0 : 2;
      return;
    }
    if (debug || !isClauderonError(e)) {
      if (debug) process.setSourceMapsEnabled(true);
      process.stderr.write(`clauderon: ${debug && e instanceof Error ? (e.stack ?? e.message) : errorMessage(e)}\n`);
    } else {
      process.stderr.write(`clauderon: ${e.message}\n`);
    }
    if (process.argv.includes('--json')) {
      process.stdout.write(`${JSON.stringify({ error: { code: isClauderonError(e) ? e.code : 'internal', message: errorMessage(e) } })}\n`);
    }
    process.exitCode = 1;
  }
}

debug = program.opts<{ debug?: boolean }>().debug ?? debug;
void main();
export { ClauderonError };
