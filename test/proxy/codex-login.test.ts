// A ChatGPT login of Codex through a session proxy: the daemon reads it from the host's auth.json,
// the ChatGPT backend gets the real access token and account header in place of the agent's
// placeholder, and a refresh (POST auth.openai.com/oauth/token) gets the real refresh token while
// the agent gets placeholders back — the new real tokens land in the host's auth.json (0600). The
// fake token endpoint and backend are a real HTTPS server with the test PKI; the client is curl.
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestPki } from '../../fixtures/upstreams/index.js';
import { agentAccessToken, agentIdToken } from '../../src/agents/codex.js';
import { PLACEHOLDERS } from '../../src/agents/proxy-env.js';
import type { AccessMode } from '../../src/proxy/access.js';
import { AuditLog } from '../../src/proxy/audit.js';
import { loadOrCreateCa, type Ca } from '../../src/proxy/ca.js';
import { codexTokenExchange, CodexLogin, jwtClaims } from '../../src/proxy/codex-login.js';
import { isCredentialName, loadCredentials, type CredentialStore } from '../../src/proxy/credentials.js';
import { EgressPolicy } from '../../src/proxy/egress.js';
import { SessionProxy } from '../../src/proxy/proxy.js';
import { defaultRules } from '../../src/proxy/rules.js';

const jwt = (claims: object) => `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.c2lnbmF0dXJl`;
const REAL = { access: 'eyREAL-access-token-0123456789', refresh: 'rt_REAL-refresh-0123456789', id: jwt({ email: 'u@example.com', 'https://api.openai.com/auth': { chatgpt_account_id: 'acct-123', chatgpt_plan_type: 'plus' } }) };
const NEW = { access: 'eyNEW-access-token-9876543210', refresh: 'rt_NEW-refresh-9876543210', id: jwt({ 'https://api.openai.com/auth': { chatgpt_account_id: 'acct-123', chatgpt_plan_type: 'pro' } }) };
const PORT = 22700 + Math.floor(Math.random() * 200); // below the ephemeral range
let dir: string;
let authFile: string;
let ca: Ca;
let caFile: string;
let upstream: Server;
let store: CredentialStore;
let proxy: SessionProxy;
let audit: AuditLog;
let auditFile: string;
let mode: AccessMode = 'read-write';
const seen: { host: string; path: string; headers: IncomingHttpHeaders; body: string }[] = [];
const warnings: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'clrn-codex-login-'));
  authFile = join(dir, 'auth.json');
  writeFileSync(authFile, JSON.stringify({ OPENAI_API_KEY: null, tokens: { id_token: REAL.id, access_token: REAL.access, refresh_token: REAL.refresh, account_id: 'acct-123' }, last_refresh: '2026-01-01T00:00:00Z', extra: 'kept' }), { mode: 0o600 });
  ca = await loadOrCreateCa({ caCert: join(dir, 'ca.pem'), caKey: join(dir, 'ca-key.pem') });
  caFile = join(dir, 'ca.pem');
  const pki = makeTestPki(['chatgpt.com', 'auth.openai.com']);
  upstream = createServer({ key: pki.keyPem, cert: pki.certPem }, (req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      seen.push({ host: req.headers.host ?? '', path: req.url ?? '', headers: req.headers, body });
      if (req.url === '/oauth/token') {
        const j = JSON.parse(body) as { refresh_token?: string };
        if (j.refresh_token !== REAL.refresh) return res.writeHead(401, { 'content-type': 'application/json' }).end(`{"error":"invalid_grant","echo":"${j.refresh_token ?? ''}"}`);
        return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: NEW.access, refresh_token: NEW.refresh, id_token: NEW.id, expires_in: 3600 }));
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"models":[]}');
    });
  });
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  const to = { host: '127.0.0.1', port: (upstream.address() as AddressInfo).port };
  store = await loadCredentials({ env: { HOME: dir, CODEX_AUTH_JSON_PATH: authFile }, paths: { secrets: join(dir, 'secrets'), proxyConfig: join(dir, 'proxy.toml') }, log: { warn: (m) => warnings.push(m) } });
  auditFile = join(dir, 'audit.jsonl');
  audit = new AuditLog(auditFile, () => store.values());
  const log = { warn: (m: string) => warnings.push(m) };
  proxy = new SessionProxy({
    session: 'codex-login',
    user: 'agent',
    password: 'pw',
    bind: ['127.0.0.1'],
    port: PORT,
    ca: () => ca,
    credential: (n) => (isCredentialName(n) ? store.get(n) : store.info(n)),
    rules: defaultRules(),
    accessMode: () => mode,
    audit,
    egress: new EgressPolicy(),
    exchanges: store.login ? [codexTokenExchange(store.login, log)] : [],
    override: { hosts: { 'chatgpt.com': to, 'auth.openai.com': to }, ca: pki.caPem },
  });
  await proxy.start();
});

