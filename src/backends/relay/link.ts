// The daemon end of the in-pod relay (relay.mjs): it reads the relay's frames from the exec
// stream's stdout, opens one loopback TCP connection per carried connection (to the session
// proxy, the hooks port …) and pipes bytes both ways. Remote backends hand it the stdin/stdout of
// their exec (Kubernetes exec over WebSocket, the Sprites exec API); nothing here knows which.
//
// Flow control mirrors relay.mjs: each direction of each stream has a credit window; a sender stops
// reading its socket when the window is used up, and the receiver returns credit (ACK) only once
// its socket has taken the bytes. So a stalled connection holds at most one window on either side
// and never holds up the others; the channel's own backpressure (write() === false) pauses every
// socket until 'drain'.
import net from 'node:net';
import {
  FrameDecoder,
  FrameError,
  FrameType,
  MAX_PAYLOAD,
  MAX_STREAMS,
  PROTOCOL_VERSION,
  STREAM_WINDOW,
  describeBytes,
  encodeFrame,
  frameTypeName,
  type Frame,
  type FrameTypeCode,
} from './frames.js';

export interface RelayTarget {
  host: string;
  port: number;
}
/** Targets by listener name, resolved per connection; null = nothing to connect to right now. */
export interface RelayTargets {
  [name: string]: RelayTarget | null;
}

export interface RelayStats {
  /** Streams open now. */
  open: number;
  /** Streams opened since the link started. */
  total: number;
  /** DATA bytes from the relay (the agent's side) to the targets. */
  bytesIn: number;
  /** DATA bytes from the targets to the relay. */
  bytesOut: number;
  /** Bytes this end holds for streams: handed to target sockets but not yet flushed, or awaiting credit. */
  buffered: number;
}

export interface RelayLink {
  /** Resolves when the relay said HELLO (with what it listens on), rejects if the channel ends first. */
  ready: Promise<{ listening: Record<string, string> }>;
  /** Resolves when the channel ended (either side), with the reason. */
  closed: Promise<{ reason: string }>;
  stats(): RelayStats;
  /** Ends the channel (the relay sees stdin end and exits) and drops every carried connection. */
  close(): void;
}

export interface RelayLinkOptions {
  log?: (msg: string, fields?: Record<string, unknown>) => void;
  /** Keepalive PING interval (default 30 s; 0 turns it off). Nothing heard for 3 intervals ends the link. */
  pingIntervalMs?: number;
}

interface Stream {
  id: number;
  target: string;
  socket: net.Socket;
  /** Credit left for DATA towards the relay. */
  window: number;
  /** Bytes read from the socket that the window did not yet allow out (at most one read). */
  pending: Buffer | null;
  /** DATA received and handed to the socket whose write has not completed. */
  unacked: number;
  localEnded: boolean;
  endSent: boolean;
  remoteEnded: boolean;
  socketGone: boolean;
  closed: boolean;
}

