// WebSocket upgrades through a session proxy: a real `ws` client inside a real CONNECT tunnel, a
// real `ws` server behind TLS (the test PKI) standing for api.openai.com and api.github.com. The
// upgrade earns the target's credential in place of the agent's placeholder, messages flow both
// ways, the access mode judges it as a POST to its path, and a placeholder never leaves.
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { makeTestPki, type TestPki } from '../../fixtures/upstreams/index.js';
import { PLACEHOLDERS } from '../../src/agents/proxy-env.js';
import type { AccessMode } from '../../src/proxy/access.js';
import { AuditLog } from '../../src/proxy/audit.js';
import { loadOrCreateCa, type Ca } from '../../src/proxy/ca.js';
import { EgressPolicy } from '../../src/proxy/egress.js';
import { SessionProxy } from '../../src/proxy/proxy.js';
import { defaultRules } from '../../src/proxy/rules.js';
import { connectTunnel, requestInTunnel } from '../helpers/proxy-client.js';
import { waitFor } from '../helpers/wait.js';

const OPENAI = 'sk-REAL-openai-websocket-0123456789abcdef';
const GITHUB = 'ghp_REAL_websocket_0123456789abcdef';
const PORT = 24500 + Math.floor(Math.random() * 400); // below the ephemeral range (proxy.test.ts: 23000–24999 minus this)
let dir: string;
let ca: Ca;
let pki: TestPki;
let upstream: Server;
let upstreamPort = 0;
let proxy: SessionProxy;
let audit: AuditLog;
let auditFile: string;
let mode: AccessMode = 'read-write';
/** Every upgrade request the upstream received (headers), and every message. */
const upgrades: { path: string; headers: IncomingHttpHeaders }[] = [];
const messages: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'clrn-ws-'));
  ca = await loadOrCreateCa({ caCert: join(dir, 'ca.pem'), caKey: join(dir, 'ca-key.pem') });
  pki = makeTestPki(['api.openai.com', 'api.github.com', 'example.test']);
  upstream = createServer({ key: pki.keyPem, cert: pki.certPem }, (_req, res) => res.writeHead(404).end('no such endpoint'));
  const wss = new WebSocketServer({ noServer: true });
  upstream.on('upgrade', (req, socket, head) => {
    upgrades.push({ path: req.url ?? '', headers: req.headers });
    if (req.url === '/refuse') {
      socket.end('HTTP/1.1 426 Upgrade Required\r\ncontent-type: text/plain\r\ncontent-length: 11\r\n\r\nnot here :(');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('message', (m: Buffer) => {
        messages.push(m.toString());
        ws.send(`echo:${m.toString()}`);
      });
    });
  });
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  upstreamPort = (upstream.address() as AddressInfo).port;
  auditFile = join(dir, 'audit.jsonl');
  audit = new AuditLog(auditFile, () => [OPENAI, GITHUB]);
  const to = { host: '127.0.0.1', port: upstreamPort };
  proxy = new SessionProxy({
    session: 'ws-session',
    user: 'agent',
    password: 'pw',
    bind: ['127.0.0.1'],
    port: PORT,
    ca: () => ca,
    credential: (n) => ({ openai_api_key: OPENAI, github_token: GITHUB })[n],
    rules: defaultRules(),
    accessMode: () => mode,
    audit,
    egress: new EgressPolicy(),
    override: { hosts: { 'api.openai.com': to, 'api.github.com': to, 'example.test': to }, ca: pki.caPem },
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

/** A `ws` client whose TLS runs inside a CONNECT tunnel of the proxy (trusting clauderon's CA only). */
async function openThroughProxy(host: string, path: string, auth: string): Promise<{ ws: WebSocket; status: number | null; body: string }> {
  const t = await connectTunnel({ port: PORT, user: 'agent', password: 'pw' }, `${host}:443`);
  expect(t.status).toBe(200);
  const ws = new WebSocket(`wss://${host}${path}`, {
    headers: { authorization: auth },
    createConnection: () => tlsConnect({ socket: t.socket, servername: host, ca: ca.certPem }),
  });
  return new Promise((resolve) => {
    ws.once('open', () => resolve({ ws, status: 101, body: '' }));
    ws.once('unexpected-response', (_r, res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ ws, status: res.statusCode ?? null, body }));
    });
    ws.once('error', () => resolve({ ws, status: null, body: '' }));
  });
}

