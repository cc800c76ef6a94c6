// A web page in the user's browser attacks the daemon's HTTP API: real chromium (playwright-core)
// against the built binary's daemon. The attacker's own server (127.0.0.1, another port) serves a
// page at http://attacker.test:PORT/ whose script tries what any site can: "simple" requests
// that need no preflight (a no-cors fetch with a text/plain JSON body, auto-submitted forms
// as text/plain, urlencoded and multipart), a preflighted JSON fetch, a cross-origin read and a
// WebSocket to /ws/events. Then DNS rebinding: the same server, reached as rebind.test:PORT,
// hands every request but the page itself to the daemon — as if rebind.test now resolved to it —
// so the page's fetches are same-origin to the browser and only the Host check stands in the
// way. After each: no session was created, and the page read no API data.
import { connect, createServer, type Server } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Session } from '../../src/shared/types.js';
import { launchChromium, SKIP_BROWSER } from '../helpers/browser.js';
import { makeEnv, waitFor, type Env } from '../helpers/e2e.js';

let env: Env;
let browser: Browser | undefined;
let attacker: Server | undefined;
let attackerPort = 0;
let victim: Session;

/** The attacker's script: each probe resolves to what the page could observe. */
const PAGE = (api: string) => `<!doctype html><title>attacker</title><script>
const API = ${JSON.stringify(api)};
const text = async (r) => ({ status: r.status, type: r.type, text: await r.text() });
const caught = (e) => ({ status: -1, type: 'error', text: String(e && e.name) });
window.probes = {
  fetch: (url, init) => fetch(url, init).then(text, caught),
  form: (enctype, name, value) => new Promise((resolve) => {
    const sink = document.createElement('iframe');
    sink.name = 'sink' + Math.random();
    document.body.append(sink);
    const f = document.createElement('form');
    f.method = 'POST'; f.action = API + '/api/sessions'; f.enctype = enctype; f.target = sink.name;
    const i = document.createElement('input');
    i.type = 'hidden'; i.name = name; i.value = value; f.append(i);
    document.body.append(f);
    sink.onload = () => resolve('loaded');
    setTimeout(() => resolve('timeout'), 5000);
    f.submit();
  }),
  ws: (url) => new Promise((resolve) => {
    let opened = false;
    const ws = new WebSocket(url);
    ws.onopen = () => { opened = true; };
    ws.onmessage = (m) => { resolve('message: ' + m.data); ws.close(); };
    ws.onerror = ws.onclose = () => resolve(opened ? 'opened' : 'refused');
    setTimeout(() => resolve(opened ? 'opened' : 'timeout'), 5000);
  }),
};
</script>`;

/**
 * The attacker's server. GET / is the page (Connection: close, so no later request reuses that
 * connection); every other request is piped, bytes unchanged, to the daemon's port.
 */
function startAttacker(httpPort: number): Promise<number> {
  attacker = createServer((sock) => {
    sock.on('error', () => undefined);
    sock.once('data', (first: Buffer) => {
      const line = first.toString('latin1').split('\r\n')[0] ?? '';
      if (/^GET \/(favicon\.ico)? HTTP/.test(line)) {
        const host = /\r\nhost: ([^\r]+)/i.exec(first.toString('latin1'))?.[1] ?? '';
        const body = line.startsWith('GET / ') ? PAGE(`http://127.0.0.1:${httpPort}`) : '';
        sock.end(`HTTP/1.1 ${body ? 200 : 404} OK\r\ncontent-type: text/html\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\nx-served-as: ${host}\r\n\r\n${body}`);
        return;
      }
      const up = connect(httpPort, '127.0.0.1');
      up.on('error', () => sock.destroy());
      up.write(first);
      sock.pipe(up).pipe(sock);
    });
  });
  return new Promise((resolve) => attacker?.listen(0, '127.0.0.1', () => resolve((attacker?.address() as { port: number }).port)));
}

interface Seen {
  url: string;
  method: string;
  status: number;
}

/**
 * A fresh page of the attacker's at `origin`. `seen()` lists the daemon's answers to it as the
 * browser's network layer got them (CDP), also those the page itself was not allowed to see
 * (failed CORS reads, opaque responses, form posts into a frame).
 */
async function attackerPage(origin: string): Promise<{ page: Page; seen: () => Seen[] }> {
  const context = await (browser as Browser).newContext();
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  const requests = new Map<string, { url: string; method: string }>();
  const statuses: [string, number][] = [];
  cdp.on('Network.requestWillBeSent', (e) => requests.set(e.requestId, { url: e.request.url, method: e.request.method }));
  cdp.on('Network.responseReceivedExtraInfo', (e) => statuses.push([e.requestId, e.statusCode]));
  const seen = () =>
    statuses.flatMap(([id, status]) => {
      const r = requests.get(id);
      return r && /\/(api|ws)\//.test(new URL(r.url).pathname) ? [{ ...r, status }] : [];
    });
  await page.goto(`${origin}/`);
  expect(await page.title()).toBe('attacker');
  return { page, seen };
}

/** The daemon's answers to the page once `n` have arrived (the browser reports them asynchronously). */
async function answers(seen: () => Seen[], n: number): Promise<Seen[]> {
  await waitFor(() => seen().length >= n, `${n} answers from the daemon`, 5_000).catch(() => undefined);
  return seen();
}

interface Observed {
  status: number;
  type: string;
  text: string;
}

const probe = <T>(page: Page, call: string): Promise<T> => page.evaluate<T>(call);

function sessionsNow(): string[] {
  return env.json<Session[]>(['list', '--all']).map((s) => s.name);
}

