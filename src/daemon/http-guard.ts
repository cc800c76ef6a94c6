// The HTTP API's gate, before any route: who may talk to it, in which form, and how every answer
// gets out. A web page in the user's browser can send requests to 127.0.0.1 (forms, no-cors
// fetches, WebSockets) and, through DNS rebinding, even read the answers of a name it controls, so:
//   - the Host header must name this listener (its address or, on loopback, localhost) — a page
//     reached under a rebinding name is refused (421);
//   - an Origin header, if any, must be this API's own (or CLAUDERON_ORIGIN), and a browser saying
//     Sec-Fetch-Site cross-site / same-site is refused (403); no CORS header is ever sent;
//   - writes must be Content-Type: application/json, which no cross-origin page can send without
//     a preflight (never approved) (415) — but for a route that takes raw bytes (an image upload),
//     whose own Content-Types (image/*, equally preflighted) http-raw.ts checks instead.
// Who is signed in (a passkey's cookie, the Bearer token) is asked after these, in http.ts and
// auth/ — the sign-in endpoints pass this same gate first.
// Everything here also turns malformed input (bad targets, bad escapes, big bodies) into a JSON
// 4xx that the client actually receives, never a throw or a reset.
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { ClauderonError, type ErrorCode } from '../shared/errors.js';
import { RELAY_PORTS } from '../backends/relay/ports.js';

export const MAX_BODY = 1 << 20;
/** After an early answer, the rest of a body is read and discarded up to this much / this long. */
const DRAIN_MAX = 8 << 20;
const DRAIN_MS = 5_000;
/** A path segment (a session id or name) longer than this is no session's. */
const MAX_SEGMENT = 200;

export class HttpError extends ClauderonError {
  constructor(
    readonly status: number,
    code: ErrorCode,
    message: string,
  ) {
    super(code, message);
  }
}

export function httpError(status: number, code: ErrorCode, message: string): HttpError {
  return new HttpError(status, code, message);
}

export function isLoopback(addr: string): boolean {
  return addr === 'localhost' || addr === '::1' || /^127\.\d+\.\d+\.\d+$/.test(addr);
}

/** CLAUDERON_ORIGIN: the one other origin (e.g. a reverse proxy's https://host) the API answers. */
export interface RemoteOrigin {
  /** As browsers send it in Origin: `https://host` (default port left out). */
  origin: string;
  /** Host header values it arrives with: `host` and `host:port`. */
  hosts: string[];
}

export function parseRemoteOrigin(value: string | undefined): RemoteOrigin | null {
  if (value === undefined || value === '') return null;
  let url: URL | null = null;
  try {
    url = new URL(value);
  } catch {
    // reported below
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password || url.search || url.hash || url.pathname !== '/' || value.endsWith('/')) {
    throw new ClauderonError('config', `CLAUDERON_ORIGIN="${value}" is not an origin: expected http(s)://host[:port] with no path, e.g. https://clauderon.example.com`);
  }
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return { origin: url.origin.toLowerCase(), hosts: [...new Set([url.host, `${url.hostname}:${port}`].map((h) => h.toLowerCase()))] };
}

export interface ListenerPolicy {
  port: number;
  /** The listener's address (0.0.0.0 / :: for every interface). */
  bind: string;
  /** Hooks are posted to host.docker.internal from containers on a bridge. */
  hooks: boolean;
  remote: RemoteOrigin | null;
  /** Served over TLS ([http] tls_cert): its own origins are https://. */
  tls?: boolean;
}

/**
 * The Host values a request on this connection may carry: the address it was received on, with
 * the port; on loopback also localhost, 127.0.0.1 and [::1]; for hooks host.docker.internal and
 * the in-pod relay's hooks address (127.0.0.1:18081, which a page cannot reach our listener under);
 * and CLAUDERON_ORIGIN's host. Names a rebinding attacker controls are never among them.
 */
