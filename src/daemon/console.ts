// The web UI's live terminal: /ws/console/:name. Each WebSocket is one console — the session's
// backend attach command (SessionManager.attachCommand: tmux attach, zellij attach, docker attach)
// run by the daemon in a PTY of its own (node-pty), sized by the client's first resize (80×24 when
// none comes), with the daemon's scrubbed child environment (no credentials). JSON text frames,
// so any client can speak it:
//   server → client  {"type":"output","data":"<base64>"}  {"type":"exit","code":N}  {"type":"error","message":"…"}
//   client → server  {"type":"input","data":"<base64>"}   {"type":"resize","rows":R,"cols":C}   (integers 1–1000)
// A bad frame gets an error frame and changes nothing. An unknown session, or one that is not
// running (archived, completed, failed…), is answered after the upgrade — an error frame, then a
// close (4404 / 4409), so a browser page can show why (a refused handshake tells it nothing).
// Closing the WebSocket ends that console's attach process (a tmux client detaching), never the
// agent or its session; several consoles may watch one session. Output is coalesced per event-
// loop turn; a client that does not read pauses its PTY, and one that stays behind is dropped
// (close 1008) — the daemon's memory stays bounded. The HTTP gate in front (Host, Origin, auth)
// is http.ts's, the same as /ws/events.
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { IPty } from 'node-pty';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { z } from 'zod';
import type { SessionManager } from '../core/manager.js';
import { errorMessage, isClauderonError } from '../shared/errors.js';
import { GUARD_MESSAGE, guarded } from '../shared/guard.js';
import type { Logger } from '../shared/logger.js';
import { refuseWs, routeName, upgradeGuarded } from './ws-route.js';
import type { Session } from '../shared/types.js';

/** The console's WebSocket path: `${CONSOLE_PATH}/<session id or name>`. */
export const CONSOLE_PATH = '/ws/console';

/** Close codes (besides 1000 after the attach process exited, 1001 daemon stopping). */
export const CONSOLE_CLOSE = { notFound: 4404, notRunning: 4409, failed: 4500, tooSlow: 1008, busy: 1013 } as const;

/** The statuses whose agent a console attaches to. */
const ATTACHABLE: ReadonlySet<string> = new Set(['running', 'idle']);

export interface ConsoleLimits {
  /** Consoles open at once, over all sessions (each is a process). */
  maxConsoles: number;
  /** Output not yet written to a client above this pauses its PTY… */
  highWater: number;
  /** …which resumes below this. */
  lowWater: number;
  /** A client whose PTY stays paused this long is dropped. */
  stallMs: number;
  /** How long the first frame (a resize) is waited for before the PTY starts at 80×24. */
  firstFrameMs: number;
  /** A frame's size (ws maxPayload): bigger ones close the connection (1009). */
  maxFrame: number;
}

const LIMITS: ConsoleLimits = { maxConsoles: 64, highWater: 1 << 20, lowWater: 256 << 10, stallMs: 15_000, firstFrameMs: 150, maxFrame: 1 << 20 };

/** Output is sent at once when this much is pending (else at the end of the event-loop turn). */
const FLUSH_BYTES = 64 << 10;
/** Input received before the PTY runs, kept up to this much. */
const MAX_EARLY_INPUT = 256 << 10;
const DEFAULT_SIZE = { cols: 80, rows: 24 };

type SpawnPty = (file: string, args: string[], opts: { name: string; cols: number; rows: number; cwd: string; env: Record<string, string>; encoding: null }) => IPty;

export interface ConsoleDeps {
  manager: Pick<SessionManager, 'get' | 'attachCommand'>;
  log: Logger;
  /** The PTY's environment: the daemon's scrubbed child environment. */
  env: Record<string, string>;
  limits?: Partial<ConsoleLimits>;
}

const size = z.number().int().min(1).max(1000);
const base64 = z.string().regex(/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/, 'data must be base64');
const FRAMES = {
  input: z.strictObject({ type: z.literal('input'), data: base64 }),
  resize: z.strictObject({ type: z.literal('resize'), rows: size, cols: size }),
};
type Frame = z.infer<(typeof FRAMES)[keyof typeof FRAMES]>;

