// How the HTTP API turns a request into an operation's params (path, declared query, JSON body),
// in process on a real store (test/daemon/api-fixture.ts): the old routes' lenient queries stay
// lenient, everything else is validated as strictly as over the socket, and an API with no daemon
// behind it answers the daemon's own operations with 503.
import { afterEach, describe, expect, it } from 'vitest';
import { startApi, type ApiFixture } from '../daemon/api-fixture.js';
import { session } from '../tui/fixtures.js';

let fx: ApiFixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

async function call(method: string, path: string, body?: string): Promise<{ status: number; body: { error?: { code: string; message: string } } & Record<string, unknown> }> {
  const r = await fetch(`http://127.0.0.1:${fx?.api.port ?? 0}${path}`, { method, headers: method === 'GET' ? {} : { 'content-type': 'application/json' }, ...(body !== undefined ? { body } : {}) });
  return { status: r.status, body: (await r.json()) as { error?: { code: string; message: string } } & Record<string, unknown> };
}

describe('HTTP params', () => {
  it('reads path segments, the declared query and the body, and validates them like the socket', async () => {
    fx = await startApi();
    const s = session({ name: 'hp', status: 'archived' });
    fx.store.insertSession(s);
    // lenient, as these routes always were: an unknown filter is active, a bad limit is 20
    expect(await call('GET', '/api/sessions?filter=bogus')).toMatchObject({ status: 200, body: [] });
    expect((await call('GET', '/api/sessions?filter=archived&x=1')).body).toMatchObject([{ name: 'hp' }]);
    expect((await call('GET', '/api/recent-repos?limit=1e309')).status).toBe(200);
    // strict elsewhere
    expect(await call('GET', '/api/sessions/hp/output?lines=abc')).toMatchObject({ status: 400, body: { error: { code: 'invalid_input', message: expect.stringMatching(/^invalid lines: /) as string } } });
    expect(await call('GET', '/api/sessions/hp/output?lines=0')).toMatchObject({ status: 400, body: { error: { code: 'invalid_input' } } });
    // a body key of the path's, or of no param, is refused; an empty body is {}
    expect(await call('POST', '/api/sessions/hp/access-mode', '{"mode":"read-only","name":"other"}')).toMatchObject({ status: 400, body: { error: { message: expect.stringContaining('invalid request body') as string } } });
    expect(await call('POST', '/api/sessions/hp/unarchive', '{"extra":1}')).toMatchObject({ status: 400, body: { error: { code: 'invalid_input' } } });
    expect(await call('POST', '/api/sessions/hp/access-mode', '[]')).toMatchObject({ status: 400, body: { error: { message: expect.stringContaining('(body)') as string } } });
    expect(await call('POST', '/api/sessions/hp/access-mode', '{"mode":"read-only"}')).toMatchObject({ status: 200, body: { name: 'hp', accessMode: 'read-only' } });
    expect(await call('GET', `/api/sessions/${s.id}/events`)).toMatchObject({ status: 200 });
    expect(await call('DELETE', '/api/sessions/nope?force=true')).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    // no such route: 404, as before
    expect(await call('PUT', '/api/sessions')).toMatchObject({ status: 404, body: { error: { message: 'no such endpoint PUT /api/sessions' } } });
    expect(await call('GET', '/api/sessions/hp/attach')).toMatchObject({ status: 404 });
  });

  it('without a daemon behind it: status from the store, the daemon’s own operations 503', async () => {
    fx = await startApi();
    expect(await call('GET', '/api/status')).toMatchObject({ status: 200, body: { pid: process.pid, httpPort: fx.api.port, sessions: {} } });
    for (const [method, path] of [['GET', '/api/daemon'], ['GET', '/api/config'], ['GET', '/api/credentials'], ['GET', '/api/ca'], ['POST', '/api/ca/rotate']] as const) {
      expect(await call(method, path), path).toMatchObject({ status: 503, body: { error: { code: 'daemon' } } });
    }
  });
});
