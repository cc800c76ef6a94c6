// Web Push (src/daemon/push.ts), in process, against a fake push service on 127.0.0.1
// (test/helpers/push-service.ts): the VAPID key file (made once, 0600, reused, a broken one
// refused with what to do), what a subscription may be, and the pushes — which events get one,
// the VAPID signature (verified), aes128gcm (decrypted here, with node:crypto), TTL and urgency;
// a 404/410 removes the subscription, another error is logged with the origin only; a hanging
// push service delays nobody else; revoking a passkey removes its subscriptions.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SessionManager } from '../../src/core/manager.js';
import { randomToken, sha256, SESSION_TTL_MS } from '../../src/daemon/auth/cookie.js';
import { PasskeyAuth } from '../../src/daemon/auth/passkeys.js';
import { authSettings } from '../../src/daemon/auth/settings.js';
import { HttpApi } from '../../src/daemon/http.js';
import type { DaemonServices, OperationContext } from '../../src/daemon/operations.js';
import { ALLOW_HTTP_LOOPBACK_ENV, endpointAllowed, loadOrCreateVapidKeys, PushNotifier, type PushPayload } from '../../src/daemon/push.js';
import { parseParams } from '../../src/protocol/operations.js';
import type { DaemonEvent } from '../../src/shared/events.js';
import type { Logger } from '../../src/shared/logger.js';
import type { Session } from '../../src/shared/types.js';
import { MAX_PUSH_SUBSCRIPTIONS } from '../../src/store/push.js';
import { Store } from '../../src/store/store.js';
import { startFakePushService, verifyVapid, type FakePushService, type FakeSubscription, type ReceivedPush } from '../helpers/push-service.js';
import { waitFor } from '../helpers/wait.js';

const dir = mkdtempSync(join(tmpdir(), 'clrn-push-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function session(over: Partial<Session> = {}): Session {
  return {
    id: '11111111-2222-3333-4444-555555555555',
    name: 'fix-login-ab12',
    repoPath: '/repos/app',
    subdirectory: '',
    worktreePath: '/home/u/.clauderon/worktrees/fix-login-ab12',
    branchName: 'clauderon/fix-login-ab12',
    backend: 'tmux',
    backendId: 'fix-login-ab12',
    agent: 'claude',
    model: null,
    prompt: 'SECRET-PROMPT never in a push',
    accessMode: 'read-write',
    skipChecks: false,
    planMode: true,
    proxyPort: 41000,
    status: 'running',
    agentStatus: 'working',
    error: 'SECRET-ERROR never in a push',
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...over,
  };
}
const updated = (over: Partial<Session>): DaemonEvent => ({ type: 'session.updated', session: session(over) });

function recorder(): Logger & { lines: { level: string; msg: string; data?: Record<string, unknown> }[] } {
  const lines: { level: string; msg: string; data?: Record<string, unknown> }[] = [];
  return {
    lines,
    info: (msg, data) => lines.push({ level: 'info', msg, ...(data ? { data } : {}) }),
    warn: (msg, data) => lines.push({ level: 'warn', msg, ...(data ? { data } : {}) }),
    error: (msg, data) => lines.push({ level: 'error', msg, ...(data ? { data } : {}) }),
  };
}

let n = 0;
let store: Store;
let fake: FakePushService;
let log: ReturnType<typeof recorder>;
let vapidPath: string;
const notifiers: PushNotifier[] = [];

beforeEach(async () => {
  const home = join(dir, `h${++n}`);
  rmSync(home, { recursive: true, force: true });
  mkdirSync(home, { recursive: true });
  store = Store.open(join(home, 'db.sqlite'));
  vapidPath = join(home, 'vapid.json');
  fake = await startFakePushService();
  log = recorder();
});
afterEach(async () => {
  await Promise.all(notifiers.splice(0).map((p) => p.close()));
  await fake.close();
  store.close();
});

function make(opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): PushNotifier {
  const p = new PushNotifier({ store, vapidPath, log, subject: () => 'mailto:clauderon@localhost', env: opts.env ?? { [ALLOW_HTTP_LOOPBACK_ENV]: '1' }, ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}) });
  p.start([session()]);
  notifiers.push(p);
  return p;
}

/** The push `got` as the browser would see it: VAPID checked, body decrypted. */
function opened(sub: FakeSubscription, got: ReceivedPush, publicKey: string): PushPayload {
  const claims = verifyVapid(got.headers, publicKey);
  expect(claims.aud).toBe(fake.origin);
  const now = Math.floor(Date.now() / 1000);
  expect(claims.exp).toBeGreaterThan(now);
  expect(claims.exp).toBeLessThanOrEqual(now + 24 * 3600);
  expect(claims.sub).toBe('mailto:clauderon@localhost');
  expect(got.headers['content-encoding']).toBe('aes128gcm');
  return JSON.parse(sub.decrypt(got.body).toString('utf8')) as PushPayload;
}

