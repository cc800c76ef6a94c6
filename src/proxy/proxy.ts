// One session's proxy: the only way an agent's traffic gets a real credential.
//
// Gate: binds loopback only, requires the session's own Proxy-Authorization (407 otherwise),
// bounds concurrent tunnels and TLS handshake time. CONNECT to a host name on port 443 is
// intercepted with a leaf certificate for that exact name, and every request inside the tunnel
// is checked (Host and SNI must name the CONNECT target, else 421), subjected to the session's
// access mode (403 with the reason), given the credential the canonical target earns (never for
// IP literals, other ports, plaintext or redirects), and sent upstream over verified TLS to that
// same target. Bodies stream both ways (SSE included); Node's HTTP parser owns the framing, so a
// body can never be re-framed into a second request. Every request is audited.
//
// The engine is Node's own http/tls/https rather than mockttp: mockttp binds all interfaces,
// keeps an unbounded leaf cache, matches rules by Host, buffers on body hooks, and its current
// dependency tree requires Node ≥ 22.15 — the facts in PROXY-NOTES.md are tested against this.
import { timingSafeEqual } from 'node:crypto';
import { createServer as createHttpServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { connect as netConnect, type Socket } from 'node:net';
import { TLSSocket, createSecureContext, type SecureContext } from 'node:tls';
import type { AccessMode } from './access.js';
import { accessDecision, graphqlIsReadOnly } from './access.js';
import type { AuditLog } from './audit.js';
import type { Ca } from './ca.js';
import { AUTH_HEADERS, injectionFor, type InjectionRule } from './rules.js';
import { canonicalHost, hostOfHeader, parseConnectTarget } from './target.js';

export interface UpstreamOverride {
  /** Host → "127.0.0.1:port" (testing aid: a fake upstream on loopback). */
  hosts: Record<string, { host: string; port: number }>;
  /** PEM trusted for overridden hosts only. */
  ca: string | null;
}

export interface SessionProxyOptions {
  session: string;
  /** The session's proxy credential (Basic user:password). */
  user: string;
  password: string;
  /** Addresses to listen on (loopback, plus a container bridge address when a backend asks). */
  bind: readonly string[];
  port: number;
  ca: () => Ca;
  credential: (name: string) => string | undefined;
  rules: readonly InjectionRule[];
  accessMode: () => AccessMode;
  audit: AuditLog;
  override?: UpstreamOverride;
  maxTunnels?: number;
  handshakeMs?: number;
  /** The largest GraphQL body inspected in read-only mode. */
  maxInspectBytes?: number;
}

const HOP_BY_HOP = new Set([
  'connection', 'proxy-connection', 'keep-alive', 'proxy-authorization', 'proxy-authenticate', 'te', 'trailer',
  'transfer-encoding', 'upgrade',
]);

interface TunnelInfo {
  host: string;
  port: number;
  kind: 'name' | 'ip';
}

export class SessionProxy {
  private readonly servers: Server[] = [];
  private readonly inner: Server;
  private readonly tunnels = new Set<Socket>();
  private readonly agent = new HttpsAgent({ keepAlive: true, maxSockets: 64 });
  private readonly contexts = new Map<string, SecureContext>();
  private readonly expectedAuth: Buffer;
  readonly port: number;

  constructor(private readonly o: SessionProxyOptions) {
    this.port = o.port;
    this.expectedAuth = Buffer.from(`Basic ${Buffer.from(`${o.user}:${o.password}`).toString('base64')}`);
    // Requests that arrive inside intercepted tunnels are parsed by this server (never listening).
    this.inner = createHttpServer((req, res) => void this.onInner(req, res));
    this.inner.on('clientError', (_e, socket) => socket.destroy());
    this.inner.on('upgrade', (req: IncomingMessage, socket: Socket) => this.refuseUpgrade(req, socket));
  }

  async start(): Promise<void> {
    for (const addr of this.o.bind) {
      const server = createHttpServer((req, res) => this.onPlain(req, res));
      server.on('connect', (req: IncomingMessage, socket: Socket, head: Buffer) => this.onConnect(req, socket, head));
      server.on('clientError', (_e, socket) => socket.destroy());
      server.on('upgrade', (req: IncomingMessage, socket: Socket) => this.refuseUpgrade(req, socket));
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(this.o.port, addr, () => {
          server.off('error', reject);
          resolve();
        });
      });
      this.servers.push(server);
    }
  }

  async close(): Promise<void> {
    for (const s of this.tunnels) s.destroy();
    this.agent.destroy();
    await Promise.all(this.servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    this.servers.length = 0;
  }

  /** WebSocket (and any other) upgrades: refused, audited, nothing sent upstream. */
  private refuseUpgrade(req: IncomingMessage, socket: Socket): void {
    const target = (req.socket as Socket & { clauderonTarget?: TunnelInfo }).clauderonTarget;
    const reason = `${String(req.headers.upgrade ?? 'protocol')} upgrades are not supported through the clauderon proxy`;
    this.o.audit.write({ ts: new Date().toISOString(), session: this.o.session, host: target?.host ?? '', method: req.method ?? '', path: req.url ?? '', credential: null, status: 501, durationMs: 0, blocked: reason });
    socket.on('error', () => undefined);
    socket.end(`HTTP/1.1 501 Not Implemented\r\ncontent-type: text/plain\r\ncontent-length: ${Buffer.byteLength(reason)}\r\nconnection: close\r\n\r\n${reason}`);
  }

  // ------------------------------------------------------------ the gate

  private authorized(req: IncomingMessage): boolean {
    const got = Buffer.from(req.headers['proxy-authorization'] ?? '');
    return got.length === this.expectedAuth.length && timingSafeEqual(got, this.expectedAuth);
  }

  private onConnect(req: IncomingMessage, socket: Socket, head: Buffer): void {
    const started = Date.now();
    const audit = (host: string, status: number, blocked: string | null) =>
      this.o.audit.write({ ts: new Date().toISOString(), session: this.o.session, host, method: 'CONNECT', path: req.url ?? '', credential: null, status, durationMs: Date.now() - started, blocked });
    const refuse = (status: number, text: string, extra = '') => {
      audit(req.url ?? '', status, text);
      socket.end(`HTTP/1.1 ${status} ${text}\r\n${extra}content-type: text/plain\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`);
    };
    socket.on('error', () => undefined);
    if (!this.authorized(req)) return refuse(407, 'proxy authentication required', 'proxy-authenticate: Basic realm="clauderon"\r\n');
    const t = parseConnectTarget(req.url ?? '');
    if (!t.ok) return refuse(400, `bad CONNECT target: ${t.reason}`);
    if (this.tunnels.size >= (this.o.maxTunnels ?? 128)) return refuse(503, 'too many open tunnels');
    this.tunnels.add(socket);
    socket.once('close', () => this.tunnels.delete(socket));
    socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length > 0) socket.unshift(head);
    const target: TunnelInfo = { host: t.host, port: t.port, kind: t.kind };
    if (t.kind === 'name' && t.port === 443) this.intercept(socket, target);
    else this.rawTunnel(socket, target, audit);
  }

  /** TLS to a name on 443: terminate with a leaf for exactly that name, parse HTTP inside. */
  private intercept(socket: Socket, target: TunnelInfo): void {
    let context: SecureContext;
    try {
      context = this.contextFor(target.host);
    } catch {
      socket.destroy();
      return;
    }
    const tls = new TLSSocket(socket, { isServer: true, secureContext: context, ALPNProtocols: ['http/1.1'] });
    const timer = setTimeout(() => tls.destroy(), this.o.handshakeMs ?? 10_000);
    tls.once('secure', () => clearTimeout(timer));
    tls.once('close', () => clearTimeout(timer));
    tls.on('error', () => tls.destroy());
    (tls as TLSSocket & { clauderonTarget?: TunnelInfo }).clauderonTarget = target;
    this.inner.emit('connection', tls);
  }

  private contextFor(host: string): SecureContext {
    let ctx = this.contexts.get(host);
    if (!ctx) {
      const leaf = this.o.ca().leafFor(host);
      ctx = createSecureContext({ key: leaf.keyPem, cert: leaf.certPem });
      if (this.contexts.size >= 256) this.contexts.delete(this.contexts.keys().next().value ?? '');
      this.contexts.set(host, ctx);
    }
    return ctx;
  }

  /** IP literals and other ports: an opaque tunnel — no interception, no credential, ever. */
  private rawTunnel(socket: Socket, target: TunnelInfo, audit: (host: string, status: number, blocked: string | null) => void): void {
    const up = netConnect({ host: target.host, port: target.port });
    up.on('connect', () => {
      audit(`${target.host}:${target.port}`, 200, null);
      socket.pipe(up);
      up.pipe(socket);
    });
    up.on('error', () => {
      audit(`${target.host}:${target.port}`, 502, null);
      socket.destroy();
    });
    socket.on('close', () => up.destroy());
  }

  // ------------------------------------------------------------ requests inside tunnels

  private async onInner(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const tls = req.socket as TLSSocket & { clauderonTarget?: TunnelInfo };
    const target = tls.clauderonTarget;
    if (!target) {
      res.writeHead(400).end();
      return;
    }
    const started = Date.now();
    const path = req.url ?? '/';
    let credential: string | null = null;
    const finish = (status: number, blocked: string | null, error: string | null = null) =>
      this.o.audit.write({ ts: new Date().toISOString(), session: this.o.session, host: target.host, method: req.method ?? '', path, credential, status, durationMs: Date.now() - started, blocked, error });
    const refuse = (status: number, reason: string) => {
      finish(status, reason);
      const body = JSON.stringify({ error: { type: 'clauderon_proxy', message: reason } });
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-clauderon-blocked': '1' }).end(body);
    };

    // The request must be for the tunnel's own host: Host header and SNI agree with the target.
    const host = hostOfHeader(req.headers.host, 443);
    if (!host?.ok || host.host !== target.host || host.port !== target.port) return refuse(421, `Host header does not match the tunnel target ${target.host}`);
    const sni = tls.servername;
    if (sni) {
      const s = canonicalHost(sni, 443);
      if (!s.ok || s.host !== target.host) return refuse(421, `TLS server name does not match the tunnel target ${target.host}`);
    }
    if (!path.startsWith('/')) return refuse(400, 'absolute-form request inside a tunnel');

    // Access mode.
    const decision = accessDecision(this.o.accessMode(), { host: target.host, method: req.method ?? 'GET', path, headers: req.headers });
    let body: Buffer | null = null;
    if (decision.allow === false) return refuse(403, decision.reason);
    if (decision.allow === 'inspect-graphql') {
      body = await readLimited(req, this.o.maxInspectBytes ?? 1 << 20);
      if (!body) return refuse(413, 'read-only session: GraphQL request too large to inspect');
      if (!graphqlIsReadOnly(body.toString('utf8'))) return refuse(403, 'read-only session: GraphQL mutations are writes');
    }

    // The credential this canonical target earns, if any.
    const injection = injectionFor(this.o.rules, target, true, path, this.o.credential);
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (v === undefined || HOP_BY_HOP.has(k)) continue;
      if (injection && (AUTH_HEADERS as readonly string[]).includes(k)) continue; // placeholders never leave
      headers[k] = v;
    }
    if (body) headers['content-length'] = String(body.length);
    if (injection) {
      Object.assign(headers, injection.headers);
      credential = injection.credential;
    }

    const override = this.o.override?.hosts[target.host];
    const up = httpsRequest({
      host: override?.host ?? target.host,
      port: override?.port ?? target.port,
      servername: target.host,
      method: req.method,
      path,
      headers,
      agent: this.agent,
      // Upstream TLS is always verified; an override trusts only its own test CA.
      rejectUnauthorized: true,
      ...(override && this.o.override?.ca ? { ca: this.o.override.ca } : {}),
    });
    up.on('response', (upRes) => {
      const out: Record<string, string | string[]> = {};
      for (const [k, v] of Object.entries(upRes.headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) out[k] = v;
      res.writeHead(upRes.statusCode ?? 502, out);
      res.flushHeaders(); // SSE: the client sees the stream start at once
      upRes.pipe(res);
      upRes.on('error', () => res.destroy());
      res.once('close', () => finish(upRes.statusCode ?? 502, null));
    });
    up.on('error', (e) => {
      if (!res.headersSent) {
        finish(502, null, e.message);
        const msg = JSON.stringify({ error: { type: 'clauderon_proxy', message: `upstream ${target.host}: ${e.message}` } });
        res.writeHead(502, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(msg) }).end(msg);
      } else res.destroy();
    });
    req.on('aborted', () => up.destroy());
    if (body) up.end(body);
    else req.pipe(up);
  }

  // ------------------------------------------------------------ plaintext (absolute-form) requests

  private onPlain(req: IncomingMessage, res: ServerResponse): void {
    const started = Date.now();
    const finish = (host: string, status: number, blocked: string | null) =>
      this.o.audit.write({ ts: new Date().toISOString(), session: this.o.session, host, method: req.method ?? '', path: req.url ?? '', credential: null, status, durationMs: Date.now() - started, blocked });
    if (!this.authorized(req)) {
      finish('', 407, 'proxy authentication required');
      res.writeHead(407, { 'proxy-authenticate': 'Basic realm="clauderon"', 'content-length': 0 }).end();
      return;
    }
    let url: URL;
    try {
      url = new URL(req.url ?? '');
      if (url.protocol !== 'http:') throw new Error('not http');
    } catch {
      finish('', 400, 'not an absolute http:// URL');
      res.writeHead(400, { 'content-length': 0 }).end();
      return;
    }
    const t = canonicalHost(url.hostname.replace(/^\[|\]$/g, ''), Number(url.port || 80));
    const host = t.ok ? t.host : url.hostname;
    if (t.ok && this.o.rules.some((r) => r.host === t.host)) {
      finish(host, 403, 'plaintext HTTP to a credentialed host');
      res.writeHead(403, { 'content-type': 'text/plain' }).end(`clauderon proxy: use https:// for ${host}\n`);
      return;
    }
    const decision = accessDecision(this.o.accessMode(), { host, method: req.method ?? 'GET', path: `${url.pathname}${url.search}`, headers: req.headers });
    if (decision.allow !== true) {
      const reason = decision.allow === false ? decision.reason : 'read-only session: not inspected over plaintext';
      finish(host, 403, reason);
      res.writeHead(403, { 'content-type': 'text/plain' }).end(`${reason}\n`);
      return;
    }
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) headers[k] = v;
    const up = httpRequest({ host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || 80), method: req.method, path: `${url.pathname}${url.search}`, headers });
    up.on('response', (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      upRes.pipe(res);
      res.once('close', () => finish(host, upRes.statusCode ?? 502, null));
    });
    up.on('error', () => {
      finish(host, 502, null);
      if (!res.headersSent) res.writeHead(502, { 'content-length': 0 }).end();
      else res.destroy();
    });
    req.pipe(up);
  }
}