export function acceptedHosts(p: ListenerPolicy, localAddress: string | undefined): string[] {
  const wildcard = p.bind === '0.0.0.0' || p.bind === '::' || p.bind === '';
  const addr = wildcard ? (localAddress ?? '').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '') : p.bind;
  const names = new Set<string>();
  if (addr) names.add(addr);
  if (isLoopback(addr)) for (const n of ['localhost', '127.0.0.1', '::1']) names.add(n);
  if (p.hooks) names.add('host.docker.internal');
  const out: string[] = [];
  for (const n of names) {
    const h = (n.includes(':') ? `[${n}]` : n).toLowerCase();
    out.push(`${h}:${p.port}`);
    if (p.port === 80) out.push(h); // browsers leave the default port out
  }
  // hooks carried from a remote runtime by its relay keep the relay's address (objects in the pod)
  if (p.hooks && isLoopback(addr)) out.push(`127.0.0.1:${RELAY_PORTS.hooks}`);
  return [...out, ...(p.remote?.hosts ?? [])];
}

const shown = (v: string): string => JSON.stringify(v.length > 100 ? `${v.slice(0, 100)}…` : v);

/**
 * The Host / Origin / Sec-Fetch-Site rules for a request or an upgrade; null when it may go on.
 * `page`: a GET of the web UI's own files (no data in them), where a browser's top-level
 * navigation from another site (a link followed) is let through — the Host rule still holds.
 */
export function checkCaller(req: IncomingMessage, p: ListenerPolicy, page = false): HttpError | null {
  const hosts = acceptedHosts(p, req.socket.localAddress);
  // (Node keeps the first of several Host headers; which one a proxy on the way used is unknown)
  if ((req.rawHeaders ?? []).filter((h, i) => i % 2 === 0 && h.toLowerCase() === 'host').length > 1) {
    return httpError(400, 'invalid_input', 'refused a request with more than one Host header');
  }
  const host = (req.headers.host ?? '').toLowerCase();
  if (!hosts.includes(host)) {
    const got = req.headers.host === undefined ? 'a request without a Host header' : `Host ${shown(req.headers.host)}`;
    return httpError(421, 'invalid_input', `refused ${got}: this API answers only Host ${hosts.join(', ')} (a page that reaches it under another name, as with DNS rebinding, is refused; a remote origin needs CLAUDERON_ORIGIN)`);
  }
  const origin = req.headers.origin;
  if (origin !== undefined) {
    const origins = [...hosts.map((h) => `${p.tls ? 'https' : 'http'}://${h}`), ...(p.remote ? [p.remote.origin] : [])];
    if (!origins.includes(origin.toLowerCase())) {
      return httpError(403, 'invalid_input', `refused Origin ${shown(origin)}: requests from web pages of other origins are not served (no CORS); allowed origins: ${origins.join(', ')}`);
    }
  }
  const site = req.headers['sec-fetch-site'];
  const navigation = page && origin === undefined && req.headers['sec-fetch-mode'] === 'navigate' && req.headers['sec-fetch-dest'] === 'document';
  if (site !== undefined && site !== 'same-origin' && site !== 'none' && !navigation) {
    return httpError(403, 'invalid_input', `refused a request a browser marked Sec-Fetch-Site: ${shown(site)}: only this API's own pages and non-browser clients may use it`);
  }
  return null;
}

export interface Target {
  /** The decoded path segments (`/api/sessions/x` → ['api', 'sessions', 'x']); a trailing / is ignored. */
  segments: string[];
  /** The path as received, for messages. */
  path: string;
  query: URLSearchParams;
}

/** The request target, parsed inside the caller's error handling: anything malformed is a 400. */
export function parseTarget(raw: string | undefined): Target {
  const bad = (why: string) => httpError(400, 'invalid_input', `bad request target ${shown(raw ?? '')}: ${why}`);
  if (!raw?.startsWith('/')) throw bad('expected a path such as /api/sessions (absolute URLs and * are not served)');
  const q = raw.indexOf('?');
  const path = q < 0 ? raw : raw.slice(0, q);
  if (path.includes('//')) throw bad('empty path segment');
  if (raw.includes('#')) throw bad('a fragment is never sent to a server');
  const segments = path.replace(/\/$/, '').split('/').slice(1).map((s) => {
    let d: string;
    try {
      d = decodeURIComponent(s);
    } catch {
      throw bad('malformed percent-escape');
    }
    // (an id is looked up, never used as a path; these can only be mistakes or tricks)
    if (/[/\\\p{Cc}]/u.test(d)) throw bad('a path segment may not hold /, \\ or control characters');
    if (d.length > MAX_SEGMENT) throw bad(`a path segment is at most ${MAX_SEGMENT} characters`);
    return d;
  });
  return { segments, path, query: new URLSearchParams(q < 0 ? '' : raw.slice(q + 1)) };
}

