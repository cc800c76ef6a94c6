// clauderon's in-pod relay: listens on the pod's loopback (the agent's HTTPS_PROXY, its hooks URL)
// and carries every accepted TCP connection back to the daemon over this process's stdin/stdout —
// the one authenticated exec stream the daemon already holds — because the pod may have no route
// to the daemon's session proxy. It is transparent TCP (TLS to the proxy stays end to end) and
// holds no credential. Plain Node ESM, node: built-ins only, Node >= 18: it is delivered as a
// single ConfigMap file and run as
//
//   node relay.mjs --listen proxy=127.0.0.1:18080 --listen hooks=127.0.0.1:18081
//
// stdout carries frames only; stderr gets one-line diagnostics. Exit codes: 0 the channel ended
// (stdin closed: the daemon went away), 2 bad arguments or a port that stayed busy for 10 s,
// 3 garbage on the channel. The frame codec duplicates src/backends/relay/frames.ts (this file
// cannot import TypeScript); the tests check the two against each other.
import net from 'node:net';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

// ---- codec (keep in step with frames.ts) ----------------------------------------------------------
export const T = { HELLO: 1, OPEN: 2, DATA: 3, END: 4, RESET: 5, ACK: 6, PING: 7, PONG: 8 };
export const PROTOCOL_VERSION = 1;
export const HEADER_BYTES = 9;
export const MAX_PAYLOAD = 64 * 1024;
export const STREAM_WINDOW = 256 * 1024;
export const MAX_STREAMS = 1024;
export const MAX_NAME = 64;
const NAMES = Object.fromEntries(Object.entries(T).map(([k, v]) => [v, k]));
const typeName = (t) => NAMES[t] ?? `0x${t.toString(16).padStart(2, '0')}`;

export class FrameError extends Error {}

export function encodeFrame(type, id, payload) {
  const length = payload ? payload.length : 0;
  if (length > MAX_PAYLOAD) throw new FrameError(`frame payload of ${length} bytes exceeds ${MAX_PAYLOAD}`);
  const frame = Buffer.allocUnsafe(HEADER_BYTES + length);
  frame.writeUInt8(type, 0);
  frame.writeUInt32BE(id >>> 0, 1);
  frame.writeUInt32BE(length, 5);
  if (payload) frame.set(payload, HEADER_BYTES);
  return frame;
}

function checkHeader(type, id, length) {
  if (!(type in NAMES)) throw new FrameError(`unknown frame type ${typeName(type)}`);
  if (length > MAX_PAYLOAD) throw new FrameError(`${typeName(type)} frame of ${length} bytes exceeds ${MAX_PAYLOAD}`);
  if (type === T.ACK && length !== 4) throw new FrameError(`ACK frame with a ${length}-byte payload (want 4)`);
  if (type === T.OPEN && (length === 0 || length > MAX_NAME)) throw new FrameError(`OPEN frame with a ${length}-byte name`);
  if ((type === T.END || type === T.DATA || type === T.OPEN) && id === 0) throw new FrameError(`${typeName(type)} frame on stream 0`);
  if (type === T.HELLO && id !== 0) throw new FrameError(`HELLO frame on stream ${id}`);
}

/** push(chunk, onFrame): whole frames out, FrameError on bytes that are not frames; keeps ≤ 1 partial frame. */
export class FrameDecoder {
  rest = null;
  push(chunk, onFrame) {
    const buf = this.rest ? Buffer.concat([this.rest, chunk]) : chunk;
    this.rest = null;
    let at = 0;
    while (buf.length - at >= HEADER_BYTES) {
      const type = buf.readUInt8(at);
      const id = buf.readUInt32BE(at + 1);
      const length = buf.readUInt32BE(at + 5);
      checkHeader(type, id, length);
      if (buf.length - at < HEADER_BYTES + length) break;
      const payload = buf.subarray(at + HEADER_BYTES, at + HEADER_BYTES + length);
      at += HEADER_BYTES + length;
      onFrame({ type, id, payload });
    }
    if (at < buf.length) this.rest = Buffer.from(buf.subarray(at));
  }
}

