// The HTTP API's gate as functions: which Host and Origin values pass, how a request target is
// parsed, which writes are refused for their body, and the guard every entry point runs in. Then
// the same rules over real HTTP from Node's fetch and the ws client against an in-process API.
import type { IncomingMessage } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { LineSplitter } from '../../src/shared/lines.js';
import { guarded, GUARD_MESSAGE } from '../../src/shared/guard.js';
import { acceptedHosts, checkBody, checkCaller, parseRemoteOrigin, parseTarget, type ListenerPolicy } from '../../src/daemon/http-guard.js';
import { startApi, type ApiFixture } from './api-fixture.js';
import { waitFor } from '../helpers/wait.js';

function req(headers: Record<string, string>, opts: { method?: string; local?: string } = {}): IncomingMessage {
  return { headers, method: opts.method ?? 'GET', socket: { localAddress: opts.local ?? '127.0.0.1' } } as unknown as IncomingMessage;
}

const loopback: ListenerPolicy = { port: 3030, bind: '127.0.0.1', hooks: false, remote: null };

describe('Host and Origin', () => {
  it('accepts the bound address and, on loopback, localhost / 127.0.0.1 / [::1], with the port', () => {
    expect(acceptedHosts(loopback, '127.0.0.1')).toEqual(['127.0.0.1:3030', 'localhost:3030', '[::1]:3030']);
    expect(acceptedHosts({ ...loopback, bind: '127.0.0.2', hooks: true }, '127.0.0.2')).toEqual(['127.0.0.2:3030', 'localhost:3030', '127.0.0.1:3030', '[::1]:3030', 'host.docker.internal:3030', '127.0.0.1:18081']);
    // a bridge gateway (hooks only): its address and host.docker.internal, nothing else
    expect(acceptedHosts({ ...loopback, bind: '172.17.0.1', hooks: true }, '172.17.0.1')).toEqual(['172.17.0.1:3030', 'host.docker.internal:3030']);
    // every interface: the address the request arrived on
    expect(acceptedHosts({ ...loopback, bind: '0.0.0.0' }, '192.168.1.5')).toEqual(['192.168.1.5:3030']);
    expect(acceptedHosts({ ...loopback, bind: '::' }, '::ffff:127.0.0.1')).toEqual(['127.0.0.1:3030', 'localhost:3030', '[::1]:3030']);
    // port 80: browsers leave it out
    expect(acceptedHosts({ ...loopback, port: 80 }, '127.0.0.1')).toContain('localhost');
    expect(acceptedHosts(loopback, '127.0.0.1')).not.toContain('localhost');
    const remote = parseRemoteOrigin('https://Clauderon.Example.com');
    expect(remote).toEqual({ origin: 'https://clauderon.example.com', hosts: ['clauderon.example.com', 'clauderon.example.com:443'] });
    expect(acceptedHosts({ ...loopback, remote }, '127.0.0.1')).toContain('clauderon.example.com');
  });

  it('refuses a missing, foreign or rebinding Host with 421 naming the accepted values', () => {
    for (const host of [undefined, 'evil.example:3030', 'rebind.test:3030', '127.0.0.1:3031', '127.0.0.1', 'localhost.:3030', '127.0.0.1:3030.evil.example', '']) {
      const e = checkCaller(req(host === undefined ? {} : { host }), loopback);
      expect(e?.status, String(host)).toBe(421);
      expect(e?.message, String(host)).toContain('this API answers only Host 127.0.0.1:3030, localhost:3030, [::1]:3030');
    }
    for (const host of ['127.0.0.1:3030', 'LOCALHOST:3030', '[::1]:3030']) expect(checkCaller(req({ host }), loopback), host).toBeNull();
  });

  it('refuses an Origin that is not this API’s own (null included) and cross-site browser requests with 403', () => {
    const host = '127.0.0.1:3030';
    for (const origin of ['http://evil.example', 'null', 'http://127.0.0.1:3031', 'https://127.0.0.1:3030', 'http://127.0.0.1:3030/', 'http://rebind.test:3030']) {
      const e = checkCaller(req({ host, origin }), loopback);
      expect(e?.status, origin).toBe(403);
      expect(e?.message, origin).toContain('allowed origins: http://127.0.0.1:3030, http://localhost:3030, http://[::1]:3030');
    }
    for (const origin of ['http://127.0.0.1:3030', 'http://localhost:3030']) expect(checkCaller(req({ host, origin }), loopback), origin).toBeNull();
    expect(checkCaller(req({ host, 'sec-fetch-site': 'cross-site' }), loopback)?.status).toBe(403);
    expect(checkCaller(req({ host, 'sec-fetch-site': 'same-site' }), loopback)?.status).toBe(403);
    expect(checkCaller(req({ host, 'sec-fetch-site': 'same-origin' }), loopback)).toBeNull();
    expect(checkCaller(req({ host, 'sec-fetch-site': 'none' }), loopback)).toBeNull();
    // CLAUDERON_ORIGIN: its pages, arriving through a reverse proxy with its Host
    const remote = parseRemoteOrigin('https://clauderon.example.com');
    expect(checkCaller(req({ host: 'clauderon.example.com', origin: 'https://clauderon.example.com' }), { ...loopback, remote })).toBeNull();
  });

  it('CLAUDERON_ORIGIN must be an origin', () => {
    expect(parseRemoteOrigin(undefined)).toBeNull();
    expect(parseRemoteOrigin('http://127.0.0.1:8080')).toEqual({ origin: 'http://127.0.0.1:8080', hosts: ['127.0.0.1:8080'] });
    for (const bad of ['clauderon.example.com', 'https://x.example/app', 'https://x.example/', 'ftp://x.example', 'https://u:p@x.example', 'https://x.example?q', '*']) {
      expect(() => parseRemoteOrigin(bad), bad).toThrow(/is not an origin: expected http\(s\):\/\/host\[:port\]/);
    }
  });
});

