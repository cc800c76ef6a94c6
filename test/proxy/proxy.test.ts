// The session proxy with real clients (curl, git) and real TLS, against local fake upstreams
// reached through the test-only upstream override. Every assertion about secrets searches
// everything each fake received.
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { connect as netConnect } from 'node:net';
import { Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProxyAgent, fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBareRepo, isolatedGitEnv, makeTestPki, startFakeAnthropic, startFakeEcho, startFakeGitServer, type FakeAnthropic, type FakeGitServer, type FakeUpstream } from '../../fixtures/upstreams/index.js';
import { AuditLog } from '../../src/proxy/audit.js';
import { loadOrCreateCa, type Ca } from '../../src/proxy/ca.js';
import { SessionProxy } from '../../src/proxy/proxy.js';
import { EgressPolicy } from '../../src/proxy/egress.js';
import { defaultRules } from '../../src/proxy/rules.js';
import type { AccessMode } from '../../src/proxy/access.js';

const SECRETS = { github_token: 'ghp_REAL_github_0123456789abcdef', anthropic_api_key: 'sk-ant-api03-REAL-0123456789' };
const PLACEHOLDER = 'ghp_placeholder_not_real';
let dir: string;
let ca: Ca;
let echo: FakeUpstream;
let anthropic: FakeAnthropic;
let git: FakeGitServer;
let proxy: SessionProxy;
let mode: AccessMode = 'read-write';
let auditFile: string;
let audit: AuditLog;
// Fixed test ports sit below Linux's ephemeral range (32768–60999): an outgoing connection of a
// parallel test can never hold one of them.
const PORT = 23000 + Math.floor(Math.random() * 1400); // (websocket.test.ts has 24500–24899)

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'clrn-proxy-'));
  ca = await loadOrCreateCa({ caCert: join(dir, 'ca.pem'), caKey: join(dir, 'ca-key.pem') });
  const pki = makeTestPki(['api.github.com', 'api.anthropic.com', 'github.com', 'example.test']);
  writeFileSync(join(dir, 'upstream-ca.pem'), pki.caPem);
  echo = await startFakeEcho(pki, { name: 'echo' });
  anthropic = await startFakeAnthropic(pki, {});
  initBareRepo(join(dir, 'git'), 'owner/repo', { 'README.md': 'hello\n' });
  git = await startFakeGitServer(pki, join(dir, 'git'), { credentials: { username: 'x-access-token', password: SECRETS.github_token } });
  auditFile = join(dir, 'audit.jsonl');
  audit = new AuditLog(auditFile, () => Object.values(SECRETS));
  proxy = new SessionProxy({
    session: 'test-session',
    user: 'test-session',
    password: 'proxy-pass-123',
    bind: ['127.0.0.1'],
    port: PORT,
    ca: () => ca,
    credential: (n) => (SECRETS as Record<string, string>)[n],
    rules: defaultRules(),
    accessMode: () => mode,
    audit,
    // the fake stands for a public host in "an IP literal is tunnelled opaquely": opened explicitly
    egress: new EgressPolicy({ allowLocal: [`127.0.0.1:${echo.port}`] }),
    override: {
      hosts: {
        'api.github.com': { host: '127.0.0.1', port: echo.port },
        'example.test': { host: '127.0.0.1', port: echo.port },
        'api.anthropic.com': { host: '127.0.0.1', port: anthropic.port },
        'github.com': { host: '127.0.0.1', port: git.port },
      },
      ca: pki.caPem,
    },
  });
  await proxy.start();
});

afterAll(async () => {
  await proxy?.close();
  await Promise.all([echo?.close(), anthropic?.close(), git?.close()]);
  await audit?.close();
  rmSync(dir, { recursive: true, force: true });
});

const proxyUrl = () => `http://test-session:proxy-pass-123@127.0.0.1:${PORT}`;

/** Run a client as its own process, without blocking this process: the proxy runs here. */
function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { encoding: 'utf8', timeout: 20_000, env: opts.env ?? { PATH: process.env.PATH ?? '' }, cwd: opts.cwd ?? dir }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ status: code, stdout, stderr });
    });
  });
}

async function curl(args: string[], opts: { proxy?: string } = {}) {
  const r = await run('curl', ['-sS', '--max-time', '10', '--cacert', join(dir, 'ca.pem'), '-x', opts.proxy ?? proxyUrl(), '-w', '\n%{http_code}', ...args]);
  const lines = r.stdout.trimEnd().split('\n');
  return { status: Number(lines.pop()), body: lines.join('\n'), stderr: r.stderr };
}