// ---- the relay ------------------------------------------------------------------------------------
// Synchronous, so the line is out before a process.exit() that follows it.
function log(msg) {
  try {
    fs.writeSync(2, `clauderon-relay: ${msg}\n`);
  } catch {
    // stderr gone or full: diagnostics are best effort, the channel is what matters
  }
}

/** `name=host:port` (host may be `[::1]`), port 0 allowed (the OS picks; HELLO says which). */
function parseListen(spec) {
  const m = /^([A-Za-z0-9_-]{1,64})=(\[[0-9A-Fa-f:.]+\]|[^:\s]+):(\d{1,5})$/.exec(spec ?? '');
  if (!m || Number(m[3]) > 65535) return null;
  return { name: m[1], host: m[2].replace(/^\[|\]$/g, ''), port: Number(m[3]) };
}

function usage(msg) {
  log(`${msg} — usage: node relay.mjs --listen NAME=HOST:PORT [--listen NAME=HOST:PORT ...]`);
  process.exit(2);
}

function parseArgs(argv) {
  const listeners = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = arg === '--listen' ? argv[++i] : arg.startsWith('--listen=') ? arg.slice(9) : undefined;
    if (value === undefined) usage(`unknown argument ${JSON.stringify(arg)}`);
    const l = parseListen(value);
    if (!l) usage(`bad --listen ${JSON.stringify(value ?? '')}`);
    if (listeners.some((o) => o.name === l.name)) usage(`listener ${l.name} given twice`);
    listeners.push(l);
  }
  if (listeners.length === 0) usage('no --listen given');
  return listeners;
}

/**
 * How long a busy port is retried: the previous relay may not yet have seen its stdin end. 10 s;
 * CLAUDERON_RELAY_BIND_WAIT_MS (tests only) shortens it.
 */
const BIND_WAIT_MS = Number(process.env.CLAUDERON_RELAY_BIND_WAIT_MS) > 0 ? Number(process.env.CLAUDERON_RELAY_BIND_WAIT_MS) : 10_000;
const waitText = `${BIND_WAIT_MS / 1000} s`;

