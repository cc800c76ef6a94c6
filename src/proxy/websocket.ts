// WebSocket upgrades inside an intercepted tunnel. Codex opens its model turns as a WebSocket
// (`GET /v1/responses`, Upgrade: websocket) before it falls back to SSE over POST; refusing the
// upgrade costs it seconds of retries per turn. So an upgrade is relayed like a request — the same
// gate (Host and SNI name the tunnel's target), the credential the target earns in place of the
// agent's auth headers, no placeholder upstream, verified TLS to the same target, every address
// checked by the egress policy — and once upstream answers 101 the two sockets are joined.
//
// A WebSocket can carry anything in either direction, so the access mode judges an upgrade as a
// POST to its path: a read-only session may open one only where a POST there would be a read (a
// model API's own endpoints), never to a host it could write to through it.
import type { IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { accessDecision, type AccessMode } from './access.js';
import type { AuditRecord } from './audit.js';
import type { EgressPolicy } from './egress.js';
import { EgressRefused } from './egress.js';
import { placeholderIn } from './placeholders.js';
import { endToEndHeaders } from './relay.js';
import { AUTH_HEADERS, injectionFor, type InjectionRule } from './rules.js';

export interface UpgradeContext {
  target: { host: string; port: number; kind: 'name' | 'ip' };
  rules: readonly InjectionRule[];
  credential: (name: string) => string | undefined;
  accessMode: AccessMode;
  egress: EgressPolicy;
  override: { host: string; port: number; ca: string | null } | undefined;
  missingCredentialHint?: ((credentials: readonly string[]) => string) | undefined;
  audit: (rec: Omit<AuditRecord, 'ts' | 'session'>) => void;
  /** The tunnel is busy while the WebSocket is open (never evicted as idle). */
  begin(): void;
  end(): void;
}

const REASONS: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 421: 'Misdirected Request', 426: 'Upgrade Required', 501: 'Not Implemented', 502: 'Bad Gateway' };

/** Answer an upgrade by ourselves (nothing sent upstream) and close. */
export function refuseUpgrade(socket: Socket, status: number, reason: string): void {
  socket.on('error', () => undefined);
  const body = JSON.stringify({ type: 'error', error: { type: 'clauderon_proxy', message: reason } });
  socket.end(`HTTP/1.1 ${status} ${REASONS[status] ?? 'Error'}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nx-clauderon-blocked: 1\r\nconnection: close\r\n\r\n${body}`);
}