/** A client's frame, or why it is refused (the error frame's message). */
export function parseFrame(data: RawData, isBinary: boolean): { ok: true; frame: Frame } | { ok: false; message: string } {
  if (isBinary) return { ok: false, message: 'binary frames are not accepted: send JSON text frames {"type":"input","data":"<base64>"} or {"type":"resize","rows":R,"cols":C}' };
  let value: unknown;
  try {
    value = JSON.parse(Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data)]).toString('utf8'));
  } catch {
    return { ok: false, message: 'the frame is not JSON: send {"type":"input","data":"<base64>"} or {"type":"resize","rows":R,"cols":C}' };
  }
  const type = typeof value === 'object' && value !== null && 'type' in value ? value.type : undefined;
  if (type !== 'input' && type !== 'resize') {
    return { ok: false, message: `unknown frame type ${JSON.stringify(type ?? null)?.slice(0, 40) ?? ''}: expected "input" or "resize"` };
  }
  const r = FRAMES[type].safeParse(value);
  if (!r.success) {
    const issue = r.error.issues[0];
    const at = issue?.path.join('.') ?? '';
    const why = issue?.code === 'unrecognized_keys' ? `unknown key ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}` : `${at ? `${at}: ` : ''}${at === 'rows' || at === 'cols' ? 'an integer from 1 to 1000' : (issue?.message ?? 'invalid')}`;
    return { ok: false, message: `bad ${type} frame: ${why}` };
  }
  return { ok: true, frame: r.data };
}

/** Whether `file` (a path, or a name looked up on `pathEnv`) is an executable file. */
function onPath(file: string, pathEnv: string | undefined): boolean {
  const isExe = (f: string) => {
    try {
      accessSync(f, constants.X_OK);
      return statSync(f).isFile();
    } catch {
      return false;
    }
  };
  if (file.includes('/')) return isExe(file);
  return (pathEnv ?? '').split(':').some((dir) => dir !== '' && isExe(join(dir, file)));
}

/** Why a session cannot have a console, or null. */
function notAttachable(s: Session): string | null {
  if (ATTACHABLE.has(s.status)) return null;
  switch (s.status) {
    case 'archived':
      return `session ${s.name} is archived — unarchive it to open its terminal`;
    case 'completed':
    case 'failed':
      return `session ${s.name} is ${s.status}: its agent has exited, so there is no terminal to attach to (clauderon show ${s.name}; unarchive or create a new session)`;
    default:
      return `session ${s.name} is ${s.status} — try again when it is running`;
  }
}

export class ConsoleServer {
  private readonly wss: WebSocketServer;
  private readonly consoles = new Set<Console>();
  private readonly limits: ConsoleLimits;
  private spawnPty: Promise<SpawnPty> | null = null;
  private closing = false;

  constructor(private readonly d: ConsoleDeps) {
    this.limits = { ...LIMITS, ...d.limits };
    this.wss = new WebSocketServer({ noServer: true, maxPayload: this.limits.maxFrame }).on('error', () => undefined);
  }

  /** Consoles open now. */
  get open(): number {
    return this.consoles.size;
  }

  /** `/ws/console/<name>` → the name; anything else → null. (`segments`: the decoded path.) */
  static nameOf(segments: readonly string[]): string | null {
    return routeName(segments, CONSOLE_PATH);
  }

  /** An upgrade that passed the HTTP gate: the handshake, then the console. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, name: string): void {
    upgradeGuarded(this.wss, this.d.log, 'console open', req, socket, head, (ws) => this.attach(ws, name));
  }

  private attach(ws: WebSocket, name: string): void {
    ws.on('error', () => undefined);
    const refuse = (code: number, message: string) => refuseWs(ws, code, message, CONSOLE_CLOSE.notFound);
    if (this.closing) return refuse(1001, 'the daemon is stopping');
    let session: Session;
    try {
      session = this.d.manager.get(name);
    } catch (e) {
      if (isClauderonError(e) && e.code === 'not_found') return refuse(CONSOLE_CLOSE.notFound, errorMessage(e));
      throw e;
    }
    const why = notAttachable(session);
    if (why) return refuse(CONSOLE_CLOSE.notRunning, why);
    if (this.consoles.size >= this.limits.maxConsoles) return refuse(CONSOLE_CLOSE.busy, `${this.limits.maxConsoles} consoles are open already: close one first`);
    this.spawnPty ??= import('node-pty').then((m) => m.spawn as SpawnPty);
    const c = new Console(ws, session, this.d, this.limits, this.spawnPty, () => this.consoles.delete(c));
    this.consoles.add(c);
  }

  /** Daemon stop: every console closed (1001) and its attach process ended; sessions keep running. */
  async close(): Promise<void> {
    this.closing = true;
    await Promise.all([...this.consoles].map((c) => c.stop(1001, 'daemon stopping')));
    // the close frames out, then the sockets; a client that does not answer within 0.5 s is cut off
    await Promise.all(
      [...this.wss.clients].map(
        (ws) =>
          new Promise<void>((done) => {
            if (ws.readyState === ws.CLOSED) return done();
            const cut = setTimeout(() => (ws.terminate(), done()), 500);
            ws.once('close', () => (clearTimeout(cut), done()));
            if (ws.readyState === ws.OPEN) ws.close(1001, 'daemon stopping');
          }),
      ),
    );
  }
}

