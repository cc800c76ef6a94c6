// The daemon's Unix socket (0600): newline-delimited JSON requests (protocol.ts), each validated
// by the operations table and run by the handlers (operations.ts). Progress of a create and, after
// events.subscribe, every event are pushed on the same connection. Every entry point is guarded:
// a bad line costs its request, a bad connection only itself.
import { createServer, type Server, type Socket } from 'node:net';
import { ClauderonError, errorBody, errorMessage, isClauderonError } from '../shared/errors.js';
import type { DaemonEvent } from '../shared/events.js';
import { guarded } from '../shared/guard.js';
import { LineSplitter } from '../shared/lines.js';
import type { Logger } from '../shared/logger.js';
import type { Session } from '../shared/types.js';
import { issueField, issueText } from '../protocol/operations.js';
import { isMethod, MAX_LINE_BYTES, parseParams, requestSchema, type Method, type Result } from '../protocol/protocol.js';
import { runOperation, type OperationContext } from './operations.js';
import type { ScreenWatch, ScreenWatcher } from './screen-watch.js';

/** A result already encoded as JSON (so large lists are joined, not re-encoded). */
export class RawJson {
  constructor(readonly json: string) {}
}

/** Sessions from the store are frozen and replaced on change: their JSON can be memoized. */
const sessionJson = new WeakMap<Session, string>();
export function encodeSessions(list: readonly Session[]): RawJson {
  const parts = new Array<string>(list.length);
  for (let i = 0; i < list.length; i++) {
    const s = list[i]!;
    let j = sessionJson.get(s);
    if (j === undefined) sessionJson.set(s, (j = JSON.stringify(s)));
    parts[i] = j;
  }
  return new RawJson(`[${parts.join(',')}]`);
}

/** Results sent pre-encoded (the lists a TUI asks for on every change). */
const ENCODERS: { [M in Method]?: (r: Result<M>) => RawJson } = { 'sessions.list': encodeSessions };

function encoded<M extends Method>(method: M, result: Result<M>): unknown {
  const encode: ((r: Result<M>) => RawJson) | undefined = ENCODERS[method];
  return encode ? encode(result) : result;
}

/** Bytes of answers and events a client may leave unread before it is disconnected. */
const MAX_BACKLOG = 16 << 20;

interface Conn {
  socket: Socket;
  subscribed: boolean;
}

export class SocketServer {
  private server: Server | null = null;
  private readonly conns = new Set<Conn>();
  /** Requests being run (a stop waits for them, bounded). */
  inflight = 0;

  constructor(
    private readonly log: Logger,
    /** The operations' context, read for each request (the daemon builds its parts as it starts). */
    private readonly context: () => OperationContext,
    /** sessions.watchScreen's pushes (absent: the operation is refused). */
    private readonly screens?: ScreenWatcher,
  ) {}

  /** Listen on `path` (created 0600); the caller has checked that no daemon holds it. */
  async listen(path: string): Promise<void> {
    const server = createServer(guarded(this.log, 'socket connection', (s: Socket) => this.onConnection(s), (_e, s) => s.destroy()));
    const oldMask = process.umask(0o177); // the socket is created 0600
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(path, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } finally {
      process.umask(oldMask);
    }
    // (an accept failing later, e.g. with EMFILE, costs that connection, not the daemon)
    server.on('error', (e) => this.log.error('socket server error', { error: errorMessage(e) }));
    this.server = server;
  }

  /** No new connections (those open are still served: see endConnections). */
  close(): void {
    this.server?.close();
  }

  endConnections(): void {
    for (const c of this.conns) c.socket.end();
  }

  /** Push an event to every subscribed connection. */
  broadcast(e: DaemonEvent): void {
    for (const c of this.conns) if (c.subscribed) this.send(c, { event: e });
  }

