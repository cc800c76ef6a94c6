// The HTTP API's sign-in gate (src/daemon/auth/*), in process on 127.0.0.1 with sign-in forced on:
// every route of the operations table and every WebSocket refuses without a session or the Bearer
// token (401, JSON) — the list is the table itself, so a new route cannot be forgotten —; the token
// and a live passkey session pass, a revoked passkey's session is refused on the very next request;
// the web UI's files, the manifest, the service worker and the hooks endpoint stay open; the cookie's
// flags; the sign-in endpoints' rate limit, body limit, code expiry and single use; the settings'
// refusals (a non-loopback bind without CLAUDERON_ORIGIN); TLS on the same port.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { cookieHeader, readCookie, randomToken, sha256, SESSION_TTL_MS } from '../../src/daemon/auth/cookie.js';
import { PasskeyAuth } from '../../src/daemon/auth/passkeys.js';
import { RateLimiter } from '../../src/daemon/auth/rate-limit.js';
import { authSettings } from '../../src/daemon/auth/settings.js';
import { CONSOLE_PATH, HOOKS_PATH, METHODS, operations } from '../../src/protocol/operations.js';
import { ClauderonError } from '../../src/shared/errors.js';
import type { Store } from '../../src/store/store.js';
import { startApi, type ApiFixture } from './api-fixture.js';

const TOKEN = 'a-long-enough-test-token-0123456789';
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

let web: string;
let fx: ApiFixture;
let passkeys: PasskeyAuth;
let base: string;

/** A passkey row and a live sign-in session for it (the cookie's value), without a ceremony. */
function signedIn(store: Store, id = `pk${Math.random().toString(16).slice(2, 8)}`): { id: string; token: string } {
  const t = new Date().toISOString();
  store.auth.insertPasskey({ id, credentialId: `cred-${id}`, name: 'test device', publicKey: new Uint8Array([1, 2, 3]), counter: 0, transports: ['internal'], createdAt: t, lastUsedAt: null });
  const token = randomToken();
  store.auth.insertSession(sha256(token), id, t, new Date(Date.now() + SESSION_TTL_MS).toISOString());
  return { id, token };
}

async function get(path: string, headers: Record<string, string> = {}, method = 'GET', body?: string): Promise<{ status: number; body: { error?: { code: string; message: string } } | null; headers: Headers }> {
  const r = await fetch(`${base}${path}`, { method, headers: { ...(method === 'GET' ? {} : { 'content-type': 'application/json' }), ...headers }, ...(body !== undefined ? { body } : method === 'GET' ? {} : { body: '{}' }) });
  const text = await r.text();
  let parsed: { error?: { code: string; message: string } } | null = null;
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    // a page
  }
  return { status: r.status, body: parsed, headers: r.headers };
}

/** The status a WebSocket upgrade gets (101 when it opens). */
function upgrade(path: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${fx.api.port}${path}`, { headers });
    ws.on('upgrade', () => {
      ws.terminate();
      resolve(101);
    });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      ws.terminate();
    });
    ws.on('error', (e) => reject(e));
  });
}

/** Every operation's HTTP route with its :params filled: [method, path]. */
const ROUTES = METHODS.flatMap((m) => {
  const h = operations[m].http;
  return h && !h.stream ? [[h.method, h.path.replace(/:\w+/g, 'x')] as const] : [];
});
const STREAMS = METHODS.flatMap((m) => (operations[m].http?.stream ? [operations[m].http.path] : []));

beforeAll(async () => {
  web = mkdtempSync(join(tmpdir(), 'clrn-web-'));
  mkdirSync(join(web, 'assets'));
  mkdirSync(join(web, 'icons'));
  for (const f of ['index.html', 'favicon.svg', 'manifest.webmanifest', 'sw.js', 'assets/app-1234.js', 'icons/icon-192.png']) writeFileSync(join(web, f), `file ${f}`);
  const env = { CLAUDERON_ORIGIN: 'http://localhost:3030', CLAUDERON_REQUIRE_AUTH: '1' };
  const auth = authSettings({ bind: '127.0.0.1', requireAuth: false, env });
  fx = await startApi((store) => {
    passkeys = new PasskeyAuth(store, auth.rp, quiet);
    return { token: TOKEN, auth, passkeys, webRoot: web };
  });
  base = `http://127.0.0.1:${fx.api.port}`;
});

afterAll(async () => {
  await fx.close();
  rmSync(web, { recursive: true, force: true });
});

