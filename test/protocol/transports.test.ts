// Both transports serve the same operations: against the built binary's daemon, every operation of
// the table with an HTTP route is run over the Unix socket (DaemonClient) and over HTTP (fetch, the
// request built from the table): a read answers the same both ways, a write works both ways, a bad
// param or an unknown session is the same error code both ways (and the HTTP status that code
// maps to), and the event stream pushes the same events to the socket and the WebSocket. The
// socket-only operations have no HTTP route. Loopback only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { DaemonClient } from '../../src/client/client.js';
import { getPaths } from '../../src/config/paths.js';
import { httpRequestFor, METHODS, operations, type Method, type Params, type Result } from '../../src/protocol/operations.js';
import type { DaemonEvent } from '../../src/shared/events.js';
import { isClauderonError } from '../../src/shared/errors.js';
import type { Session } from '../../src/shared/types.js';
import { makeEnv, waitFor, type Env } from '../helpers/e2e.js';

let env: Env;
let client: DaemonClient;
let session: Session;

beforeAll(async () => {
  env = makeEnv();
  session = env.json<Session>(['create', '--backend', 'tmux', '--repo', env.repo, '--prompt', 'parity', '--name', 'par']);
  client = await DaemonClient.connect({ paths: getPaths(env.home), autoSpawn: false });
  // (the agent's screen is settled once it has printed: output is compared below)
  await waitFor(() => env.run(['output', 'par']).stdout.includes('FAKE-AGENT secret-env'), 'the agent to print');
}, 60_000);
afterAll(() => {
  client?.close();
  env?.cleanup();
});

type Outcome = { ok: true; result: unknown } | { ok: false; code: string };

async function overSocket<M extends Method>(m: M, params: Params<M>): Promise<Outcome> {
  try {
    const result: Result<M> = await client.call(m, params);
    return { ok: true, result };
  } catch (e) {
    return { ok: false, code: isClauderonError(e) ? e.code : String(e) };
  }
}

async function overHttp<M extends Method>(m: M, params: Params<M>): Promise<Outcome & { status: number }> {
  const req = httpRequestFor(m, params);
  const r = await fetch(`http://127.0.0.1:${env.httpPort}${req.path}`, {
    method: req.method,
    headers: req.method === 'GET' ? {} : { 'content-type': 'application/json' },
    ...(req.body ? { body: JSON.stringify(req.body) } : {}),
  });
  const body = (await r.json()) as { error?: { code: string } };
  return r.ok ? { status: r.status, ok: true, result: body } : { status: r.status, ok: false, code: body.error?.code ?? '(none)' };
}

const HTTP_STATUS: Record<string, number> = { invalid_input: 400, not_found: 404, conflict: 409 };

/** Params each routed read is run with (a new routed operation needs one here). */
const READS: { [M in Method]?: Params<M> } = {
  'daemon.info': {},
  'daemon.status': {},
  'sessions.list': { filter: 'all' },
  'sessions.get': { name: 'par' },
  'sessions.output': { name: 'par', lines: 20 },
  'sessions.diff': { name: 'par' },
  'sessions.events': { name: 'par' },
  'sessions.env': { name: 'par' },
  'sessions.history': { name: 'par' },
  'sessions.files': { name: 'par' },
  'sessions.file': { name: 'par', path: 'a.txt' },
  'sessions.audit': { name: 'par', limit: 10 },
  'sessions.egress': { name: 'par' },
  'repos.recent': { limit: 5 },
  'catalog.get': {},
  // (a read sent as a POST: the path stays out of the URL)
  'directories.browse': { path: '/' },
  'config.show': {},
  'credentials.describe': {},
  'ca.show': {},
  'push.key': {},
};

/** Params each routed write is run with: ones every such write refuses the same way (no such session, not a repository). */
const REFUSED_WRITES: { [M in Method]?: Params<M> } = {
  'sessions.create': { repoPath: '/nonexistent-clauderon-repo', prompt: 'x', backend: 'tmux' },
  'sessions.archive': { name: 'nope' },
  'sessions.unarchive': { name: 'nope' },
  'sessions.refresh': { name: 'nope' },
  'sessions.fetch': { name: 'nope' },
  'sessions.delete': { name: 'nope', force: true },
  'sessions.setAccessMode': { name: 'nope', mode: 'read-only' },
  'sessions.egressAllow': { name: 'nope', host: 'example.com' },
  // (a push service over plain http on another host is refused; an empty endpoint is no endpoint)
  'push.subscribe': { endpoint: 'http://push.example.com/x', keys: { p256dh: `B${'A'.repeat(86)}`, auth: 'A'.repeat(22) } },
  'push.unsubscribe': { endpoint: '' },
};

async function both<M extends Method>(m: M, params: Params<M>): Promise<[Outcome, Outcome & { status: number }]> {
  return [await overSocket(m, params), await overHttp(m, params)];
}

