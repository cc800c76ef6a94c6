// DaemonClient: the one way the CLI and the TUI talk to the daemon. Spawns the daemon (detached,
// its own session, stdio to the log) when none answers, guarded by a lock file so two clients
// never start two daemons; replaces a daemon of another version. Imports nothing heavy.
import { spawn } from 'node:child_process';
import { closeSync, linkSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { ensureHome, ensurePrivateFile, socketPathProblem, type Paths } from '../config/paths.js';
import { ClauderonError, type ErrorCode } from '../shared/errors.js';
import { LineSplitter } from '../shared/lines.js';
import { canConnect, tryConnect } from '../shared/socket.js';
import { processAlive } from '../shared/process.js';
import type { DaemonEvent, ProgressEvent } from '../shared/events.js';
import type { Method, Params, Result, WireError } from '../protocol/protocol.js';
import { VERSION } from '../version.js';

export interface ConnectOptions {
  paths: Paths;
  /** Start a daemon when none answers (default true). */
  autoSpawn?: boolean;
  /** argv (after the node executable) that runs the CLI entry; `daemon` is appended. */
  daemonEntry?: string[];
  /** The version this client expects of the daemon. */
  version?: string;
  /** How long to wait for a spawned daemon's socket. */
  spawnTimeoutMs?: number;
  /** Told about slow steps (e.g. "starting the daemon…"). */
  onStatus?: (message: string) => void;
}

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  onProgress: ((p: ProgressEvent) => void) | undefined;
}

export class DaemonClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly eventHandlers = new Set<(e: DaemonEvent) => void>();
  private readonly closeHandlers = new Set<() => void>();
  /** The screen this connection watches (sessions.watchScreen): pushes for another name are old. */
  private screenWatch: { name: string; onScreen: (screen: string) => void; onError: (e: Error) => void } | null = null;
  private closed = false;
  /** True when this client started the daemon it talks to. */
  spawned = false;

  private constructor(private readonly socket: Socket) {
    const lines = new LineSplitter((line) => {
      if (line) this.onMessage(line);
    });
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => lines.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closed = true;
      const err = new ClauderonError('daemon', 'lost the connection to the clauderon daemon (see logs/daemon.log in the clauderon home)');
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
      for (const h of this.closeHandlers) h();
    });
  }

  static async connect(opts: ConnectOptions): Promise<DaemonClient> {
    const tooLong = socketPathProblem(opts.paths);
    if (tooLong) throw new ClauderonError('config', tooLong);
    const version = opts.version ?? VERSION;
    const autoSpawn = opts.autoSpawn ?? true;
    let socket = await tryConnect(opts.paths.socket);
    if (socket) {
      const client = new DaemonClient(socket);
      const info = await client.call('daemon.info', {});
      if (info.version === version || !autoSpawn) return client;
      opts.onStatus?.(`replacing clauderon daemon ${info.version} with ${version}…`);
      await client.call('daemon.stop', { reason: 'replaced' }).catch(() => undefined);
      client.close();
      await waitFor(async () => !(await canConnect(opts.paths.socket, 300)) && !processAlive(info.pid), 10_000);
      socket = null;
    }
    if (!autoSpawn) {
      throw new ClauderonError('daemon', `no clauderon daemon is running for ${opts.paths.home} — start one with: clauderon daemon`);
    }
    const client = new DaemonClient(await spawnDaemon(opts));
    client.spawned = true;
    return client;
  }

  private onMessage(line: string): void {
    let msg: { id?: number | null; result?: unknown; error?: WireError; progress?: ProgressEvent; event?: DaemonEvent; screen?: { name: string; screen?: string; error?: string } };
    try {
      msg = JSON.parse(line) as typeof msg;
    } catch {
      return;
    }
    if (msg.event) {
      for (const h of this.eventHandlers) h(msg.event);
      return;
    }
    if (msg.screen) {
      const w = this.screenWatch;
      if (!w || msg.screen.name !== w.name) return;
      if (typeof msg.screen.screen === 'string') w.onScreen(msg.screen.screen);
      else w.onError(new ClauderonError('backend', msg.screen.error ?? 'the screen could not be read'));
      return;
    }
    if (typeof msg.id !== 'number') return;
    const p = this.pending.get(msg.id);
    if (!p) return;
    if (msg.progress) {
      p.onProgress?.(msg.progress);
      return;
    }
    this.pending.delete(msg.id);
    if (msg.error) {
      const { code, message, field } = msg.error;
      p.reject(new ClauderonError(code as ErrorCode, message, typeof field === 'string' ? { field } : undefined));
    }
    else p.resolve(msg.result);
  }

  /** Run one operation of the table (params and result typed from it); `onProgress`: a create's steps. */
  call<M extends Method>(method: M, params: Params<M>, onProgress?: (p: ProgressEvent) => void): Promise<Result<M>> {
    if (this.closed) return Promise.reject(new ClauderonError('daemon', 'not connected to the clauderon daemon'));
    const id = this.nextId++;
    return new Promise<Result<M>>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, onProgress });
      this.socket.write(`${JSON.stringify({ id, method, params })}\n`);
    });
  }

  /** Receive session changes as the daemon pushes them. */
  async subscribe(handler: (e: DaemonEvent) => void): Promise<() => void> {
    this.eventHandlers.add(handler);
    await this.call('events.subscribe', {});
    return () => this.eventHandlers.delete(handler);
  }

  /**
   * Push the session's screen to onScreen while watched: at once, then on change (the daemon reads
   * it every 250 ms). One watch per client: a new one replaces it. The returned function stops it.
   */
  watchScreen(name: string, onScreen: (screen: string) => void, onError: (e: Error) => void, lines = 200): () => void {
    const w = { name, onScreen, onError };
    this.screenWatch = w;
    this.call('sessions.watchScreen', { name, lines }).catch((e: unknown) => {
      if (this.screenWatch === w) onError(e instanceof Error ? e : new Error(String(e)));
    });
    return () => {
      if (this.screenWatch !== w) return;
      this.screenWatch = null;
      if (!this.closed) this.call('sessions.watchScreen', { name: null, lines }).catch(() => undefined);
    };
  }

  onClose(handler: () => void): void {
    this.closeHandlers.add(handler);
  }

  close(): void {
    this.socket.end();
    this.socket.destroy();
  }
}