export function startRelayLink(
  channel: { input: NodeJS.ReadableStream; output: NodeJS.WritableStream },
  targets: (name: string) => RelayTarget | null,
  opts: RelayLinkOptions = {},
): RelayLink {
  const log = opts.log ?? (() => {});
  const { input, output } = channel;
  const streams = new Map<number, Stream>();
  const decoder = new FrameDecoder();
  let helloed = false;
  let done = false;
  let blocked = false;
  let total = 0;
  let bytesIn = 0;
  let bytesOut = 0;
  let lastHeard = Date.now();

  let resolveReady!: (v: { listening: Record<string, string> }) => void;
  let rejectReady!: (e: Error) => void;
  const ready = new Promise<{ listening: Record<string, string> }>((res, rej) => {
    resolveReady = res;
    rejectReady = rej;
  });
  // a caller that only awaits `closed` must not get an unhandled rejection
  ready.catch(() => {});
  let resolveClosed!: (v: { reason: string }) => void;
  const closed = new Promise<{ reason: string }>((res) => (resolveClosed = res));

  const send = (type: FrameTypeCode, id: number, payload?: Uint8Array): void => {
    if (done) return;
    if (!output.write(encodeFrame(type, id, payload)) && !blocked) {
      blocked = true;
      for (const s of streams.values()) s.socket.pause();
    }
  };

  function end(reason: string): void {
    if (done) return;
    done = true;
    clearInterval(pinger);
    for (const s of streams.values()) s.socket.destroy();
    streams.clear();
    input.removeListener('data', onData);
    output.removeListener('drain', onDrain);
    try {
      output.end();
    } catch {
      // the channel may already be gone; ending it is only a courtesy to the relay
    }
    log('relay link closed', { reason });
    rejectReady(new Error(reason));
    resolveClosed({ reason });
  }

  const finish = (s: Stream): void => {
    s.closed = true;
    streams.delete(s.id);
  };

  function pump(s: Stream): void {
    while (s.pending && s.window > 0) {
      const n = Math.min(s.pending.length, s.window, MAX_PAYLOAD);
      send(FrameType.DATA, s.id, s.pending.subarray(0, n));
      bytesOut += n;
      s.window -= n;
      s.pending = n === s.pending.length ? null : s.pending.subarray(n);
    }
    if (!s.pending && s.localEnded && !s.endSent) {
      s.endSent = true;
      send(FrameType.END, s.id);
      if (s.socketGone) finish(s);
    }
    if (s.pending || s.window <= 0 || blocked) s.socket.pause();
    else s.socket.resume();
  }

  function open(id: number, name: string): void {
    if (streams.size >= MAX_STREAMS) {
      log('relay connection refused: too many open', { id, target: name, open: streams.size });
      send(FrameType.RESET, id);
      return;
    }
    let target: RelayTarget | null;
    try {
      target = targets(name);
    } catch (err) {
      log('relay target lookup failed', { id, target: name, error: String(err) });
      target = null;
    }
    if (!target) {
      // the agent sees its connection reset at once instead of hanging
      log('relay connection refused: no target', { id, target: name });
      send(FrameType.RESET, id);
      return;
    }
    total += 1;
    const socket = net.connect({ host: target.host, port: target.port, allowHalfOpen: true });
    socket.setNoDelay(true);
    const s: Stream = {
      id,
      target: name,
      socket,
      window: STREAM_WINDOW,
      pending: null,
      unacked: 0,
      localEnded: false,
      endSent: false,
      remoteEnded: false,
      socketGone: false,
      closed: false,
    };
    streams.set(id, s);
    socket.on('data', (chunk: Buffer) => {
      s.pending = s.pending ? Buffer.concat([s.pending, chunk]) : chunk;
      pump(s);
    });
    socket.on('end', () => {
      s.localEnded = true;
      pump(s);
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (!s.closed) log('relay target connection failed', { id, target: name, error: err.code ?? err.message });
    });
    socket.on('close', (hadError: boolean) => {
      if (s.closed || done) return;
      if (!hadError && s.localEnded && s.remoteEnded) {
        s.socketGone = true;
        if (s.endSent) finish(s);
        return;
      }
      finish(s);
      send(FrameType.RESET, id);
    });
    pump(s);
  }

  function onFrame(frame: Frame): void {
    const { type, id, payload } = frame;
    if (!helloed) {
      if (type !== FrameType.HELLO) throw new FrameError(`expected HELLO first, got ${frameTypeName(type)}`);
      let hello: unknown;
      try {
        hello = JSON.parse(payload.toString('utf8'));
      } catch {
        throw new FrameError(`HELLO that is not JSON: ${describeBytes(payload)}`);
      }
      const h = hello as { relay?: unknown; v?: unknown; listening?: unknown };
      if (h.relay !== 'clauderon') throw new FrameError('HELLO from something that is not the clauderon relay');
      if (h.v !== PROTOCOL_VERSION) throw new FrameError(`relay protocol v${String(h.v)}, this daemon speaks v${PROTOCOL_VERSION} — redeploy the relay`);
      const listening = h.listening;
      if (typeof listening !== 'object' || listening === null || !Object.values(listening).every((v) => typeof v === 'string')) {
        throw new FrameError('HELLO without a listening map');
      }
      helloed = true;
      log('relay ready', { listening });
      resolveReady({ listening: listening as Record<string, string> });
      return;
    }
    switch (type) {
      case FrameType.PING:
        send(FrameType.PONG, id, payload);
        return;
      case FrameType.PONG:
        return;
      case FrameType.HELLO:
        throw new FrameError('a second HELLO');
      case FrameType.OPEN:
        if (streams.has(id)) throw new FrameError(`OPEN of stream ${id}, which is open`);
        open(id, payload.toString('utf8'));
        return;
    }
    const s = streams.get(id);
    if (!s) return; // closed here already (or refused); the relay had not heard yet
    switch (type) {
      case FrameType.DATA: {
        if (s.remoteEnded) throw new FrameError(`DATA after END on stream ${id}`);
        const n = payload.length;
        s.unacked += n;
        if (s.unacked > STREAM_WINDOW) throw new FrameError(`stream ${id} overran its window`);
        bytesIn += n;
        s.socket.write(payload, (err) => {
          s.unacked -= n;
          if (!err && !s.closed) send(FrameType.ACK, id, u32(n));
        });
        return;
      }
      case FrameType.END:
        s.remoteEnded = true;
        s.socket.end();
        return;
      case FrameType.RESET:
        finish(s);
        s.socket.resetAndDestroy();
        return;
      case FrameType.ACK:
        s.window += payload.readUInt32BE(0);
        pump(s);
        return;
    }
  }

  function onData(chunk: Buffer | string): void {
    if (done) return;
    lastHeard = Date.now();
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk;
    try {
      decoder.push(buf, onFrame);
    } catch (err) {
      // whatever went wrong, the daemon keeps running: only this link ends, with a reason
      if (!(err instanceof FrameError)) end(`the relay link failed: ${err instanceof Error ? err.message : String(err)}`);
      else if (helloed) end(`protocol error on the relay channel: ${err.message}`);
      else end(`the relay did not start: the channel carried ${describeBytes(buf)} instead of its HELLO (${err.message})`);
    }
  }
  function onDrain(): void {
    blocked = false;
    for (const s of streams.values()) pump(s);
  }

  const interval = opts.pingIntervalMs ?? 30_000;
  // set before any listener that could call end()
  const pinger =
    interval > 0
      ? setInterval(() => {
          // before the HELLO the caller's own timeout on `ready` applies (startup may wait for a port)
          if (!helloed) return;
          if (Date.now() - lastHeard > 3 * interval) end(`the relay stopped answering keepalives (nothing for ${3 * interval} ms)`);
          else send(FrameType.PING, 0);
        }, interval).unref()
      : undefined;

  input.on('data', onData);
  input.on('end', () => end(helloed ? 'the relay channel ended' : 'the channel ended before the relay said HELLO'));
  input.on('close', () => end(helloed ? 'the relay channel closed' : 'the channel closed before the relay said HELLO'));
  input.on('error', (err: Error) => end(`the relay channel failed: ${err.message}`));
  output.on('drain', onDrain);
  output.on('error', (err: Error) => end(`writing to the relay channel failed: ${err.message}`));
  output.on('close', () => end('the relay channel closed'));

  return {
    ready,
    closed,
    stats: () => {
      let buffered = 0;
      for (const s of streams.values()) buffered += s.unacked + (s.pending?.length ?? 0);
      return { open: streams.size, total, bytesIn, bytesOut, buffered };
    },
    close: () => end('closed by the daemon'),
  };
}

function u32(n: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(n >>> 0, 0);
  return b;
}
