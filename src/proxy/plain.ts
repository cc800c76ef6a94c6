// Plaintext (absolute-form) requests through a session's proxy: `GET http://host/path` with the
// session's proxy credential. They never get a credential — plaintext to a credentialed host is
// refused outright — and face the same access mode, placeholder and egress checks as tunnels.
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { accessDecision, type AccessMode } from './access.js';
import { auditTarget, type AuditRecord } from './audit.js';
import { EgressRefused, type EgressPolicy } from './egress.js';
import { blockedAudit, blockedResponse, type SessionEgress } from './egress-policy.js';
import { placeholderIn } from './placeholders.js';
import { endToEndHeaders, relayResponse } from './relay.js';
import type { InjectionRule } from './rules.js';
import { canonicalHost } from './target.js';

/** What the plaintext path needs of its session proxy. */
export interface PlainContext {
  authorized(req: IncomingMessage): boolean;
  audit(rec: Omit<AuditRecord, 'ts' | 'session'>): void;
  rules: readonly InjectionRule[];
  accessMode: () => AccessMode;
  egress: EgressPolicy;
  /** The session's egress policy (egress-policy.ts), if it has one. */
  hostPolicy?: SessionEgress;
  guard(what: string, fn: () => unknown, drop: () => void): void;
}

export async function handlePlain(c: PlainContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const started = Date.now();
  req.on('error', () => undefined);
  let host = '';
  let path = '';
  const finish = (status: number, blocked: string | null, error: string | null = null) =>
    c.audit({ host, method: req.method ?? '', path, credential: null, status, durationMs: Date.now() - started, blocked, ...(error ? { error } : {}) });
  const refuse = (status: number, reason: string, headers: Record<string, string> = {}) => {
    finish(status, reason);
    res.writeHead(status, { 'content-type': 'text/plain', ...headers }).end(`${reason}\n`);
  };
  if (!c.authorized(req)) return refuse(407, 'proxy authentication required', { 'proxy-authenticate': 'Basic realm="clauderon"' });
  let url: URL;
  try {
    url = new URL(req.url ?? '');
    if (url.protocol !== 'http:') throw new Error('not http');
  } catch {
    host = auditTarget(req.url ?? '');
    return refuse(400, 'not an absolute http:// URL');
  }
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  const port = Number(url.port || 80);
  const t = canonicalHost(hostname, port);
  host = t.ok ? t.host : auditTarget(hostname);
  path = `${url.pathname}${url.search}`; // never the userinfo of an absolute URL
  // the session's egress policy, on the canonical target (a target that has none is no rule's)
  const block = c.hostPolicy ? (t.ok ? c.hostPolicy.check(t) : c.hostPolicy.check({ host, port, kind: 'name' })) : null;
  if (block) {
    const b = blockedResponse(block);
    c.audit({ host, method: req.method ?? '', path, credential: null, durationMs: Date.now() - started, ...blockedAudit(block) });
    return void res.writeHead(b.status, b.headers).end(b.body);
  }
  if (t.ok && c.rules.some((r) => r.host === t.host)) return refuse(403, `clauderon proxy: plaintext HTTP to a credentialed host — use https:// for ${host}`);
  const decision = accessDecision(c.accessMode(), { host, method: req.method ?? 'GET', path, headers: req.headers });
  if (decision.allow !== true) return refuse(403, decision.allow === false ? decision.reason : 'read-only session: not inspected over plaintext');
  const headers = endToEndHeaders(req.headers);
  const carried = placeholderIn(headers, path);
  if (carried) return refuse(401, `clauderon proxy: not sending ${carried} to ${host}: it holds a clauderon placeholder, not a credential`);
  let address: string;
  try {
    address = (await c.egress.resolve(hostname, port)).address;
  } catch (e) {
    if (e instanceof EgressRefused) return refuse(403, e.message);
    finish(502, null, e instanceof Error ? e.message : String(e));
    return void res.writeHead(502, { 'content-type': 'text/plain' }).end(`cannot resolve ${host}\n`);
  }
  const up = httpRequest({ host: address, port, method: req.method, path, headers, setHost: false });
  up.on('response', (upRes) =>
    c.guard('upstream response', () => {
      const r = relayResponse(upRes, res, false);
      if ('invalid' in r) {
        finish(502, null, `upstream response not relayable: ${r.invalid}`);
        return void res.writeHead(502, { 'content-type': 'text/plain' }).end(`upstream ${host} sent a response that cannot be relayed (${r.invalid})\n`);
      }
      res.once('close', () => finish(r.status, null));
    }, () => res.destroy()),
  );
  up.on('error', (e) => {
    finish(502, null, e.message);
    if (!res.headersSent) res.writeHead(502, { 'content-length': 0 }).end();
    else res.destroy();
  });
  req.pipe(up);
}