/** One WebSocket and its PTY. */
class Console {
  private pty: IPty | null = null;
  private size = { ...DEFAULT_SIZE };
  private early: Buffer[] = [];
  private earlyBytes = 0;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private flushQueued = false;
  private paused = false;
  private stallTimer: NodeJS.Timeout | null = null;
  private ended = false;
  private exited: Promise<void> = Promise.resolve();
  private gotFrame: () => void = () => undefined;

  constructor(
    private readonly ws: WebSocket,
    private readonly session: Session,
    private readonly d: ConsoleDeps,
    private readonly limits: ConsoleLimits,
    spawnPty: Promise<SpawnPty>,
    private readonly onGone: () => void,
  ) {
    ws.on(
      'message',
      guarded(d.log, 'console frame', (data: RawData, isBinary: boolean) => this.frame(data, isBinary), () => void this.stop(CONSOLE_CLOSE.failed, 'internal error')),
    );
    ws.on('close', () => void this.stop());
    const firstFrame = new Promise<void>((r) => {
      this.gotFrame = r;
      setTimeout(r, limits.firstFrameMs).unref();
    });
    void Promise.all([d.manager.attachCommand(session.id), spawnPty, firstFrame])
      .then(
        ([attach, spawn]) => this.start(attach.argv, spawn),
        (e: unknown) => this.fail(`cannot attach to ${session.name}: ${errorMessage(e)}`),
      )
      .catch((e: unknown) => {
        d.log.error(GUARD_MESSAGE, { where: 'console start', error: errorMessage(e), stack: e instanceof Error ? e.stack : undefined });
        this.fail('internal error (see logs/daemon.log)');
      });
  }

  private start(argv: string[], spawn: SpawnPty): void {
    if (this.ended) return;
    const [file, ...args] = argv;
    if (!file) return this.fail(`the ${this.session.backend} backend gave no attach command`);
    // (checked here: a failed exec in the PTY would only say so in output that may be lost with its exit)
    if (!onPath(file, this.d.env.PATH)) return this.fail(`cannot attach to ${this.session.name}: ${file} was not found${file.includes('/') ? '' : " on the daemon's PATH"}`);
    let pty: IPty;
    try {
      pty = spawn(file, args, { name: 'xterm-256color', ...this.size, cwd: existsSync(homedir()) ? homedir() : '/', env: { ...this.d.env, TERM: 'xterm-256color', COLORTERM: 'truecolor' }, encoding: null });
    } catch (e) {
      return this.fail(`cannot start ${file}: ${errorMessage(e)}`);
    }
    this.pty = pty;
    this.exited = new Promise((done) => {
      pty.onExit(({ exitCode, signal }) => {
        this.pty = null;
        done();
        this.exit(signal ? 128 + signal : exitCode);
      });
    });
    pty.onData((data: string | Buffer) => this.output(typeof data === 'string' ? Buffer.from(data) : data));
    this.d.log.info('console opened', { session: this.session.name, pid: pty.pid, cols: this.size.cols, rows: this.size.rows });
    for (const b of this.early) pty.write(b);
    this.early = [];
  }