  private onConnection(socket: Socket): void {
    const conn: Conn = { socket, subscribed: false };
    this.conns.add(conn);
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.conns.delete(conn);
      this.screens?.unwatch(conn);
    });
    const onLine = guarded(this.log, 'socket request', (line: string) => (line.trim() ? this.onLine(conn, line) : undefined), (_e, line) =>
      this.send(conn, { id: requestId(line), error: { code: 'internal', message: 'internal error (see logs/daemon.log)' } }),
    );
    const lines = new LineSplitter(onLine, {
      maxLineBytes: MAX_LINE_BYTES,
      // Answered, then closed: nothing more from this connection is read as a request. What the
      // client still sends is read and dropped for a moment, so that the answer reaches it rather
      // than a reset.
      onOverflow: () => {
        this.send(conn, { id: null, error: { code: 'invalid_input', message: `request line over ${MAX_LINE_BYTES} bytes: the connection is closed` } });
        socket.end();
        setTimeout(() => socket.destroy(), 2_000).unref();
      },
    });
    socket.setEncoding('utf8');
    socket.on(
      'data',
      guarded(this.log, 'socket read', (chunk: string) => lines.push(chunk), () => socket.destroy()),
    );
  }

  /** False (and the connection dropped) for a client that stopped reading: its backlog is bounded. */
  private writable(conn: Conn): boolean {
    if (conn.socket.writableLength > MAX_BACKLOG) conn.socket.destroy();
    return conn.socket.writable;
  }

  private send(conn: Conn, msg: unknown): void {
    if (this.writable(conn)) conn.socket.write(`${JSON.stringify(msg)}\n`);
  }

  private reply(conn: Conn, id: number, result: unknown): void {
    if (!this.writable(conn)) return;
    if (result instanceof RawJson) conn.socket.write(`{"id":${id},"result":${result.json}}\n`);
    else conn.socket.write(`${JSON.stringify({ id, result })}\n`);
  }

  private async onLine(conn: Conn, line: string): Promise<void> {
    let id: number | null = null;
    try {
      let raw: unknown;
      try {
        raw = JSON.parse(line);
      } catch {
        throw new ClauderonError('invalid_input', 'request is not valid JSON');
      }
      const req = requestSchema.safeParse(raw);
      if (!req.success) throw new ClauderonError('invalid_input', `bad request: ${req.error.issues[0]?.message ?? 'invalid'}`);
      id = req.data.id;
      const method = req.data.method;
      if (!isMethod(method)) throw new ClauderonError('invalid_input', `unknown method ${method}`);
      await this.run(conn, id, method, req.data.params ?? {});
    } catch (e) {
      if (!isClauderonError(e)) this.log.error('request failed', { error: errorMessage(e), stack: e instanceof Error ? e.stack : undefined });
      this.send(conn, { id, error: errorBody(e) });
    }
  }

  private async run<M extends Method>(conn: Conn, id: number, method: M, rawParams: unknown): Promise<void> {
    const parsed = parseParams(method, rawParams);
    if (!parsed.ok) throw new ClauderonError('invalid_input', `invalid ${issueText(parsed.issue)}`, issueField(parsed.issue));
    this.inflight++;
    try {
      const result = await runOperation(method, parsed.params, this.context(), {
        onProgress: (progress) => this.send(conn, { id, progress }),
        subscribe: () => (conn.subscribed = true),
        ...(this.screens ? { watchScreen: (w: ScreenWatch | null) => this.watchScreen(conn, w) } : {}),
      });
      this.reply(conn, id, encoded(method, result));
    } finally {
      this.inflight--;
    }
  }

  private watchScreen(conn: Conn, w: ScreenWatch | null): void {
    if (!this.screens) return;
    if (w) this.screens.watch(conn, w, (msg) => this.send(conn, msg));
    else this.screens.unwatch(conn);
  }
}

/** The id of a request line, if it has one (for an answer to a request that failed oddly). */
function requestId(line: string): number | null {
  try {
    const v = (JSON.parse(line) as { id?: unknown } | null)?.id;
    return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : null;
  } catch {
    return null;
  }
}