afterAll(async () => {
  await proxy?.close();
  upstream?.closeAllConnections();
  upstream?.close();
  await audit?.close();
  rmSync(dir, { recursive: true, force: true });
});

function curl(args: string[]): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    execFile('curl', ['-sS', '--max-time', '10', '--cacert', caFile, '-x', `http://agent:pw@127.0.0.1:${PORT}`, '-w', '\n%{http_code}', ...args], { env: { PATH: process.env.PATH ?? '' } }, (_e, stdout) => {
      const lines = stdout.split('\n');
      resolve({ status: Number(lines.pop()), body: lines.join('\n') });
    });
  });
}

const refresh = (token: string) => curl(['-H', 'content-type: application/json', '--data', JSON.stringify({ client_id: 'app_x', grant_type: 'refresh_token', refresh_token: token, scope: 'openid profile email' }), 'https://auth.openai.com/oauth/token']);

describe('a ChatGPT login of Codex', () => {
  it('is read from the host auth.json: the access token is chatgpt_access_token, the account comes along; describe() holds no value', () => {
    expect(store.login?.describe()).toEqual({ source: 'file', detail: authFile, account: 'acct-123' });
    expect(store.login?.planType).toBe('plus');
    expect(store.describe().find((c) => c.name === 'chatgpt_access_token')).toMatchObject({ set: true, source: 'file', detail: authFile });
    expect(JSON.stringify(store)).not.toContain(REAL.access);
    expect(String(store.login)).not.toContain(REAL.refresh);
  });

  it('the ChatGPT backend gets the real access token and account header in place of the placeholder; other hosts of chatgpt.com nothing', async () => {
    const before = seen.length;
    const r = await curl(['-H', `authorization: Bearer ${PLACEHOLDERS.chatgptAccess}`, 'https://chatgpt.com/backend-api/codex/models']);
    expect(r.status).toBe(200);
    const got = seen.slice(before);
    expect(got).toHaveLength(1);
    expect(got[0]?.headers.authorization).toBe(`Bearer ${REAL.access}`);
    expect(got[0]?.headers['chatgpt-account-id']).toBe('acct-123');
    // outside /backend-api/ the placeholder is refused, never sent
    const outside = await curl(['-H', `authorization: Bearer ${PLACEHOLDERS.chatgptAccess}`, 'https://chatgpt.com/other']);
    expect(outside.status).toBe(401);
    expect(seen.length).toBe(before + 1);
  });

  it('a refresh gets the real refresh token; the agent gets placeholders; the host auth.json the new real tokens (0600); later requests the new token', async () => {
    mode = 'read-only'; // refreshing the agent's own login writes nothing of the user's
    const before = seen.length;
    const r = await refresh(PLACEHOLDERS.chatgptRefresh);
    expect(r.status).toBe(200);
    const sent = seen.slice(before);
    expect(sent).toHaveLength(1);
    expect(JSON.parse(sent[0]?.body ?? '{}')).toMatchObject({ grant_type: 'refresh_token', refresh_token: REAL.refresh, client_id: 'app_x' });
    const agentGot = JSON.parse(r.body) as Record<string, string>;
    expect(agentGot.access_token).toBe(agentAccessToken('acct-123', null));
    expect(agentGot.access_token).toContain(PLACEHOLDERS.chatgptAccess);
    expect(agentGot.refresh_token).toBe(PLACEHOLDERS.chatgptRefresh);
    expect(agentGot.id_token).toBe(agentIdToken('acct-123', 'pro'));
    expect(jwtClaims(agentGot.id_token ?? '')).toEqual({ 'https://api.openai.com/auth': { chatgpt_account_id: 'acct-123', chatgpt_plan_type: 'pro' } });
    expect(agentGot.expires_in).toBe(3600);
    expect(r.body).not.toContain('NEW');
    const host = JSON.parse(readFileSync(authFile, 'utf8')) as { tokens: Record<string, string>; extra: string; last_refresh: string };
    expect(host.tokens).toMatchObject({ access_token: NEW.access, refresh_token: NEW.refresh, id_token: NEW.id, account_id: 'acct-123' });
    expect(host.extra).toBe('kept');
    expect(Date.parse(host.last_refresh)).toBeGreaterThan(Date.parse('2026-06-01'));
    expect(statSync(authFile).mode & 0o777).toBe(0o600);
    mode = 'read-write';
    const next = seen.length;
    await curl(['-H', `authorization: Bearer ${PLACEHOLDERS.chatgptAccess}`, 'https://chatgpt.com/backend-api/codex/models']);
    expect(seen[next]?.headers.authorization).toBe(`Bearer ${NEW.access}`);
  });

  it('a token request without the placeholder is refused and nothing goes upstream; an upstream error reaches the agent without any token', async () => {
    const before = seen.length;
    const r = await refresh('rt_someone-elses');
    expect(r.status).toBe(401);
    expect(r.body).toContain('does not carry the clauderon placeholder refresh token');
    expect(seen.length).toBe(before);
    // the daemon's refresh token is rejected upstream (rotated elsewhere): the echo of it is taken out
    const login = new CodexLogin({ access: 'a', refresh: 'rt_REJECTED-0123', id: null, account: null }, { source: 'env' });
    const x = codexTokenExchange(login, { warn: () => undefined });
    expect(x.response(401, Buffer.from('{"error":"invalid_grant","echo":"rt_REJECTED-0123"}')).toString()).toBe('{"error":"invalid_grant","echo":"[redacted]"}');
  });

  it('the audit names the credential and holds no token value', () => {
    const text = readFileSync(auditFile, 'utf8');
    for (const v of [...Object.values(REAL), ...Object.values(NEW)]) expect(text).not.toContain(v);
    const lines = text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.find((l) => l.path === '/oauth/token' && l.status === 200)).toMatchObject({ host: 'auth.openai.com', credential: 'chatgpt_access_token' });
    expect(lines.find((l) => l.path === '/backend-api/codex/models')).toMatchObject({ host: 'chatgpt.com', credential: 'chatgpt_access_token' });
  });

  it('from the environment: CODEX_ACCESS_TOKEN with the rest; none at all is null', () => {
    const fromEnv = CodexLogin.load({ CODEX_ACCESS_TOKEN: 'a1', CODEX_REFRESH_TOKEN: 'r1', CODEX_ACCOUNT_ID: 'acct-9' }, { warn: () => undefined });
    expect(fromEnv?.describe()).toEqual({ source: 'env', detail: 'CODEX_ACCESS_TOKEN', account: 'acct-9' });
    expect(CodexLogin.load({ HOME: join(dir, 'nobody') }, { warn: () => undefined })).toBeNull();
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{not json');
    const w: string[] = [];
    expect(CodexLogin.load({ CODEX_AUTH_JSON_PATH: broken }, { warn: (m) => w.push(m) })).toBeNull();
    expect(w[0]).toMatch(/auth.json is not JSON/);
  });
});