  private frame(data: RawData, isBinary: boolean): void {
    if (this.ended) return;
    const parsed = parseFrame(data, isBinary);
    if (!parsed.ok) return this.send({ type: 'error', message: parsed.message });
    const f = parsed.frame;
    if (f.type === 'resize') {
      this.size = { cols: f.cols, rows: f.rows };
      this.pty?.resize(f.cols, f.rows);
    } else {
      const bytes = Buffer.from(f.data, 'base64');
      if (bytes.length === 0) return;
      if (this.pty) this.pty.write(bytes);
      else if (this.earlyBytes + bytes.length > MAX_EARLY_INPUT) return this.send({ type: 'error', message: `input before the terminal started is kept up to ${MAX_EARLY_INPUT} bytes: this frame was dropped` });
      else {
        this.early.push(bytes);
        this.earlyBytes += bytes.length;
      }
    }
    this.gotFrame();
  }

  private output(b: Buffer): void {
    this.pending.push(b);
    this.pendingBytes += b.length;
    if (this.pendingBytes >= FLUSH_BYTES) return this.flush();
    if (!this.flushQueued) {
      this.flushQueued = true;
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    this.flushQueued = false;
    if (this.pendingBytes === 0 || this.ended) return;
    const data = Buffer.concat(this.pending, this.pendingBytes).toString('base64');
    this.pending = [];
    this.pendingBytes = 0;
    this.send({ type: 'output', data });
    if (!this.paused && this.ws.bufferedAmount > this.limits.highWater && this.pty) {
      // the client reads slower than the agent writes: its PTY waits (tmux redraws when it resumes)
      this.paused = true;
      this.pty.pause();
      this.stallTimer = setTimeout(() => {
        this.d.log.warn('console dropped: its client stopped reading', { session: this.session.name });
        void this.stop(CONSOLE_CLOSE.tooSlow, 'client too slow');
      }, this.limits.stallMs);
      this.stallTimer.unref();
    }
  }

  /** A frame out; once written, a paused PTY resumes if the client caught up. */
  private send(frame: Record<string, unknown>): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    // (output stops at highWater; what else piles up — error frames for a flood of bad ones — is capped too)
    if (this.ws.bufferedAmount > 4 * this.limits.highWater) {
      this.d.log.warn('console dropped: its client stopped reading', { session: this.session.name });
      void this.stop(CONSOLE_CLOSE.tooSlow, 'client too slow');
      return;
    }
    this.ws.send(JSON.stringify(frame), () => {
      if (!this.paused || this.ws.bufferedAmount > this.limits.lowWater) return;
      this.paused = false;
      if (this.stallTimer) clearTimeout(this.stallTimer);
      this.stallTimer = null;
      this.pty?.resume();
    });
  }

  private exit(code: number): void {
    if (this.ended) return;
    this.flush();
    this.send({ type: 'exit', code });
    this.d.log.info('console closed: attach process exited', { session: this.session.name, code });
    void this.stop(1000, 'exited');
  }

  private fail(message: string): void {
    if (this.ended) return;
    this.send({ type: 'error', message });
    void this.stop(CONSOLE_CLOSE.failed, 'attach failed');
  }

  /** End this console: its attach process (never the session), then the WebSocket. */
  stop(code = 1000, reason = ''): Promise<void> {
    if (!this.ended) {
      this.ended = true;
      this.onGone();
      if (this.stallTimer) clearTimeout(this.stallTimer);
      const pty = this.pty;
      if (pty) {
        // SIGHUP, as a closed terminal: tmux/zellij clients detach, docker attach (--sig-proxy=false) lets go
        if (this.paused) pty.resume();
        pty.kill('SIGHUP');
        const hard = setTimeout(() => {
          try {
            pty.kill('SIGKILL');
          } catch {
            // gone
          }
        }, 2_000);
        hard.unref();
        void this.exited.then(() => clearTimeout(hard));
        this.d.log.info('console closed', { session: this.session.name, reason: reason || 'client closed' });
      }
      if (this.ws.readyState === this.ws.OPEN) this.ws.close(code, reason);
      else if (this.ws.readyState === this.ws.CONNECTING) this.ws.terminate();
      const ws = this.ws;
      // a client that does not answer the close within 1 s is cut off
      if (ws.readyState !== ws.CLOSED) setTimeout(() => ws.terminate(), 1_000).unref();
    }
    return Promise.race([this.exited, new Promise<void>((r) => setTimeout(r, 2_500).unref())]);
  }
}
