// The attack matrix, second part: the holes found when the proxy was attacked from inside a
// session (the agent) and from outside it (an upstream). Raw sockets and TLS, loopback only; each
// class with several spellings. In-process proxies, so a handler that threw out of its guard
// would fail the run (vitest reports uncaught errors).
import { createServer as createNetServer, type Server as NetServer } from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestPki, startFakeAnthropic, startFakeEcho, startHostileUpstream, type FakeAnthropic, type FakeUpstream, type HostileUpstream, type TestPki } from '../../fixtures/upstreams/index.js';
import { PLACEHOLDERS } from '../../src/agents/proxy-env.js';
import { AuditLog, type AuditRecord } from '../../src/proxy/audit.js';
import { loadOrCreateCa, type Ca } from '../../src/proxy/ca.js';
import { EgressPolicy, type Resolver } from '../../src/proxy/egress.js';
import { SessionProxy, type SessionProxyOptions } from '../../src/proxy/proxy.js';
import { defaultRules } from '../../src/proxy/rules.js';
import { missingCredentialHint } from '../../src/proxy/service.js';
import { connectTunnel, plainRequest, requestInTunnel, type ProxyClient } from '../helpers/proxy-client.js';
import { waitFor } from '../helpers/wait.js';

const GITHUB = 'ghp_REAL_hardening_0123456789abcdef';
let dir: string;
let ca: Ca;
let pki: TestPki;
let echo: FakeUpstream;
let anthropic: FakeAnthropic;
let hostile: HostileUpstream;
let audit: AuditLog;
let auditFile: string;
/** Stands for the daemon's HTTP API on loopback: nothing may ever connect to it through a proxy. */
let sentinel: NetServer;
let sentinelPort = 0;
let sentinelHits = 0;
const proxies: SessionProxy[] = [];
const errors: string[] = [];
const base = 26000 + Math.floor(Math.random() * 900); // 26000–26999, below the ephemeral range (attacks.test.ts has 25000–25999)
let nextPort = base;

/** Names the fake resolver knows: a rebinding name that answers loopback. */
const resolver: Resolver = (host) => Promise.resolve(host === 'rebind.test' ? [{ address: '127.0.0.1', family: 4 }] : []);

async function startProxy(extra: Partial<SessionProxyOptions> = {}): Promise<ProxyClient> {
  const port = nextPort++;
  const p = new SessionProxy({
    session: `hard${port}`,
    user: 'agent',
    password: 'pw',
    bind: ['127.0.0.1'],
    port,
    ca: () => ca,
    credential: (n) => ({ github_token: GITHUB })[n],
    rules: defaultRules(),
    accessMode: () => 'read-write',
    audit,
    egress: new EgressPolicy({ resolver }),
    missingCredentialHint: (names) => missingCredentialHint(names, '/home/u/.clauderon/secrets'),
    log: { error: (m, d) => errors.push(`${m} ${JSON.stringify(d)}`) },
    override: {
      hosts: {
        'api.github.com': { host: '127.0.0.1', port: echo.port },
        'example.test': { host: '127.0.0.1', port: echo.port },
        'api.anthropic.com': { host: '127.0.0.1', port: anthropic.port },
        'bad.test': { host: '127.0.0.1', port: hostile.port },
      },
      ca: pki.caPem,
    },
    ...extra,
  });
  await p.start();
  proxies.push(p);
  return { port, user: 'agent', password: 'pw' };
}

let main: ProxyClient;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'clrn-hard-'));
  ca = await loadOrCreateCa({ caCert: join(dir, 'ca.pem'), caKey: join(dir, 'ca-key.pem') });
  pki = makeTestPki(['api.github.com', 'example.test', 'api.anthropic.com', 'bad.test']);
  echo = await startFakeEcho(pki, { name: 'echo' });
  anthropic = await startFakeAnthropic(pki, {});
  hostile = await startHostileUpstream(pki, (path) => {
    const code = decodeURIComponent(path.slice(1));
    if (code === 'nul-header') return 'HTTP/1.1 200 OK\r\nx-evil: a\0b\r\ncontent-length: 2\r\n\r\nok';
    if (code === 'half') return 'HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nonly part';
    return `HTTP/1.1 ${code} Whatever\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok`;
  });
  sentinel = createNetServer((s) => {
    sentinelHits++;
    s.destroy();
  });
  await new Promise<void>((r) => sentinel.listen(0, '127.0.0.1', () => r()));
  sentinelPort = (sentinel.address() as { port: number }).port;
  auditFile = join(dir, 'audit.jsonl');
  audit = new AuditLog(auditFile, () => [GITHUB]);
  main = await startProxy();
});

