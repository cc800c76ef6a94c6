// Tunnelled (not intercepted) CONNECTs: a host that earns no credential, in a read-write session,
// is copied byte for byte — the client sees the upstream's own certificate, never a clauderon leaf
// — while a credentialed host is still opened and injected, `intercept = "all"` and read-only
// sessions open everything, each tunnel is audited once at close with its byte counts, half-close
// is carried both ways, and the address connected to is the one the egress policy checked.
// Loopback only: fake upstreams behind the test-only override.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect as netConnect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect, type PeerCertificate } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestPki, startFakeEcho, type FakeUpstream } from '../../fixtures/upstreams/index.js';
import type { AccessMode } from '../../src/proxy/access.js';
import { defaultConfig, parseConfig } from '../../src/config/config.js';
import { AuditLog } from '../../src/proxy/audit.js';
import { loadOrCreateCa, type Ca } from '../../src/proxy/ca.js';
import { EgressPolicy } from '../../src/proxy/egress.js';
import { needsIntercept } from '../../src/proxy/passthrough.js';
import { SessionProxy } from '../../src/proxy/proxy.js';
import { defaultRules } from '../../src/proxy/rules.js';
import type { AuditEntry } from '../../src/shared/events.js';
import { connectTunnel, proxyAuth } from '../helpers/proxy-client.js';

const TOKEN = 'ghp_REAL_passthrough_0123456789abcdef';
const USER = 'pt-session';
const PASSWORD = 'pt-proxy-pass-123';
const UPSTREAM_CA_CN = 'clauderon fake upstream test CA (throwaway)';

let dir: string;
let ca: Ca;
let pkiCa: string;
let echo: FakeUpstream;
let mode: AccessMode = 'read-write';
let audit: AuditLog;
let auditFile: string;
let needed: SessionProxy;
let all: SessionProxy;
const raw: Server[] = [];
/** What the half-close servers received, by name. */
const received: Record<string, string> = {};
let halfUp: number; // the server half-closes first
let halfClient: number; // the client half-closes first

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer().once('error', rej).listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => res(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

async function rawServer(name: string, onConn: (s: Socket) => void): Promise<number> {
  received[name] = '';
  const s = createServer({ allowHalfOpen: true }, (c) => {
    c.on('data', (d: Buffer) => (received[name] += d.toString('latin1')));
    c.on('error', () => undefined);
    onConn(c);
  });
  raw.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const a = s.address();
  return typeof a === 'object' && a ? a.port : 0;
}

function makeProxy(intercept: 'needed' | 'all', port: number): SessionProxy {
  return new SessionProxy({
    session: USER,
    user: USER,
    password: PASSWORD,
    bind: ['127.0.0.1'],
    port,
    ca: () => ca,
    credential: (n) => (n === 'github_token' ? TOKEN : undefined),
    rules: defaultRules(),
    accessMode: () => mode,
    audit,
    intercept,
    idleMs: 400, // the sweep (which closes a tunnel a read-only switch no longer allows) runs every 200 ms
    // names resolve to loopback unless overridden: the egress policy must refuse them
    egress: new EgressPolicy({ resolver: () => Promise.resolve([{ address: '127.0.0.1', family: 4 }]) }),
    override: {
      hosts: {
        'api.github.com': { host: '127.0.0.1', port: echo.port },
        'files.example.test': { host: '127.0.0.1', port: echo.port },
        'big.example.test': { host: '127.0.0.1', port: echo.port },
        'half-up.example.test': { host: '127.0.0.1', port: halfUp },
        'half-client.example.test': { host: '127.0.0.1', port: halfClient },
      },
      ca: pkiCa,
    },
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'clrn-pass-'));
  ca = await loadOrCreateCa({ caCert: join(dir, 'ca.pem'), caKey: join(dir, 'ca-key.pem') });
  const pki = makeTestPki(['api.github.com', 'files.example.test', 'big.example.test']);
  pkiCa = pki.caPem;
  writeFileSync(join(dir, 'upstream-ca.pem'), pki.caPem);
  echo = await startFakeEcho(pki, { name: 'echo' });
  // greets, then half-closes; keeps reading what the client still sends
  halfUp = await rawServer('up', (c) => c.end('hello-then-fin'));
  // reads to the client's FIN, then answers and closes
  halfClient = await rawServer('client', (c) => c.on('end', () => c.end(`got:${received.client}`)));
  auditFile = join(dir, 'audit.jsonl');
  audit = new AuditLog(auditFile, () => [TOKEN]);
  needed = makeProxy('needed', await freePort());
  all = makeProxy('all', await freePort());
  await needed.start();
  await all.start();
});