describe('the socket and the HTTP API serve the same operations', () => {
  it('has a probe here for every operation with a route that answers once', () => {
    const routed = METHODS.filter((m) => operations[m].http && !operations[m].http.stream);
    // (sessions.upload's HTTP body is the raw image, not the socket's JSON: both are in test/e2e/uploads.test.ts)
    const probed = [...Object.keys(READS), ...Object.keys(REFUSED_WRITES), 'reconcile', 'ca.rotate', 'sessions.upload'];
    expect(routed.sort()).toEqual(probed.sort());
  });

  it('a read answers the same over both', async () => {
    for (const [m, params] of Object.entries(READS) as [Method, Params<Method>][]) {
      const [socket, http] = await both(m, params);
      expect(socket.ok, `${m} over the socket: ${JSON.stringify(socket)}`).toBe(true);
      expect(http.status, `${m} over HTTP: ${JSON.stringify(http)}`).toBe(200);
      expect(http, m).toEqual({ ...socket, status: 200 });
    }
    // (they answered about the session, not just something; by id too)
    const [socket, http] = await both('sessions.get', { name: session.id });
    expect(socket).toMatchObject({ ok: true, result: { name: 'par' } });
    expect(http).toEqual({ ...socket, status: 200 });
  });

  it('a write works over both, and refuses the same way over both', async () => {
    const ro = await overHttp('sessions.setAccessMode', { name: 'par', mode: 'read-only' });
    expect(ro).toMatchObject({ status: 200, ok: true, result: { name: 'par', accessMode: 'read-only' } });
    const rw = await overSocket('sessions.setAccessMode', { name: 'par', mode: 'read-write' });
    expect(rw).toMatchObject({ ok: true, result: { name: 'par', accessMode: 'read-write' } });
    const [socketReconcile, httpReconcile] = await both('reconcile', {});
    expect(socketReconcile.ok).toBe(true);
    expect(httpReconcile).toEqual({ ...socketReconcile, status: 200 });

    for (const [m, params] of Object.entries(REFUSED_WRITES) as [Method, Params<Method>][]) {
      const [socket, http] = await both(m, params);
      expect(socket.ok, `${m}: ${JSON.stringify(socket)}`).toBe(false);
      expect(http, m).toEqual({ ...socket, status: HTTP_STATUS[socket.ok ? '' : socket.code] });
    }

    // last: rotating the CA (it marks the live session) works both ways
    const [socketCa, httpCa] = await both('ca.rotate', {});
    expect(socketCa).toMatchObject({ ok: true, result: { rotated: true, restart: ['par'] } });
    expect(httpCa).toMatchObject({ status: 200, ok: true, result: { rotated: true, restart: ['par'] } });
  });

  it('a bad param is the same error code over both', async () => {
    const bad: [Method, Record<string, unknown>, string][] = [
      ['sessions.output', { name: 'par', lines: 0 }, 'invalid_input'],
      ['sessions.output', { name: 'par', lines: 10_001 }, 'invalid_input'],
      ['sessions.setAccessMode', { name: 'par', mode: 'admin' }, 'invalid_input'],
      ['sessions.create', { repoPath: 'relative', prompt: 'x' }, 'invalid_input'],
      ['sessions.create', { repoPath: env.repo, prompt: 'x', backend: 'vm' }, 'invalid_input'],
      ['sessions.create', { repoPath: env.repo, prompt: 'x', extra: 1 }, 'invalid_input'],
      ['sessions.archive', { name: 'par', extra: 1 }, 'invalid_input'],
      ['sessions.get', { name: 'nope' }, 'not_found'],
      ['sessions.history', { name: 'nope' }, 'not_found'],
      ['sessions.events', { name: 'nope' }, 'not_found'],
    ];
    for (const [m, params, code] of bad) {
      // (deliberately wrong params: past the types, as a client of either transport could send them)
      const [socket, http] = await both(m, params as Params<Method>);
      expect(socket, `${m} ${JSON.stringify(params)} over the socket`).toEqual({ ok: false, code });
      expect(http, `${m} ${JSON.stringify(params)} over HTTP`).toEqual({ ok: false, code, status: HTTP_STATUS[code] });
    }
  });

  it('the event stream pushes the same events to a socket subscriber and a WebSocket', async () => {
    const socketEvents: DaemonEvent[] = [];
    const unsubscribe = await client.subscribe((e) => socketEvents.push(e));
    const ws = new WebSocket(`ws://127.0.0.1:${env.httpPort}/ws/events`);
    const wsEvents: Record<string, unknown>[] = [];
    ws.on('message', (d: Buffer) => wsEvents.push(JSON.parse(d.toString('utf8')) as Record<string, unknown>));
    await waitFor(() => wsEvents.some((e) => e.type === 'hello'), 'the WebSocket hello');
    expect(wsEvents[0]).toMatchObject({ type: 'hello', ...((await overSocket('daemon.status', {})) as { result: object }).result });
    await overHttp('sessions.setAccessMode', { name: 'par', mode: 'read-only' });
    await overSocket('sessions.setAccessMode', { name: 'par', mode: 'read-write' });
    const modes = (list: readonly unknown[]) => list.flatMap((e) => ((e as DaemonEvent).type === 'session.updated' ? [(e as { session: Session }).session.accessMode] : []));
    await waitFor(() => modes(socketEvents).length >= 2 && modes(wsEvents).length >= 2, 'both updates on both streams');
    expect(modes(socketEvents)).toEqual(['read-only', 'read-write']);
    expect(wsEvents.slice(1)).toEqual(socketEvents);
    unsubscribe();
    ws.terminate();
  });

  it('keeps the local operations off HTTP; the socket also serves what was HTTP-only', async () => {
    for (const [method, path] of [
      ['POST', '/api/daemon/stop'],
      ['GET', '/api/sessions/par/attach'],
      ['POST', '/api/sessions/par/attach'],
    ]) {
      const r = await fetch(`http://127.0.0.1:${env.httpPort}${path}`, { method, headers: { 'content-type': 'application/json' } });
      expect(r.status, `${method} ${path}`).toBe(404);
    }
    expect(await overSocket('sessions.attach', { name: 'par' })).toMatchObject({ ok: true, result: { session: { name: 'par' } } });
    expect(await overSocket('sessions.history', { name: 'par' })).toEqual({ ok: true, result: { lines: [] } });
    // the daemon is still the same one
    expect((await overSocket('daemon.info', {})) as { result: { pid: number } }).toMatchObject({ result: { pid: env.daemonPid() } });
  });
});