describe('VAPID keys', () => {
  it('are made once (0600, a valid P-256 pair) and read back the same; a broken file is refused with what to do', () => {
    const a = loadOrCreateVapidKeys(vapidPath);
    expect(a.created).toBe(true);
    expect(statSync(vapidPath).mode & 0o777).toBe(0o600);
    expect(Buffer.from(a.keys.publicKey, 'base64url')).toHaveLength(65);
    const b = loadOrCreateVapidKeys(vapidPath);
    expect(b).toEqual({ keys: a.keys, created: false });
    writeFileSync(vapidPath, '{"publicKey":"nope","privateKey":"x"}');
    expect(() => loadOrCreateVapidKeys(vapidPath)).toThrow(/is not a usable Web Push key file .*move it aside \(mv .*vapid\.json .*vapid\.json\.bad\)/);
  });

  it('push.key answers the public key only, never the private one', () => {
    const p = make();
    const file = JSON.parse(readFileSync(vapidPath, 'utf8')) as { publicKey: string; privateKey: string };
    expect(p.publicKey()).toEqual({ publicKey: file.publicKey });
    expect(JSON.stringify(log.lines)).not.toContain(file.privateKey);
  });
});

describe('subscriptions', () => {
  const good = { endpoint: 'https://fcm.googleapis.com/fcm/send/abc', expirationTime: null, keys: { p256dh: `B${'A'.repeat(86)}`, auth: 'A'.repeat(22) } };

  it('the params are a PushSubscription, strictly: https URL, a 65-byte key, a 16-byte secret, nothing else', () => {
    expect(parseParams('push.subscribe', good).ok).toBe(true);
    const bad = [
      { ...good, endpoint: 'not a url' },
      { ...good, endpoint: 'ftp://push.example.com/x' },
      { ...good, endpoint: 'https://user:pw@push.example.com/x' },
      { ...good, endpoint: `https://push.example.com/${'a'.repeat(2100)}` },
      { ...good, keys: { ...good.keys, p256dh: `B${'A'.repeat(85)}` } },
      { ...good, keys: { ...good.keys, p256dh: `C${'A'.repeat(86)}` } },
      { ...good, keys: { ...good.keys, auth: 'A'.repeat(21) } },
      { ...good, keys: { ...good.keys, auth: 'A'.repeat(21) + '+' } },
      { ...good, keys: { ...good.keys, extra: 'x' } },
      { ...good, extra: 1 },
      { endpoint: good.endpoint },
    ];
    for (const b of bad) expect(parseParams('push.subscribe', b).ok, JSON.stringify(b).slice(0, 120)).toBe(false);
  });

  it('https endpoints only; http only on loopback and only with the test setting', () => {
    expect(endpointAllowed('https://push.example.com/x', {})).toBe(true);
    expect(endpointAllowed('http://127.0.0.1:9/x', {})).toBe(false);
    expect(endpointAllowed('http://127.0.0.1:9/x', { [ALLOW_HTTP_LOOPBACK_ENV]: '1' })).toBe(true);
    expect(endpointAllowed('http://[::1]:9/x', { [ALLOW_HTTP_LOOPBACK_ENV]: '1' })).toBe(true);
    expect(endpointAllowed('http://10.0.0.1:9/x', { [ALLOW_HTTP_LOOPBACK_ENV]: '1' })).toBe(false);
    const p = make({ env: {} });
    const sub = fake.subscription('plain-http');
    expect(() => p.subscribe(sub.json, null)).toThrow('the push endpoint must be an https URL of a push service');
    expect(store.push.count()).toBe(0);
  });

  it('the same endpoint again replaces the row; unsubscribe removes it; logs show the origin only', () => {
    const p = make();
    const sub = fake.subscription('one');
    expect(p.subscribe(sub.json, null)).toEqual({ subscribed: true });
    const other = fake.subscription('other');
    p.subscribe({ ...sub.json, keys: other.json.keys }, null);
    expect(store.push.list().map((r) => [r.endpoint, r.p256dh])).toEqual([[sub.json.endpoint, other.json.keys.p256dh]]);
    expect(p.unsubscribe(sub.json.endpoint)).toEqual({ unsubscribed: true });
    expect(p.unsubscribe(sub.json.endpoint)).toEqual({ unsubscribed: false });
    const text = JSON.stringify(log.lines);
    expect(text).toContain(fake.origin);
    expect(text).not.toContain('/push/v2/');
    expect(text).not.toContain(sub.json.keys.auth);
  });

  it('kept with the passkey it was made with: revoking the passkey removes them', () => {
    const p = make();
    store.auth.insertPasskey({ id: 'pk1', credentialId: 'cred1', name: 'phone', publicKey: new Uint8Array([1, 2]), counter: 0, transports: [], createdAt: new Date().toISOString(), lastUsedAt: null });
    p.subscribe(fake.subscription('phone').json, 'pk1');
    p.subscribe(fake.subscription('laptop').json, null);
    expect(store.push.list().map((r) => r.passkeyId).sort()).toEqual(['pk1', null].sort());
    store.auth.deletePasskey('pk1');
    expect(store.push.list().map((r) => r.passkeyId)).toEqual([null]);
  });

  it(`at most ${MAX_PUSH_SUBSCRIPTIONS} are kept: a new one beyond drops the oldest`, () => {
    const p = make();
    const subs = Array.from({ length: MAX_PUSH_SUBSCRIPTIONS + 2 }, (_, i) => fake.subscription(`s${i}`));
    for (const s of subs) p.subscribe(s.json, null);
    const kept = store.push.list().map((r) => r.endpoint);
    expect(kept).toHaveLength(MAX_PUSH_SUBSCRIPTIONS);
    expect(kept).toContain(subs.at(-1)!.json.endpoint);
  });

  it('over HTTP, a request signed in with a passkey stores its passkey (revoking it removes them); the Bearer token stores none', async () => {
    const notifier = make();
    const auth = authSettings({ bind: '127.0.0.1', requireAuth: false, env: { CLAUDERON_ORIGIN: 'http://localhost:3030', CLAUDERON_REQUIRE_AUTH: '1' } });
    const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
    const passkeys = new PasskeyAuth(store, auth.rp, quiet);
    const manager = {} as SessionManager; // (no session operation is run here)
    const ctx: OperationContext = { manager, store, startupReconciled: () => Promise.resolve(), daemon: { push: () => notifier } as unknown as DaemonServices };
    const TOKEN = 'a-long-enough-test-token-0123456789';
    const api = new HttpApi({ manager, store, log: quiet, subscribe: () => () => undefined, status: () => ({}), operations: () => ctx }, { port: 0, bind: '127.0.0.1', token: TOKEN, disableAuth: false, auth, passkeys });
    await api.start();
    try {
      const t = new Date().toISOString();
      store.auth.insertPasskey({ id: 'pkphone', credentialId: 'cred-phone', name: 'phone', publicKey: new Uint8Array([1]), counter: 0, transports: [], createdAt: t, lastUsedAt: null });
      const cookie = randomToken();
      store.auth.insertSession(sha256(cookie), 'pkphone', t, new Date(Date.now() + SESSION_TTL_MS).toISOString());
      const post = (body: unknown, headers: Record<string, string>) =>
        fetch(`http://127.0.0.1:${api.port}/api/push/subscriptions`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) }).then((r) => r.status);
      const phone = fake.subscription('phone');
      const script = fake.subscription('script');
      expect(await post(phone.json, {})).toBe(401);
      expect(await post(phone.json, { cookie: `clauderon_session=${cookie}` })).toBe(201);
      expect(await post(script.json, { authorization: `Bearer ${TOKEN}` })).toBe(201);
      const byEndpoint = () => Object.fromEntries(store.push.list().map((r) => [r.endpoint, r.passkeyId]));
      expect(byEndpoint()).toEqual({ [phone.json.endpoint]: 'pkphone', [script.json.endpoint]: null });
      passkeys.revoke('pkphone');
      expect(byEndpoint()).toEqual({ [script.json.endpoint]: null });
    } finally {
      await api.close();
    }
  });
});

