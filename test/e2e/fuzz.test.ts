// No single connection takes the daemon down: a bounded fuzz pass over its HTTP API (every route,
// the hooks endpoint, WebSocket upgrades) and its Unix socket, with real clients only (curl,
// openssl s_client, Node's net / fetch / ws) on loopback. After each group of probes the daemon
// is the same process, answers within a bound over both the CLI and the socket, has lost no
// session, and its log has no "(bug)" line — neither the last-resort handlers' "uncaught error
// (bug)" nor a guard's, so a missing guard fails here even where the process survives.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Session } from '../../src/shared/types.js';
import { makeEnv, processGone, waitFor, type Env } from '../helpers/e2e.js';

let env: Env;
let pid = 0;
let port = 0;
/** Sessions that must survive every probe. */
const names = new Set<string>();
const ids: string[] = [];
let hookToken = '';

beforeAll(() => {
  env = makeEnv();
  port = env.httpPort;
  for (const name of ['fz-one', 'fz-two']) {
    const s = env.json<Session>(['create', '--backend', 'tmux', '--repo', env.repo, '--prompt', 'x', '--name', name]);
    names.add(s.name);
    ids.push(s.id);
  }
  hookToken = env.json<Record<string, string>>(['env', 'fz-one']).CLAUDERON_HOOK_TOKEN ?? '';
  pid = env.daemonPid() ?? 0;
  expect(pid).toBeGreaterThan(0);
}, 60_000);
afterAll(() => env?.cleanup());

function daemonLog(): string {
  try {
    return readFileSync(join(env.home, 'logs', 'daemon.log'), 'utf8');
  } catch {
    return '';
  }
}

/** The daemon survived: same pid, answers the CLI and the socket within a bound, every session kept, no bug logged. */
async function alive(what: string): Promise<void> {
  // (checked first: a `list` after a crash would start a new daemon)
  expect(env.daemonPid(), what).toBe(pid);
  expect(processGone(pid), `${what}: the daemon (pid ${pid}) is gone`).toBe(false);
  const t0 = Date.now();
  const r = env.run(['list', '--json', '--all'], { timeoutMs: 10_000 });
  expect(r.code, `${what}: ${r.stderr}`).toBe(0);
  expect(Date.now() - t0, what).toBeLessThan(10_000);
  const listed = (JSON.parse(r.stdout) as Session[]).map((s) => s.name);
  for (const n of names) expect(listed, what).toContain(n);
  const viaSocket = await rpcLines([`{"id":7,"method":"sessions.list","params":{"filter":"all"}}\n`], 1);
  expect((JSON.parse(viaSocket[0] ?? '{}') as { id?: number; result?: unknown[] }).result?.length, what).toBe(listed.length);
  expect(env.daemonPid(), what).toBe(pid);
  const bugs = daemonLog().split('\n').filter((l) => /uncaught error|\(bug\)/.test(l));
  expect(bugs, what).toEqual([]);
}

interface Answer {
  status: number | null;
  head: string;
  body: string;
  closed: boolean;
}

/**
 * One raw connection: write `data`, read until the answer is complete (its Content-Length is
 * in), the server closes, or `ms` pass. `end` half-closes after writing (a client that stops
 * sending); otherwise the client just waits, as curl does. `head`: done once the response head
 * is in (an upgrade that stays open).
 */
function raw(data: string | Buffer | (string | Buffer)[], opts: { ms?: number; end?: boolean; head?: boolean } = {}): Promise<Answer> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const parse = () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1];
      return { status: status ? Number(status) : null, head: end < 0 ? text : text.slice(0, end), body: end < 0 ? '' : text.slice(end + 4), complete: false };
    };
    let settled = false;
    const done = (closed: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const { status, head, body } = parse();
      resolve({ status, head, body, closed });
      s.destroy();
    };
    const timer = setTimeout(() => done(false), opts.ms ?? 5_000);
    s.on('data', (d: Buffer) => {
      chunks.push(d);
      const a = parse();
      const length = /\r\ncontent-length: (\d+)/i.exec(a.head)?.[1];
      if (a.status !== null && a.status !== 101 && a.status !== 100 && length !== undefined && Buffer.byteLength(a.body, 'latin1') >= Number(length)) done(false);
      else if (opts.head && a.status !== null && Buffer.concat(chunks).includes('\r\n\r\n')) done(false);
    });
    s.on('error', () => undefined);
    s.on('close', () => done(true));
    s.on('connect', () => {
      for (const d of Array.isArray(data) ? data : [data]) s.write(d);
      if (opts.end) s.end();
    });
  });
}

