// Every file clauderon keeps lives under one home (CLAUDERON_HOME, default ~/.clauderon).
// This module is the only place that knows the layout; tests point CLAUDERON_HOME at a temp dir.
import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export interface Paths {
  home: string;
  db: string;
  socket: string;
  daemonInfo: string;
  daemonLock: string;
  logs: string;
  daemonLog: string;
  config: string;
  proxyConfig: string;
  caCert: string;
  caKey: string;
  /** System roots + our CA, for clients whose CA variable replaces their trust store. */
  caBundle: string;
  /** Claude Code settings holding clauderon's hooks (passed with --settings). */
  hookSettings: string;
  /** Claude Code settings whose apiKeyHelper prints the API-key placeholder (no hooks). */
  apiKeySettings: string;
  /** Both: clauderon's hooks and the API-key helper. */
  hooksApiKeySettings: string;
  secrets: string;
  audit: string;
  worktrees: string;
  uploads: string;
  /** Per-session state beside the worktree (a container's claude.json), by session id. */
  sessions: string;
  tmuxSocket: string;
}

export function resolveHome(env: NodeJS.ProcessEnv = process.env): string {
  const h = env.CLAUDERON_HOME;
  return h && h.length > 0 ? resolve(h) : join(homedir(), '.clauderon');
}

export function getPaths(home: string = resolveHome()): Paths {
  return {
    home,
    db: join(home, 'db.sqlite'),
    socket: join(home, 'clauderon.sock'),
    daemonInfo: join(home, 'daemon.info'),
    daemonLock: join(home, 'daemon.lock'),
    logs: join(home, 'logs'),
    daemonLog: join(home, 'logs', 'daemon.log'),
    config: join(home, 'config.toml'),
    proxyConfig: join(home, 'proxy.toml'),
    caCert: join(home, 'proxy-ca.pem'),
    caKey: join(home, 'proxy-ca-key.pem'),
    caBundle: join(home, 'proxy-ca-bundle.pem'),
    hookSettings: join(home, 'hooks-settings.json'),
    apiKeySettings: join(home, 'api-key-settings.json'),
    hooksApiKeySettings: join(home, 'hooks-api-key-settings.json'),
    secrets: join(home, 'secrets'),
    audit: join(home, 'audit.jsonl'),
    worktrees: join(home, 'worktrees'),
    uploads: join(home, 'uploads'),
    sessions: join(home, 'sessions'),
    tmuxSocket: join(home, 'tmux.sock'),
  };
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