// What each method takes and returns: the operations table (src/protocol/operations.ts).
export type { CaInfo, Method, Params, Result } from '../protocol/operations.js';

// ---------------------------------------------------------------- connecting and spawning

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(cond: () => Promise<boolean> | boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 10; Date.now() < deadline; delay = Math.min(delay * 2, 100)) {
    if (await cond()) return true;
    await sleep(delay);
  }
  return cond();
}

/** Take daemon.lock (exclusive create). Stale locks (dead pid, or older than 30 s) are broken. */
async function acquireLock(lockPath: string, timeoutMs: number): Promise<() => void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // The lock appears with its pid already in it (written aside, then hard-linked into place, which
    // fails if it exists): a client never sees an empty lock and takes it for a stale one.
    const aside = `${lockPath}.${process.pid}`;
    let taken = false;
    try {
      writeFileSync(aside, `${process.pid}\n`, { mode: 0o600 });
      linkSync(aside, lockPath);
      taken = true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    } finally {
      rmSync(aside, { force: true });
    }
    if (taken) {
      return () => {
        try {
          if (readFileSync(lockPath, 'utf8').trim() === String(process.pid)) rmSync(lockPath, { force: true });
        } catch {
          // gone already
        }
      };
    }
    try {
      const pid = Number(readFileSync(lockPath, 'utf8').trim());
      const age = Date.now() - statSync(lockPath).mtimeMs;
      if (!Number.isInteger(pid) || pid <= 0 || !processAlive(pid) || age > 30_000) rmSync(lockPath, { force: true });
    } catch {
      // raced with its owner; try again
    }
    if (Date.now() > deadline) throw new ClauderonError('daemon', `timed out waiting for ${lockPath} — remove it if no clauderon is starting`);
    await sleep(25);
  }
}

async function spawnDaemon(opts: ConnectOptions): Promise<Socket> {
  const { paths } = opts;
  ensureHome(paths);
  const release = await acquireLock(paths.daemonLock, 15_000);
  try {
    // Another client may have started it while we waited for the lock.
    const existing = await tryConnect(paths.socket);
    if (existing) return existing;
    rmSync(paths.socket, { force: true }); // stale socket of a dead daemon
    opts.onStatus?.('starting the clauderon daemon…');
    ensurePrivateFile(paths.daemonLog);
    const logFd = openSync(paths.daemonLog, 'a');
    const entry = opts.daemonEntry ?? [process.argv[1] ?? ''];
    const child = spawn(process.execPath, [...entry, 'daemon'], {
      detached: true, // setsid: its own session and process group; survives this client
      stdio: ['ignore', logFd, logFd],
      // not the home: whatever falls back to the daemon's cwd (tmux with a missing -c) lands nowhere useful
      cwd: '/',
      env: { ...process.env, CLAUDERON_HOME: paths.home, CLAUDERON_DAEMON_DETACHED: '1' },
    });
    closeSync(logFd);
    let exited: number | null = null;
    child.once('exit', (code) => (exited = code ?? 1));
    child.unref();
    const timeout = opts.spawnTimeoutMs ?? 10_000;
    const deadline = Date.now() + timeout;
    for (let delay = 5; Date.now() < deadline; delay = Math.min(delay * 2, 50)) {
      const s = await tryConnect(paths.socket);
      if (s) return s;
      if (exited !== null) break;
      await sleep(delay);
    }
    const why = lastLogLine(paths.daemonLog);
    throw new ClauderonError(
      'daemon',
      exited !== null
        ? `the clauderon daemon exited at start${why ? `: ${why}` : ''} (log: ${paths.daemonLog})`
        : `the clauderon daemon did not answer within ${timeout / 1000} s (log: ${paths.daemonLog})`,
    );
  } finally {
    release();
  }
}

function lastLogLine(file: string): string | null {
  try {
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    return lines[lines.length - 1] ?? null;
  } catch {
    return null;
  }
}