describe('session proxy', () => {
  it('injects the real token for api.github.com and drops the placeholder', async () => {
    const r = await curl(['-H', `Authorization: Bearer ${PLACEHOLDER}`, 'https://api.github.com/user']);
    expect(r.status, r.stderr).toBe(200);
    const last = echo.received.at(-1);
    expect(last?.headers.authorization).toBe(`Bearer ${SECRETS.github_token}`);
    expect(echo.allText()).not.toContain(PLACEHOLDER);
    expect(last?.servername).toBe('api.github.com'); // the proxy's upstream TLS names the target
  });

  it('requires the session proxy credential (407) and refuses another one', async () => {
    expect((await curl(['https://api.github.com/user'], { proxy: `http://127.0.0.1:${PORT}` })).status).not.toBe(200);
    const wrong = await run('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '-x', `http://test-session:WRONG@127.0.0.1:${PORT}`, 'http://example.test/']);
    expect(wrong.stdout).toBe('407');
  });

  it('streams SSE from the model API and injects the API key as x-api-key', async () => {
    const r = await curl(['-N', '-H', 'x-api-key: sk-ant-placeholder', '-H', 'content-type: application/json', '-d', '{"model":"m","stream":true,"max_tokens":5,"messages":[]}', 'https://api.anthropic.com/v1/messages']);
    expect(r.status, r.stderr).toBe(200);
    expect(r.body).toContain('event: message_stop');
    expect(anthropic.received.at(-1)?.headers['x-api-key']).toBe(SECRETS.anthropic_api_key);
    expect(anthropic.allText()).not.toContain('sk-ant-placeholder');
  });

  it('read-only: model calls and reads work, writes get a 403 that says why, GraphQL queries pass and mutations do not', async () => {
    mode = 'read-only';
    try {
      expect((await curl(['https://api.github.com/repos/o/r'])).status).toBe(200);
      expect((await curl(['-H', 'content-type: application/json', '-d', '{"stream":false,"messages":[]}', 'https://api.anthropic.com/v1/messages'])).status).toBe(200);
      const blocked = await curl(['-X', 'POST', '-d', '{}', 'https://api.github.com/repos/o/r/issues']);
      expect(blocked.status).toBe(403);
      expect(blocked.body).toContain('read-only session: POST api.github.com/repos/o/r/issues is a write');
      expect((await curl(['-X', 'GET', '-H', 'X-HTTP-Method-Override: DELETE', 'https://api.github.com/repos/o/r'])).status).toBe(403);
      expect((await curl(['-d', JSON.stringify({ query: '{ viewer { login } }' }), 'https://api.github.com/graphql'])).status).toBe(200);
      expect((await curl(['-d', JSON.stringify({ query: 'mutation { addStar(input:{}) { x } }' }), 'https://api.github.com/graphql'])).status).toBe(403);
    } finally {
      mode = 'read-write';
    }
    expect(echo.received.some((r) => r.path === '/repos/o/r/issues')).toBe(false);
  });

  it('git clone and push over HTTPS get x-access-token; read-only refuses the push but not fetch', async () => {
    const work = join(dir, 'work');
    const env = isolatedGitEnv({ HTTPS_PROXY: proxyUrl(), GIT_SSL_CAINFO: join(dir, 'ca.pem'), GIT_TERMINAL_PROMPT: '0' });
    const clone = await run('git', ['clone', '-q', 'https://github.com/owner/repo.git', work], { env });
    expect(clone.status, clone.stderr).toBe(0);
    expect(readFileSync(join(work, 'README.md'), 'utf8')).toBe('hello\n');
    writeFileSync(join(work, 'new.txt'), 'x\n');
    const gw = (...a: string[]) => run('git', ['-C', work, '-c', 'user.name=t', '-c', 'user.email=t@t', ...a], { env });
    await gw('add', '.');
    await gw('commit', '-qm', 'agent change');
    mode = 'read-only';
    try {
      expect((await gw('push', '-q', 'origin', 'HEAD:main')).status).not.toBe(0);
      const fetched = await gw('fetch', '-q');
      expect(fetched.status, fetched.stderr).toBe(0);
    } finally {
      mode = 'read-write';
    }
    const push = await gw('push', '-q', 'origin', 'HEAD:main');
    expect(push.status, push.stderr).toBe(0);
    expect(git.basicCredentials().some((c) => c.password === SECRETS.github_token)).toBe(true);
  });

  it('Node fetch (undici ProxyAgent) through the proxy, in both access modes', async () => {
    const dispatcher = new ProxyAgent({
      uri: `http://127.0.0.1:${PORT}`,
      token: `Basic ${Buffer.from('test-session:proxy-pass-123').toString('base64')}`,
      requestTls: { ca: readFileSync(join(dir, 'ca.pem'), 'utf8') },
    });
    try {
      const get = await undiciFetch('https://api.github.com/repos/o/r?via=fetch', { dispatcher, headers: { authorization: `Bearer ${PLACEHOLDER}` } });
      expect(get.status).toBe(200);
      await get.text();
      expect(echo.received.at(-1)?.headers.authorization).toBe(`Bearer ${SECRETS.github_token}`);
      mode = 'read-only';
      const post = await undiciFetch('https://api.github.com/repos/o/r/issues', { dispatcher, method: 'POST', body: '{}' });
      expect(post.status).toBe(403);
      expect(await post.text()).toContain('read-only session');
      const model = await undiciFetch('https://api.anthropic.com/v1/messages', { dispatcher, method: 'POST', body: '{"stream":false,"messages":[]}', headers: { 'content-type': 'application/json' } });
      expect(model.status).toBe(200);
      await model.text();
    } finally {
      mode = 'read-write';
      await dispatcher.close();
    }
  });

  it('never gives a credential to an IP literal or over plaintext', async () => {
    const before = echo.received.length;
    // An IP literal is tunnelled opaquely: TLS is end to end with the fake, so no credential.
    const ip = await run('curl', ['-sS', '--max-time', '10', '--cacert', join(dir, 'upstream-ca.pem'), '-x', proxyUrl(), '-w', '\n%{http_code}', `https://127.0.0.1:${echo.port}/ip-literal`]);
    expect(ip.stdout.trim().split('\n').pop()).toBe('200');
    const got = echo.received.slice(before).find((r) => r.path === '/ip-literal');
    expect(got?.headers.authorization).toBeUndefined();
    const plain = await curl(['http://api.github.com/user']);
    expect(plain.status).toBe(403);
  });

  it('a Host header that differs from the CONNECT target gets 421 and nothing is sent', async () => {
    const before = echo.received.length;
    const r = await curl(['-H', 'Host: evil.example', 'https://api.github.com/user']);
    expect(r.status).toBe(421);
    expect(echo.received.length).toBe(before);
  });

  it('a TLS ClientHello sent in the same packet as the CONNECT is not lost', async () => {
    const before = echo.received.length;
    const raw = netConnect(PORT, '127.0.0.1');
    await once(raw, 'connect');
    raw.setNoDelay(true);
    const connectHead = Buffer.from(`CONNECT api.github.com:443 HTTP/1.1\r\nHost: api.github.com:443\r\nProxy-Authorization: Basic ${Buffer.from('test-session:proxy-pass-123').toString('base64')}\r\n\r\n`);
    let first = true;
    let head = Buffer.alloc(0);
    let status = '';
    // The TLS client's first write (its ClientHello) goes out glued to the CONNECT request; the
    // proxy's "200 Connection Established" is taken off before TLS sees the bytes.
    const adapter = new Duplex({
      write(chunk: Buffer, _enc, cb) {
        raw.write(first ? Buffer.concat([connectHead, chunk]) : chunk, cb);
        first = false;
      },
      read() {},
    });
    raw.on('data', (d: Buffer) => {
      if (status) return void adapter.push(d);
      head = Buffer.concat([head, d]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      status = head.subarray(0, end).toString('latin1').split('\r\n')[0] ?? '?';
      if (head.length > end + 4) adapter.push(head.subarray(end + 4));
    });
    raw.on('close', () => adapter.push(null));
    const tls = tlsConnect({ socket: adapter, servername: 'api.github.com', ca: ca.certPem });
    tls.write(`GET /user HTTP/1.1\r\nHost: api.github.com\r\nAuthorization: Bearer ${PLACEHOLDER}\r\nConnection: close\r\n\r\n`);
    let reply = '';
    tls.setEncoding('utf8').on('data', (d: string) => (reply += d));
    await once(tls, 'end');
    raw.destroy();
    expect(status).toBe('HTTP/1.1 200 Connection Established');
    expect(reply.split('\r\n')[0]).toBe('HTTP/1.1 200 OK');
    expect(echo.received.length).toBe(before + 1);
    expect(echo.received.at(-1)?.headers.authorization).toBe(`Bearer ${SECRETS.github_token}`);
  });

  it('audits every request without a secret', () => {
    const text = readFileSync(auditFile, 'utf8');
    const lines = text.trim().split('\n').map((l) => JSON.parse(l) as { host: string; credential: string | null; status: number; blocked: string | null });
    expect(lines.some((l) => l.host === 'api.github.com' && l.credential === 'github_token' && l.status === 200)).toBe(true);
    expect(lines.some((l) => l.status === 403 && l.blocked?.includes('read-only') === true)).toBe(true);
    expect(lines.some((l) => l.status === 407)).toBe(true);
    for (const s of [...Object.values(SECRETS), 'proxy-pass-123']) expect(text).not.toContain(s);
  });
});