const hasBody = (req: IncomingMessage): boolean => req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;

/** A write (anything but GET/HEAD) must be JSON, and no body may be over MAX_BODY. */
export function checkBody(req: IncomingMessage): HttpError | null {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_BODY) return httpError(413, 'invalid_input', `request body of ${declared} bytes is over the limit of ${MAX_BODY} bytes`);
  const method = req.method ?? 'GET';
  if (method === 'GET' || method === 'HEAD') return null;
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json') {
    const got = req.headers['content-type'] === undefined ? 'none' : shown(req.headers['content-type']);
    return httpError(415, 'invalid_input', `${method} needs Content-Type: application/json (got ${got}): every write is JSON, also one without a body`);
  }
  return null;
}

/** Requests whose client waits for "100 Continue" before sending the body (see readJson). */
export const awaitingContinue = new WeakSet<IncomingMessage>();

/** The body as JSON (empty: {}); over `limit` (MAX_BODY) → 413, not JSON → 400, cut off → 400. */
export function readJson(req: IncomingMessage, res: ServerResponse, limit = MAX_BODY): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) return Promise.reject(httpError(413, 'invalid_input', `request body of ${declared} bytes is over the limit of ${limit} bytes`));
  if (awaitingContinue.has(req)) {
    awaitingContinue.delete(req);
    res.writeContinue(); // only now: a body refused before this point is never sent at all
  }
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    const done = () => {
      req.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
    };
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        done(); // the rest is drained by sendJson after the 413 is out
        reject(httpError(413, 'invalid_input', `request body over the limit of ${limit} bytes`));
        return;
      }
      parts.push(c);
    };
    const onEnd = () => {
      done();
      const text = Buffer.concat(parts).toString('utf8');
      if (text.trim() === '') return resolve({});
      try {
        resolve(JSON.parse(text) as unknown);
      } catch {
        reject(httpError(400, 'invalid_input', 'the request body is not valid JSON'));
      }
    };
    const onError = (e: Error) => {
      done();
      reject(httpError(400, 'invalid_input', `the request body could not be read: ${e.message}`));
    };
    const onClose = () => {
      done();
      reject(httpError(400, 'invalid_input', 'the client closed the connection before the body was complete'));
    };
    req.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  });
}

const JSON_HEADERS = { 'content-type': 'application/json', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };

/**
 * Send a JSON answer. When the request's body is still coming (an early 413/415/421…), the
 * answer goes out at once with Connection: close and the rest of the body is read and discarded
 * (bounded) before the connection closes: closing with unread data would reset it, and the client
 * would see a reset instead of the answer.
 */
export function sendJson(req: IncomingMessage, res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent || res.destroyed) {
    res.destroy(); // an answer has begun: the only honest end is to cut it
    return;
  }
  const text = JSON.stringify(body);
  const headers = { ...JSON_HEADERS, 'content-length': Buffer.byteLength(text) };
  if (req.readableEnded || !hasBody(req)) {
    res.writeHead(status, headers).end(text);
    return;
  }
  res.writeHead(status, { ...headers, connection: 'close' });
  res.write(text);
  let seen = 0;
  const finish = () => {
    clearTimeout(timer);
    req.off('data', onData).off('end', finish).off('close', finish);
    res.end();
  };
  const onData = (c: Buffer) => {
    seen += c.length;
    if (seen > DRAIN_MAX) finish();
  };
  const timer = setTimeout(finish, DRAIN_MS);
  timer.unref();
  req.on('data', onData).on('end', finish).on('close', finish);
  req.resume();
}

/** A complete JSON answer on a raw socket (upgrades, client errors), then the socket is closed. */
export function sendRaw(socket: Duplex, status: number, code: ErrorCode, message: string, extra = ''): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const text = JSON.stringify({ error: { code, message } });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\n` +
      `cache-control: no-store\r\nx-content-type-options: nosniff\r\nconnection: close\r\n${extra}\r\n${text}`,
  );
  // a peer that never closes its side does not keep the socket
  setTimeout(() => socket.destroy(), 2_000).unref();
}
