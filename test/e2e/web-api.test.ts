// The daemon's operations for the web UI, against the built binary's daemon with a real tmux
// session, real git and a real proxy: each over HTTP (the request built from the operations table)
// and over the Unix socket (DaemonClient), answering the same. catalog.get (the registries and
// config defaults), directories.browse (a temp tree, repositories marked, errors said, never into
// the clauderon home), sessions.files / sessions.file (the worktree with its changes marked;
// `..`, an absolute path and symlinks leading out refused, showing nothing from outside),
// sessions.audit (after requests through the session's proxy to a fake upstream: newest first,
// the credential's name and never its value) and the `proxy.audit` event on /ws/events and the
// socket. Also: the page itself, if built. Loopback only.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { makeTestPki, startFakeEcho, type FakeUpstream } from '../../fixtures/upstreams/index.js';
import { DaemonClient } from '../../src/client/client.js';
import { getPaths } from '../../src/config/paths.js';
import { httpRequestFor, type Method, type Params } from '../../src/protocol/operations.js';
import { isClauderonError } from '../../src/shared/errors.js';
import type { DaemonEvent } from '../../src/shared/events.js';
import type { Session } from '../../src/shared/types.js';
import { makeEnv, ROOT, waitFor, type Env } from '../helpers/e2e.js';

const REAL = 'ghp_REAL_web_api_token_0123456789abcdefXYZ';
const OUTSIDE = 'OUTSIDE-THE-WORKTREE-do-not-show';

let env: Env;
let echo: FakeUpstream;
let client: DaemonClient;
let s: Session;

type Outcome = { ok: true; result: unknown } | { ok: false; code: string; field?: string | undefined; message?: string };

async function overSocket<M extends Method>(m: M, params: Params<M>): Promise<Outcome> {
  try {
    return { ok: true, result: await client.call(m, params) };
  } catch (e) {
    return isClauderonError(e) ? { ok: false, code: e.code, field: e.field, message: e.message } : { ok: false, code: String(e) };
  }
}

async function overHttp<M extends Method>(m: M, params: Params<M>): Promise<Outcome & { status: number; text: string }> {
  const req = httpRequestFor(m, params);
  const r = await fetch(`http://127.0.0.1:${env.httpPort}${req.path}`, {
    method: req.method,
    headers: req.method === 'GET' ? {} : { 'content-type': 'application/json' },
    ...(req.body ? { body: JSON.stringify(req.body) } : {}),
  });
  const text = await r.text();
  const body = JSON.parse(text) as { error?: { code: string; field?: string; message: string } };
  return r.ok ? { status: r.status, text, ok: true, result: body } : { status: r.status, text, ok: false, code: body.error?.code ?? '(none)', field: body.error?.field, message: body.error?.message ?? '' };
}

/** Both transports; they must agree; the result (or the error). */
async function both<M extends Method>(m: M, params: Params<M>): Promise<{ socket: Outcome; http: Outcome & { status: number; text: string } }> {
  const socket = await overSocket(m, params);
  const http = await overHttp(m, params);
  // (the same result, or the same error code and field: the wording of a bad body's message is HTTP's own)
  const same = (o: Outcome) => (o.ok ? { ok: true, result: o.result } : { ok: false, code: o.code, field: o.field });
  expect(same(http), `${m} ${JSON.stringify(params)}: HTTP and socket differ`).toEqual(same(socket));
  return { socket, http };
}

async function ok<T>(m: Method, params: Params<Method>): Promise<T> {
  const { socket, http } = await both(m, params);
  expect(socket.ok, `${m}: ${JSON.stringify(socket)}`).toBe(true);
  expect(http.status).toBe(200);
  return (socket as { result: T }).result;
}