describe('request targets and bodies', () => {
  it('parses origin-form targets; anything malformed is a 400, never a throw of another kind', () => {
    expect(parseTarget('/api/sessions/abc/archive?x=1')).toMatchObject({ segments: ['api', 'sessions', 'abc', 'archive'], path: '/api/sessions/abc/archive' });
    expect(parseTarget('/api/sessions/').segments).toEqual(['api', 'sessions']);
    expect(parseTarget('/api/sessions/a%20b').segments).toEqual(['api', 'sessions', 'a b']);
    expect(parseTarget('/api/sessions?filter=%E0%A4%A').query.get('filter')).toBe('\uFFFD%A'); // (queries decode leniently)
    const cases: [string | undefined, RegExp][] = [
      ['//', /empty path segment/],
      ['//x', /empty path segment/],
      ['/api//sessions', /empty path segment/],
      ['/%', /malformed percent-escape/],
      ['/api/sessions/%E0%A4%A', /malformed percent-escape/],
      ['/api/sessions/..%2f..%2fetc', /may not hold \//],
      ['/api/sessions/..%5cx', /may not hold/],
      ['/api/sessions/%00', /control characters/],
      [`/api/sessions/${'a'.repeat(201)}`, /at most 200/],
      ['http://127.0.0.1:3030/api/status', /absolute URLs/],
      ['*', /absolute URLs and \* are not served/],
      ['', /expected a path/],
      [undefined, /expected a path/],
      ['/api/status#x', /fragment/],
    ];
    for (const [target, why] of cases) {
      let caught: unknown;
      try {
        parseTarget(target);
      } catch (e) {
        caught = e;
      }
      expect(caught, String(target)).toMatchObject({ status: 400, code: 'invalid_input', message: expect.stringMatching(why) as string });
    }
  });

  it('a write needs Content-Type: application/json (parameters allowed), also without a body; a declared body over 1 MB is a 413', () => {
    const h = { host: '127.0.0.1:3030' };
    expect(checkBody(req(h))).toBeNull();
    expect(checkBody(req({ ...h, 'content-type': 'text/plain' }))).toBeNull(); // GET: no body is read
    for (const type of ['application/json', 'application/json; charset=utf-8', 'Application/JSON ;charset=UTF-8']) {
      expect(checkBody(req({ ...h, 'content-type': type }, { method: 'POST' })), type).toBeNull();
    }
    for (const [method, type] of [
      ['POST', 'text/plain'],
      ['POST', 'application/x-www-form-urlencoded'],
      ['POST', 'multipart/form-data; boundary=x'],
      ['POST', 'application/jsonx'],
      ['POST', 'text/plain; a=application/json'],
      ['POST', undefined],
      ['DELETE', undefined],
      ['PUT', 'text/plain'],
    ] as const) {
      const e = checkBody(req(type ? { ...h, 'content-type': type } : h, { method }));
      expect(e?.status, `${method} ${type}`).toBe(415);
      expect(e?.message).toMatch(new RegExp(`^${method} needs Content-Type: application/json`));
    }
    expect(checkBody(req({ ...h, 'content-type': 'application/json', 'content-length': String(2 << 20) }, { method: 'POST' }))?.status).toBe(413);
  });
});

describe('guarded', () => {
  it('turns a synchronous throw and a rejection into a log line and the last answer; the rest is untouched', async () => {
    const logged: string[] = [];
    const log = { info: () => undefined, warn: () => undefined, error: (m: string, d?: Record<string, unknown>) => void logged.push(`${m} ${String(d?.where)} ${String(d?.error)}`) };
    const answered: string[] = [];
    const onError = (_e: unknown, what: string) => void answered.push(what);
    guarded(log, 'sync', (_what: string) => {
      throw new Error('boom');
    }, onError)('a');
    guarded(log, 'async', (_what: string) => Promise.reject(new Error('later')), onError)('b');
    guarded(log, 'fine', (what: string) => answered.push(`ok ${what}`), onError)('c');
    // an onError that throws too is contained
    guarded(log, 'worse', () => {
      throw new Error('first');
    }, () => {
      throw new Error('second');
    })();
    await waitFor(() => answered.length === 3 && logged.length === 3, 'the rejection to be logged and answered');
    expect(answered).toEqual(['a', 'ok c', 'b']);
    expect(logged).toEqual([`${GUARD_MESSAGE} sync boom`, `${GUARD_MESSAGE} worse first`, `${GUARD_MESSAGE} async later`]);
  });
});

describe('LineSplitter with a limit', () => {
  it('reports a line over the limit once, complete or not, counting UTF-8 bytes, and splits nothing after it', () => {
    for (const input of [['x'.repeat(40)], ['x'.repeat(20), 'x'.repeat(20), '\n{"id":1}\n'], ['é'.repeat(15) + '\n']]) {
      const got: string[] = [];
      let overflows = 0;
      const s = new LineSplitter((l) => got.push(l), { maxLineBytes: 25, onOverflow: () => overflows++ });
      s.push('ok\n');
      for (const c of input) s.push(c);
      s.push('after\n');
      expect(got, input.join('|')).toEqual(['ok']);
      expect(overflows, input.join('|')).toBe(1);
    }
    const got: string[] = [];
    const s = new LineSplitter((l) => got.push(l), { maxLineBytes: 25, onOverflow: () => got.push('OVERFLOW') });
    s.push(`${'é'.repeat(12)}\n${'x'.repeat(25)}\n`); // 24 and 25 bytes: at the limit
    expect(got).toEqual(['é'.repeat(12), 'x'.repeat(25)]);
  });
});

describe('the gate over HTTP', () => {
  let fx: ApiFixture | undefined;
  afterEach(async () => {
    await fx?.close();
    fx = undefined;
  });

  it('fetch and ws: Host, Origin, content type and OPTIONS; no CORS header on any answer', async () => {
    fx = await startApi();
    const base = `http://127.0.0.1:${fx.api.port}`;
    const cases: [string, RequestInit, number][] = [
      ['/api/sessions', {}, 200],
      ['/api/sessions', { headers: { origin: base } }, 200],
      ['/api/sessions', { headers: { origin: 'http://evil.example' } }, 403],
      ['/api/sessions', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' }, 415],
      ['/api/sessions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }, 400],
      ['/api/sessions', { method: 'OPTIONS', headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' } }, 403],
      ['/api/sessions', { method: 'OPTIONS' }, 405],
      ['/api/sessions/nope', { method: 'DELETE' }, 415],
      ['/api/sessions/nope', { method: 'DELETE', headers: { 'content-type': 'application/json' } }, 404],
      ['/api/hooks?session=x', { method: 'POST', body: '{}' }, 415],
      ['/api/hooks?session=x', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }, 404],
    ];
    for (const [path, init, status] of cases) {
      const r = await fetch(`${base}${path}`, init);
      const what = `${init.method ?? 'GET'} ${path} ${JSON.stringify(init.headers ?? {})}`;
      expect(r.status, what).toBe(status);
      expect([...r.headers.keys()].filter((k) => k.startsWith('access-control-')), what).toEqual([]);
      expect(r.headers.get('content-type'), what).toBe('application/json');
      await r.arrayBuffer();
    }
    const ws = (origin?: string) =>
      new Promise<string>((resolve) => {
        const c = new WebSocket(`ws://127.0.0.1:${fx?.api.port ?? 0}/ws/events`, origin ? { origin } : {});
        c.on('open', () => {
          c.terminate();
          resolve('open');
        });
        c.on('unexpected-response', (_q, res) => {
          resolve(String(res.statusCode));
          c.terminate();
        });
        c.on('error', () => undefined);
      });
    expect(await ws()).toBe('open');
    expect(await ws(base)).toBe('open');
    expect(await ws('http://evil.example')).toBe('403');
    expect(await ws('null')).toBe('403');
  });
});
