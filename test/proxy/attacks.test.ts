// The attack matrix against a running session proxy (PROXY-NOTES "Anchors"), with raw sockets
// and TLS so every byte is under the test's control. In every case the real secret may go only to
// its own host: each test searches everything each fake upstream received.
import type { Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestPki, startFakeAnthropic, startFakeEcho, type FakeAnthropic, type FakeUpstream, type TestPki } from '../../fixtures/upstreams/index.js';
import { AuditLog } from '../../src/proxy/audit.js';
import { loadOrCreateCa, type Ca } from '../../src/proxy/ca.js';
import { SessionProxy } from '../../src/proxy/proxy.js';
import { EgressPolicy } from '../../src/proxy/egress.js';
import { defaultRules } from '../../src/proxy/rules.js';
import { connectTunnel as rawConnect, requestInTunnel as rawRequest } from '../helpers/proxy-client.js';

const GITHUB = 'ghp_REAL_attack_matrix_0123456789';
const ANTHROPIC = 'sk-ant-oat-REAL-attack-0123456789';
let dir: string;
let ca: Ca;
let pki: TestPki;
let github: FakeUpstream;
let other: FakeUpstream;
let anthropic: FakeAnthropic;
let audit: AuditLog;
const proxies: SessionProxy[] = [];
const base = 25000 + Math.floor(Math.random() * 990); // 25000–25999, below the ephemeral range (attacks-hardening has 26000–26999)
const PORT_A = base;
const PORT_B = base + 1;

function makeProxy(port: number, password: string, maxTunnels = 128): SessionProxy {
  return new SessionProxy({
    session: `s${port}`,
    user: 'agent',
    password,
    bind: ['127.0.0.1'],
    port,
    ca: () => ca,
    credential: (n) => ({ github_token: GITHUB, anthropic_oauth_token: ANTHROPIC })[n],
    rules: defaultRules(),
    accessMode: () => 'read-write',
    audit,
    // the fake behind "IP literal" and "other port" stands for a public host: opened explicitly
    egress: new EgressPolicy({ allowLocal: [`127.0.0.1:${github.port}`] }),
    maxTunnels,
    handshakeMs: 1500,
    override: {
      hosts: {
        'api.github.com': { host: '127.0.0.1', port: github.port },
        'example.test': { host: '127.0.0.1', port: other.port },
        'api.anthropic.com': { host: '127.0.0.1', port: anthropic.port },
      },
      ca: pki.caPem,
    },
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'clrn-attack-'));
  ca = await loadOrCreateCa({ caCert: join(dir, 'ca.pem'), caKey: join(dir, 'ca-key.pem') });
  pki = makeTestPki(['api.github.com', 'example.test', 'api.anthropic.com', 'localhost']);
  github = await startFakeEcho(pki, { name: 'github' });
  other = await startFakeEcho(pki, { name: 'other' });
  anthropic = await startFakeAnthropic(pki, {});
  audit = new AuditLog(join(dir, 'audit.jsonl'), () => [GITHUB, ANTHROPIC]);
  proxies.push(makeProxy(PORT_A, 'password-A'), makeProxy(PORT_B, 'password-B', 2));
  for (const p of proxies) await p.start();
});

