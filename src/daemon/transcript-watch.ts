// The web UI's live chat: /ws/history/:name. The agent's transcript (the file `sessions.history`
// reads — SessionManager.transcriptLocation says where, under the same confinement: a regular
// *.jsonl file under the allowed directories, opened without blocking or following a link out,
// checked again through the open descriptor at every read) pushed as it grows:
//   server → client  {"type":"history","lines":[…],"omittedBytes":N}   everything so far (at most the
//                    last MAX_TRANSCRIPT_BYTES; N bytes before them left out) — also sent again
//                    whenever the transcript is replaced (another file, rewritten, shrunk)
//                    {"type":"append","lines":[…]}                          lines added since
//                    {"type":"error","message":"…"}                         then a close (4404 unknown session)
// One parsed value per line, as sessions.history gives them. Nothing is polled: the file's
// directory is watched (fs.watch; while there is no transcript yet, the directories where one may
// appear), changes are coalesced (DEBOUNCE_MS) and read from the last offset; the location is
// looked up again when the session changes (its hooks name the file). A watch exists only while a
// client is connected. A client that does not read is dropped (1008). Browser-only, like
// /ws/console: the HTTP gate in front (Host, Origin, auth) is http.ts's. Client frames are ignored.
import { watch, type FSWatcher } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { basename, dirname, join } from 'node:path';
import { readdir } from 'node:fs/promises';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { SessionManager } from '../core/manager.js';
import { MAX_TRANSCRIPT_BYTES, openConfined, parseLines } from '../core/transcripts.js';
import { errorMessage, isClauderonError } from '../shared/errors.js';
import type { DaemonEvent } from '../shared/events.js';
import { GUARD_MESSAGE } from '../shared/guard.js';
import type { Logger } from '../shared/logger.js';
import { refuseWs, routeName, upgradeGuarded } from './ws-route.js';

/** The WebSocket path: `${HISTORY_PATH}/<session id or name>`. */
export const HISTORY_PATH = '/ws/history';

export const HISTORY_CLOSE = { notFound: 4404, failed: 4500, tooSlow: 1008, busy: 1013 } as const;

export interface HistoryLimits {
  /** Watching connections at once, over all sessions. */
  maxClients: number;
  /** Changes within this many ms are read once. */
  debounceMs: number;
  /** A client with more than this unsent is dropped. */
  maxBuffered: number;
  /** Directories watched while waiting for a transcript to appear. */
  maxDirs: number;
}

const LIMITS: HistoryLimits = { maxClients: 64, debounceMs: 40, maxBuffered: 64 << 20, maxDirs: 64 };

export interface HistoryDeps {
  manager: Pick<SessionManager, 'get' | 'transcriptLocation'>;
  log: Logger;
  /** The daemon's events (a session changed: its transcript may be elsewhere now). */
  subscribe(cb: (e: DaemonEvent) => void): () => void;
  limits?: Partial<HistoryLimits>;
}

export class HistoryServer {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 4096 }).on('error', () => undefined);
  private readonly followers = new Set<Follower>();
  private readonly limits: HistoryLimits;
  private unsubscribe: (() => void) | null = null;
  private closing = false;

  constructor(private readonly d: HistoryDeps) {
    this.limits = { ...LIMITS, ...d.limits };
  }

  /** Connections open now. */
  get open(): number {
    return this.followers.size;
  }

  /** `/ws/history/<name>` → the name; anything else → null. (`segments`: the decoded path.) */
  static nameOf(segments: readonly string[]): string | null {
    return routeName(segments, HISTORY_PATH);
  }

  /** An upgrade that passed the HTTP gate: the handshake, then the transcript. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, name: string): void {
    upgradeGuarded(this.wss, this.d.log, 'history open', req, socket, head, (ws) => this.follow(ws, name));
  }

  private follow(ws: WebSocket, name: string): void {
    ws.on('error', () => undefined);
    const refuse = (code: number, message: string) => refuseWs(ws, code, message, HISTORY_CLOSE.notFound);
    if (this.closing) return refuse(1001, 'the daemon is stopping');
    let sessionId: string;
    try {
      sessionId = this.d.manager.get(name).id;
    } catch (e) {
      if (isClauderonError(e) && e.code === 'not_found') return refuse(HISTORY_CLOSE.notFound, errorMessage(e));
      throw e;
    }
    if (this.followers.size >= this.limits.maxClients) return refuse(HISTORY_CLOSE.busy, `${this.limits.maxClients} chat views are open already: close one first`);
    const f = new Follower(ws, sessionId, this.d, this.limits, () => {
      this.followers.delete(f);
      if (this.followers.size === 0) this.stopEvents();
    });
    this.followers.add(f);
    this.unsubscribe ??= this.d.subscribe((e) => {
      if (e.type !== 'session.updated' && e.type !== 'session.deleted') return;
      for (const x of this.followers) if (x.sessionId === e.session.id) x.sessionChanged(e.type === 'session.deleted');
    });
  }

  private stopEvents(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  /** Daemon stop: every watch ended, every client closed (1001). */
  async close(): Promise<void> {
    this.closing = true;
    for (const f of [...this.followers]) f.stop(1001, 'daemon stopping');
    this.stopEvents();
    await Promise.all(
      [...this.wss.clients].map(
        (ws) =>
          new Promise<void>((done) => {
            if (ws.readyState === ws.CLOSED) return done();
            const cut = setTimeout(() => (ws.terminate(), done()), 500);
            ws.once('close', () => (clearTimeout(cut), done()));
          }),
      ),
    );
  }
}

