// Every file clauderon keeps lives under one home (CLAUDERON_HOME, default ~/.clauderon), plus
// the second place config.toml is looked for ($XDG_CONFIG_HOME/clauderon/config.toml).
// This module is the only place that knows the layout: PATH_ENTRIES describes each file and
// directory once, and getPaths, `clauderon config paths` and README's paths table are made from
// it. Tests point CLAUDERON_HOME (and XDG_CONFIG_HOME) at a temp dir.
import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';

export interface PathEntry {
  /** The key in Paths and in `clauderon config paths --json`. */
  name: string;
  /** Relative to the home ('' is the home itself), or to $XDG_CONFIG_HOME with `base`. */
  path: string;
  base?: 'xdgConfigHome';
  /** A directory (shown with a trailing /). */
  dir?: boolean;
  /** What it holds (Markdown, one line). */
  what: string;
  /** Its mode, or who decides it. */
  mode: string;
}

export const PATH_ENTRIES = [
  { name: 'home', path: '', dir: true, what: 'the clauderon home (`CLAUDERON_HOME` moves it)', mode: '0700' },
  { name: 'db', path: 'db.sqlite', what: 'sessions, session events, recent repositories (WAL; versioned migrations)', mode: '0600' },
  { name: 'socket', path: 'clauderon.sock', what: 'daemon RPC socket', mode: '0600' },
  { name: 'daemonInfo', path: 'daemon.info', what: "the running daemon's pid, version and start time", mode: '0600' },
  { name: 'daemonLock', path: 'daemon.lock', what: 'held while a command starts the daemon, so that only one starts', mode: '0600' },
  { name: 'logs', path: 'logs', dir: true, what: 'logs', mode: '0700' },
  { name: 'daemonLog', path: 'logs/daemon.log', what: "the daemon's log", mode: '0600' },
  { name: 'config', path: 'config.toml', what: 'your configuration (looked for here first)', mode: 'yours' },
  {
    name: 'xdgConfig',
    path: 'clauderon/config.toml',
    base: 'xdgConfigHome',
    what: 'your configuration when the home has no `config.toml` (`$XDG_CONFIG_HOME` defaults to `~/.config`)',
    mode: 'yours',
  },
  { name: 'proxyConfig', path: 'proxy.toml', what: 'your proxy configuration (1Password references, injection rules)', mode: 'yours' },
  { name: 'caCert', path: 'proxy-ca.pem', what: "the proxy CA's certificate (what agents trust)", mode: '0644' },
  { name: 'caKey', path: 'proxy-ca-key.pem', what: "the proxy CA's key (never leaves this host)", mode: '0600' },
  { name: 'caBundle', path: 'proxy-ca-bundle.pem', what: 'the system roots plus the proxy CA, for clients whose CA variable replaces their trust store', mode: '0644' },
  { name: 'proxyAuthKey', path: 'proxy-auth.key', what: 'the key the per-session proxy passwords are derived from', mode: '0600' },
  { name: 'hookAuthKey', path: 'hook-auth.key', what: 'the key the per-session hook tokens are derived from', mode: '0600' },
  { name: 'vapid', path: 'vapid.json', what: "the daemon's Web Push (VAPID) key pair, made at the first start; only its public key is ever sent", mode: '0600' },
  { name: 'hookPort', path: 'hook-port', what: "the loopback port the daemon receives the agents' hooks on (kept across restarts; read by each hook)", mode: '0600' },
  { name: 'hookSettings', path: 'hooks-settings.json', what: "Claude Code settings passed with `--settings`: clauderon's hooks (no secret)", mode: '0644' },
  { name: 'apiKeySettings', path: 'api-key-settings.json', what: 'the same with the API-key helper that hands Claude its placeholder, no hooks (no secret)', mode: '0644' },
  { name: 'hooksApiKeySettings', path: 'hooks-api-key-settings.json', what: 'the same with both, the hooks and the API-key helper (no secret)', mode: '0644' },
  {
    name: 'managedSettings',
    path: 'managed-settings.json',
    what: 'Claude Code managed settings (bypass permissions) mounted into Docker containers started with `--dangerous-skip-checks` (no secret)',
    mode: '0644',
  },
  { name: 'notices', path: 'notices.json', what: 'one-time notices already given (e.g. that tmux is used because zellij is missing)', mode: '0600' },
  { name: 'secrets', path: 'secrets', dir: true, what: 'credential files (`secrets/<name>`)', mode: '0700' },
  { name: 'audit', path: 'audit.jsonl', what: 'one line per proxied request', mode: '0600' },
  { name: 'worktrees', path: 'worktrees', dir: true, what: "the sessions' git worktrees (`worktrees/NAME/`)", mode: '0755' },
  { name: 'uploads', path: 'uploads', dir: true, what: "attachments (`uploads/ID/`, mounted into a Docker session's container)", mode: '0700' },
  { name: 'sessions', path: 'sessions', dir: true, what: "per-session files, removed on delete: the agent's config home (`sessions/ID/agent-home/`: Codex's CODEX_HOME, Gemini's settings) and a Docker session's Claude state (`sessions/ID/claude.json`)", mode: '0700' },
  { name: 'tmuxSocket', path: 'tmux.sock', what: "clauderon's tmux server (unless `[tmux] socket` says otherwise)", mode: "tmux's" },
] as const satisfies readonly PathEntry[];

