// Whole-binary test harness: a temp CLAUDERON_HOME, temp git repositories, the built
// dist/clauderon.js run as a real process, and cleanup of every daemon and tmux server it made.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { processAlive } from '../../src/shared/process.js';
import { daemonPidsFor } from './procs.js';

export { daemonPidsFor };
/** Poll until `fn` returns a truthy value (bounded); no fixed sleeps. The one waitFor of the tests, from wait.ts. */
export { waitFor } from './wait.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = join(ROOT, 'dist', 'clauderon.js');
export const FAKE_AGENT = join(ROOT, 'fixtures', 'fake-agent.sh');
export const FIXTURE_BIN = join(ROOT, 'fixtures', 'bin');

if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run npm run build first (npm test does)`);

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

const GIT_ENV = {
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.invalid',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.invalid',
  GIT_CONFIG_NOSYSTEM: '1',
};

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, ...GIT_ENV, GIT_CONFIG_GLOBAL: '/dev/null' } }).trim();
}

/** A git repository with one commit (a.txt, sub/b.txt). */
export function makeRepo(parent: string, name = 'repo'): string {
  const dir = join(parent, name);
  mkdirSync(join(dir, 'sub'), { recursive: true });
  git(dir, 'init', '-q', '-b', 'main');
  writeFileSync(join(dir, 'a.txt'), 'a\n');
  writeFileSync(join(dir, 'sub', 'b.txt'), 'b\n');
  git(dir, 'add', '.');
  git(dir, 'commit', '-qm', 'init');
  return dir;
}

export interface Env {
  root: string;
  home: string;
  repo: string;
  zellijSocket: string;
  /** Environment the binary runs with (PATH without fixtures unless asked). */
  env: NodeJS.ProcessEnv;
  run(args: string[], opts?: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number }): RunResult;
  runAsync(args: string[], opts?: { env?: NodeJS.ProcessEnv }): Promise<RunResult>;
  json<T = unknown>(args: string[], opts?: { env?: NodeJS.ProcessEnv }): T;
  writeConfig(toml: string): void;
  /** The `[proxy]` and `[http]` tables giving this env its own ports (part of every writeConfig). */
  portConfig: string;
  /** This env's daemon HTTP API port. */
  httpPort: number;
  daemonPid(): number | null;
  tmux(...args: string[]): { code: number; stdout: string };
  cleanup(): void;
}

export interface EnvOptions {
  /** Put the zellij double (fixtures/bin) on PATH. */
  zellij?: boolean;
  /** Extra config.toml text (the fake agent override is always there). */
  config?: string;
}

export function makeEnv(opts: EnvOptions = {}): Env {
  const root = mkdtempSync(join(tmpdir(), 'clrn-'));
  const home = join(root, 'home');
  const repo = makeRepo(root);
  const zellijSocket = join(root, 'zellij-tmux.sock');
  const basePath = process.env.PATH ?? '/usr/bin:/bin';
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...GIT_ENV,
    CLAUDERON_HOME: home,
    // config.toml's second search place: never the developer's own ~/.config
    XDG_CONFIG_HOME: join(root, 'xdg-config'),
    ZELLIJ_DOUBLE_SOCKET: zellijSocket,
    PATH: opts.zellij ? `${FIXTURE_BIN}:${basePath}` : withoutDir(basePath, FIXTURE_BIN),
  };
  delete env.TMUX;
  delete env.CI_SECRET;
  mkdirSync(home, { recursive: true });
  const ports = claimPortBlock();
  // The proxies take the block but its last port, which is the daemon's HTTP API (hooks post there).
  const portConfig = `[proxy]\nport_range = [${ports.first}, ${ports.last - 1}]\n[http]\nport = ${ports.last}\n`;
  const fakeAgentConfig = `${portConfig}[agents.claude]\ncommand = "${FAKE_AGENT}"\n[agents.codex]\ncommand = "${FAKE_AGENT}"\n[agents.gemini]\ncommand = "${FAKE_AGENT}"\n`;
  const writeConfig = (toml: string) => writeFileSync(join(home, 'config.toml'), toml);
  writeConfig(`${opts.config ?? ''}\n${fakeAgentConfig}`);

  const e: Env = {
    root,
    home,
    repo,
    zellijSocket,
    env,
    portConfig,
    httpPort: ports.last,
    run(args, o = {}) {
      const r = spawnSync(process.execPath, [BIN, ...args], {
        env: { ...env, ...o.env },
        input: o.input ?? '',
        encoding: 'utf8',
        timeout: o.timeoutMs ?? 30_000,
        cwd: root,
      });
      return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
    },
    runAsync(args, o = {}) {
      return new Promise((res) => {
        const child = spawn(process.execPath, [BIN, ...args], { env: { ...env, ...o.env }, cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('close', (code) => res({ code: code ?? -1, stdout, stderr }));
      });
    },
    json<T>(args: string[], o: { env?: NodeJS.ProcessEnv } = {}): T {
      const r = e.run([...args, '--json'], o);
      if (r.code !== 0) throw new Error(`clauderon ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
      return JSON.parse(r.stdout) as T;
    },
    writeConfig: (toml: string) => writeConfig(`${toml}\n${fakeAgentConfig}`),
    daemonPid() {
      try {
        return (JSON.parse(readFileSync(join(home, 'daemon.info'), 'utf8')) as { pid: number }).pid;
      } catch {
        return null;
      }
    },
    tmux(...args: string[]) {
      const r = spawnSync('tmux', ['-S', join(home, 'tmux.sock'), ...args], { encoding: 'utf8' });
      return { code: r.status ?? -1, stdout: r.stdout };
    },
    cleanup() {
      const daemons = daemonPidsFor(home);
      for (const pid of daemons) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
      spawnSync('tmux', ['-S', join(home, 'tmux.sock'), 'kill-server']);
      spawnSync('tmux', ['-S', zellijSocket, 'kill-server']);
      // A SIGKILLed daemon (or an agent ending on the tmux server's SIGHUP) may still be writing
      // for a moment: wait for the daemons to be gone, and try the removal again for up to 5 s.
      const until = Date.now() + 5000;
      while (daemons.some((pid) => !processGone(pid)) && Date.now() < until) spawnSync('sleep', ['0.05']);
      for (;;) {
        try {
          rmSync(root, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
          break;
        } catch (err) {
          if (Date.now() > until) throw err;
          spawnSync('sleep', ['0.1']);
        }
      }
      ports.release();
    },
  };
  return e;
}

