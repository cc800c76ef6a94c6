// The HTTP API's second kind of listener: on a container bridge's gateway it serves hooks only
// (the engine here has no bridge, so a second loopback address, 127.0.0.2, stands for the gateway).
// Real parts: a SQLite store in a temp dir, the SessionManager, the HttpApi, fetch.
import { afterEach, describe, expect, it } from 'vitest';
import { startApi } from './api-fixture.js';
import { session } from '../tui/fixtures.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('hooks-only listener', () => {
  it('serves POST /api/hooks on the extra address and nothing else of the API', async () => {
    const f = await startApi({}, () => ({}));
    cleanups.push(() => f.close());
    const { api, store, tokens } = f;
    const s = session({ name: 'boxed' });
    store.insertSession(s);
    await api.listenHooksOn('127.0.0.2');
    await api.listenHooksOn('127.0.0.2'); // idempotent

    const gw = `http://127.0.0.2:${api.port}`;
    const hook = await fetch(`${gw}/api/hooks?session=${s.id}`, { method: 'POST', headers: { authorization: `Bearer ${tokens.tokenFor(s.id)}`, 'content-type': 'application/json' }, body: '{"hook_event_name":"PreToolUse"}' });
    expect(hook.status).toBe(200);
    expect(store.getSession(s.id)?.agentStatus).toBe('working');
    const wrong = await fetch(`${gw}/api/hooks?session=${s.id}`, { method: 'POST', headers: { authorization: 'Bearer nope', 'content-type': 'application/json' }, body: '{"hook_event_name":"Stop"}' });
    expect(wrong.status).toBe(404);
    for (const path of ['/api/sessions', '/api/status', `/api/sessions/${s.id}`]) {
      const r = await fetch(`${gw}${path}`);
      expect(r.status, path).toBe(403);
      expect(((await r.json()) as { error: { message: string } }).error.message).toBe('only POST /api/hooks is served on this address');
    }
    // the main listener still serves the API
    expect((await fetch(`http://127.0.0.1:${api.port}/api/sessions`)).status).toBe(200);
  });
});