describe('with sign-in on', () => {
  it('every route of the operations table (and an unknown one) answers 401 JSON without a session or the token', async () => {
    expect(ROUTES.length).toBeGreaterThan(20);
    for (const [method, path] of [...ROUTES, ['GET', '/api/nope'] as const, ['POST', '/not-a-page'] as const]) {
      const r = await get(path, {}, method);
      expect(r.status, `${method} ${path}`).toBe(401);
      expect(r.body?.error?.message, `${method} ${path}`).toContain('sign in with a passkey');
      expect(r.headers.get('content-type')).toBe('application/json');
    }
    // a wrong token, a token of another scheme, a forged cookie: the same
    for (const headers of [{ authorization: `Bearer ${TOKEN}x` }, { authorization: `Basic ${TOKEN}` }, { cookie: `clauderon_session=${randomToken()}` }] as Record<string, string>[]) {
      expect((await get('/api/sessions', headers)).status, JSON.stringify(headers)).toBe(401);
    }
  });

  it('every WebSocket refuses the upgrade with 401 without a session or the token', async () => {
    expect(STREAMS).toContain('/ws/events');
    for (const path of [...STREAMS, `${CONSOLE_PATH}/x`, '/ws/history/x', '/ws/unknown']) expect(await upgrade(path), path).toBe(401);
  });

  it('the Bearer token passes, over HTTP and WebSocket', async () => {
    expect((await get('/api/sessions', { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    expect(await upgrade('/ws/events', { authorization: `Bearer ${TOKEN}` })).toBe(101);
  });

  it('a live passkey session passes; revoking the passkey refuses its very next request and upgrade', async () => {
    const s = signedIn(fx.store);
    const cookie = { cookie: `other=1; clauderon_session=${s.token}` };
    expect((await get('/api/sessions', cookie)).status).toBe(200);
    expect(await upgrade('/ws/events', cookie)).toBe(101);
    expect(passkeys.list().find((p) => p.id === s.id)?.sessions).toBe(1);
    expect(passkeys.revoke(s.id).sessionsEnded).toBe(1);
    expect((await get('/api/sessions', cookie)).status).toBe(401);
    expect(await upgrade('/ws/events', cookie)).toBe(401);
    expect(() => passkeys.revoke(s.id)).toThrow(/no passkey/);
  });

  it('an open WebSocket of a sign-in is cut when its passkey is revoked or it signs out (the token’s stays)', async () => {
    const open = (headers: Record<string, string>) =>
      new Promise<WebSocket>((resolve, reject) => {
        const ws = new WebSocket(`ws://127.0.0.1:${fx.api.port}/ws/events`, { headers });
        ws.once('open', () => resolve(ws));
        ws.once('error', reject);
      });
    const closed = (ws: WebSocket) => new Promise<void>((r) => (ws.readyState === ws.CLOSED ? r() : ws.once('close', () => r())));
    const a = signedIn(fx.store);
    const b = signedIn(fx.store);
    const wa = await open({ cookie: `clauderon_session=${a.token}` });
    const wb = await open({ cookie: `clauderon_session=${b.token}` });
    const wt = await open({ authorization: `Bearer ${TOKEN}` });
    passkeys.revoke(a.id);
    await closed(wa);
    expect(wb.readyState).toBe(wb.OPEN);
    // sign-out (the endpoint, with b's cookie) cuts b's
    expect((await get('/api/auth/logout', { cookie: `clauderon_session=${b.token}` }, 'POST')).status).toBe(200);
    await closed(wb);
    expect(wt.readyState).toBe(wt.OPEN);
    wt.close();
  });

  it('an expired session is refused', async () => {
    const s = signedIn(fx.store);
    fx.store.auth.deleteSession(sha256(s.token));
    fx.store.auth.insertSession(sha256(s.token), s.id, new Date(Date.now() - 2000).toISOString(), new Date(Date.now() - 1000).toISOString());
    expect((await get('/api/sessions', { cookie: `clauderon_session=${s.token}` })).status).toBe(401);
  });

  it('the web UI’s files, the manifest, the service worker, icons and the sign-in state stay open', async () => {
    for (const path of ['/', '/signin', '/sessions/x/terminal', '/favicon.svg', '/manifest.webmanifest', '/sw.js', '/assets/app-1234.js', '/icons/icon-192.png']) {
      expect((await get(path)).status, path).toBe(200);
    }
    const state = await get('/api/auth/state');
    expect(state.status).toBe(200);
    expect(state.body).toEqual({ required: true, mode: 'passkeys', available: true, signedIn: false });
  });

  it('the hooks endpoint keeps its own per-session tokens (no sign-in asked, a wrong hook token refused)', async () => {
    const r = await get(`${HOOKS_PATH}?session=nope`, { authorization: 'Bearer wrong' }, 'POST', '{"hook_event_name":"Stop"}');
    expect(r.status).not.toBe(401);
    expect(r.status).toBe(404);
  });

  it('the sign-in endpoints keep the gate: a foreign Origin or a cross-site fetch is refused, writes must be JSON', async () => {
    expect((await get('/api/auth/login/options', { origin: 'http://evil.example' }, 'POST')).status).toBe(403);
    expect((await get('/api/auth/login/options', { 'sec-fetch-site': 'cross-site' }, 'POST')).status).toBe(403);
    expect((await get('/api/auth/login/options', { 'content-type': 'text/plain' }, 'POST')).status).toBe(415);
    expect((await get('/api/auth/login/options')).status).toBe(405);
  });

  it('sign-out clears the cookie (HttpOnly, SameSite=Strict, Path=/) and deletes the session', async () => {
    const s = signedIn(fx.store);
    const r = await get('/api/auth/logout', { cookie: `clauderon_session=${s.token}` }, 'POST');
    expect(r.status).toBe(200);
    const set = r.headers.get('set-cookie') ?? '';
    expect(set).toMatch(/^clauderon_session=;/);
    for (const flag of ['HttpOnly', 'SameSite=Strict', 'Path=/', 'Max-Age=0']) expect(set).toContain(flag);
    expect(set).not.toContain('Secure'); // an http origin
    expect(fx.store.auth.sessionPasskey(sha256(s.token), new Date().toISOString())).toBeNull();
    expect((await get('/api/sessions', { cookie: `clauderon_session=${s.token}` })).status).toBe(401);
  });

  it('a registration code: unknown, used or expired is refused (403); a good one gets options with the RP', async () => {
    const bad = await get('/api/auth/register/options', {}, 'POST', JSON.stringify({ code: 'A'.repeat(27), name: 'phone' }));
    expect(bad.status).toBe(403);
    expect(bad.body?.error?.message).toContain('clauderon auth register');
    const minted = passkeys.mintCode();
    expect(minted.url).toBe(`http://localhost:3030/signin#register=${minted.code}`);
    expect(minted.code.length).toBeGreaterThanOrEqual(27); // 160 bits
    // stored hashed: the code itself is nowhere in the table
    expect(fx.store.auth.codeUsable(minted.code, new Date().toISOString())).toBe(false);
    const ok = await get('/api/auth/register/options', {}, 'POST', JSON.stringify({ code: minted.code, name: 'phone' }));
    expect(ok.status).toBe(200);
    const options = (ok.body as unknown as { challengeId: string; options: { rp: { id: string }; challenge: string; authenticatorSelection: { residentKey: string } } }).options;
    expect(options.rp.id).toBe('localhost');
    expect(options.authenticatorSelection.residentKey).toBe('required');
    // used (consumed by a verified registration): refused from then on
    expect(fx.store.auth.consumeCode(sha256(minted.code), new Date().toISOString())).toBe(true);
    expect(fx.store.auth.consumeCode(sha256(minted.code), new Date().toISOString())).toBe(false);
    expect((await get('/api/auth/register/options', {}, 'POST', JSON.stringify({ code: minted.code, name: 'phone' }))).status).toBe(403);
    // expired: a service whose clock is 10 minutes on
    const later = new PasskeyAuth(fx.store, passkeys.rp, quiet, { now: () => Date.now() + 10 * 60 * 1000 + 1 });
    const fresh = passkeys.mintCode();
    await expect(later.registrationOptions(fresh.code, 'phone')).rejects.toThrow(/unknown, used or expired/);
    await expect(passkeys.registrationOptions(fresh.code, 'phone')).resolves.toBeTruthy();
  });

  it('a challenge serves one attempt: a verify with an unknown or reused challenge id is refused', async () => {
    const o = (await get('/api/auth/login/options', {}, 'POST')).body as unknown as { challengeId: string };
    const response = { id: 'nope', rawId: 'nope', type: 'public-key', response: {}, clientExtensionResults: {} };
    const first = await get('/api/auth/login/verify', {}, 'POST', JSON.stringify({ challengeId: o.challengeId, response }));
    expect(first.status).toBe(401); // (no such passkey)
    const again = await get('/api/auth/login/verify', {}, 'POST', JSON.stringify({ challengeId: o.challengeId, response }));
    expect(again.status).toBe(400);
    expect(again.body?.error?.message).toContain('unknown or expired');
  });

  it('the ceremony endpoints are body-limited (413) and rate-limited per address (429 with Retry-After)', async () => {
    const big = await get('/api/auth/register/options', {}, 'POST', JSON.stringify({ code: 'x'.repeat(70 * 1024), name: 'n' }));
    expect(big.status).toBe(413);
    const statuses: number[] = [];
    for (let i = 0; i < 25; i++) statuses.push((await get('/api/auth/login/options', {}, 'POST')).status);
    expect(statuses).toContain(429);
    const limited = await get('/api/auth/login/options', {}, 'POST');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });
});

describe('pieces', () => {
  it('the cookie: HttpOnly, SameSite=Strict, Path=/, Secure on https, expiring; read back only when well-formed', () => {
    const expires = new Date(Date.now() + SESSION_TTL_MS);
    const set = cookieHeader('abcdefghijklmnopqrstuvwxyz', true, expires);
    expect(set).toBe(`clauderon_session=abcdefghijklmnopqrstuvwxyz; HttpOnly; SameSite=Strict; Path=/; Secure; Expires=${expires.toUTCString()}`);
    expect(cookieHeader('abcdefghijklmnopqrstuvwxyz', false)).not.toContain('Secure');
    const req = (cookie: string) => ({ headers: { cookie } }) as never;
    expect(readCookie(req('a=b; clauderon_session=abcdefghijklmnopqrstuvwxyz'))).toBe('abcdefghijklmnopqrstuvwxyz');
    expect(readCookie(req('clauderon_session=short'))).toBeNull();
    expect(readCookie(req('clauderon_session=bad value with spaces!!'))).toBeNull();
  });

  it('the rate limiter: a burst, then one per refill interval', () => {
    let t = 0;
    const l = new RateLimiter(3, 1000, () => t);
    expect([l.take('a'), l.take('a'), l.take('a'), l.take('a')]).toEqual([true, true, true, false]);
    expect(l.take('b')).toBe(true); // per address
    t += 1000;
    expect([l.take('a'), l.take('a')]).toEqual([true, false]);
  });

  it('settings: a non-loopback bind needs CLAUDERON_ORIGIN (or a token, for scripts); DISABLE_AUTH turns it off; RP ID from the origin or CLAUDERON_RP_ID', () => {
    const s = (bind: string, env: Record<string, string>, requireAuth = false, token = false) => authSettings({ bind, requireAuth, env, token });
    expect(() => s('0.0.0.0', {})).toThrow(ClauderonError);
    expect(() => s('100.64.1.1', {})).toThrow(/not loopback: passkey sign-in needs CLAUDERON_ORIGIN/);
    expect(() => s('127.0.0.1', {}, true)).toThrow(/sign-in required/);
    expect(() => s('127.0.0.1', { CLAUDERON_REQUIRE_AUTH: '1' })).toThrow(/CLAUDERON_ORIGIN/);
    expect(s('127.0.0.1', {})).toMatchObject({ mode: 'loopback', required: false, rp: null });
    // [http] token alone: Bearer-only scripts, no sign-in page
    expect(s('0.0.0.0', {}, false, true)).toMatchObject({ mode: 'passkeys', required: true, rp: null });
    expect(s('100.64.1.1', { CLAUDERON_DISABLE_AUTH: 'true' })).toMatchObject({ mode: 'disabled', required: false });
    expect(s('100.64.1.1', { CLAUDERON_ORIGIN: 'https://box.tailnet.ts.net:3030' })).toMatchObject({
      mode: 'passkeys',
      required: true,
      rp: { origin: 'https://box.tailnet.ts.net:3030', id: 'box.tailnet.ts.net', secure: true },
    });
    expect(s('100.64.1.1', { CLAUDERON_ORIGIN: 'https://box.tailnet.ts.net', CLAUDERON_RP_ID: 'tailnet.ts.net' }).rp?.id).toBe('tailnet.ts.net');
    // an IP address cannot be an RP ID
    expect(() => s('100.64.1.1', { CLAUDERON_ORIGIN: 'https://100.64.1.1:3030' })).toThrow(/never an IP address/);
    expect(() => s('100.64.1.1', { CLAUDERON_ORIGIN: 'https://box.example/path' })).toThrow(/not an origin/);
  });
});

describe('TLS', () => {
  let dir: string;
  let tls: ApiFixture | null = null;
  afterEach(async () => {
    await tls?.close();
    tls = null;
    rmSync(dir, { recursive: true, force: true });
  });

  it('with a certificate and key, the API answers https on its port (and its own origin is https://)', async () => {
    dir = mkdtempSync(join(tmpdir(), 'clrn-tls-'));
    const [key, cert] = [join(dir, 'key.pem'), join(dir, 'cert.pem')];
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
    tls = await startApi({ tls: { cert: readFileSync(cert), key: readFileSync(key) } });
    const port = tls.api.port;
    const ask = (origin: string) =>
      new Promise<number>((resolve, reject) => {
        const r = httpsRequest({ host: '127.0.0.1', port, path: '/api/sessions', ca: readFileSync(cert), servername: 'localhost', headers: { host: `localhost:${port}`, origin } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        r.on('error', reject);
        r.end();
      });
    expect(await ask(`https://localhost:${port}`)).toBe(200);
    expect(await ask(`http://localhost:${port}`)).toBe(403);
    // plain http on the TLS port gets nothing served
    await expect(fetch(`http://127.0.0.1:${port}/api/sessions`)).rejects.toThrow();
  });
});
