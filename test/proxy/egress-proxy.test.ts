// The session proxy under an egress policy, with real clients (curl, Node's fetch through undici's
// ProxyAgent) and real TLS against loopback fakes behind the test-only upstream override: allowed
// targets work; blocked ones get the explanatory 403 (a short text, `x-clauderon-blocked: egress`
// and the command that allows it) and an audit line with `blocked: "egress"` — for CONNECT,
// absolute-form plaintext, IP literals in other spellings and a redirect to a blocked host — and
// reach no upstream; allowing live lets the next request through, with no restart; `locked` still
// lets the agent reach its model API.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import { connect as tlsConnect } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProxyAgent, fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { initBareRepo, isolatedGitEnv, makeTestPki, startFakeAnthropic, startFakeEcho, startFakeGitServer, type FakeAnthropic, type FakeGitServer, type FakeUpstream } from '../../fixtures/upstreams/index.js';
import { agentSpec } from '../../src/agents/registry.js';
import { AuditLog } from '../../src/proxy/audit.js';
import { loadOrCreateCa, type Ca } from '../../src/proxy/ca.js';
import { EgressPolicy, type Resolver } from '../../src/proxy/egress.js';
import { agentNeeds, SessionEgress } from '../../src/proxy/egress-policy.js';
import { SessionProxy } from '../../src/proxy/proxy.js';
import { defaultRules } from '../../src/proxy/rules.js';
import type { AuditEntry } from '../../src/shared/events.js';
import { connectTunnel, plainRequest } from '../helpers/proxy-client.js';

const SECRETS = { anthropic_api_key: 'sk-ant-api03-REAL-egress-0123456789' };
const PORT = 27000 + Math.floor(Math.random() * 400); // 27000–27399, below the ephemeral range
let dir: string;
let ca: Ca;
let echo: FakeUpstream;
let blockedEcho: FakeUpstream;
let anthropic: FakeAnthropic;
let gitServer: FakeGitServer;
let plain: Server;
let plainPort = 0;
let plainHits = 0;
let proxy: SessionProxy;
let auditFile: string;
let audit: AuditLog;
const needs = agentNeeds(agentSpec('claude'), { telemetry: false });
const policy = new SessionEgress('egress-task', { policy: 'locked', allow: [] }, needs);

/** plain.test is a plaintext fake on loopback (the resolver's one name; opened with allow_local). */
const resolver: Resolver = (host) => Promise.resolve(host === 'plain.test' ? [{ address: '127.0.0.1', family: 4 }] : []);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'clrn-egress-'));
  ca = await loadOrCreateCa({ caCert: join(dir, 'ca.pem'), caKey: join(dir, 'ca-key.pem') });
  const pki = makeTestPki(['api.anthropic.com', 'allowed.test', 'blocked.test', 'sub.wild.test', 'git.example.test']);
  echo = await startFakeEcho(pki, { name: 'allowed' });
  blockedEcho = await startFakeEcho(pki, { name: 'blocked' });
  anthropic = await startFakeAnthropic(pki, {});
  mkdirSync(join(dir, 'git'));
  initBareRepo(join(dir, 'git'), 'owner/repo', { 'README.md': 'hello\n' });
  gitServer = await startFakeGitServer(pki, join(dir, 'git'));
  plain = createServer((req, res) => {
    plainHits++;
    res.writeHead(200, { 'content-type': 'text/plain' }).end(`plain ${req.url ?? ''}\n`);
  });
  await new Promise<void>((r) => plain.listen(0, '127.0.0.1', () => r()));
  plainPort = (plain.address() as { port: number }).port;
  auditFile = join(dir, 'audit.jsonl');
  audit = new AuditLog(auditFile, () => Object.values(SECRETS));
  proxy = new SessionProxy({
    session: 'egress-task',
    user: 'egress-task',
    password: 'proxy-pass-egress',
    bind: ['127.0.0.1'],
    port: PORT,
    ca: () => ca,
    credential: (n) => (SECRETS as Record<string, string>)[n],
    rules: defaultRules(),
    accessMode: () => 'read-write',
    audit,
    egress: new EgressPolicy({ allowLocal: [`plain.test:${plainPort}`], resolver }),
    hostPolicy: policy,
    override: {
      hosts: {
        'api.anthropic.com': { host: '127.0.0.1', port: anthropic.port },
        'allowed.test': { host: '127.0.0.1', port: echo.port },
        'sub.wild.test': { host: '127.0.0.1', port: echo.port },
        'blocked.test': { host: '127.0.0.1', port: blockedEcho.port },
        'git.example.test': { host: '127.0.0.1', port: gitServer.port },
      },
      ca: pki.caPem,
    },
  });
  await proxy.start();
  writeFileSync(join(dir, 'upstream-ca.pem'), pki.caPem);
});