/** Read a request body up to `limit` bytes; null when it is larger. */
function readLimited(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        resolve(null);
        req.destroy();
        return;
      }
      parts.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', () => resolve(null));
  });
}

/** Parse CLAUDERON_UPSTREAM_OVERRIDES / CLAUDERON_UPSTREAM_CA (testing aid; loopback only). */
export function upstreamOverrideFromEnv(env: NodeJS.ProcessEnv, readFile: (p: string) => string): UpstreamOverride | undefined {
  const raw = env.CLAUDERON_UPSTREAM_OVERRIDES;
  if (!raw) return undefined;
  const parsed = JSON.parse(raw) as Record<string, string>;
  const hosts: UpstreamOverride['hosts'] = {};
  for (const [name, dest] of Object.entries(parsed)) {
    const m = /^(127\.\d+\.\d+\.\d+|\[::1\]):(\d+)$/.exec(dest);
    if (!m) throw new Error(`CLAUDERON_UPSTREAM_OVERRIDES: ${name} must map to a loopback address:port, got ${dest}`);
    hosts[name.toLowerCase()] = { host: (m[1] ?? '').replace(/^\[|\]$/g, ''), port: Number(m[2]) };
  }
  return { hosts, ca: env.CLAUDERON_UPSTREAM_CA ? readFile(env.CLAUDERON_UPSTREAM_CA) : null };
}