export type PathName = (typeof PATH_ENTRIES)[number]['name'];

/** Where each file lives, by PATH_ENTRIES' names (absolute paths). */
export type Paths = Record<PathName, string>;

export function resolveHome(env: NodeJS.ProcessEnv = process.env): string {
  const h = env.CLAUDERON_HOME;
  return h && h.length > 0 ? resolve(h) : join(homedir(), '.clauderon');
}

/** $XDG_CONFIG_HOME when it is set to an absolute path (the XDG rule), else ~/.config. */
export function xdgConfigHome(env: NodeJS.ProcessEnv = process.env): string {
  const x = env.XDG_CONFIG_HOME;
  return x && isAbsolute(x) ? x : join(homedir(), '.config');
}

function entryPath(e: PathEntry, home: string, env: NodeJS.ProcessEnv): string {
  if (e.base === 'xdgConfigHome') return join(xdgConfigHome(env), e.path);
  return e.path === '' ? home : join(home, e.path);
}

export function getPaths(home: string = resolveHome(), env: NodeJS.ProcessEnv = process.env): Paths {
  const out: Partial<Paths> = {};
  for (const e of PATH_ENTRIES) out[e.name] = entryPath(e, home, env);
  return out as Paths;
}

/** Where config.toml is looked for, in order: the home's (`homeConfig`), then the XDG place. */
export function configSearchPlaces(homeConfig: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const xdg = entryPath(PATH_ENTRIES.find((e) => e.name === 'xdgConfig')!, '', env);
  const home = resolve(homeConfig);
  return home === xdg ? [home] : [home, xdg];
}

/** `clauderon config paths`: one line per entry, its name and where it is. */
export function pathsListing(p: Paths): string {
  const width = Math.max(...PATH_ENTRIES.map((e) => e.name.length));
  return PATH_ENTRIES.map((e) => `${e.name.padEnd(width)} ${p[e.name]}\n`).join('');
}

/** README's paths table (test/docs-paths.test.ts keeps it in step). */
export function markdownPathTable(): string {
  const shown = (e: PathEntry): string =>
    e.base === 'xdgConfigHome' ? `$XDG_CONFIG_HOME/${e.path}` : e.path === '' ? '~/.clauderon/' : `${e.path}${e.dir ? '/' : ''}`;
  const rows = PATH_ENTRIES.map((e: PathEntry) => `| \`${shown(e)}\` | \`${e.name}\` | ${e.what} | ${e.mode} |`);
  return ['| path | key | what | mode |', '|---|---|---|---|', ...rows].join('\n');
}

/** Unix socket paths are limited (sun_path): 107 bytes plus the terminating NUL on Linux. */
export const MAX_SOCKET_PATH_BYTES = 107;

/** An actionable message when the socket path is too long to bind or connect, else null. */
export function socketPathProblem(p: Paths): string | null {
  const n = Buffer.byteLength(p.socket);
  return n > MAX_SOCKET_PATH_BYTES
    ? `the daemon socket path ${p.socket} is ${n} bytes; Unix sockets allow ${MAX_SOCKET_PATH_BYTES} — set CLAUDERON_HOME to a shorter directory`
    : null;
}

/** Create the home and its directories with the modes DESIGN.md gives. Idempotent. */
export function ensureHome(p: Paths): void {
  mkdirSync(p.home, { recursive: true, mode: 0o700 });
  chmodSync(p.home, 0o700);
  mkdirSync(p.logs, { recursive: true, mode: 0o700 });
  mkdirSync(p.secrets, { recursive: true, mode: 0o700 });
  chmodSync(p.secrets, 0o700);
  mkdirSync(p.worktrees, { recursive: true, mode: 0o755 });
  mkdirSync(p.uploads, { recursive: true, mode: 0o700 });
}

/** Create (if absent) a file that must be private, and force its mode to 0600. */
export function ensurePrivateFile(path: string): void {
  closeSync(openSync(path, 'a', 0o600));
  chmodSync(path, 0o600);
}