const auditLines = () => readFileSync(auditFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

describe('WebSocket upgrades through the session proxy', () => {
  it('relays a WebSocket to a model API with the real key in place of the placeholder; messages flow both ways', async () => {
    mode = 'read-write';
    const before = upgrades.length;
    const { ws, status } = await openThroughProxy('api.openai.com', '/v1/responses', `Bearer ${PLACEHOLDERS.openai}`);
    expect(status).toBe(101);
    ws.send('{"type":"response.create"}');
    const [reply] = (await once(ws, 'message')) as [Buffer];
    expect(reply.toString()).toBe('echo:{"type":"response.create"}');
    ws.close();
    const got = upgrades.slice(before);
    expect(got).toHaveLength(1);
    expect(got[0]?.headers.authorization).toBe(`Bearer ${OPENAI}`);
    expect(JSON.stringify(got)).not.toContain('clauderon-placeholder');
    expect(got[0]?.headers['proxy-authorization']).toBeUndefined();
    const line = await waitFor(() => auditLines().find((l) => l.path === '/v1/responses' && l.status === 101), 'the audit line of the WebSocket');
    expect(line).toMatchObject({ host: 'api.openai.com', method: 'GET', credential: 'openai_api_key', blocked: null });
    expect(readFileSync(auditFile, 'utf8')).not.toContain(OPENAI);
  });

  it('read-only: a WebSocket where a POST would write is refused (426: clients fall back to HTTP at once); a model API endpoint opens', async () => {
    mode = 'read-only';
    const before = upgrades.length;
    const refused = await openThroughProxy('api.github.com', '/socket', `Bearer ${PLACEHOLDERS.github}`);
    expect(refused.status).toBe(426);
    expect(refused.body).toContain('read-only session: a WebSocket to api.github.com/socket could write');
    expect(upgrades.length).toBe(before);
    const model = await openThroughProxy('api.openai.com', '/v1/responses', `Bearer ${PLACEHOLDERS.openai}`);
    expect(model.status).toBe(101);
    model.ws.close();
    expect(upgrades.length).toBe(before + 1);
    mode = 'read-write';
  });

  it('a placeholder to a host that earns no credential never leaves (401, nothing upstream)', async () => {
    const before = upgrades.length;
    const r = await openThroughProxy('example.test', '/ws', `Bearer ${PLACEHOLDERS.openai}`);
    expect(r.status).toBe(401);
    expect(r.body).toContain('example.test earns no credential from clauderon');
    expect(upgrades.length).toBe(before);
  });

  it("an upstream that does not upgrade has its answer handed on (426 and its body)", async () => {
    const r = await openThroughProxy('api.openai.com', '/refuse', `Bearer ${PLACEHOLDERS.openai}`);
    expect(r.status).toBe(426);
    expect(r.body).toBe('not here :(');
  });

  it('any other upgrade (h2c) is refused with 501; nothing goes upstream', async () => {
    const before = upgrades.length;
    const t = await connectTunnel({ port: PORT, user: 'agent', password: 'pw' }, 'api.openai.com:443');
    const r = await requestInTunnel(t.socket, 'api.openai.com', 'GET /v1/models HTTP/1.1\r\nHost: api.openai.com\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n', { trust: ca.certPem });
    expect(r.status).toBe(501);
    expect(r.text).toContain('h2c upgrades are not supported through the clauderon proxy (only WebSocket)');
    expect(upgrades.length).toBe(before);
  });

  it('the Host header must name the tunnel target (421)', async () => {
    const t = await connectTunnel({ port: PORT, user: 'agent', password: 'pw' }, 'api.openai.com:443');
    const r = await requestInTunnel(t.socket, 'api.openai.com', 'GET /v1/responses HTTP/1.1\r\nHost: api.github.com\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n', { trust: ca.certPem });
    expect(r.status).toBe(421);
  });
});