/** Binds, retrying EADDRINUSE for up to BIND_WAIT_MS. */
async function listen(l, onConnection) {
  const deadline = Date.now() + BIND_WAIT_MS;
  let waited = false;
  for (;;) {
    const server = net.createServer({ allowHalfOpen: true }, (socket) => onConnection(l.name, socket));
    try {
      await new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host: l.host, port: l.port, exclusive: true }, () => {
          server.off('error', reject);
          resolve();
        });
      });
      return server;
    } catch (err) {
      server.close();
      if (err.code !== 'EADDRINUSE' || Date.now() >= deadline) {
        const why = err.code === 'EADDRINUSE' ? `address still in use after ${waitText}` : err.message;
        log(`cannot listen for ${l.name} on ${l.host}:${l.port}: ${why}`);
        process.exit(2);
      }
      if (!waited) log(`${l.host}:${l.port} (${l.name}) is in use; retrying for up to ${waitText}`);
      waited = true;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

export async function main(argv = process.argv.slice(2)) {
  const specs = parseArgs(argv);
  const out = process.stdout;
  const streams = new Map();
  let nextId = 1;
  let blocked = false; // stdout said write() === false: stop reading sockets until 'drain'

  const send = (type, id, payload) => {
    if (!out.write(encodeFrame(type, id, payload)) && !blocked) {
      blocked = true;
      for (const s of streams.values()) s.socket.pause();
    }
  };
  out.on('drain', () => {
    blocked = false;
    for (const s of streams.values()) pump(s);
  });
  // EPIPE and the like: the daemon is gone, as when stdin ends
  out.on('error', () => process.exit(0));

  const finish = (s) => {
    s.closed = true;
    streams.delete(s.id);
  };

  // Send what the window allows, END once everything is out; read the socket only while there is room.
  function pump(s) {
    while (s.pending && s.window > 0) {
      const n = Math.min(s.pending.length, s.window, MAX_PAYLOAD);
      send(T.DATA, s.id, s.pending.subarray(0, n));
      s.window -= n;
      s.pending = n === s.pending.length ? null : s.pending.subarray(n);
    }
    if (!s.pending && s.localEnded && !s.endSent) {
      s.endSent = true;
      send(T.END, s.id);
      if (s.socketGone) finish(s);
    }
    if (s.pending || s.window <= 0 || blocked) s.socket.pause();
    else s.socket.resume();
  }

  function reset(s) {
    finish(s);
    if (typeof s.socket.resetAndDestroy === 'function') s.socket.resetAndDestroy();
    else s.socket.destroy();
  }

  function onConnection(name, socket) {
    if (streams.size >= MAX_STREAMS) {
      log(`refusing a connection on ${name}: ${MAX_STREAMS} already open`);
      if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
      else socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    const s = { id: nextId++, socket, window: STREAM_WINDOW, pending: null, unacked: 0 };
    streams.set(s.id, s);
    send(T.OPEN, s.id, Buffer.from(name));
    socket.on('data', (chunk) => {
      s.pending = s.pending ? Buffer.concat([s.pending, chunk]) : chunk;
      pump(s);
    });
    socket.on('end', () => {
      s.localEnded = true;
      pump(s);
    });
    socket.on('error', () => {}); // 'close' follows and says what to do
    socket.on('close', (hadError) => {
      if (s.closed) return;
      // both directions ended cleanly: only data still waiting for credit remains to be sent
      if (!hadError && s.localEnded && s.remoteEnded) {
        s.socketGone = true;
        if (s.endSent) finish(s);
        return;
      }
      finish(s);
      send(T.RESET, s.id);
    });
    pump(s);
  }

  function fail(msg) {
    log(`protocol error on the channel: ${msg}`);
    process.exit(3);
  }

  function onFrame({ type, id, payload }) {
    if (type === T.PING) return send(T.PONG, id, payload);
    if (type === T.PONG) return;
    if (type === T.HELLO || type === T.OPEN) return fail(`unexpected ${typeName(type)} from the daemon`);
    const s = streams.get(id);
    if (!s) return; // a stream just closed here; the daemon had not heard yet
    if (type === T.DATA) {
      if (s.remoteEnded) return fail(`DATA after END on stream ${id}`);
      s.unacked += payload.length;
      if (s.unacked > STREAM_WINDOW) return fail(`stream ${id} overran its window`);
      const n = payload.length;
      s.socket.write(payload, (err) => {
        s.unacked -= n;
        if (!err && !s.closed) send(T.ACK, id, ack(n));
      });
    } else if (type === T.END) {
      s.remoteEnded = true;
      s.socket.end();
    } else if (type === T.RESET) {
      reset(s);
    } else if (type === T.ACK) {
      s.window += payload.readUInt32BE(0);
      pump(s);
    }
  }

  const decoder = new FrameDecoder();
  process.stdin.on('data', (chunk) => {
    try {
      decoder.push(chunk, onFrame);
    } catch (err) {
      if (err instanceof FrameError) fail(err.message);
      throw err;
    }
  });
  const bye = () => {
    for (const s of streams.values()) s.socket.destroy();
    process.exit(0);
  };
  process.stdin.on('end', bye);
  process.stdin.on('error', bye);

  const listening = {};
  for (const l of specs) {
    const server = await listen(l, onConnection);
    const addr = server.address();
    listening[l.name] = addr.family === 'IPv6' ? `[${addr.address}]:${addr.port}` : `${addr.address}:${addr.port}`;
  }
  send(T.HELLO, 0, Buffer.from(JSON.stringify({ relay: 'clauderon', v: PROTOCOL_VERSION, node: process.version, listening })));
  log(`listening ${Object.entries(listening).map(([k, v]) => `${k}=${v}`).join(' ')}`);
}

function ack(n) {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(n, 0);
  return b;
}

// Run only as the program, not when the tests import the codec. argv[1] is compared by real path:
// a ConfigMap mounts the file through symlinks, which Node resolves for import.meta.url.
function isMain() {
  try {
    return !!process.argv[1] && fs.realpathSync(process.argv[1]) === fs.realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMain()) {
  main().catch((err) => {
    log(`failed: ${err && err.stack ? err.stack : err}`);
    process.exit(1);
  });
}