function curlVia(proxyEnv: Record<string, string>, url: string): Promise<string> {
  return new Promise((resolve) => {
    execFile('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '-H', `Authorization: Bearer ${proxyEnv.GITHUB_TOKEN ?? ''}`, url], { env: { PATH: process.env.PATH ?? '', ...proxyEnv } }, (_e, stdout) => resolve(stdout));
  });
}

beforeAll(async () => {
  env = makeEnv();
  const pki = makeTestPki(['api.github.com']);
  echo = await startFakeEcho(pki, { name: 'github' });
  const upstreamCa = join(env.root, 'upstream-ca.pem');
  writeFileSync(upstreamCa, pki.caPem);
  // the first client starts the daemon: it inherits the real token and the test-only override
  s = env.json<Session>(['create', '--backend', 'tmux', '--repo', env.repo, '--prompt', 'web api', '--name', 'web'], {
    env: { GITHUB_TOKEN: REAL, CLAUDERON_UPSTREAM_OVERRIDES: JSON.stringify({ 'api.github.com': `127.0.0.1:${echo.port}` }), CLAUDERON_UPSTREAM_CA: upstreamCa },
  });
  client = await DaemonClient.connect({ paths: getPaths(env.home), autoSpawn: false });
  // what the agent did in its worktree: a change, a new file, and links that lead out
  writeFileSync(join(env.root, 'outside.txt'), `${OUTSIDE}\n`);
  mkdirSync(join(env.root, 'outside-dir'));
  writeFileSync(join(env.root, 'outside-dir', 'x.txt'), `${OUTSIDE}\n`);
  writeFileSync(join(s.worktreePath, 'a.txt'), 'a changed\n');
  writeFileSync(join(s.worktreePath, 'sub', 'new.txt'), 'new\n');
  writeFileSync(join(s.worktreePath, 'bin.dat'), Buffer.from([1, 0, 2, 0, 3]));
  symlinkSync(join(env.root, 'outside.txt'), join(s.worktreePath, 'leak'));
  symlinkSync(relative(s.worktreePath, join(env.root, 'outside-dir')), join(s.worktreePath, 'leakdir'));
  symlinkSync(relative(join(s.worktreePath, 'sub'), join(env.root, 'outside.txt')), join(s.worktreePath, 'sub', 'relleak'));
  symlinkSync(join(env.root, 'gone'), join(s.worktreePath, 'dangling'));
  symlinkSync('a.txt', join(s.worktreePath, 'inlink'));
}, 60_000);

afterAll(async () => {
  client?.close();
  env?.cleanup();
  await echo?.close();
});

describe('the daemon’s operations for the web UI', () => {
  it('catalog.get: backends with their own options, agents and defaults, from the registries', async () => {
    const c = await ok<{ backends: { name: string; options: { key: string }[] }[]; agents: { name: string; models: { id: string }[] }[]; defaults: { backend: string | null; agent: string } }>('catalog.get', {});
    expect(c.backends.map((b) => b.name)).toEqual(['zellij', 'tmux', 'docker', 'kubernetes', 'sprites']);
    expect(c.backends.find((b) => b.name === 'kubernetes')?.options.map((o) => o.key)).toEqual(expect.arrayContaining(['context', 'namespace', 'storageClass', 'image']));
    expect(c.backends.find((b) => b.name === 'tmux')?.options).toEqual([]);
    expect(c.backends.find((b) => b.name === 'docker')?.options.map((o) => o.key)).toContain('image');
    expect(c.agents.map((a) => a.name)).toEqual(expect.arrayContaining(['claude', 'codex', 'gemini']));
    // each agent's known models, from its own module (aliases first)
    expect(c.agents.find((a) => a.name === 'claude')?.models.map((m) => m.id).slice(0, 3)).toEqual(['sonnet', 'opus', 'haiku']);
    expect(c.agents.find((a) => a.name === 'gemini')?.models.map((m) => m.id)).toContain('gemini-2.5-pro');
    expect(c.defaults).toEqual({ backend: null, agent: 'claude' });
  });

  it('directories.browse: a temp tree, repositories marked, hidden left out, errors said, never inside the clauderon home', async () => {
    const tree = join(env.root, 'browse');
    for (const d of ['alpha/.git', 'beta/deep', '.hidden']) mkdirSync(join(tree, d), { recursive: true });
    writeFileSync(join(tree, 'file.txt'), 'x');
    symlinkSync(env.home, join(tree, 'to-home'));
    symlinkSync(join(env.home, 'worktrees'), join(tree, 'to-worktrees'));
    const l = await ok<{ path: string; parent: string; entries: { name: string; repo: boolean }[]; error: string | null }>('directories.browse', { path: tree });
    expect(l).toMatchObject({ path: tree, parent: env.root, error: null });
    expect(l.entries).toEqual([
      { name: 'alpha', repo: true },
      { name: 'beta', repo: false },
    ]);
    // the env's root holds the repository and the home: the home is not listed
    const root = await ok<{ entries: { name: string; repo: boolean }[] }>('directories.browse', { path: env.root });
    expect(root.entries).toContainEqual({ name: 'repo', repo: true });
    expect(root.entries.map((e) => e.name)).not.toContain('home');
    // inside the home: the directory that holds it instead, never the home's contents
    for (const inside of [env.home, join(env.home, 'worktrees'), s.worktreePath, join(tree, 'to-worktrees')]) {
      const r = await ok<{ path: string; entries: { name: string }[] }>('directories.browse', { path: inside });
      expect(r.path, inside).toBe(env.root);
      expect(r.entries.map((e) => e.name), inside).not.toContain('home');
      expect(JSON.stringify(r), inside).not.toContain('worktrees');
    }
    // what cannot be listed is said, not an empty answer
    const missing = await ok<{ entries: unknown[]; error: string }>('directories.browse', { path: join(tree, 'nope') });
    expect(missing).toMatchObject({ entries: [], error: `${join(tree, 'nope')} does not exist` });
    expect((await ok<{ error: string }>('directories.browse', { path: join(tree, 'file.txt') })).error).toBe(`${join(tree, 'file.txt')} is not a directory`);
    // a bad path is refused on its field, the same both ways
    const { socket } = await both('directories.browse', { path: 'a\0b' });
    expect(socket).toMatchObject({ ok: false, code: 'invalid_input', field: 'path' });
    const { http } = await both('directories.browse', { path: 'x'.repeat(5000) });
    expect(http.status).toBe(400);
  });

  it('sessions.files: the worktree, changed files marked, .git left out, links not followed', async () => {
    const l = await ok<{ entries: { path: string; type: string; changed: boolean }[]; truncated: boolean }>('sessions.files', { name: 'web' });
    expect(l.truncated).toBe(false);
    const by = new Map(l.entries.map((e) => [e.path, e]));
    expect(by.get('a.txt')).toEqual({ path: 'a.txt', type: 'file', changed: true });
    expect(by.get('sub')).toEqual({ path: 'sub', type: 'dir', changed: true });
    expect(by.get('sub/new.txt')).toEqual({ path: 'sub/new.txt', type: 'file', changed: true });
    expect(by.get('sub/b.txt')).toEqual({ path: 'sub/b.txt', type: 'file', changed: false });
    expect(by.get('leakdir')).toMatchObject({ type: 'file' });
    expect(l.entries.some((e) => e.path === '.git' || e.path.startsWith('.git/'))).toBe(false);
    expect(l.entries.some((e) => e.path.startsWith('leakdir/'))).toBe(false);
    expect(JSON.stringify(l)).not.toContain('x.txt');
    // by id too
    expect((await ok<{ entries: unknown[] }>('sessions.files', { name: s.id })).entries).toEqual(l.entries);
  });

  it('sessions.file: reads a worktree file; `..`, absolute paths and links leading out are refused and show nothing', async () => {
    expect(await ok('sessions.file', { name: 'web', path: 'a.txt' })).toEqual({ path: 'a.txt', content: 'a changed\n', binary: false, truncated: false });
    expect(await ok('sessions.file', { name: 'web', path: 'sub/./new.txt' })).toMatchObject({ path: 'sub/new.txt', content: 'new\n' });
    expect(await ok('sessions.file', { name: 'web', path: 'inlink' })).toMatchObject({ content: 'a changed\n' });
    expect(await ok('sessions.file', { name: 'web', path: 'bin.dat' })).toEqual({ path: 'bin.dat', content: '', binary: true, truncated: false });
    const refused = ['../outside.txt', 'sub/../../outside.txt', join(env.root, 'outside.txt'), '/etc/passwd', 'leak', 'leakdir/x.txt', 'leakdir', 'sub/relleak', 'dangling', '.git', '.git/HEAD', 'sub', ''];
    for (const path of refused) {
      const { socket, http } = await both('sessions.file', { name: 'web', path });
      expect(socket, path).toMatchObject({ ok: false, code: 'invalid_input', field: 'path' });
      expect(http.status, path).toBe(400);
      expect(http.text, path).not.toContain(OUTSIDE);
      expect(http.text, path).not.toContain('root:x:');
    }
    expect((await both('sessions.file', { name: 'web', path: 'nope.txt' })).socket).toMatchObject({ ok: false, code: 'not_found' });
    expect((await both('sessions.file', { name: 'nope', path: 'a.txt' })).http.status).toBe(404);
  });

  it('sessions.audit and proxy.audit: the session’s requests through its proxy, newest first, the credential’s name and never its value', async () => {
    const socketEvents: DaemonEvent[] = [];
    const unsubscribe = await client.subscribe((e) => socketEvents.push(e));
    const ws = new WebSocket(`ws://127.0.0.1:${env.httpPort}/ws/events`);
    const wsEvents: DaemonEvent[] = [];
    ws.on('message', (d: Buffer) => wsEvents.push(JSON.parse(d.toString('utf8')) as DaemonEvent));
    await waitFor(() => wsEvents.length > 0, 'the WebSocket hello');
    const agentEnv = await ok<Record<string, string>>('sessions.env', { name: 'web' });
    const proxyEnv = { HTTPS_PROXY: agentEnv.HTTPS_PROXY ?? '', CURL_CA_BUNDLE: agentEnv.CURL_CA_BUNDLE ?? '', GITHUB_TOKEN: agentEnv.GITHUB_TOKEN ?? '' };
    expect(await curlVia(proxyEnv, 'https://api.github.com/user')).toBe('200');
    expect(await curlVia(proxyEnv, 'https://api.github.com/repos/o/r?access_token=abc')).toBe('200');
    expect(echo.received.map((r) => r.headers.authorization)).toEqual([`Bearer ${REAL}`, `Bearer ${REAL}`]);

    const audits = (list: DaemonEvent[]) => list.flatMap((e) => (e.type === 'proxy.audit' ? [e] : []));
    await waitFor(() => audits(wsEvents).length >= 2 && audits(socketEvents).length >= 2, 'two proxy.audit events on both streams');
    for (const e of audits(wsEvents)) expect(e).toMatchObject({ sessionId: s.id, entry: { session: 'web', host: 'api.github.com', method: 'GET', credential: 'github_token', status: 200, blocked: null } });
    expect(audits(wsEvents).map((e) => e.entry.path)).toEqual(['/user', '/repos/o/r?access_token=…']);
    expect(audits(socketEvents)).toEqual(audits(wsEvents));
    expect(JSON.stringify(wsEvents)).not.toContain(REAL);
    unsubscribe();
    ws.terminate();

    const lines = await ok<{ path: string; credential: string; ts: string }[]>('sessions.audit', { name: 'web' });
    expect(lines.map((l) => l.path)).toEqual(['/repos/o/r?access_token=…', '/user']);
    expect(lines[0]).toEqual(audits(wsEvents)[1]?.entry);
    expect(lines.every((l) => l.credential === 'github_token')).toBe(true);
    expect(await ok('sessions.audit', { name: 'web', limit: 1 })).toEqual([lines[0]]);
    const { http } = await both('sessions.audit', { name: 'web' });
    expect(http.text).not.toContain(REAL);
    expect(http.text).not.toContain('abc');
    // over HTTP an invalid limit is the default; over the socket it is refused
    const r = await fetch(`http://127.0.0.1:${env.httpPort}/api/sessions/web/audit?limit=0`);
    expect(((await r.json()) as unknown[]).length).toBe(2);
    expect(await overSocket('sessions.audit', { name: 'web', limit: 0 })).toMatchObject({ ok: false, code: 'invalid_input' });
    // another session's audit is its own (none yet)
    env.json<Session>(['create', '--backend', 'tmux', '--repo', env.repo, '--prompt', 'other', '--name', 'other']);
    expect(await ok('sessions.audit', { name: 'other' })).toEqual([]);
    expect(readFileSync(join(env.home, 'audit.jsonl'), 'utf8')).not.toContain(REAL);
  });

  it('serves the web UI (or says it was not built) on /, the API beside it', async () => {
    const r = await fetch(`http://127.0.0.1:${env.httpPort}/`);
    const text = await r.text();
    expect(r.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(r.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    if (existsSync(join(ROOT, 'dist', 'web', 'index.html'))) {
      expect(r.status).toBe(200);
      expect(text).toBe(readFileSync(join(ROOT, 'dist', 'web', 'index.html'), 'utf8'));
      expect((await fetch(`http://127.0.0.1:${env.httpPort}/sessions/web`)).status).toBe(200);
    } else {
      expect(r.status).toBe(404);
      expect(text).toContain('npm run build');
    }
    expect((await fetch(`http://127.0.0.1:${env.httpPort}/api/nothing`)).status).toBe(404);
  });
});