describe.skipIf(SKIP_BROWSER)('web pages cannot use the HTTP API (real chromium)', () => {
  beforeAll(async () => {
    env = makeEnv();
    victim = env.json<Session>(['create', '--backend', 'tmux', '--repo', env.repo, '--prompt', 'mine', '--name', 'victim']);
    attackerPort = await startAttacker(env.httpPort);
    browser = await launchChromium(['attacker.test', 'rebind.test']);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    attacker?.close();
    env?.cleanup();
  });

  /** What a created session's body would be: tmux (so an accepted one really starts), all permissions. */
  const createBody = (name: string) => JSON.stringify({ repoPath: env.repo, prompt: `pwned by ${name}`, name, backend: 'tmux', skipChecks: true });

  it('a page on another site: no-cors text/plain fetch, forms (text/plain, urlencoded, multipart) and a preflighted JSON fetch create nothing', async () => {
    const api = `http://127.0.0.1:${env.httpPort}`;
    const { page, seen } = await attackerPage(`http://attacker.test:${attackerPort}`);

    const noCors = await probe<Observed>(page, `probes.fetch(${JSON.stringify(`${api}/api/sessions`)}, { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body: ${JSON.stringify(createBody('pwned-fetch'))} })`);
    expect(noCors.type).toBe('opaque'); // sent, unreadable: only the daemon's refusal protects
    // a text/plain form whose one field spells a JSON body: {"repoPath":…,"prompt":"="}
    const jsonName = createBody('pwned-form').replace(/"pwned by pwned-form"/, '"x"').replace(/}$/, ',"model":"');
    for (const enctype of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data']) {
      expect(await probe<string>(page, `probes.form(${JSON.stringify(enctype)}, ${JSON.stringify(jsonName)}, '"}')`), enctype).toBe('loaded');
    }
    const preflighted = await probe<Observed>(page, `probes.fetch(${JSON.stringify(`${api}/api/sessions`)}, { method: 'POST', headers: { 'content-type': 'application/json' }, body: ${JSON.stringify(createBody('pwned-cors'))} })`);
    expect(preflighted).toMatchObject({ status: -1, text: 'TypeError' }); // the preflight is refused

    expect(sessionsNow()).toEqual(['victim']);
    // every request reached the daemon, which refused it for its Origin (another site's)
    const got = await answers(seen, 5);
    expect(got.map((s) => `${s.method} ${s.status}`)).toEqual(['POST 403', 'POST 403', 'POST 403', 'POST 403', 'OPTIONS 403']);
    await page.context().close();
  });

  it('a page on another site cannot read the API nor open /ws/events', async () => {
    const api = `http://127.0.0.1:${env.httpPort}`;
    const { page, seen } = await attackerPage(`http://attacker.test:${attackerPort}`);
    for (const path of ['/api/sessions?filter=all', `/api/sessions/${victim.id}`, '/api/status']) {
      const r = await probe<Observed>(page, `probes.fetch(${JSON.stringify(`${api}${path}`)}, {})`);
      expect(r, path).toMatchObject({ status: -1, text: 'TypeError' });
      expect(r.text).not.toContain(victim.id);
    }
    expect((await answers(seen, 3)).map((s) => s.status)).toEqual([403, 403, 403]);
    const ws = await probe<string>(page, `probes.ws(${JSON.stringify(`ws://127.0.0.1:${env.httpPort}/ws/events`)})`);
    expect(ws).toBe('refused');
    expect(sessionsNow()).toEqual(['victim']);
    await page.context().close();
  });

  it('DNS rebinding: same-origin reads, JSON writes and a WebSocket under a rebound name are refused by the Host check', async () => {
    const origin = `http://rebind.test:${attackerPort}`;
    const { page, seen } = await attackerPage(origin);
    // same-origin to the browser: the page could read whatever the daemon answered
    const list = await probe<Observed>(page, `probes.fetch('/api/sessions?filter=all', {})`);
    expect(list.status).toBe(421);
    expect(list.text).not.toContain(victim.id);
    expect(list.text).not.toContain('victim');
    expect(list.text).toContain(`this API answers only Host 127.0.0.1:${env.httpPort}`);
    const status = await probe<Observed>(page, `probes.fetch('/api/status', {})`);
    expect(status.status).toBe(421);
    const create = await probe<Observed>(page, `probes.fetch('/api/sessions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: ${JSON.stringify(createBody('pwned-rebind'))} })`);
    expect(create.status).toBe(421);
    const del = await probe<Observed>(page, `probes.fetch(${JSON.stringify(`/api/sessions/${victim.id}?force=true`)}, { method: 'DELETE', headers: { 'content-type': 'application/json' } })`);
    expect(del.status).toBe(421);
    expect(await probe<string>(page, `probes.ws('ws://rebind.test:${attackerPort}/ws/events')`)).toBe('refused');
    // and the rebound name with the daemon's own port (cross-origin to the page: the Host check answers)
    const direct = await probe<Observed>(page, `probes.fetch(${JSON.stringify(`http://rebind.test:${env.httpPort}/api/sessions`)}, {})`);
    expect(direct).toMatchObject({ status: -1, text: 'TypeError' });
    const got = await answers(seen, 5);
    expect(got.map((s) => `${s.method} ${new URL(s.url).port} ${s.status}`)).toEqual([
      `GET ${attackerPort} 421`,
      `GET ${attackerPort} 421`,
      `POST ${attackerPort} 421`,
      `DELETE ${attackerPort} 421`,
      `GET ${env.httpPort} 421`,
    ]);
    expect(sessionsNow()).toEqual(['victim']);
    expect(env.json<Session>(['show', 'victim']).status).toBe('running');
    await page.context().close();
  });
});