/** What was read of the transcript: which file, and how far (up to the last whole line). */
interface Position {
  file: string;
  roots: string[];
  offset: number;
}

/** One WebSocket following one session's transcript. */
class Follower {
  private pos: Position | null = null;
  private watchers: FSWatcher[] = [];
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private again = false;
  private relocate = true;
  /** The agent's lines in history's one shape (its spec's normalize), as the manager says. */
  private shape: (lines: readonly unknown[]) => unknown[] = (lines) => [...lines];
  private ended = false;
  /** Whether the first `history` frame went out (a client always gets one, if only empty). */
  private sentFirst = false;

  constructor(
    private readonly ws: WebSocket,
    readonly sessionId: string,
    private readonly d: HistoryDeps,
    private readonly limits: HistoryLimits,
    private readonly onGone: () => void,
  ) {
    ws.on('close', () => this.stop());
    this.schedule(0);
  }

  /** The session changed (its hooks may have named another transcript), or was deleted. */
  sessionChanged(deleted: boolean): void {
    if (deleted) return this.fail(HISTORY_CLOSE.notFound, 'the session was deleted');
    this.relocate = true;
    this.schedule(this.limits.debounceMs);
  }

  stop(code?: number, reason?: string): void {
    if (this.ended) return;
    this.ended = true;
    if (this.timer) clearTimeout(this.timer);
    this.unwatch();
    this.onGone();
    if (code !== undefined && this.ws.readyState === this.ws.OPEN) this.ws.close(code, reason);
  }

  private fail(code: number, message: string): void {
    this.send({ type: 'error', message });
    this.stop(code, code === HISTORY_CLOSE.notFound ? 'no such session' : 'failed');
  }

  private send(frame: unknown): void {
    if (this.ended || this.ws.readyState !== this.ws.OPEN) return;
    if (this.ws.bufferedAmount > this.limits.maxBuffered) return this.stop(HISTORY_CLOSE.tooSlow, 'too slow');
    this.ws.send(JSON.stringify(frame));
  }