afterAll(async () => {
  await Promise.all([needed?.close(), all?.close()]);
  await echo?.close();
  for (const s of raw) s.close();
  await audit?.close();
  rmSync(dir, { recursive: true, force: true });
});

const client = (p: SessionProxy) => ({ port: p.port, user: USER, password: PASSWORD });

/** CONNECT host:443, TLS inside trusting `trust`, one GET; the certificate the client saw and the answer. */
async function getThrough(p: SessionProxy, host: string, trust: string, path = '/hello'): Promise<{ cert: PeerCertificate; status: number; body: string }> {
  const t = await connectTunnel(client(p), `${host}:443`);
  if (t.status !== 200) throw new Error(`CONNECT ${host}: ${t.status} ${t.text}`);
  return new Promise((resolve, reject) => {
    const tls = tlsConnect({ socket: t.socket, servername: host, ca: trust, ALPNProtocols: ['http/1.1'] });
    let text = '';
    let cert: PeerCertificate | null = null;
    tls.once('secureConnect', () => {
      cert = tls.getPeerCertificate();
      tls.write(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ghp_placeholder\r\nConnection: close\r\n\r\n`);
    });
    tls.on('data', (d: Buffer) => (text += d.toString('utf8')));
    tls.once('error', reject);
    tls.once('end', () => {
      const [head = '', body = ''] = text.split('\r\n\r\n');
      resolve({ cert: cert!, status: Number(/^HTTP\/1\.1 (\d+)/.exec(head)?.[1] ?? 0), body });
    });
  });
}

function auditLines(): AuditEntry[] {
  return readFileSync(auditFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as AuditEntry);
}

async function waitFor<T>(fn: () => T | undefined | null | false, what: string, ms = 3000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('[proxy] intercept', () => {
  it('defaults to "needed", takes "all", and refuses anything else naming the key', () => {
    expect(defaultConfig().proxy.intercept).toBe('needed');
    expect(parseConfig({ proxy: { intercept: 'all' } }, 'config.toml').proxy.intercept).toBe('all');
    expect(() => parseConfig({ proxy: { intercept: 'some' } }, 'config.toml')).toThrow(/intercept.*"needed" or "all"|"needed" or "all".*intercept/s);
  });
});

describe('which CONNECTs are opened', () => {
  const rules = defaultRules();
  const base = { port: 443, kind: 'name' as const, mode: 'needed' as const, accessMode: 'read-write' as const, rules };
  it('opens credentialed hosts, read-only sessions and intercept = "all"; never IPs or other ports', () => {
    expect(needsIntercept({ ...base, host: 'api.github.com' })).toBe(true);
    expect(needsIntercept({ ...base, host: 'files.example.test' })).toBe(false);
    expect(needsIntercept({ ...base, host: 'files.example.test', exchangeHosts: ['files.example.test'] })).toBe(true);
    expect(needsIntercept({ ...base, host: 'files.example.test', accessMode: 'read-only' })).toBe(true);
    expect(needsIntercept({ ...base, host: 'files.example.test', mode: 'all' })).toBe(true);
    expect(needsIntercept({ ...base, host: '203.0.113.9', kind: 'ip', mode: 'all' })).toBe(false);
    expect(needsIntercept({ ...base, host: 'api.github.com', port: 8443, mode: 'all' })).toBe(false);
  });
});

describe('a tunnelled connection', () => {
  it("shows the upstream's own certificate, no clauderon leaf, and reaches it untouched", async () => {
    const r = await getThrough(needed, 'files.example.test', pkiCa);
    expect(r.status).toBe(200);
    expect(r.cert.issuer.CN).toBe(UPSTREAM_CA_CN);
    // the placeholder went through as the client sent it: nothing was opened, nothing injected
    const echoed = JSON.parse(r.body) as { headers: Record<string, string> };
    expect(echoed.headers.authorization).toBe('Bearer ghp_placeholder');
  });

  it('cannot be opened with the clauderon CA (the proxy presents no leaf of its own)', async () => {
    await expect(getThrough(needed, 'files.example.test', ca.certPem)).rejects.toThrow(/certificate|self.signed|issuer/i);
  });

  it('curl -v through the proxy shows the upstream CA as issuer', async () => {
    const out = await new Promise<{ code: number; stderr: string; stdout: string }>((resolve) =>
      execFile(
        'curl',
        ['-sv', '--noproxy', '', '--proxy', `http://${USER}:${PASSWORD}@127.0.0.1:${needed.port}`, '--cacert', join(dir, 'upstream-ca.pem'), 'https://files.example.test/curl'],
        { timeout: 10_000 },
        (e, stdout, stderr) => resolve({ code: e ? 1 : 0, stdout, stderr }),
      ),
    );
    expect(out.code, out.stderr).toBe(0);
    expect(out.stderr).toMatch(new RegExp(`issuer: CN=${UPSTREAM_CA_CN.replace(/[()]/g, '\\$&')}`));
    expect(out.stderr).not.toMatch(/clauderon CA|clauderon session/i);
    expect(JSON.parse(out.stdout)).toMatchObject({ path: '/curl' });
  });

  it('is audited once, at close: host:port, bytes each way, duration — and no secret', async () => {
    await getThrough(needed, 'big.example.test', pkiCa, '/big?mb=1');
    const line = await waitFor(() => auditLines().find((l) => l.host === 'big.example.test:443'), 'the tunnel audit line');
    expect(auditLines().filter((l) => l.host.startsWith('big.example.test'))).toHaveLength(1);
    expect(line).toMatchObject({ session: USER, host: 'big.example.test:443', method: 'CONNECT', status: 200, credential: null, blocked: null, tunnel: 'pass' });
    expect(line.bytesDown).toBeGreaterThan(1024 * 1024);
    expect(line.bytesUp).toBeGreaterThan(100);
    expect(line.bytesUp).toBeLessThan(10_000);
    expect(typeof line.durationMs).toBe('number');
    expect(readFileSync(auditFile, 'utf8')).not.toContain(TOKEN);
  });

  it("carries the upstream's half-close: the client still sends after the upstream's FIN", async () => {
    // a client socket of its own: half-open, so the upstream's FIN does not end what it sends
    const sock = netConnect({ host: '127.0.0.1', port: needed.port, allowHalfOpen: true });
    sock.write(`CONNECT half-up.example.test:443 HTTP/1.1\r\nHost: half-up.example.test:443\r\n${proxyAuth(USER, PASSWORD)}\r\n`);
    let got = '';
    sock.on('data', (d: Buffer) => (got += d.toString('latin1')));
    await new Promise((r) => sock.once('end', r));
    expect(got).toMatch(/^HTTP\/1\.1 200 /);
    expect(got.split('\r\n\r\n')[1]).toBe('hello-then-fin');
    expect(sock.writable).toBe(true);
    sock.end('sent-after-fin');
    await waitFor(() => received.up === 'sent-after-fin', 'the bytes sent after the FIN');
  });

  it("carries the client's half-close: the upstream answers after the client's FIN", async () => {
    const t = await connectTunnel(client(needed), 'half-client.example.test:443');
    let got = '';
    t.socket.on('data', (d: Buffer) => (got += d.toString('latin1')));
    t.socket.end('question');
    await new Promise((r) => t.socket.once('close', r));
    expect(got).toBe('got:question');
  });

  it('connects only to an address the egress policy checked (a name resolving to loopback is refused)', async () => {
    const t = await connectTunnel(client(needed), 'rebind.example.test:443');
    expect(t.status).toBe(403);
    expect(t.text).toMatch(/loopback/);
  });

  it('is closed when the session turns read-only (it could not be inspected)', async () => {
    const t = await connectTunnel(client(needed), 'half-client.example.test:443');
    expect(t.status).toBe(200);
    mode = 'read-only';
    try {
      await new Promise((r) => t.socket.once('close', r));
    } finally {
      mode = 'read-write';
    }
  });
});

describe('an intercepted connection', () => {
  it('a credentialed host is still opened (clauderon leaf) and injected', async () => {
    const r = await getThrough(needed, 'api.github.com', ca.certPem, '/user');
    expect(r.status).toBe(200);
    expect(r.cert.issuer.CN).not.toBe(UPSTREAM_CA_CN);
    const echoed = JSON.parse(r.body) as { headers: Record<string, string> };
    expect(echoed.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it('intercept = "all" opens a host that needs no credential', async () => {
    const r = await getThrough(all, 'files.example.test', ca.certPem);
    expect(r.status).toBe(200);
    expect(r.cert.issuer.CN).not.toBe(UPSTREAM_CA_CN);
    const line = await waitFor(() => auditLines().find((l) => l.host === 'files.example.test' && l.path === '/hello'), 'the request audit line');
    expect(line.tunnel).toBeUndefined();
  });

  it('a read-only session opens every host', async () => {
    mode = 'read-only';
    try {
      const r = await getThrough(needed, 'files.example.test', ca.certPem);
      expect(r.status).toBe(200);
      expect(r.cert.issuer.CN).not.toBe(UPSTREAM_CA_CN);
    } finally {
      mode = 'read-write';
    }
  });
});