afterAll(async () => {
  await proxy?.close();
  await Promise.all([echo?.close(), blockedEcho?.close(), anthropic?.close(), gitServer?.close(), new Promise((r) => plain?.close(r))]);
  await audit?.close();
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => policy.update({ policy: 'locked', allow: [] }));

const client = { port: PORT, user: 'egress-task', password: 'proxy-pass-egress' };
const proxyUrl = () => `http://egress-task:proxy-pass-egress@127.0.0.1:${PORT}`;
const auth = `Proxy-Authorization: Basic ${Buffer.from('egress-task:proxy-pass-egress').toString('base64')}\r\n`;

function run(cmd: string, args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { encoding: 'utf8', timeout: 20_000, env: { PATH: process.env.PATH ?? '' }, cwd: dir }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ status: code, stdout, stderr });
    });
  });
}

/** curl through the proxy: the final status, the CONNECT's status, the body. */
async function curl(args: string[]) {
  const r = await run('curl', ['-sS', '--max-time', '10', '--cacert', join(dir, 'ca.pem'), '-x', proxyUrl(), '-w', '\n%{http_code} %{http_connect}', ...args]);
  const lines = r.stdout.trimEnd().split('\n');
  const [code = '0', connect = '0'] = (lines.pop() ?? '').split(' ');
  return { status: Number(code), connect: Number(connect), body: lines.join('\n'), stderr: r.stderr };
}

function auditLines(): AuditEntry[] {
  return readFileSync(auditFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as AuditEntry);
}

async function lastAuditFor(host: string): Promise<AuditEntry | undefined> {
  for (let i = 0; i < 100; i++) {
    const found = auditLines().filter((e) => e.host === host).at(-1);
    if (found) return found;
    await new Promise((r) => setTimeout(r, 20));
  }
  return undefined;
}