  private schedule(ms: number): void {
    if (this.ended) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.running = true;
      this.tick()
        .catch((e: unknown) => {
          if (isClauderonError(e) && e.code === 'not_found') return this.fail(HISTORY_CLOSE.notFound, errorMessage(e));
          this.d.log.error(GUARD_MESSAGE, { where: 'history watch', error: errorMessage(e), stack: e instanceof Error ? e.stack : undefined });
          this.fail(HISTORY_CLOSE.failed, 'internal error (see logs/daemon.log)');
        })
        .finally(() => {
          this.running = false;
          if (this.again) {
            this.again = false;
            this.schedule(this.limits.debounceMs);
          }
        });
    }, ms);
  }

  /** Read what changed: the whole transcript when it is (now) another file or was rewritten, else what was appended. */
  private async tick(): Promise<void> {
    if (this.relocate || !this.pos) {
      this.relocate = false;
      const at = await this.d.manager.transcriptLocation(this.sessionId);
      if (this.ended) return;
      this.shape = at.shape;
      if (at.file === null) {
        if (this.pos || !this.sentFirst) this.sendAll(null, [], 0);
        this.pos = null;
        await this.watchFor(at.roots);
        return;
      }
      if (at.file !== this.pos?.file) return this.readAll(at.file, at.roots);
    }
    const pos = this.pos;
    if (!pos) return;
    const opened = await openConfined(pos.file, pos.roots);
    if (!opened) {
      // gone, or no longer where it may be: look again
      this.relocate = true;
      this.pos = null;
      return this.tick();
    }
    try {
      if (opened.size < pos.offset || opened.size - pos.offset > MAX_TRANSCRIPT_BYTES) {
        // rewritten (or a burst bigger than what is ever sent): start again
        this.pos = null;
        return this.readAll(pos.file, pos.roots, opened);
      }
      if (opened.size === pos.offset) return;
      const buf = await readRange(opened.handle, pos.offset, opened.size);
      const cut = buf.lastIndexOf(0x0a);
      if (cut < 0) return; // (a line being written)
      pos.offset += cut + 1;
      const lines = this.shape(parseLines(buf.subarray(0, cut + 1).toString('utf8')));
      if (lines.length > 0) this.send({ type: 'append', lines });
    } finally {
      await opened.handle.close();
    }
  }

  private sendAll(pos: Position | null, lines: unknown[], omittedBytes: number): void {
    this.sentFirst = true;
    this.pos = pos;
    this.send({ type: 'history', lines, omittedBytes });
  }

  /** The whole transcript (its last MAX_TRANSCRIPT_BYTES), then its directory watched. */
  private async readAll(file: string, roots: string[], already?: Awaited<ReturnType<typeof openConfined>>): Promise<void> {
    const opened = already ?? (await openConfined(file, roots));
    if (!opened) {
      this.sendAll(null, [], 0);
      await this.watchFor(roots);
      return;
    }
    try {
      const start = Math.max(0, opened.size - MAX_TRANSCRIPT_BYTES);
      let buf = await readRange(opened.handle, start, opened.size);
      let omitted = start;
      if (start > 0) {
        // the first line is cut: left out
        const nl = buf.indexOf(0x0a);
        omitted += nl < 0 ? buf.length : nl + 1;
        buf = nl < 0 ? buf.subarray(buf.length) : buf.subarray(nl + 1);
      }
      const cut = buf.lastIndexOf(0x0a);
      const whole = buf.subarray(0, cut + 1);
      if (this.ended) return;
      this.sendAll({ file, roots, offset: omitted + whole.length }, this.shape(parseLines(whole.toString('utf8'))), omitted);
    } finally {
      if (!already) await opened.handle.close();
    }
    this.watchDirs([dirname(file)], basename(file));
  }

  /** No transcript yet: the roots and their project directories, where one may appear. */
  private async watchFor(roots: readonly string[]): Promise<void> {
    const dirs: string[] = [];
    for (const root of roots) {
      dirs.push(root);
      const entries = await readdir(root, { withFileTypes: true }).catch(() => []);
      for (const e of entries) if (e.isDirectory()) dirs.push(join(root, e.name));
    }
    if (this.ended) return;
    this.relocate = true;
    this.watchDirs(dirs.slice(0, this.limits.maxDirs), null);
  }

  private watchDirs(dirs: readonly string[], only: string | null): void {
    this.unwatch();
    for (const dir of dirs) {
      try {
        const w = watch(dir, { persistent: false }, (_event, name) => {
          // (a name of null: something changed, unknown what — look)
          if (only !== null && name !== null && name !== only) return;
          if (only === null) this.relocate = true;
          this.schedule(this.limits.debounceMs);
        });
        w.on('error', () => undefined);
        this.watchers.push(w);
      } catch {
        // (gone meanwhile: the next session change looks again)
      }
    }
  }

  private unwatch(): void {
    for (const w of this.watchers) w.close();
    this.watchers = [];
  }
}

async function readRange(h: { read(buf: Buffer, off: number, len: number, pos: number): Promise<{ bytesRead: number }> }, from: number, to: number): Promise<Buffer> {
  const buf = Buffer.alloc(to - from);
  let got = 0;
  while (got < buf.length) {
    const { bytesRead } = await h.read(buf, got, buf.length - got, from + got);
    if (bytesRead === 0) break; // it shrank meanwhile
    got += bytesRead;
  }
  return buf.subarray(0, got);
}
