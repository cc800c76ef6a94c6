// One session's proxy: the only way an agent's traffic gets a real credential.
//
// Gate: binds loopback only, requires the session's own Proxy-Authorization (407 otherwise),
// bounds tunnels (idle ones are closed or evicted, see tunnels.ts) and TLS handshake time.
// A CONNECT that needs no opening (no credential for its host, a read-write session: see
// passthrough.ts) is tunnelled unopened, at wire speed. Otherwise a host name on 443 is
// intercepted with a leaf certificate for that exact name,
// and every request inside the tunnel is checked (Host and SNI must name the CONNECT target, else
// 421), subjected to the session's access mode (403 with the reason), given the credential the
// canonical target earns (never for IP literals, other ports, plaintext, redirects or TRACE), and
// sent upstream over verified TLS to that same target. Every connection the proxy makes is checked
// by the egress policy on the address it really connects to (no loopback, private or own
// addresses: the daemon's API is on loopback). A request that would carry a placeholder upstream
// is answered here. Bodies stream both ways (SSE included); Node's HTTP parser owns the framing,
// so a body can never be re-framed into a second request. Every request is audited. No single
// connection can take the process down: every handler runs under `guard`, and any upstream
// response that cannot be relayed (a status line of 000, bad headers) becomes a 502.
// Plaintext absolute-form requests are plain.ts; what both paths share of relaying is relay.ts.
//
// The engine is Node's own http/tls/https rather than mockttp: mockttp binds all interfaces,
// keeps an unbounded leaf cache, matches rules by Host, buffers on body hooks, and its current
// dependency tree requires Node ≥ 22.15 — the facts in PROXY-NOTES.md are tested against this.
// (About 500 lines: the gate, the interception and the request path of one connection are one
// state machine; plain.ts, relay.ts, tunnels.ts, egress.ts, websocket.ts (upgrades) and
// codex-login.ts (the token exchange's rewriting) hold what could be split off.)
import { timingSafeEqual } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import { TLSSocket, createSecureContext, type SecureContext } from 'node:tls';
import { guarded, type GuardLog } from '../shared/guard.js';
import { accessDecision, type AccessMode } from './access.js';
import { auditTarget, type AuditRecord, type AuditSink } from './audit.js';
import type { Ca } from './ca.js';
import { EgressPolicy, EgressRefused } from './egress.js';
import { blockedAudit, blockedConnectAnswer, blockedResponse, type SessionEgress } from './egress-policy.js';
import { graphqlReadOnly } from './graphql.js';
import { placeholderIn } from './placeholders.js';
import { needsIntercept, openTunnel, type InterceptMode } from './passthrough.js';
import { handlePlain, type PlainContext } from './plain.js';
import { endToEndHeaders, readLimited, relayResponse, sendJson } from './relay.js';
import { AUTH_HEADERS, injectionFor, type InjectionRule } from './rules.js';
import { canonicalHost, hostOfHeader, parseConnectTarget } from './target.js';
import { TunnelTable, type Tunnel } from './tunnels.js';
import { refuseUpgrade, relayWebSocket } from './websocket.js';
import type { TokenExchange } from './codex-login.js';

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
  audit: AuditSink;
  /** Where the proxy may connect (default: no local addresses at all). */
  egress?: EgressPolicy;
  /** The session's egress policy (egress-policy.ts): which targets it may ask for at all; live. Absent: all. */
  hostPolicy?: SessionEgress;
  /** How to tell the agent to configure a missing credential (names of the rule's credentials). */
  missingCredentialHint?: (credentials: readonly string[]) => string;
  log?: GuardLog;
  override?: UpstreamOverride;
  maxTunnels?: number;
  handshakeMs?: number;
  /** An intercepted tunnel with no request in flight is closed after this long. */
  idleMs?: number;
  /** An opaque tunnel with no byte either way is closed after this long. */
  rawIdleMs?: number;
  /** The largest GraphQL body inspected in read-only mode. */
  maxInspectBytes?: number;
  /** Token endpoints whose requests and answers are rewritten (a ChatGPT login's refresh: codex-login.ts). */
  exchanges?: readonly TokenExchange[];
  /**
   * "needed": a name on 443 is intercepted only when it earns a credential (a rule or exchange
   * names it) or the session is read-only; any other is tunnelled unopened (passthrough.ts).
   * "all" (the default here; the daemon passes `[proxy] intercept`, default "needed"): every one.
   */
  intercept?: InterceptMode;
}

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 403: 'Forbidden', 407: 'Proxy Authentication Required', 502: 'Bad Gateway', 503: 'Service Unavailable' };