afterAll(async () => {
  for (const p of proxies) await p.close();
  await Promise.all([github?.close(), other?.close(), anthropic?.close()]);
  await audit?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The attack matrix talks to PORT_A unless told otherwise. */
const client = (port = PORT_A, password = 'password-A') => ({ port, user: 'agent', password });
const connectTunnel = (target: string, opts: { port?: number; password?: string | null } = {}) =>
  rawConnect(client(opts.port, opts.port === PORT_B ? 'password-B' : 'password-A'), target, opts.password === undefined ? {} : { password: opts.password });
const requestInTunnel = (socket: Socket, servername: string, raw: string, opts: { trust?: string; verify?: boolean } = {}) =>
  rawRequest(socket, servername, raw, { trust: opts.trust ?? ca.certPem, ...(opts.verify !== undefined ? { verify: opts.verify } : {}) });

const everything = () => [github.allText(), other.allText(), anthropic.allText()].join('\n');
/** The real GitHub token went nowhere but api.github.com (and only via the injection). */
function githubTokenOnlyAtGithub(): void {
  expect(other.allText()).not.toContain(GITHUB);
  expect(anthropic.allText()).not.toContain(GITHUB);
}

describe('attack matrix', () => {
  it('no or wrong proxy credential → 407; another session’s credential → 407', async () => {
    expect((await connectTunnel('api.github.com:443', { password: null })).status).toBe(407);
    expect((await connectTunnel('api.github.com:443', { password: 'wrong' })).status).toBe(407);
    expect((await connectTunnel('api.github.com:443', { password: 'password-B' })).status).toBe(407);
  });

  it('CONNECT to an IP literal with a spoofed Host: opaque tunnel, no credential', async () => {
    for (const spelled of [`127.0.0.1:${github.port}`, `127.1:${github.port}`, `0x7f.0.0.1:${github.port}`, `[::ffff:127.0.0.1]:${github.port}`]) {
      const before = github.received.length;
      const { status, socket } = await connectTunnel(spelled);
      expect(status, spelled).toBe(200);
      // TLS is end to end with the fake itself (its own certificate): the proxy cannot see inside.
      const r = await requestInTunnel(socket, 'api.github.com', 'GET /spoof HTTP/1.1\r\nHost: api.github.com\r\nConnection: close\r\n\r\n', { trust: pki.caPem });
      expect(r.status, spelled).toBe(200);
      const got = github.received.slice(before);
      expect(got).toHaveLength(1);
      expect(got[0]?.headers.authorization, spelled).toBeUndefined();
    }
    githubTokenOnlyAtGithub();
  });

  it('another port on a credentialed name: opaque tunnel, no credential', async () => {
    const before = github.received.length;
    const { status, socket } = await connectTunnel(`localhost:${github.port}`);
    expect(status).toBe(200);
    const r = await requestInTunnel(socket, 'api.github.com', 'GET /other-port HTTP/1.1\r\nHost: api.github.com\r\nConnection: close\r\n\r\n', { trust: pki.caPem });
    expect(r.status).toBe(200);
    expect(github.received.slice(before)[0]?.headers.authorization).toBeUndefined();
  });

  it('SNI, Host and CONNECT target must agree (421), and nothing is sent upstream', async () => {
    const before = github.received.length + other.received.length;
    let t = await connectTunnel('api.github.com:443');
    // SNI names another host (the client ignores the certificate mismatch)
    let r = await requestInTunnel(t.socket, 'example.test', 'GET /x HTTP/1.1\r\nHost: api.github.com\r\nConnection: close\r\n\r\n', { verify: false });
    expect(r.status).toBe(421);
    t = await connectTunnel('api.github.com:443');
    r = await requestInTunnel(t.socket, 'api.github.com', 'GET /x HTTP/1.1\r\nHost: example.test\r\nConnection: close\r\n\r\n');
    expect(r.status).toBe(421);
    t = await connectTunnel('api.github.com:443');
    r = await requestInTunnel(t.socket, 'api.github.com', 'GET https://example.test/x HTTP/1.1\r\nHost: api.github.com\r\nConnection: close\r\n\r\n');
    expect(r.status).toBe(400); // absolute-form inside a tunnel
    expect(github.received.length + other.received.length).toBe(before);
  });

  it('malformed CONNECT targets are refused', async () => {
    for (const target of ['api.github.com', 'api.github.com:99999', 'user@api.github.com:443', '[fe80::1%25eth0]:443', 'api.github.com..:443']) {
      expect((await connectTunnel(target)).status, target).toBe(400);
    }
  });

  it('no smuggling: a body that looks like a second request reaches the upstream as one body', async () => {
    const before = github.received.length;
    const smuggled = 'GET /smuggled HTTP/1.1\r\nHost: api.github.com\r\n\r\n';
    const body = `{"a":1}${smuggled}`;
    const { socket } = await connectTunnel('api.github.com:443');
    const r = await requestInTunnel(socket, 'api.github.com', `POST /repos/o/r/issues HTTP/1.1\r\nHost: api.github.com\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    expect(r.status).toBe(200);
    const got = github.received.slice(before);
    expect(got.map((g) => g.path)).toEqual(['/repos/o/r/issues']);
    expect(got[0]?.body.toString()).toBe(body);
    // conflicting framing is refused by the parser, not forwarded
    const t2 = await connectTunnel('api.github.com:443');
    const bad = await requestInTunnel(t2.socket, 'api.github.com', `POST /x HTTP/1.1\r\nHost: api.github.com\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`);
    expect(bad.status === 400 || bad.status === 0).toBe(true);
    expect(github.received.slice(before).map((g) => g.path)).toEqual(['/repos/o/r/issues']);
  });

  it('a redirect is passed back, never followed with the credential', async () => {
    const { socket } = await connectTunnel('api.github.com:443');
    const r = await requestInTunnel(socket, 'api.github.com', 'GET /redirect?to=https://example.test/landing HTTP/1.1\r\nHost: api.github.com\r\nConnection: close\r\n\r\n');
    expect(r.status).toBe(302);
    expect(r.text).toMatch(/location: https:\/\/example\.test\/landing/i);
    expect(other.received.some((x) => x.path === '/landing')).toBe(false);
    // the client follows it itself: a new tunnel to example.test, which earns no credential
    const t2 = await connectTunnel('example.test:443');
    await requestInTunnel(t2.socket, 'example.test', 'GET /landing HTTP/1.1\r\nHost: example.test\r\nAuthorization: Bearer ghp_placeholder\r\nConnection: close\r\n\r\n');
    const landing = other.received.find((x) => x.path === '/landing');
    expect(landing?.headers.authorization).toBe('Bearer ghp_placeholder');
    githubTokenOnlyAtGithub();
  });

  it('a placeholder sent to another credential’s host gets that host’s credential, never GitHub’s', async () => {
    const { socket } = await connectTunnel('api.anthropic.com:443');
    const r = await requestInTunnel(socket, 'api.anthropic.com', 'POST /v1/messages HTTP/1.1\r\nHost: api.anthropic.com\r\nAuthorization: Bearer ghp_placeholder_for_github\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}');
    expect(r.status).toBe(200);
    expect(anthropic.received.at(-1)?.headers.authorization).toBe(`Bearer ${ANTHROPIC}`);
    expect(anthropic.allText()).not.toContain('ghp_placeholder_for_github');
    githubTokenOnlyAtGithub();
  });

  it('bounds concurrent tunnels (503) and TLS handshake time', async () => {
    const open = [await connectTunnel('example.test:443', { port: PORT_B }), await connectTunnel('example.test:443', { port: PORT_B })];
    expect(open.map((o) => o.status)).toEqual([200, 200]);
    // still in their TLS handshakes: not idle, so not evicted for a newcomer
    expect((await connectTunnel('example.test:443', { port: PORT_B })).status).toBe(503);
    // the two open tunnels never start TLS: the handshake limit closes them
    await Promise.all(open.map((o) => new Promise<void>((res) => (o.socket.destroyed ? res() : o.socket.once('close', () => res())))));
    expect((await connectTunnel('example.test:443', { port: PORT_B })).status).toBe(200);
  });

  it('the secret went only to its own host, and only in its own form', () => {
    expect(github.received.some((r) => r.headers.authorization === `Bearer ${GITHUB}`)).toBe(true);
    for (const r of github.received) expect([undefined, `Bearer ${GITHUB}`]).toContain(r.headers.authorization);
    githubTokenOnlyAtGithub();
    expect(everything().split(ANTHROPIC).length).toBe(anthropic.allText().split(ANTHROPIC).length);
  });
});