afterAll(async () => {
  for (const p of proxies) await p.close();
  await Promise.all([echo?.close(), anthropic?.close(), hostile?.close(), new Promise<void>((r) => (sentinel ? sentinel.close(() => r()) : r()))]);
  await audit?.close();
  rmSync(dir, { recursive: true, force: true });
});

function auditLines(): AuditRecord[] {
  return readFileSync(auditFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as AuditRecord);
}

const get = (host: string, path: string, extra = '') => `GET ${path} HTTP/1.1\r\nHost: ${host}\r\n${extra}Connection: close\r\n\r\n`;

describe('the proxy is no door into the host', () => {
  it('refuses CONNECT to loopback and unspecified addresses in every spelling (403, audited), and nothing connects', async () => {
    const spellings = ['127.0.0.1', '127.1', '0x7f.0.0.1', '0177.0.0.1', '2130706433', '127.0.0.2', '[::1]', '[::ffff:127.0.0.1]', '[::ffff:7f00:1]', '0.0.0.0', '[::]', 'localhost', 'LOCALHOST.', 'api.localhost', 'rebind.test'];
    for (const spelled of spellings) {
      const r = await connectTunnel(main, `${spelled}:${sentinelPort}`);
      expect(r.status, spelled).toBe(403);
      expect(r.text, spelled).toMatch(/refused: .*allow_local/);
    }
    expect(sentinelHits).toBe(0);
    const refused = await waitFor(() => {
      const l = auditLines().filter((a) => a.method === 'CONNECT' && a.status === 403 && a.host.endsWith(`:${sentinelPort}`));
      return l.length >= spellings.length ? l : null;
    }, 'audit lines of the refusals');
    expect(refused.every((a) => a.blocked?.includes('allow_local'))).toBe(true);
  });

  it('an intercepted name that resolves to loopback is refused inside the tunnel; `localhost:443` at once', async () => {
    const t = await connectTunnel(main, 'rebind.test:443');
    expect(t.status).toBe(200);
    const r = await requestInTunnel(t.socket, 'rebind.test', get('rebind.test', '/api/sessions'), { trust: ca.certPem });
    expect(r.status).toBe(403);
    expect(r.text).toContain('127.0.0.1');
    expect((await connectTunnel(main, 'localhost:443')).status).toBe(403);
  });

  it('refuses absolute-form plaintext requests to local addresses', async () => {
    for (const host of [`127.0.0.1:${sentinelPort}`, `localhost:${sentinelPort}`, `[::1]:${sentinelPort}`, `2130706433:${sentinelPort}`, `rebind.test:${sentinelPort}`]) {
      const r = await plainRequest(main, `POST http://${host}/api/sessions/x/access-mode HTTP/1.1\r\nHost: ${host}\r\nProxy-Authorization: Basic ${Buffer.from('agent:pw').toString('base64')}\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`);
      expect(r.status, host).toBe(403);
    }
    expect(sentinelHits).toBe(0);
  });

  it('allow_local opens exactly host:port; clauderon’s own ports never open', async () => {
    const own = nextPort; // the proxy's own port, listed too
    const p = await startProxy({ egress: new EgressPolicy({ allowLocal: [`127.0.0.1:${sentinelPort}`, `127.0.0.1:${own}`], ownPorts: (port) => port === own, resolver }) });
    expect(p.port).toBe(own);
    const opened = await connectTunnel(p, `127.0.0.1:${sentinelPort}`);
    expect(opened.status).toBe(200);
    await waitFor(() => sentinelHits === 1, 'the opened service to be reached');
    opened.socket.destroy();
    const r = await connectTunnel(p, `127.0.0.1:${own}`);
    expect(r.status).toBe(403);
    expect(r.text).toContain(`port ${own} is clauderon's own`);
    expect((await connectTunnel(p, `127.0.0.1:${sentinelPort + 1 === own ? sentinelPort + 2 : sentinelPort + 1}`)).status).toBe(403);
    sentinelHits = 0;
  });
});

describe('an upstream cannot kill the proxy', () => {
  it('a status line it cannot relay (000, 099, 1000, 600, 999, a NUL in a header) is a 502, and the proxy goes on', async () => {
    for (const code of ['000', '099', '1000', '600', '999', 'abc', 'nul-header']) {
      const t = await connectTunnel(main, 'bad.test:443');
      const r = await requestInTunnel(t.socket, 'bad.test', get('bad.test', `/${code}`), { trust: ca.certPem });
      expect(r.status, code).toBe(502);
    }
    const t = await connectTunnel(main, 'api.github.com:443');
    expect((await requestInTunnel(t.socket, 'api.github.com', get('api.github.com', '/user'), { trust: ca.certPem })).status).toBe(200);
    expect(errors).toEqual([]);
  });

  it('a handler that throws drops its connection and is logged as a bug; the proxy goes on', async () => {
    let explode = true;
    const p = await startProxy({
      accessMode: () => {
        if (explode) throw new Error('boom from accessMode');
        return 'read-write';
      },
    });
    const t = await connectTunnel(p, 'api.github.com:443');
    const r = await requestInTunnel(t.socket, 'api.github.com', get('api.github.com', '/user'), { trust: ca.certPem });
    expect(r.status).toBe(0); // dropped
    expect(errors.splice(0).join('\n')).toMatch(/unhandled error in a request handler \(bug\).*boom from accessMode/);
    explode = false;
    const t2 = await connectTunnel(p, 'api.github.com:443');
    expect((await requestInTunnel(t2.socket, 'api.github.com', get('api.github.com', '/user'), { trust: ca.certPem })).status).toBe(200);
  });
});