const H = () => `Host: 127.0.0.1:${port}\r\n`;
const get = (target: string, headers = '') => raw(`GET ${target} HTTP/1.1\r\n${H()}${headers}Connection: close\r\n\r\n`);
const write = (method: string, target: string, type: string | null, body: string, headers = '') =>
  raw(`${method} ${target} HTTP/1.1\r\n${H()}${type === null ? '' : `Content-Type: ${type}\r\n`}Content-Length: ${Buffer.byteLength(body)}\r\n${headers}Connection: close\r\n\r\n${body}`);

function curl(args: string[], input?: Buffer): Promise<{ status: string; body: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile('curl', ['-sS', '-o', '-', '-w', '\n%{http_code}', '--max-time', '10', ...args], { encoding: 'utf8', maxBuffer: 4 << 20 }, (_e, stdout, stderr) => {
      const i = stdout.lastIndexOf('\n');
      resolve({ status: stdout.slice(i + 1), body: stdout.slice(0, i), stderr });
    });
    child.stdin?.end(input ?? '');
  });
}

/** Write lines to the daemon's socket, collect `want` answer lines (or until it closes / `ms`); `closed`: the daemon closed it first. */
function rpcLines(data: (string | Buffer)[], want: number, ms = 5_000): Promise<string[] & { closed: boolean }> {
  return new Promise((resolve) => {
    const s: Socket = connect(join(env.home, 'clauderon.sock'));
    let buf = '';
    const lines: string[] = [];
    let settled = false;
    const done = (closed = false) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      s.destroy();
      resolve(Object.assign(lines, { closed }));
    };
    const timer = setTimeout(() => done(), ms);
    s.on('data', (d: Buffer) => {
      buf += d.toString('utf8');
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        lines.push(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
      }
      if (lines.length >= want) done();
    });
    s.on('error', () => undefined);
    s.on('close', () => done(true));
    s.on('connect', () => {
      for (const d of data) s.write(d);
    });
  });
}

function errorOf(line: string | undefined): { id: unknown; code: string; message: string } {
  const m = JSON.parse(line ?? '{}') as { id?: unknown; error?: { code: string; message: string } };
  return { id: m.id, code: m.error?.code ?? '(none)', message: m.error?.message ?? '' };
}