describe('egress policy in the proxy', () => {
  it('git: a clone from a host the policy does not allow fails with the reason; allowed live, the next clone works', async () => {
    const env = isolatedGitEnv({ HTTPS_PROXY: proxyUrl(), GIT_SSL_CAINFO: join(dir, 'ca.pem'), GIT_TERMINAL_PROMPT: '0' });
    const clone = (to: string) =>
      new Promise<{ status: number; stderr: string }>((resolve) =>
        execFile('git', ['clone', '-q', 'https://u:p@git.example.test/owner/repo.git', join(dir, to)], { env, encoding: 'utf8', timeout: 30_000 }, (err, _o, stderr) => resolve({ status: err ? 1 : 0, stderr })),
      );
    const refused = await clone('blocked-clone');
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/403/);
    expect(gitServer.received.length).toBe(0);
    expect(await lastAuditFor('git.example.test:443')).toMatchObject({ method: 'CONNECT', blocked: 'egress', status: 403 });
    policy.update({ policy: 'locked', allow: ['git.example.test'] });
    const ok = await clone('allowed-clone');
    expect(ok.status, ok.stderr).toBe(0);
    expect(readFileSync(join(dir, 'allowed-clone', 'README.md'), 'utf8')).toBe('hello\n');
  });

  it('locked: the model API works (credential injected) and any other host gets the explanatory 403 on CONNECT', async () => {
    const ok = await curl(['-H', 'x-api-key: sk-ant-placeholder', '-H', 'content-type: application/json', '-d', '{"model":"m","max_tokens":5,"messages":[]}', 'https://api.anthropic.com/v1/messages']);
    expect(ok.status, ok.stderr).toBe(200);
    expect(anthropic.received.at(-1)?.headers['x-api-key']).toBe(SECRETS.anthropic_api_key);

    const before = echo.received.length;
    const r = await curl(['https://allowed.test/x']);
    expect(r.connect).toBe(403);
    expect(r.status).not.toBe(200);
    expect(echo.received.length).toBe(before); // nothing reached the upstream

    const raw = await connectTunnel(client, 'allowed.test:443');
    expect(raw.status).toBe(403);
    expect(raw.text).toMatch(/^x-clauderon-blocked: egress\r$/m);
    expect(raw.text).toMatch(/^x-clauderon-allow: clauderon egress egress-task --allow allowed\.test\r$/m);
    expect(raw.text).toContain('allowed.test:443 is blocked by the egress policy "locked" of session egress-task');
    expect(raw.text).toContain('clauderon egress egress-task --allow allowed.test');

    const line = await lastAuditFor('allowed.test:443');
    expect(line).toMatchObject({ method: 'CONNECT', status: 403, blocked: 'egress', policy: 'locked', credential: null });
    expect(JSON.stringify(auditLines())).not.toContain(SECRETS.anthropic_api_key);
    expect(policy.blocked()[0]).toMatchObject({ host: 'allowed.test', port: 443, count: 2 });
  });

  it('Node fetch (undici ProxyAgent): blocked is refused at the tunnel, allowed works', async () => {
    const dispatcher = new ProxyAgent({ uri: `http://127.0.0.1:${PORT}`, token: `Basic ${Buffer.from('egress-task:proxy-pass-egress').toString('base64')}`, requestTls: { ca: readFileSync(join(dir, 'ca.pem'), 'utf8') } });
    try {
      const err = await undiciFetch('https://allowed.test/fetch', { dispatcher }).then(
        () => null,
        (e: unknown) => e as Error & { cause?: Error },
      );
      expect(err, 'a blocked fetch must fail').not.toBeNull();
      expect(await lastAuditFor('allowed.test:443')).toMatchObject({ method: 'CONNECT', status: 403, blocked: 'egress' });
      policy.update({ policy: 'allow-list', allow: ['allowed.test'] });
      const ok = await undiciFetch('https://allowed.test/fetch', { dispatcher });
      expect(ok.status).toBe(200);
      expect(((await ok.json()) as { path: string }).path).toBe('/fetch');
    } finally {
      await dispatcher.close();
    }
  });

  it('allowing live lets the very next request through, with no restart; removing it blocks again', async () => {
    expect((await curl(['https://allowed.test/live'])).connect).toBe(403);
    policy.update({ policy: 'locked', allow: ['allowed.test'] });
    const r = await curl(['https://allowed.test/live']);
    expect(r.status, r.stderr).toBe(200);
    expect(echo.received.at(-1)?.path).toBe('/live');
    policy.update({ policy: 'locked', allow: [] });
    expect((await curl(['https://allowed.test/live'])).connect).toBe(403);
  });

  it('a rule removed live applies to the next request inside a tunnel that is already open', async () => {
    policy.update({ policy: 'allow-list', allow: ['allowed.test'] });
    const { socket, status } = await connectTunnel(client, 'allowed.test:443');
    expect(status).toBe(200);
    const t = tlsConnect({ socket, servername: 'allowed.test', ca: readFileSync(join(dir, 'ca.pem'), 'utf8') });
    let text = '';
    t.on('data', (d: Buffer) => (text += d.toString('latin1')));
    const until = async (what: string) => {
      for (let i = 0; i < 300 && !text.includes(what); i++) await new Promise((r) => setTimeout(r, 10));
    };
    try {
      await once(t, 'secureConnect');
      t.write('GET /one HTTP/1.1\r\nHost: allowed.test\r\n\r\n');
      await until('"/one"');
      expect(text).toMatch(/^HTTP\/1\.1 200/);
      policy.update({ policy: 'allow-list', allow: [] }); // removed while the tunnel stays open
      t.write('GET /two HTTP/1.1\r\nHost: allowed.test\r\n\r\n');
      await until('blocked by the egress');
      expect(text).toContain('HTTP/1.1 403');
      expect(text).toContain('allowed.test:443 is blocked by the egress policy "allow-list"');
      expect(echo.received.map((x) => x.path)).not.toContain('/two');
      // a WebSocket upgrade on the same tunnel is refused the same way
      const before = text.length;
      t.write('GET /ws HTTP/1.1\r\nHost: allowed.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n');
      for (let i = 0; i < 300 && !text.slice(before).includes('blocked by the egress'); i++) await new Promise((r) => setTimeout(r, 10));
      expect(text.slice(before)).toMatch(/^HTTP\/1\.1 403 Forbidden\r\n/);
      expect(text.slice(before)).toContain('x-clauderon-blocked: egress');
      expect(echo.received.map((x) => x.path)).not.toContain('/ws');
    } finally {
      t.destroy();
    }
  });

  it('wildcards through the proxy: a subdomain passes, the bare suffix does not', async () => {
    policy.update({ policy: 'allow-list', allow: ['*.wild.test'] });
    const sub = await curl(['https://sub.wild.test/w']);
    expect(sub.status, sub.stderr).toBe(200);
    const bare = await connectTunnel(client, 'wild.test:443');
    expect(bare.status).toBe(403);
    expect(bare.text).toContain('x-clauderon-blocked: egress');
  });

  it('absolute-form plaintext: blocked gets the same 403 as an HTTP response and reaches nothing; allowed is relayed', async () => {
    const hits = plainHits;
    const r = await plainRequest(client, `GET http://plain.test:${plainPort}/p?token=abc HTTP/1.1\r\nHost: plain.test:${plainPort}\r\n${auth}Connection: close\r\n\r\n`);
    expect(r.status).toBe(403);
    expect(r.text).toMatch(/^x-clauderon-blocked: egress\r$/im);
    expect(r.text).toContain(`clauderon egress egress-task --allow plain.test --port ${plainPort}`);
    expect(plainHits).toBe(hits);
    const line = await lastAuditFor('plain.test');
    expect(line).toMatchObject({ status: 403, blocked: 'egress', policy: 'locked', path: '/p?token=…' });

    // curl's plaintext proxying (absolute-form) once the host:port is allowed
    policy.update({ policy: 'allow-list', allow: [`plain.test:${plainPort}`] });
    const ok = await curl([`http://plain.test:${plainPort}/ok`]);
    expect(ok.status, ok.stderr).toBe(200);
    expect(ok.body.trim()).toBe('plain /ok');
    expect(plainHits).toBe(hits + 1);
    // the same host on 80 is another port: blocked
    expect((await curl(['http://plain.test/'])).status).toBe(403);
  });

  it('IP literals in any spelling never match a name rule, and are refused as egress before anything else', async () => {
    policy.update({ policy: 'allow-list', allow: ['localhost.test', 'allowed.test'] });
    for (const target of ['127.0.0.1:443', '127.1:443', '2130706433:443', '0x7f.0.0.1:443', '[::ffff:127.0.0.1]:443', '[::1]:443']) {
      const r = await connectTunnel(client, target);
      expect(r.status, target).toBe(403);
      expect(r.text, target).toContain('x-clauderon-blocked: egress');
    }
    expect(policy.blocked().some((b) => b.host === '127.0.0.1' && b.count >= 4)).toBe(true);
    const plainIp = await plainRequest(client, `GET http://2130706433:${plainPort}/ HTTP/1.1\r\nHost: x\r\n${auth}Connection: close\r\n\r\n`);
    expect(plainIp.status).toBe(403);
    expect(plainIp.text).toContain(`--allow 127.0.0.1 --port ${plainPort}`);
  });

  it('a redirect to a blocked host is not followed by the proxy: the client gets the 302, and its next CONNECT the 403', async () => {
    policy.update({ policy: 'allow-list', allow: ['allowed.test'] });
    const before = blockedEcho.received.length;
    const r = await curl(['-L', 'https://allowed.test/redirect?to=https://blocked.test/secret']);
    expect(r.connect).toBe(403);
    expect(blockedEcho.received.length).toBe(before);
    expect(echo.received.at(-1)?.path).toBe('/redirect?to=https://blocked.test/secret');
    expect(await lastAuditFor('blocked.test:443')).toMatchObject({ blocked: 'egress', status: 403 });
  });

  it('open lets everything through as before', async () => {
    policy.update({ policy: 'open', allow: [] });
    const r = await curl(['https://blocked.test/open']);
    expect(r.status, r.stderr).toBe(200);
  });
});