describe('TRACE never carries a credential', () => {
  it('is refused to credentialed hosts (405, nothing sent) and forwarded elsewhere without one', async () => {
    const before = echo.received.length;
    const t0 = await connectTunnel(main, 'api.github.com:443');
    const r0 = await requestInTunnel(t0.socket, 'api.github.com', 'TRACE /user HTTP/1.1\r\nHost: api.github.com\r\nConnection: close\r\n\r\n', { trust: ca.certPem });
    expect(r0.status).toBe(405);
    expect(r0.text).not.toContain(GITHUB);
    // TRACK (IIS's TRACE) is not even a method Node's parser accepts: the connection is refused
    const t1 = await connectTunnel(main, 'api.github.com:443');
    const r1 = await requestInTunnel(t1.socket, 'api.github.com', 'TRACK /user HTTP/1.1\r\nHost: api.github.com\r\nConnection: close\r\n\r\n', { trust: ca.certPem });
    expect(r1.status === 0 || r1.status === 400 || r1.status === 405).toBe(true);
    expect(r1.text).not.toContain(GITHUB);
    expect(echo.received.length).toBe(before);
    const t = await connectTunnel(main, 'example.test:443');
    const r = await requestInTunnel(t.socket, 'example.test', 'TRACE /x HTTP/1.1\r\nHost: example.test\r\nConnection: close\r\n\r\n', { trust: ca.certPem });
    expect(r.status).toBe(200);
    const traced = echo.received.filter((x) => x.method === 'TRACE');
    expect(traced.map((x) => x.path)).toEqual(['/x']);
    expect(traced[0]?.headers.authorization).toBeUndefined();
  });
});

describe('idle tunnels cannot starve a session', () => {
  /** A tunnel that completes TLS and then sends nothing at all. */
  async function silentTunnel(p: ProxyClient): Promise<import('node:tls').TLSSocket> {
    const t = await connectTunnel(p, 'example.test:443');
    expect(t.status).toBe(200);
    const { connect } = await import('node:tls');
    return new Promise((resolve, reject) => {
      const s = connect({ socket: t.socket, servername: 'example.test', ca: ca.certPem });
      s.once('secureConnect', () => resolve(s));
      s.once('error', reject);
    });
  }

  it('with 128 silent tunnels open, another CONNECT still gets through (the longest-idle is evicted)', async () => {
    const p = await startProxy();
    const silent = [];
    for (let i = 0; i < 128; i++) silent.push(await silentTunnel(p));
    const r = await waitFor(async () => {
      const t = await connectTunnel(p, 'example.test:443');
      if (t.status !== 200) return null;
      return requestInTunnel(t.socket, 'example.test', get('example.test', '/after-128'), { trust: ca.certPem });
    }, 'a CONNECT past 128 idle tunnels', 8000);
    expect(r.status).toBe(200);
    expect(silent.filter((s) => s.destroyed).length).toBeGreaterThan(0);
    for (const s of silent) s.destroy();
  });

  it('a silent tunnel is closed after the idle time; a slow response in flight is not cut', async () => {
    const p = await startProxy({ idleMs: 300 });
    const s = await silentTunnel(p);
    await waitFor(() => s.destroyed || s.readableEnded, 'the idle tunnel to be closed', 5000);
    const t = await connectTunnel(p, 'example.test:443');
    const r = await requestInTunnel(t.socket, 'example.test', get('example.test', '/sse?n=3&ms=500'), { trust: ca.certPem, timeoutMs: 5000 });
    expect(r.status).toBe(200);
    expect(r.text.match(/event: tick/g)).toHaveLength(3);
  });
});