/** Relay one WebSocket upgrade (the request has passed the tunnel's Host/SNI gate). */
export function relayWebSocket(c: UpgradeContext, req: IncomingMessage, socket: TLSSocket, head: Buffer): void {
  const started = Date.now();
  const method = (req.method ?? 'GET').toUpperCase();
  const path = req.url ?? '/';
  let credential: string | null = null;
  const finish = (status: number, blocked: string | null, error: string | null = null) =>
    c.audit({ host: c.target.host, method, path, credential, status, durationMs: Date.now() - started, blocked, error });
  const refuse = (status: number, reason: string) => {
    credential = null;
    finish(status, reason);
    refuseUpgrade(socket, status, reason);
  };
  socket.on('error', () => undefined);

  if (method !== 'GET' || String(req.headers.upgrade ?? '').toLowerCase() !== 'websocket') {
    return refuse(501, `${String(req.headers.upgrade ?? 'protocol').slice(0, 40)} upgrades are not supported through the clauderon proxy (only WebSocket)`);
  }
  const decision = accessDecision(c.accessMode, { host: c.target.host, method: 'POST', path, headers: req.headers });
  // 426, not 403: a client with an HTTP fallback (Codex) takes it at once, where a 403 costs it
  // seconds of retries — and the fallback request meets the access mode on its own
  if (decision.allow !== true) return refuse(426, `read-only session: a WebSocket to ${c.target.host}${path.split('?')[0] ?? ''} could write`);

  const injection = injectionFor(c.rules, c.target, true, path, c.credential);
  const headers = endToEndHeaders(req.headers, injection ? AUTH_HEADERS : []);
  if (injection) Object.assign(headers, injection.headers);
  const carried = placeholderIn(headers, path);
  if (carried) {
    const rule = c.rules.find((r) => r.host === c.target.host);
    const missing = rule && (!rule.paths || rule.paths.test(path)) && !injection;
    const hint = missing ? (c.missingCredentialHint?.(rule.credentials) ?? `configure ${rule.credentials.join(' or ')} for clauderon`) : `${c.target.host} earns no credential from clauderon; send no credential there`;
    return refuse(401, `clauderon proxy: not sending ${carried} to ${c.target.host}: it holds a clauderon placeholder, not a credential — ${hint}`);
  }
  headers.connection = 'Upgrade';
  headers.upgrade = 'websocket';

  let sent = false;
  const up = httpsRequest({
    host: c.override?.host ?? c.target.host,
    port: c.override?.port ?? c.target.port,
    servername: c.target.host,
    method: 'GET',
    path,
    headers,
    agent: false,
    rejectUnauthorized: true,
    ...(c.override ? {} : { lookup: c.egress.lookup(c.target.port) }),
    ...(c.override?.ca ? { ca: c.override.ca } : {}),
  });
  up.on('socket', (s) => {
    const ts = s as TLSSocket;
    if (ts.authorized) sent = true;
    else ts.once('secureConnect', () => (sent = ts.authorized));
  });
  up.on('upgrade', (res, upSocket: Socket, upHead: Buffer) => {
    if (sent && injection) credential = injection.credential;
    const code = res.statusCode ?? 101;
    const lines = [`HTTP/1.1 ${code} ${res.statusMessage ?? 'Switching Protocols'}`];
    // the upstream's own headers, as sent (Sec-WebSocket-Accept must reach the client unchanged)
    for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) {
      const name = res.rawHeaders[i] ?? '';
      const value = res.rawHeaders[i + 1] ?? '';
      if (/[\r\n]/.test(name + value)) continue;
      lines.push(`${name}: ${value}`);
    }
    socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    if (upHead.length > 0) socket.write(upHead);
    if (head.length > 0) upSocket.write(head);
    c.begin();
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      c.end();
      finish(code, null);
      upSocket.destroy();
      socket.destroy();
    };
    upSocket.on('error', close);
    upSocket.on('close', close);
    socket.on('close', close);
    upSocket.pipe(socket);
    socket.pipe(upSocket);
  });
  // upstream answered without upgrading: hand its answer on as it is (status, headers, body)
  up.on('response', (res) => {
    if (sent && injection) credential = injection.credential;
    const code = res.statusCode ?? 502;
    const body: Buffer[] = [];
    let size = 0;
    res.on('data', (d: Buffer) => {
      size += d.length;
      if (size <= 1 << 20) body.push(d);
    });
    res.on('error', () => socket.destroy());
    res.on('end', () => {
      finish(code, null);
      const text = Buffer.concat(body);
      const type = typeof res.headers['content-type'] === 'string' && !/[\r\n]/.test(res.headers['content-type']) ? res.headers['content-type'] : 'text/plain';
      if (!Number.isInteger(code) || code < 200 || code > 599) return refuseUpgrade(socket, 502, `upstream ${c.target.host} sent a response that cannot be relayed`);
      socket.write(`HTTP/1.1 ${code} ${REASONS[code] ?? 'Upstream'}\r\ncontent-type: ${type}\r\ncontent-length: ${text.length}\r\nconnection: close\r\n\r\n`);
      socket.end(text);
    });
  });
  up.on('error', (e) => {
    if (e instanceof EgressRefused) return refuse(403, e.message);
    if (sent && injection) credential = injection.credential;
    finish(502, null, e.message);
    refuseUpgrade(socket, 502, `upstream ${c.target.host}: ${e.message}`);
  });
  socket.once('close', () => up.destroy());
  up.end();
}