/** RFC 9110 §9.3.8: a TRACE is echoed back, headers included — never with a credential in it. */
const ECHO_METHODS = new Set(['TRACE', 'TRACK']);

interface TunnelInfo {
  host: string;
  port: number;
  kind: 'name' | 'ip';
  tunnel: Tunnel;
}

type Tagged = { clauderonTarget?: TunnelInfo };

export class SessionProxy {
  private readonly servers: Server[] = [];
  private readonly inner: Server;
  private readonly tunnels: TunnelTable;
  private readonly agent = new HttpsAgent({ keepAlive: true, maxSockets: 64 });
  private readonly contexts = new Map<string, SecureContext>();
  private readonly expectedAuth: Buffer;
  private readonly egress: EgressPolicy;
  private readonly log: GuardLog;
  private readonly plainContext: PlainContext;
  readonly port: number;

  constructor(private readonly o: SessionProxyOptions) {
    this.port = o.port;
    this.egress = o.egress ?? new EgressPolicy();
    this.log = o.log ?? { error: () => undefined };
    this.plainContext = {
      authorized: (req) => this.authorized(req),
      audit: (rec) => this.write(rec),
      rules: o.rules,
      accessMode: o.accessMode,
      egress: this.egress,
      ...(o.hostPolicy ? { hostPolicy: o.hostPolicy } : {}),
      guard: (what, fn, drop) => this.guard(what, fn, drop),
    };
    this.tunnels = new TunnelTable({ max: o.maxTunnels ?? 128, idleMs: o.idleMs ?? 30_000, rawIdleMs: o.rawIdleMs ?? 600_000, evictAfterMs: Math.min(1000, o.idleMs ?? 30_000),
      // a session turned read-only keeps no tunnel it cannot inspect
      drop: (t) => t.kind === 'pass' && o.accessMode() === 'read-only',
    });
    this.expectedAuth = Buffer.from(`Basic ${Buffer.from(`${o.user}:${o.password}`).toString('base64')}`);
    // Requests that arrive inside intercepted tunnels are parsed by this server (never listening).
    this.inner = createHttpServer((req, res) => this.guard('request', () => this.onInner(req, res), () => res.destroy()));
    this.inner.on('clientError', (_e, socket) => socket.destroy());
    this.inner.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => this.guard('upgrade', () => this.onInnerUpgrade(req, socket as TLSSocket & Tagged, head), () => socket.destroy()));
  }

  async start(): Promise<void> {
    for (const addr of this.o.bind) {
      const server = createHttpServer({ headersTimeout: 10_000, requestTimeout: 300_000, connectionsCheckingInterval: 2000 }, (req, res) =>
        this.guard('plain request', () => handlePlain(this.plainContext, req, res), () => res.destroy()),
      );
      server.maxConnections = (this.o.maxTunnels ?? 128) * 4;
      server.on('connect', (req: IncomingMessage, socket: Socket, head: Buffer) => this.guard('CONNECT', () => this.onConnect(req, socket, head), () => socket.destroy()));
      server.on('clientError', (_e, socket) => socket.destroy());
      server.on('upgrade', (req: IncomingMessage, socket: Socket) => this.guard('upgrade', () => this.refuseUpgrade(req, socket), () => socket.destroy()));
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(this.o.port, addr, () => {
          server.off('error', reject);
          resolve();
        });
      });
      this.servers.push(server);
    }
    this.tunnels.start();
  }

  async close(): Promise<void> {
    this.tunnels.closeAll();
    this.agent.destroy();
    await Promise.all(this.servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    this.servers.length = 0;
  }

  /** Run an event handler under the daemon's one guard (core/guard.ts): a throw drops that connection only. */
  private guard(what: string, fn: () => unknown, drop: () => void): void {
    guarded(this.log, `proxy ${this.o.session}: ${what}`, fn, drop)();
  }

  private write(rec: Omit<AuditRecord, 'ts' | 'session'>): void {
    this.o.audit.write({ ts: new Date().toISOString(), session: this.o.session, ...rec });
  }

  /** A token endpoint's answer, read whole (at most 1 MiB) and handed on as the exchange rewrites it. */
  private exchangeResponse(exchange: TokenExchange, upRes: IncomingMessage, res: ServerResponse, done: (status: number) => void): void {
    const parts: Buffer[] = [];
    let size = 0;
    upRes.on('data', (d: Buffer) => {
      size += d.length;
      if (size > 1 << 20) upRes.destroy();
      else parts.push(d);
    });
    upRes.on('error', () => res.destroy());
    upRes.on('end', () =>
      this.guard('token answer', () => {
        const status = upRes.statusCode ?? 502;
        if (status < 200 || status > 599) return sendJson(res, 502, 'the token endpoint sent a response that cannot be relayed');
        const out = exchange.response(status, Buffer.concat(parts));
        res.writeHead(status, { 'content-type': 'application/json', 'content-length': out.length, 'cache-control': 'no-store' }).end(out);
        done(status);
      }, () => res.destroy()),
    );
  }

  /** An upgrade inside an intercepted tunnel: a WebSocket is relayed (websocket.ts), anything else refused. */
  private onInnerUpgrade(req: IncomingMessage, tls: TLSSocket & Tagged, head: Buffer): void {
    const target = tls.clauderonTarget;
    if (!target) return void tls.destroy();
    const wrong = misdirected(req, tls, target);
    if (wrong) {
      this.write({ host: target.host, method: req.method ?? '', path: req.url ?? '', credential: null, status: wrong.status, durationMs: 0, blocked: wrong.reason });
      return refuseUpgrade(tls, wrong.status, wrong.reason);
    }
    const block = this.o.hostPolicy?.check(target); // (a rule removed live: no new upgrade either)
    if (block) return void (this.write({ host: target.host, method: req.method ?? '', path: req.url ?? '', credential: null, durationMs: 0, ...blockedAudit(block) }), tls.end(blockedConnectAnswer(block)));
    const override = this.o.override?.hosts[target.host];
    relayWebSocket(
      {
        target,
        rules: this.o.rules,
        credential: this.o.credential,
        accessMode: this.o.accessMode(),
        egress: this.egress,
        override: override ? { ...override, ca: this.o.override?.ca ?? null } : undefined,
        missingCredentialHint: this.o.missingCredentialHint,
        audit: (rec) => this.write(rec),
        begin: () => this.tunnels.begin(target.tunnel),
        end: () => this.tunnels.end(target.tunnel),
      },
      req,
      tls,
      head,
    );
  }

  /** Upgrades on the proxy's own port (not inside a tunnel): refused, audited, nothing sent upstream. */
  private refuseUpgrade(req: IncomingMessage, socket: Socket): void {
    const target = (req.socket as Socket & Tagged).clauderonTarget;
    const reason = `${String(req.headers.upgrade ?? 'protocol').slice(0, 40)} upgrades are not supported through the clauderon proxy`;
    this.write({ host: target?.host ?? '', method: req.method ?? '', path: req.url ?? '', credential: null, status: 501, durationMs: 0, blocked: reason });
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
    const raw = req.url ?? '';
    const t = parseConnectTarget(raw);
    // the audit never holds the raw target: a malformed one can carry a token anywhere in it
    const shown = t.ok ? (t.kind === 'ip' && t.host.includes(':') ? `[${t.host}]:${t.port}` : `${t.host}:${t.port}`) : auditTarget(raw);
    const audit = (status: number, blocked: string | null, error: string | null = null) =>
      this.write({ host: shown, method: 'CONNECT', path: '', credential: null, status, durationMs: Date.now() - started, blocked, ...(error ? { error } : {}) });
    const refuse = (status: number, text: string, extra = '') => {
      audit(status, text);
      socket.end(`HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\n${extra}content-type: text/plain\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`);
    };
    socket.on('error', () => undefined);
    if (!this.authorized(req)) return refuse(407, 'proxy authentication required', 'proxy-authenticate: Basic realm="clauderon"\r\n');
    if (!t.ok) return refuse(400, `bad CONNECT target: ${t.reason}`);
    const block = this.o.hostPolicy?.check(t); // the session's egress policy, on the canonical target
    if (block) return void (this.write({ host: shown, method: 'CONNECT', path: '', credential: null, durationMs: Date.now() - started, ...blockedAudit(block) }), socket.end(blockedConnectAnswer(block)));
    // Obvious local targets are refused at once; names are checked again on the address every
    // upstream connection resolves to (egress.ts).
    if (this.o.override?.hosts[t.host] === undefined) {
      try {
        if (t.kind === 'ip') this.egress.check(t.host, t.host, t.port);
        else if (EgressPolicy.isLocalName(t.host)) this.egress.check(t.host, '127.0.0.1', t.port);
      } catch (e) {
        if (e instanceof EgressRefused) return refuse(403, e.message);
        throw e;
      }
    }
    const intercepted = needsIntercept({ ...t, mode: this.o.intercept ?? 'all', accessMode: this.o.accessMode(), rules: this.o.rules, exchangeHosts: this.o.exchanges?.map((x) => x.host) });
    const tunnel = this.tunnels.admit(socket, intercepted ? 'intercept' : t.kind === 'name' && t.port === 443 ? 'pass' : 'raw');
    if (!tunnel) return refuse(503, 'too many open tunnels with traffic in flight');
    const target: TunnelInfo = { host: t.host, port: t.port, kind: t.kind, tunnel };
    if (intercepted) {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) socket.unshift(head);
      this.intercept(socket, target);
    } else {
      this.rawTunnel(socket, head, target, audit);
    }
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
    tls.once('secure', () => {
      clearTimeout(timer);
      target.tunnel.ready = true;
      target.tunnel.lastActive = Date.now();
    });
    tls.once('close', () => {
      clearTimeout(timer);
      socket.destroy();
    });
    tls.on('error', () => tls.destroy());
    (tls as TLSSocket & Tagged).clauderonTarget = target;
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

  /**
   * IP literals, other ports, and names that need no opening (passthrough.ts): an opaque tunnel —
   * no interception, no credential, ever. The
   * target is resolved and checked first, and the socket connects to exactly the address checked
   * (no second lookup a rebinding name could answer differently).
   */
  private rawTunnel(socket: Socket, head: Buffer, target: TunnelInfo, audit: (status: number, blocked: string | null, error?: string | null) => void): void {
    const override = this.o.override?.hosts[target.host];
    const where = override ? Promise.resolve({ address: override.host }) : this.egress.resolve(target.host, target.port);
    const pass = target.tunnel.kind === 'pass';
    const shown = `${target.kind === 'ip' && target.host.includes(':') ? `[${target.host}]` : target.host}:${target.port}`;
    where.then(
      ({ address }) => {
        if (socket.destroyed) return;
        openTunnel({
          socket,
          head,
          address,
          port: override?.port ?? target.port,
          label: `${target.host}:${target.port}`,
          connectMs: this.o.handshakeMs ?? 10_000,
          onOpen: (up) => {
            // a raw tunnel is audited when it opens (as it always was); a passed-through one when it closes
            if (!pass) audit(200, null);
            target.tunnel.ready = true;
            target.tunnel.progress = () => up.bytesRead + up.bytesWritten;
          },
          onFail: (message) => audit(502, null, message),
          onClose: (end) => {
            if (pass) this.write({ host: shown, method: 'CONNECT', path: '', credential: null, status: 200, durationMs: end.durationMs, blocked: null, tunnel: 'pass', bytesUp: end.bytesUp, bytesDown: end.bytesDown, ...(end.error ? { error: end.error } : {}) });
          },
        });
      },
      (e: unknown) => {
        const refused = e instanceof EgressRefused;
        const text = refused ? e.message : `cannot resolve ${target.host}: ${e instanceof Error ? e.message : String(e)}`;
        audit(refused ? 403 : 502, refused ? text : null, refused ? null : text);
        socket.end(`HTTP/1.1 ${refused ? '403 Forbidden' : '502 Bad Gateway'}\r\ncontent-type: text/plain\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`);
      },
    ).catch(() => socket.destroy());
  }

  // ------------------------------------------------------------ requests inside tunnels

  private async onInner(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const tls = req.socket as TLSSocket & Tagged;
    const target = tls.clauderonTarget;
    if (!target) {
      res.writeHead(400).end();
      return;
    }
    this.tunnels.begin(target.tunnel);
    res.once('close', () => this.tunnels.end(target.tunnel));
    req.on('error', () => undefined);
    const started = Date.now();
    const path = req.url ?? '/';
    const method = (req.method ?? 'GET').toUpperCase();
    let credential: string | null = null;
    const finish = (status: number, blocked: string | null, error: string | null = null) =>
      this.write({ host: target.host, method, path, credential, status, durationMs: Date.now() - started, blocked, error });
    const refuse = (status: number, reason: string) => {
      credential = null; // nothing was sent upstream
      finish(status, reason);
      sendJson(res, status, reason);
    };

    const wrong = misdirected(req, tls, target);
    if (wrong) return refuse(wrong.status, wrong.reason);
    const block = this.o.hostPolicy?.check(target);
    if (block) {
      this.write({ host: target.host, method, path, credential: null, durationMs: Date.now() - started, ...blockedAudit(block) });
      const b = blockedResponse(block);
      return void res.writeHead(b.status, b.headers).end(b.body);
    }

    const rule = this.o.rules.find((r) => r.host === target.host);
    if (ECHO_METHODS.has(method) && rule) return refuse(405, `${method} is not forwarded to ${target.host}: the server would echo the request, and its credential, back`);

    // A token endpoint (a login's refresh): the real token goes into the body, the answer's new
    // tokens stay here. Refreshing the agent's own login writes nothing of the user's, so a
    // read-only session may do it too.
    const exchange = method === 'POST' ? this.o.exchanges?.find((x) => x.host === target.host && x.path.test(path)) : undefined;

    // Access mode.
    const decision = exchange ? ({ allow: true } as const) : accessDecision(this.o.accessMode(), { host: target.host, method, path, headers: req.headers });
    let body: Buffer | null = null;
    if (decision.allow === false) return refuse(403, decision.reason);
    if (decision.allow === 'inspect-graphql') {
      const hasBody = method !== 'GET' && method !== 'HEAD';
      let text: string | null = null;
      if (hasBody) {
        const read = await readLimited(req, this.o.maxInspectBytes ?? 1 << 20);
        if (!read) return refuse(413, 'read-only session: GraphQL request too large to inspect');
        text = read.toString('utf8');
      }
      const verdict = await graphqlReadOnly(new URL(path, 'https://x').searchParams, text);
      if (!verdict.ok) return refuse(403, verdict.reason);
      if (hasBody) body = Buffer.from(verdict.body ?? '', 'utf8');
    }

    if (exchange) {
      const read = await readLimited(req, 64 << 10);
      if (!read) return refuse(413, `token request to ${target.host} too large`);
      const swapped = exchange.request(read, req.headers['content-type']);
      if ('refuse' in swapped) return refuse(401, `clauderon proxy: ${swapped.refuse}`);
      body = swapped.body;
    }

    // The credential this canonical target earns, if any (never for a request that is echoed).
    const injection = ECHO_METHODS.has(method) ? null : injectionFor(this.o.rules, target, true, path, this.o.credential);
    // a request given a credential loses every auth header the agent sent (its placeholders)
    const headers = endToEndHeaders(req.headers, injection ? AUTH_HEADERS : []);
    if (body) headers['content-length'] = String(body.length);
    if (injection) Object.assign(headers, injection.headers);
    if (exchange) headers['accept-encoding'] = 'identity'; // its answer is read here

    // A placeholder that would still go upstream is answered here, saying what is missing.
    const carried = placeholderIn(headers, path);
    if (carried) {
      const missing = rule && (!rule.paths || rule.paths.test(path)) && !injection;
      const hint = missing ? (this.o.missingCredentialHint?.(rule.credentials) ?? `configure ${rule.credentials.join(' or ')} for clauderon`) : `${target.host} earns no credential from clauderon; send no credential there`;
      return refuse(401, `clauderon proxy: not sending ${carried} to ${target.host}: it holds a clauderon placeholder, not a credential — ${hint}`);
    }

    const override = this.o.override?.hosts[target.host];
    let sent = false; // the credential counts as sent once a verified TLS connection carries the request
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
      ...(override ? {} : { lookup: this.egress.lookup(target.port) }),
      ...(override && this.o.override?.ca ? { ca: this.o.override.ca } : {}),
    });
    up.on('socket', (s) => {
      const ts = s as TLSSocket;
      if (ts.authorized) sent = true;
      else ts.once('secureConnect', () => (sent = ts.authorized));
    });
    up.on('response', (upRes) =>
      this.guard('upstream response', () => {
        if (sent && injection) credential = injection.credential;
        if (exchange) return this.exchangeResponse(exchange, upRes, res, (status) => ((credential = sent ? exchange.credential : null), finish(status, null)));
        const r = relayResponse(upRes, res, true);
        if ('invalid' in r) {
          finish(502, null, `upstream response not relayable: ${r.invalid}`);
          return sendJson(res, 502, `upstream ${target.host} sent a response that cannot be relayed (${r.invalid})`);
        }
        res.once('close', () => finish(r.status, null));
      }, () => res.destroy()),
    );
    up.on('error', (e) => {
      if (e instanceof EgressRefused) return refuse(403, e.message);
      if (sent && injection) credential = injection.credential;
      if (!res.headersSent) {
        finish(502, null, e.message);
        sendJson(res, 502, `upstream ${target.host}: ${e.message}`);
      } else res.destroy();
    });
    req.on('aborted', () => up.destroy());
    if (body) up.end(body);
    else req.pipe(up);
  }
}

/**
 * A request inside a tunnel must be for the tunnel's own host: its Host header and the TLS server
 * name agree with the CONNECT target, and its target is origin-form. The refusal, or null.
 */
function misdirected(req: IncomingMessage, tls: TLSSocket, target: TunnelInfo): { status: number; reason: string } | null {
  const host = hostOfHeader(req.headers.host, 443);
  if (!host?.ok || host.host !== target.host || host.port !== target.port) return { status: 421, reason: `Host header does not match the tunnel target ${target.host}` };
  const sni = tls.servername;
  if (sni) {
    const s = canonicalHost(sni, 443);
    if (!s.ok || s.host !== target.host) return { status: 421, reason: `TLS server name does not match the tunnel target ${target.host}` };
  }
  if (!(req.url ?? '/').startsWith('/')) return { status: 400, reason: 'absolute-form request inside a tunnel' };
  return null;
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