describe('with no credential configured, the placeholder never leaves', () => {
  it('a placeholder to a credentialed host without its credential is answered by the proxy, naming what to set', async () => {
    const p = await startProxy({ credential: () => undefined });
    const before = anthropic.received.length;
    const t = await connectTunnel(p, 'api.anthropic.com:443');
    const body = '{"model":"m","max_tokens":1,"messages":[]}';
    const r = await requestInTunnel(
      t.socket,
      'api.anthropic.com',
      `POST /v1/messages HTTP/1.1\r\nHost: api.anthropic.com\r\nAuthorization: Bearer ${PLACEHOLDERS.anthropicOauth}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
      { trust: ca.certPem },
    );
    expect(r.status).toBe(401);
    expect(r.text).toContain('CLAUDE_CODE_OAUTH_TOKEN');
    expect(r.text).toContain('claude setup-token');
    expect(r.text).toContain('/home/u/.clauderon/secrets/anthropic_oauth_token');
    expect(anthropic.received.length).toBe(before);
    // the git placeholder hidden in Basic credentials, to a host whose token is not set
    const t2 = await connectTunnel(p, 'api.github.com:443');
    const basic = Buffer.from(`x-access-token:${PLACEHOLDERS.github}`).toString('base64');
    expect((await requestInTunnel(t2.socket, 'api.github.com', get('api.github.com', '/user', `Authorization: Basic ${basic}\r\n`), { trust: ca.certPem })).status).toBe(401);
    // a placeholder to a host that earns no credential at all
    const t3 = await connectTunnel(p, 'example.test:443');
    expect((await requestInTunnel(t3.socket, 'example.test', get('example.test', `/v1?key=${PLACEHOLDERS.gemini}`), { trust: ca.certPem })).status).toBe(401);
    expect(echo.allText()).not.toMatch(/clauderon-?placeholder/i);
    // (the audit is an append stream: wait for its lines to be written)
    const ofThisProxy = () => auditLines().filter((a) => a.status === 401 && a.session === `hard${p.port}`);
    await waitFor(() => ofThisProxy().length >= 3, 'the three refusals in the audit');
    expect(ofThisProxy()).toHaveLength(3);
  });

  it('a request without any credential still goes through unauthenticated (public reads)', async () => {
    const p = await startProxy({ credential: () => undefined });
    const before = echo.received.length;
    const t = await connectTunnel(p, 'api.github.com:443');
    expect((await requestInTunnel(t.socket, 'api.github.com', get('api.github.com', '/repos/o/r'), { trust: ca.certPem })).status).toBe(200);
    expect(echo.received.slice(before)[0]?.headers.authorization).toBeUndefined();
  });
});

describe('audit details', () => {
  it('a refused CONNECT records only the host of its target, never what rides in it', async () => {
    const targets = ['api.anthropic.com:443?token=SECRET_Q1', 'user:SECRET_U2@api.github.com:443', 'api.github.com:443/SECRET_P3', 'api.github.com:443#SECRET_F4'];
    const refused: string[] = [];
    for (const target of targets) {
      const r = await connectTunnel(main, target);
      expect([0, 400], target).toContain(r.status); // 0: Node's parser refused the request line itself
      if (r.status === 400) refused.push(target);
    }
    expect(refused.length).toBeGreaterThanOrEqual(2);
    const text = await waitFor(() => {
      const t = readFileSync(auditFile, 'utf8');
      return t.split('bad CONNECT target').length > refused.length ? t : '';
    }, 'the refusals in the audit');
    for (const secret of ['SECRET_Q1', 'SECRET_U2', 'SECRET_P3', 'SECRET_F4']) expect(text).not.toContain(secret);
  });

  it('an absolute URL’s userinfo never reaches the audit', async () => {
    await plainRequest(main, `GET http://user:SECRET_PLAIN@example.invalid.test:${sentinelPort}/p?q=1 HTTP/1.1\r\nHost: example.invalid.test\r\nProxy-Authorization: Basic ${Buffer.from('agent:pw').toString('base64')}\r\nConnection: close\r\n\r\n`);
    await waitFor(() => readFileSync(auditFile, 'utf8').includes('example.invalid.test'), 'the plain request in the audit');
    expect(readFileSync(auditFile, 'utf8')).not.toContain('SECRET_PLAIN');
  });

  it('a request that failed on a bad upstream certificate is audited with no credential sent', async () => {
    const otherPki = makeTestPki(['api.github.com']);
    const p = await startProxy({ override: { hosts: { 'api.github.com': { host: '127.0.0.1', port: echo.port } }, ca: otherPki.caPem } });
    const before = echo.received.length;
    const t = await connectTunnel(p, 'api.github.com:443');
    const r = await requestInTunnel(t.socket, 'api.github.com', get('api.github.com', '/user'), { trust: ca.certPem });
    expect(r.status).toBe(502);
    expect(echo.received.length).toBe(before);
    const line = await waitFor(() => auditLines().find((a) => a.session === `hard${p.port}` && a.path === '/user'), 'the audit line');
    expect(line).toMatchObject({ status: 502, credential: null });
  });
});