describe('pushes', () => {
  it('an agent waiting for input or approval, and a failed session, each push once to every subscription, signed and encrypted; nothing else pushes', async () => {
    const p = make();
    const { publicKey } = p.publicKey();
    const a = fake.subscription('a');
    const b = fake.subscription('b');
    p.subscribe(a.json, null);
    p.subscribe(b.json, null);

    p.handle(updated({ agentStatus: 'working' })); // (no change)
    p.handle(updated({ agentStatus: 'waiting_input' }));
    p.handle(updated({ agentStatus: 'waiting_input' })); // (no change: no second push)
    await p.idle();
    expect(fake.received.map((r) => r.id).sort()).toEqual(['a', 'b']);
    const first = fake.received.find((r) => r.id === 'a')!;
    expect(opened(a, first, publicKey)).toEqual({ title: 'fix-login-ab12 is waiting for you', body: 'app · claude: waiting for you', sessionName: 'fix-login-ab12', url: '/sessions/fix-login-ab12/terminal' });
    expect(first.headers.urgency).toBe('high');
    expect(first.headers.ttl).toBe('3600');
    expect(opened(b, fake.received.find((r) => r.id === 'b')!, publicKey).sessionName).toBe('fix-login-ab12');

    fake.received.length = 0;
    p.handle(updated({ agentStatus: 'working' }));
    p.handle(updated({ agentStatus: 'waiting_approval' }));
    p.handle({ type: 'session.created', session: session({ id: 'other', name: 'other' }) });
    p.handle(updated({ agentStatus: 'idle', status: 'completed' }));
    p.handle(updated({ agentStatus: 'idle', status: 'failed' }));
    await p.idle();
    const toA = fake.received.filter((r) => r.id === 'a').map((r) => ({ ...opened(a, r, publicKey), urgency: r.headers.urgency }));
    expect(toA).toEqual([
      { title: 'fix-login-ab12 needs your approval', body: 'app · claude: waiting for you (approval)', sessionName: 'fix-login-ab12', url: '/sessions/fix-login-ab12/terminal', urgency: 'high' },
      { title: 'fix-login-ab12 failed', body: 'app · claude: the session failed', sessionName: 'fix-login-ab12', url: '/sessions/fix-login-ab12/info', urgency: 'normal' },
    ]);
    const plain = fake.received.map((r) => (r.id === 'a' ? a : b).decrypt(r.body).toString('utf8')).join('\n');
    expect(plain).not.toContain('SECRET');
  });

  it('a 410 or 404 from the push service removes the subscription; another error is logged (origin only) and keeps it', async () => {
    const p = make();
    const gone = fake.subscription('gone', 410);
    const missing = fake.subscription('missing', 404);
    const broken = fake.subscription('broken', 500);
    const ok = fake.subscription('ok', 201);
    for (const s of [gone, missing, broken, ok]) p.subscribe(s.json, null);
    p.handle(updated({ agentStatus: 'waiting_input' }));
    await p.idle();
    expect(fake.received.map((r) => r.id).sort()).toEqual(['broken', 'gone', 'missing', 'ok']);
    expect(store.push.list().map((r) => r.endpoint).sort()).toEqual([broken.json.endpoint, ok.json.endpoint].sort());
    expect(log.lines).toContainEqual({ level: 'warn', msg: 'web push: the push service answered an error', data: { service: fake.origin, status: 500 } });
    expect(JSON.stringify(log.lines)).not.toContain('/push/v2/');

    // the next event goes to those left only
    fake.received.length = 0;
    p.handle(updated({ agentStatus: 'working' }));
    p.handle(updated({ agentStatus: 'waiting_input' }));
    await p.idle();
    expect(fake.received.map((r) => r.id).sort()).toEqual(['broken', 'ok']);
  });

  it('a push service that hangs delays no other subscription and no later event; it is cut off at its timeout', async () => {
    const p = make({ timeoutMs: 60_000 });
    const stuck = fake.subscription('stuck', 'hang');
    const ok = fake.subscription('ok');
    p.subscribe(stuck.json, null);
    p.subscribe(ok.json, null);
    for (let i = 0; i < 3; i++) {
      p.handle(updated({ agentStatus: 'waiting_input' }));
      p.handle(updated({ agentStatus: 'working' }));
    }
    // all three reach the healthy subscription while the first push to the stuck one is still open
    await waitFor(() => fake.received.filter((r) => r.id === 'ok').length === 3, 'three pushes to the healthy subscription');
    expect(fake.hanging()).toBe(1);
    expect(fake.received.filter((r) => r.id === 'stuck')).toHaveLength(1);
    // and close() does not wait for it
    await p.close();
  });

  it('a push that times out is logged and the subscription’s next push goes out', async () => {
    const p = make({ timeoutMs: 300 });
    const slow = fake.subscription('slow', 'hang');
    p.subscribe(slow.json, null);
    p.handle(updated({ agentStatus: 'waiting_input' }));
    p.handle(updated({ agentStatus: 'working' }));
    p.handle(updated({ agentStatus: 'waiting_approval' }));
    await p.idle();
    expect(fake.received.filter((r) => r.id === 'slow')).toHaveLength(2);
    expect(log.lines.filter((l) => l.msg === 'web push timed out: request aborted')).toHaveLength(2);
    expect(store.push.count()).toBe(1);
  });
});