const PORT_LOCKS = join(tmpdir(), 'clauderon-test-ports');
// 27000–29999: clear of the in-process proxy tests (23000–26999) and below Linux's ephemeral range
// (32768–60999), so an outgoing connection of a parallel test never holds a daemon's port.
const PORT_BASE = 27_000;
const PORT_BLOCK = 20;
const PORT_BLOCKS = 150;
/** Blocks this test process has held (see claimPortBlock). */
const blocksUsedHere = new Set<number>();

/**
 * A block of proxy ports of this env's own. Test files run in parallel workers, each with its own
 * daemons; a daemon restart frees its proxy port for a moment, and with one shared range another
 * worker's daemon could take it. A lock file per block (holding the owner's pid, taken over once
 * that process is gone) keeps every env's ports apart.
 */
function claimPortBlock(): { first: number; last: number; release(): void } {
  mkdirSync(PORT_LOCKS, { recursive: true });
  const start = Math.floor(Math.random() * PORT_BLOCKS);
  // A block this process had before comes last: its old daemon may still be going away on those
  // ports, and this process's fetch pool may still hold a keep-alive socket to it (a precaution: an
  // "other side closed" was seen once in CI and not reproduced).
  const order = Array.from({ length: PORT_BLOCKS }, (_, i) => (start + i) % PORT_BLOCKS);
  for (const block of [...order.filter((b) => !blocksUsedHere.has(b)), ...order.filter((b) => blocksUsedHere.has(b))]) {
    const lock = join(PORT_LOCKS, String(block));
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx' });
    } catch {
      const owner = Number(readFileSync(lock, 'utf8') || 0);
      if (owner === process.pid || (owner > 0 && processAlive(owner))) continue;
      rmSync(lock, { force: true }); // its test process is gone
      try {
        writeFileSync(lock, String(process.pid), { flag: 'wx' });
      } catch {
        continue;
      }
    }
    const first = PORT_BASE + block * PORT_BLOCK;
    blocksUsedHere.add(block);
    return { first, last: first + PORT_BLOCK - 1, release: () => rmSync(lock, { force: true }) };
  }
  throw new Error(`no free test port block under ${PORT_LOCKS}`);
}

function withoutDir(pathEnv: string, dir: string): string {
  return pathEnv.split(':').filter((d) => d && resolve(d) !== dir).join(':');
}

/** A PATH holding only the named tools (symlinked), e.g. to hide tmux from the daemon. */
export function pathWith(root: string, tools: string[]): string {
  const dir = join(root, `bin-${tools.join('-') || 'none'}`);
  mkdirSync(dir, { recursive: true });
  for (const t of tools) {
    const found = spawnSync('sh', ['-c', `command -v ${t}`], { encoding: 'utf8' }).stdout.trim();
    if (!found) throw new Error(`${t} not found`);
    if (!existsSync(join(dir, t))) symlinkSync(found, join(dir, t));
  }
  return dir;
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** True when `pid` has exited: no such process, or a zombie nobody has reaped yet. */
export function processGone(pid: number): boolean {
  return !processAlive(pid);
}

/** Every file under `dir` (recursively), leaving out directories named in `skip`. */
export function filesUnder(dir: string, skip: readonly string[] = []): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? (skip.includes(e.name) ? [] : filesUnder(join(dir, e.name), skip)) : e.isFile() ? [join(dir, e.name)] : [],
  );
}

/**
 * A file's bytes as latin1, or '' when it went away since it was listed: an agent still running
 * writes and removes files under its home (Claude Code's plugin marketplace clone and its lock files).
 */
export function readIfThere(file: string): string {
  try {
    return readFileSync(file, 'latin1');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw e;
  }
}

/** The self-contained claude binary from @anthropic-ai/claude-code's platform package, or null. */
export function claudeBinary(): string | null {
  const require = createRequire(import.meta.url);
  for (const pkg of ['@anthropic-ai/claude-code-linux-x64', '@anthropic-ai/claude-code-linux-arm64', '@anthropic-ai/claude-code-darwin-arm64', '@anthropic-ai/claude-code-darwin-x64']) {
    try {
      const bin = join(dirname(require.resolve(`${pkg}/package.json`)), 'claude');
      if (existsSync(bin)) return bin;
    } catch {
      // not this platform
    }
  }
  return null;
}