/** A small deterministic PRNG (mulberry32): the same probes on every run. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('fuzz: no request takes the daemon down', () => {
  it('the reported ones: GET // (curl --path-as-is) → 400, a bad percent-escape → 400, a 2 MB body → 413 seen by curl', async () => {
    const slash = await curl(['--path-as-is', `http://127.0.0.1:${port}//`]);
    expect(slash.status, slash.stderr).toBe('400');
    expect(JSON.parse(slash.body)).toMatchObject({ error: { code: 'invalid_input' } });
    await alive('GET //');
    const esc = await curl([`http://127.0.0.1:${port}/api/sessions/%E0%A4%A`]);
    expect(esc.status).toBe('400');
    expect(JSON.parse(esc.body)).toMatchObject({ error: { code: 'invalid_input', message: expect.stringContaining('percent-escape') as string } });
    const big = await curl(['-H', 'content-type: application/json', '--data-binary', '@-', `http://127.0.0.1:${port}/api/sessions`], Buffer.alloc(2 << 20, 'a'));
    expect(big.status, big.stderr).toBe('413');
    expect(JSON.parse(big.body)).toMatchObject({ error: { code: 'invalid_input' } });
    await alive('bad escape, 2 MB body');
  });

  it('request targets: empty segments, bad escapes, path tricks in ids, absolute forms, very long ids', async () => {
    const long = 'a'.repeat(5_000);
    const probes: [string, number][] = [
      ['//', 400],
      ['//x', 400],
      ['///api/status', 400],
      ['/%', 400],
      ['/%zz', 400],
      ['/api/sessions/%E0%A4%A', 400],
      ['/api/sessions/%', 400],
      ['/api/sessions/%C0%AF', 400],
      [`/api/sessions/${ids[0]}%2f..%2f..%2fetc`, 400],
      ['/api/sessions/..%2f..%2fetc%2fpasswd', 400],
      ['/api/sessions/..%5c..%5cx', 400],
      ['/api/sessions/%00', 400],
      ['/api/sessions/a%0d%0aSet-Cookie:%20x', 400],
      ['/api/sessions/%2e%2e', 404],
      ['/api/sessions/..', 404],
      ['/api/sessions/../status', 404],
      [`/api/sessions/${long}`, 400],
      [`/api/sessions/${ids[0]}/history/extra`, 404],
      [`/api/sessions/${encodeURIComponent('fz-one')}`, 200],
      ['/api/sessions?filter=%zz', 200],
      ['/api/sessions?filter=all&filter=%00', 200],
      ['/api/recent-repos?limit=1e309', 200],
      ['/api/recent-repos?limit=-1', 200],
      ['/api/status?%', 200],
      [`http://127.0.0.1:${port}/api/status`, 400],
      ['http://evil.example/api/status', 400],
      ['*', 400],
      ['api/status', 400],
      ['/api/status#frag', 400],
    ];
    for (const [target, status] of probes) {
      const r = await get(target);
      expect(r.status, target).toBe(status);
      if (status !== 200) expect(JSON.parse(r.body), target).toMatchObject({ error: { code: expect.any(String) as string, message: expect.any(String) as string } });
    }
    // headers over the limit, odd bytes in the request line, other protocols
    const huge = await get(`/api/sessions/${'b'.repeat(20_000)}`);
    expect(huge.status).toBe(431);
    expect((await raw(Buffer.from(`GET /\xff\x00 HTTP/1.1\r\n${H()}\r\n`, 'latin1'))).status).toBe(400);
    expect((await raw('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n')).status).toBe(400);
    expect((await raw('BREW /api/status HTTP/1.1\r\n\r\n')).status).toBe(400);
    expect((await raw(`CONNECT 127.0.0.1:22 HTTP/1.1\r\n${H()}\r\n`)).status).toBeNull(); // dropped, not tunnelled
    expect((await raw(Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03, ...Array<number>(64).fill(7)]))).status).toBe(400);
    const tls = await new Promise<number | null>((resolve) => {
      const c = execFile('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost'], { timeout: 10_000 }, (e) => resolve(e ? ((e as { code?: number }).code ?? 1) : 0));
      c.stdin?.end('');
    });
    expect(tls).not.toBe(0); // a TLS handshake with a plain HTTP server fails, quickly
    await alive('request targets');
  });

  it('every route and the hooks endpoint: bad bodies and content types, huge and broken bodies', async () => {
    const writes: [string, string][] = [
      ['POST', '/api/sessions'],
      ['POST', `/api/sessions/${ids[0]}/archive`],
      ['POST', `/api/sessions/${ids[0]}/unarchive`],
      ['POST', `/api/sessions/${ids[0]}/access-mode`],
      ['DELETE', `/api/sessions/${ids[0]}?force=true`],
      ['POST', `/api/hooks?session=${ids[0]}`],
    ];
    const refusedTypes: (string | null)[] = [null, 'text/plain', 'text/plain;charset=UTF-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=zz', 'application/jsonp', 'application/json-seq', 'text/json', ''];
    for (const [method, path] of writes) {
      for (const type of refusedTypes) {
        const body = type?.startsWith('multipart') ? '--zz\r\nContent-Disposition: form-data; name="x"\r\n\r\n{}\r\n--zz--\r\n' : '{"repoPath":"/","prompt":"x","mode":"read-only"}';
        const r = await write(method, path, type, body, `Authorization: Bearer ${hookToken}\r\n`);
        expect(r.status, `${method} ${path} ${String(type)}`).toBe(415);
      }
      // cross-origin and foreign Host: refused before anything is read
      expect((await write(method, path, 'application/json', '{}', 'Origin: http://evil.example\r\n')).status, path).toBe(403);
      expect((await write(method, path, 'application/json', '{}', 'Origin: null\r\n')).status, path).toBe(403);
      expect((await raw(`${method} ${path} HTTP/1.1\r\nHost: rebind.test:${port}\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}`)).status, path).toBe(421);
      // a declared body far over the limit: 413 at once, the body never sent
      expect((await raw(`${method} ${path} HTTP/1.1\r\n${H()}content-type: application/json\r\ncontent-length: 1000000000000\r\n\r\n`, { ms: 3_000 })).status, path).toBe(413);
    }
    // none of that changed a session
    expect(env.json<Session>(['show', 'fz-one'])).toMatchObject({ status: 'running', accessMode: 'read-write' });

    // bodies that are JSON-typed but bad, on the routes that read one (ids that are no session's)
    const bodies = ['{', '[]', 'null', '"s"', '1', 'true', '{"a":1}', '\u0000', '{"__proto__":{"polluted":1}}', '[' .repeat(50_000), '{"repoPath":"/x","prompt":{"a":1}}', '{"repoPath":"/x","prompt":"p","backend":"vm"}', '{"repoPath":"relative","prompt":"p"}', '{"repoPath":"/x","prompt":"p","skipChecks":"yes"}', '{"repoPath":"/x","prompt":"p","name":"../../etc"}', '{"mode":"admin"}', '\xff\xfe'];
    for (const body of bodies) {
      for (const path of ['/api/sessions', '/api/sessions/nope/access-mode']) {
        const r = await write('POST', path, 'application/json', body);
        expect([400, 404], `${path} ${body.slice(0, 30)}`).toContain(r.status);
        expect(r.status, `${path} ${body.slice(0, 30)}`).not.toBeNull();
      }
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // hooks: wrong or no token, odd payloads with the right one
    expect((await write('POST', `/api/hooks?session=${ids[0]}`, 'application/json', '{"hook_event_name":"Stop"}')).status).toBe(404);
    expect((await write('POST', '/api/hooks?session=%zz', 'application/json', '{}', `Authorization: Bearer ${hookToken}\r\n`)).status).toBe(404);
    expect((await write('POST', '/api/hooks', 'application/json', '{"session_id":5}', `Authorization: Bearer ${hookToken}\r\n`)).status).toBe(404);
    for (const body of ['[]', 'null', '"x"', '{"hook_event_name":{"a":1}}', '{"hook_event_name":"__proto__"}', '{"hook_event_name":"Notification","message":[1,2]}', `{"hook_event_name":"PreToolUse","transcript_path":"${'/x'.repeat(5_000)}"}`, '{"hook_event_name":"PreToolUse","transcript_path":"/a\\u0000b"}']) {
      const r = await write('POST', `/api/hooks?session=${ids[0]}`, 'application/json', body, `Authorization: Bearer ${hookToken}\r\n`);
      expect(r.status, body.slice(0, 40)).toBe(200);
    }
    expect((await get('/api/hooks')).status).toBe(405);
    // broken framing: short body, bad chunks, conflicting lengths, both framings
    const head = (extra: string) => `POST /api/sessions HTTP/1.1\r\n${H()}content-type: application/json\r\n${extra}\r\n`;
    expect((await raw(`${head('content-length: 100\r\n')}{"repoPath"`, { end: true })).status).toBe(400);
    expect((await raw(`${head('transfer-encoding: chunked\r\n')}zz\r\n{}\r\n0\r\n\r\n`)).status).toBe(400);
    expect((await raw(`${head('content-length: 2\r\ncontent-length: 3\r\n')}{}`)).status).toBe(400);
    expect((await raw(`${head('content-length: 2\r\ntransfer-encoding: chunked\r\n')}0\r\n\r\n`)).status).toBe(400);
    expect((await raw(`${head('content-length: -1\r\n')}`)).status).toBe(400);
    expect((await raw(`${head('transfer-encoding: gzip\r\n')}{}`)).status).toBe(400);
    expect((await raw(`${head('expect: bogus\r\ncontent-length: 2\r\n')}{}`)).status).toBe(417);
    // chunked over the limit, and a 2 MB body to the hooks: 413, read by curl
    const two = Buffer.alloc(2 << 20, 'a');
    expect((await curl(['-H', 'content-type: application/json', '-H', 'transfer-encoding: chunked', '--data-binary', '@-', `http://127.0.0.1:${port}/api/sessions`], two)).status).toBe('413');
    expect((await curl(['-H', 'content-type: application/json', '--data-binary', '@-', `http://127.0.0.1:${port}/api/hooks?session=${ids[0]}`], two)).status).toBe('413');
    await alive('bodies');
  });

  it('headers: Host, Origin, Sec-Fetch-Site; methods; HEAD and OPTIONS', async () => {
    expect((await raw('GET /api/status HTTP/1.0\r\n\r\n')).status).toBe(421);
    for (const host of ['evil.example', `evil.example:${port}`, `rebind.test:${port}`, `127.0.0.1:${port + 1}`, `127.0.0.1:${port}@evil.example`, '', `localhost:${port}\r\nHost: evil.example`]) {
      const r = await raw(`GET /api/sessions HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
      expect([421, 400], host).toContain(r.status);
      expect(r.body, host).not.toContain('fz-one');
    }
    for (const host of [`localhost:${port}`, `LocalHost:${port}`, `[::1]:${port}`]) expect((await raw(`GET /api/status HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`)).status, host).toBe(200);
    for (const origin of ['http://evil.example', 'null', `http://rebind.test:${port}`, `https://127.0.0.1:${port}`, `http://127.0.0.1:${port}.evil.example`]) {
      const r = await get('/api/sessions', `Origin: ${origin}\r\n`);
      expect(r.status, origin).toBe(403);
      expect(r.body).not.toContain('fz-one');
    }
    expect((await get('/api/sessions', `Origin: http://127.0.0.1:${port}\r\n`)).status).toBe(200);
    expect((await get('/api/sessions', 'Sec-Fetch-Site: cross-site\r\n')).status).toBe(403);
    const preflight = await raw(`OPTIONS /api/sessions HTTP/1.1\r\n${H()}Origin: http://evil.example\r\nAccess-Control-Request-Method: POST\r\nAccess-Control-Request-Headers: content-type\r\n\r\n`);
    expect(preflight.status).toBe(403);
    expect(preflight.head.toLowerCase()).not.toContain('access-control-');
    expect((await raw(`OPTIONS /api/sessions HTTP/1.1\r\n${H()}\r\n`)).status).toBe(405);
    const headR = await raw(`HEAD /api/sessions HTTP/1.1\r\n${H()}Connection: close\r\n\r\n`);
    expect(headR.status).toBe(404);
    for (const method of ['PUT', 'PATCH', 'PROPFIND', 'TRACE']) expect((await write(method, '/api/sessions', 'application/json', '{}')).status, method).toBe(404);
    // many small headers, a header with a NUL, an obsolete line folding
    expect((await raw(`GET /api/status HTTP/1.1\r\n${H()}${Array.from({ length: 4_000 }, (_, i) => `X-${i}: y\r\n`).join('')}\r\n`)).status).toBe(431);
    expect((await raw(Buffer.from(`GET /api/status HTTP/1.1\r\n${H()}X-A: a\x00b\r\n\r\n`, 'latin1'))).status).toBe(400);
    expect((await raw(`GET /api/status HTTP/1.1\r\n${H()}X-A: a\r\n folded\r\n\r\n`)).status).toBe(400);
    await alive('headers');
  });

  it('WebSocket upgrades: wrong path, missing key, bad version, cross-origin, foreign Host, bad frames', async () => {
    const up = (path: string, extra: string, key = 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n', version = 'Sec-WebSocket-Version: 13\r\n', host = H()) =>
      raw(`GET ${path} HTTP/1.1\r\n${host}Connection: Upgrade\r\nUpgrade: websocket\r\n${key}${version}${extra}\r\n`, { ms: 3_000 });
    expect((await up('/ws/nope', '')).status).toBe(404);
    expect((await up('/ws/events/x', '')).status).toBe(404);
    expect((await up('//ws/events', '')).status).toBe(400);
    expect((await up('/ws/%E0%A4%A', '')).status).toBe(400);
    expect((await up('/ws/events', '', '')).status).toBe(400);
    expect((await up('/ws/events', '', 'Sec-WebSocket-Key: short\r\n')).status).toBe(400);
    expect((await up('/ws/events', '', undefined, 'Sec-WebSocket-Version: 12\r\n')).status).toBe(400);
    expect((await up('/ws/events', '', undefined, '')).status).toBe(400);
    expect((await up('/ws/events', 'Origin: http://evil.example\r\n')).status).toBe(403);
    expect((await up('/ws/events', 'Origin: null\r\n')).status).toBe(403);
    expect((await up('/ws/events', '', undefined, undefined, `Host: rebind.test:${port}\r\n`)).status).toBe(421);
    expect((await up('/ws/events', '', undefined, undefined, '')).status).toBe(421);
    expect((await raw(`POST /ws/events HTTP/1.1\r\n${H()}Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`, { ms: 3_000 })).status).toBe(405);
    expect((await raw(`GET /api/status HTTP/1.1\r\n${H()}Connection: Upgrade\r\nUpgrade: h2c\r\n\r\n`, { ms: 3_000 })).status).toBe(404);
    // a real WebSocket, then garbage frames and a frame over maxPayload: that client is closed
    const ok = await raw(`GET /ws/events HTTP/1.1\r\n${H()}Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`, { head: true });
    expect(ok.status).toBe(101);
    const badFrames = await raw(
      [`GET /ws/events HTTP/1.1\r\n${H()}Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`, Buffer.from([0x81, 0x05, 0x68, 0x65, 0x6c, 0x6c, 0x6f]), Buffer.from([0xff, 0xff, 0xff, 0xff])],
      { ms: 3_000 },
    );
    expect(badFrames.status).toBe(101);
    expect(badFrames.closed).toBe(true);
    const closeCode = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/ws/events`);
      ws.on('open', () => ws.send(Buffer.alloc(100_000)));
      ws.on('error', () => undefined);
      ws.on('close', (code) => resolve(code));
    });
    expect(closeCode).toBe(1009);
    await alive('upgrades');
  });

  it('the Unix socket: invalid JSON, unknown methods, wrong types, huge lines, partial lines, a flood of requests', async () => {
    const bad = ['{', 'nope', '"str"', '123', 'null', '[]', '{"id":1}', '{"method":"daemon.info"}', '{"id":-1,"method":"daemon.info"}', '{"id":"1","method":"daemon.info"}', '{"id":1.5,"method":"daemon.info"}', '{"id":1e400,"method":"daemon.info"}', '{"id":1,"method":"daemon.info","extra":1}', '{"id":1,"method":""}', '\u0000\u0001', '\ufeff{"id":1,"method":"daemon.info"}'];
    for (const line of bad) {
      const [a] = await rpcLines([`${line}\n`], 1);
      expect(errorOf(a), line).toMatchObject({ id: null, code: 'invalid_input' });
    }
    for (const method of ['nope', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'sessions.', 'sessions.list.x', 'x'.repeat(10_000)]) {
      const [a] = await rpcLines([`${JSON.stringify({ id: 3, method })}\n`], 1);
      expect(errorOf(a), method.slice(0, 20)).toMatchObject({ id: 3, code: 'invalid_input', message: expect.stringContaining('unknown method') as string });
    }
    const wrong: [string, unknown][] = [
      ['sessions.get', { name: 5 }],
      ['sessions.get', { name: '' }],
      ['sessions.get', { name: 'x'.repeat(300) }],
      ['sessions.get', 'fz-one'],
      ['sessions.get', null],
      ['sessions.get', ['fz-one']],
      ['sessions.list', { filter: 'everything' }],
      ['sessions.list', { filter: { $ne: 1 } }],
      ['sessions.output', { name: 'fz-one', lines: 1e9 }],
      ['sessions.output', { name: 'fz-one', lines: -1 }],
      ['sessions.delete', { name: 'fz-one', force: 'yes' }],
      ['sessions.create', { repoPath: 'relative', prompt: 'x' }],
      ['sessions.create', { repoPath: env.repo, prompt: 5 }],
      ['sessions.create', { repoPath: env.repo, prompt: 'x', backend: 'vm' }],
      ['sessions.setAccessMode', { name: 'fz-one', mode: 'admin' }],
      ['repos.recent', { limit: 'all' }],
      ['daemon.info', { x: 1 }],
      ['daemon.stop', { now: true }],
    ];
    for (const [method, params] of wrong) {
      const [a] = await rpcLines([`${JSON.stringify({ id: 4, method, params })}\n`], 1);
      expect(errorOf(a), `${method} ${JSON.stringify(params)}`).toMatchObject({ id: 4, code: 'invalid_input' });
    }
    await alive('socket: bad requests');

    // lines over MAX_LINE_BYTES (1 MiB): answered, then the connection is closed — whole, in
    // pieces, with a newline after it, and counted in bytes (é is two)
    const over = (1 << 20) + 10;
    for (const data of [['x'.repeat(over)], [`{"id":1,"method":"daemon.info","params":{"p":"${'x'.repeat(over)}`, '"}}\n'], ['y'.repeat(600_000), 'y'.repeat(600_000), '\n{"id":9,"method":"daemon.info"}\n'], [`${'é'.repeat(600_000)}\n`]]) {
      const got = await rpcLines(data, 5, 5_000);
      expect(got.length, `${data[0]?.slice(0, 10)}…`).toBe(1); // the answer, then the close (no answer to the line after)
      expect(errorOf(got[0])).toMatchObject({ id: null, code: 'invalid_input', message: expect.stringContaining('over 1048576 bytes') as string });
      expect(got.closed).toBe(true); // closed by the daemon, not waited out
    }
    // just under the limit is read (and is a bad request, not a closed connection)
    expect(errorOf((await rpcLines([`{"id":2,"method":"daemon.info","params":{"p":"${'x'.repeat((1 << 20) - 100)}"}}\n`], 1))[0])).toMatchObject({ id: 2, code: 'invalid_input' });
    // partial lines then a disconnect; invalid UTF-8; a flood of pipelined requests on one connection
    for (const part of ['{"id":1,"meth', '{"id":1,"method":"sessions.list"', 'x'.repeat(500_000)]) await rpcLines([part], 1, 200);
    expect(errorOf((await rpcLines([Buffer.from([0xff, 0xfe, 0x80, 0x0a])], 1))[0]).code).toBe('invalid_input');
    const flood = await rpcLines([Array.from({ length: 2_000 }, (_, i) => `{"id":${i},"method":"daemon.info"}\n`).join('')], 2_000, 10_000);
    expect(flood).toHaveLength(2_000);
    expect(new Set(flood.map((l) => (JSON.parse(l) as { id: number }).id)).size).toBe(2_000);
    await alive('socket: huge and partial lines');
  });

  it('many connections at once, clients that vanish mid-request, one that disconnects during sessions.create', async () => {
    // 200 socket clients and 100 HTTP clients at once, every one answered
    const socketAnswers = await Promise.all(Array.from({ length: 200 }, (_, i) => rpcLines([`{"id":${i},"method":"sessions.list","params":{"filter":"all"}}\n`], 1, 15_000)));
    expect(socketAnswers.filter((a) => a.length === 1 && a[0]?.startsWith(`{"id":`) && a[0].includes('"result":[')).length).toBe(200);
    // 100 HTTP clients at once, half of them bad: each gets its own answer
    const mixed: [() => Promise<Answer>, number][] = [
      [() => get('/api/sessions'), 200],
      [() => get('//'), 400],
      [() => get('/api/sessions/%E0%A4%A'), 400],
      [() => write('POST', '/api/sessions', 'text/plain', '{}'), 415],
      [() => raw(`POST /api/sessions HTTP/1.1\r\n${H()}content-type: application/json\r\ncontent-length: 5000000\r\n\r\n`), 413],
      [() => get('/api/status', 'Origin: http://evil.example\r\n'), 403],
      [() => raw(`GET /api/sessions HTTP/1.1\r\nHost: rebind.test:${port}\r\nConnection: close\r\n\r\n`), 421],
      [() => get('/api/sessions'), 200],
    ];
    const httpAnswers = await Promise.all(Array.from({ length: 100 }, (_, i) => mixed[i % mixed.length] as [() => Promise<Answer>, number]).map(async ([probe, want]) => [(await probe()).status, want]));
    expect(httpAnswers.filter(([got, want]) => got === want).length, JSON.stringify(httpAnswers.filter(([got, want]) => got !== want).slice(0, 5))).toBe(100);
    // half-sent requests dropped by their clients: headers, bodies, upgrades, subscriptions
    await Promise.all([
      ...Array.from({ length: 40 }, () => raw(`POST /api/sessions HTTP/1.1\r\n${H()}content-type: appl`, { ms: 100 })),
      ...Array.from({ length: 40 }, () => raw(`POST /api/sessions HTTP/1.1\r\n${H()}content-type: application/json\r\ncontent-length: 5000\r\n\r\n{"repoPath":"/`, { ms: 100 })),
      ...Array.from({ length: 20 }, () => raw(`GET /ws/events HTTP/1.1\r\n${H()}Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`, { ms: 100 })),
      ...Array.from({ length: 40 }, () => rpcLines(['{"id":1,"method":"events.subscribe"}\n'], 1, 300)),
      ...Array.from({ length: 20 }, () => rpcLines(['{"id":1,"method":"sessions.output","params":{"name":"fz-one","lines":10000}}\n'], 0, 1)),
    ]);
    await alive('many connections');

    // a create whose client leaves after the first progress line: the session is made all the same
    const progress = await new Promise<string>((resolve) => {
      const s = connect(join(env.home, 'clauderon.sock'));
      s.on('error', () => undefined);
      s.on('data', (d: Buffer) => {
        s.destroy();
        resolve(d.toString('utf8'));
      });
      s.write(`${JSON.stringify({ id: 1, method: 'sessions.create', params: { repoPath: env.repo, prompt: 'left', name: 'fz-left', backend: 'tmux' } })}\n`);
    });
    expect(progress).toContain('"progress"');
    // and one whose HTTP client leaves as soon as its request is sent
    await raw(`POST /api/sessions HTTP/1.1\r\n${H()}content-type: application/json\r\ncontent-length: ${Buffer.byteLength(`{"repoPath":"${env.repo}","prompt":"gone","name":"fz-gone","backend":"tmux"}`)}\r\n\r\n{"repoPath":"${env.repo}","prompt":"gone","name":"fz-gone","backend":"tmux"}`, { ms: 300 });
    await waitFor(() => {
      const l = env.json<Session[]>(['list', '--all']);
      return ['fz-left', 'fz-gone'].every((n) => l.find((s) => s.name === n)?.status === 'running');
    }, 'the sessions whose clients left to be running', 30_000);
    names.add('fz-left');
    names.add('fz-gone');
    await alive('clients gone mid-create');
  });

  it('a seeded random pass over methods, paths, headers and bodies: every answer is a 4xx/2xx, never a 5xx or a reset', async () => {
    const rnd = prng(0xc1a0de);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
    const methods = ['GET', 'POST', 'DELETE', 'PUT', 'OPTIONS', 'HEAD', 'PATCH', 'GET', 'POST'];
    const segs = ['api', 'sessions', 'status', 'recent-repos', 'hooks', 'history', 'archive', 'unarchive', 'access-mode', 'nope', '..', '%2e%2e', '%2f', '%00', '%E0%A4%A', '%', '%ff', '%C3%A9', 'x'.repeat(300), '', 'ws', 'events', ';', '%3B', '*'];
    const types = [null, 'application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=b', 'application/json\u0000'];
    const hosts = [`127.0.0.1:${port}`, `127.0.0.1:${port}`, `localhost:${port}`, `evil.example:${port}`, `127.0.0.1`, ''];
    const origins = [null, null, null, `http://127.0.0.1:${port}`, 'http://evil.example', 'null'];
    const bodies = ['', '{}', '{', '[]', 'null', '{"mode":"read-only"}', '{"hook_event_name":"Stop"}', 'a=b&c=d', '\u0000\u00ff', '{"prompt":"x"}', '"x"'.repeat(1000)];
    const statuses: number[] = [];
    for (let i = 0; i < 250; i++) {
      const method = pick(methods);
      const depth = 1 + Math.floor(rnd() * 4);
      const path = `/${Array.from({ length: depth }, (_, j) => (j === 0 && rnd() < 0.8 ? 'api' : pick(segs))).join('/')}${rnd() < 0.3 ? `?${pick(['filter=all', 'force=true', 'session=nope', 'limit=%zz', '%', 'a=%E0%A4%A'])}` : ''}`;
      const type = pick(types);
      const host = pick(hosts);
      const origin = pick(origins);
      const body = method === 'GET' || method === 'HEAD' ? '' : pick(bodies);
      const text = `${method} ${path} HTTP/1.1\r\n${host ? `Host: ${host}\r\n` : ''}${type === null ? '' : `Content-Type: ${type}\r\n`}${origin ? `Origin: ${origin}\r\n` : ''}Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
      const r = await raw(Buffer.from(text, 'utf8'), { ms: 5_000 });
      expect(r.status, `${method} ${path} ${String(type)} ${host} ${String(origin)} ${body.slice(0, 20)}`).not.toBeNull();
      expect(r.status, `${method} ${path} ${String(type)} ${host} ${String(origin)} ${body.slice(0, 20)}`).toBeLessThan(500);
      statuses.push(r.status ?? 0);
    }
    // (the pass reached more than one kind of answer)
    expect(new Set(statuses).size).toBeGreaterThan(5);
    // and over the socket: random methods (none that stops, rotates or creates) with random params
    const rpcMethods = ['sessions.list', 'sessions.get', 'sessions.output', 'sessions.events', 'sessions.attach', 'sessions.env', 'repos.recent', 'config.show', 'daemon.info', 'credentials.describe', 'ca.show', 'nope', 'sessions.archive', 'sessions.delete', 'sessions.setAccessMode'];
    const values: unknown[] = [null, true, 0, -1, 1e308, 'x', '', 'nope', 'fz-nope', '../..', [], {}, { a: 1 }, 'x'.repeat(500)];
    const lines: string[] = [];
    for (let i = 0; i < 300; i++) {
      const params: Record<string, unknown> = {};
      for (const k of ['name', 'filter', 'lines', 'limit', 'force', 'mode', 'x'].filter(() => rnd() < 0.3)) params[k] = pick(values);
      lines.push(`${JSON.stringify({ id: i, method: pick(rpcMethods), ...(rnd() < 0.9 ? { params } : {}) })}\n`);
    }
    const answers = await rpcLines([lines.join('')], 300, 15_000);
    expect(answers).toHaveLength(300);
    for (const a of answers) {
      const m = JSON.parse(a) as { error?: { code: string } };
      expect(m.error?.code ?? 'ok', a.slice(0, 200)).not.toBe('internal');
    }
    await alive('random pass');
  });
});
