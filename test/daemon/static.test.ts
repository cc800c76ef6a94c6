// The web UI's files served by the HTTP API (src/daemon/static.ts), in process against a real
// listener and a temp dist/web written here: types, caching, CSP, the app's fallback for unknown
// paths, no way out of the folder (encoded `..`, hidden files, a symlink leading out), and a 404
// page saying how to build when there is no build. The API's routes and gate are untouched.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CSP } from '../../src/daemon/static.js';
import { startApi, type ApiFixture } from './api-fixture.js';

let dir = '';
let web: ApiFixture;
let unbuilt: ApiFixture;
const INDEX = '<!doctype html><html><head><script type="module" src="/assets/index-abc123.js"></script></head><body><div id="root"></div></body></html>';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'clrn-static-'));
  const root = join(dir, 'web');
  mkdirSync(join(root, 'assets'), { recursive: true });
  writeFileSync(join(root, 'index.html'), INDEX);
  writeFileSync(join(root, 'assets', 'index-abc123.js'), 'console.log("app")\n');
  writeFileSync(join(root, 'assets', 'index-abc123.css'), 'body{color:red}\n');
  writeFileSync(join(root, 'assets', 'logo.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  writeFileSync(join(root, 'favicon.ico'), Buffer.from([0, 0, 1, 0]));
  writeFileSync(join(root, '.env'), 'SECRET=1\n');
  writeFileSync(join(dir, 'outside.txt'), 'OUTSIDE-THE-WEB-ROOT\n');
  symlinkSync(join(dir, 'outside.txt'), join(root, 'assets', 'leak.js'));
  symlinkSync(dir, join(root, 'up'));
  web = await startApi({ webRoot: root });
  unbuilt = await startApi({ webRoot: join(dir, 'nothing-here') });
});
afterAll(async () => {
  await web?.close();
  await unbuilt?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Got {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw request (the target exactly as given: fetch would normalise `..` away). */
function get(api: ApiFixture, target: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Got> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: api.api.port, path: target, method, headers }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the web UI’s files', () => {
  it('serves index.html at / with no-cache, a strict CSP and nosniff', async () => {
    const r = await get(web, '/');
    expect(r.status).toBe(200);
    expect(r.body).toBe(INDEX);
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(r.headers['cache-control']).toBe('no-cache');
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    const csp = String(r.headers['content-security-policy']);
    expect(csp).toBe(CSP);
    for (const d of ["default-src 'self'", "script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'", "object-src 'none'"]) expect(csp).toContain(d);
    expect(csp).not.toContain("'unsafe-eval'");
    expect(csp).not.toMatch(/script-src[^;]*'unsafe-inline'/);
    // revalidation: the same ETag is a 304
    const again = await get(web, '/', { 'if-none-match': String(r.headers.etag) });
    expect(again.status).toBe(304);
    expect(again.body).toBe('');
  });

  it('serves assets with their types and a year of caching', async () => {
    const js = await get(web, '/assets/index-abc123.js');
    expect(js.status).toBe(200);
    expect(js.body).toBe('console.log("app")\n');
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(js.headers['x-content-type-options']).toBe('nosniff');
    expect((await get(web, '/assets/index-abc123.css')).headers['content-type']).toBe('text/css; charset=utf-8');
    expect((await get(web, '/assets/logo.svg')).headers['content-type']).toBe('image/svg+xml');
    const ico = await get(web, '/favicon.ico');
    expect(ico.headers['content-type']).toBe('image/x-icon');
    expect(ico.headers['cache-control']).toBe('no-cache');
    const head = await get(web, '/assets/index-abc123.js', {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe(String('console.log("app")\n'.length));
    expect(head.body).toBe('');
  });

  it('answers the app for unknown pages, a 404 for a missing asset or file', async () => {
    for (const page of ['/sessions/fix-login-a1b2', '/create', '/sessions/x/files?path=a']) {
      const r = await get(web, page);
      expect(r.status, page).toBe(200);
      expect(r.body, page).toBe(INDEX);
      expect(r.headers['cache-control'], page).toBe('no-cache');
    }
    for (const missing of ['/assets/gone-123.js', '/assets/x', '/robots.txt']) {
      const r = await get(web, missing);
      expect(r.status, missing).toBe(404);
      expect(r.headers['content-type'], missing).toBe('text/html; charset=utf-8');
      expect(r.body, missing).not.toContain('<div id="root">');
    }
    // the page's 404 does not echo markup
    expect((await get(web, '/assets/%3Cimg%20src%3Dx%3E.js')).body).not.toContain('<img');
  });

  it('leads nowhere outside its folder', async () => {
    for (const target of ['/../outside.txt', '/assets/../../outside.txt', '/%2e%2e/outside.txt', '/assets/%2E%2E/%2E%2E/outside.txt', '/.env', '/assets/leak.js', '/up/outside.txt', '/%2fetc%2fpasswd', '/assets/..%5c..%5coutside.txt']) {
      const r = await get(web, target);
      expect(r.status, target).toBeGreaterThanOrEqual(400);
      expect(r.body, target).not.toContain('OUTSIDE-THE-WEB-ROOT');
      expect(r.body, target).not.toContain('SECRET');
      expect(r.body, target).not.toContain('root:');
    }
  });

  it('keeps /api and /ws the API’s: JSON errors, the gate in front of the files too', async () => {
    const api = await get(web, '/api/nothing');
    expect(api.status).toBe(404);
    expect(JSON.parse(api.body)).toMatchObject({ error: { code: 'not_found' } });
    expect((await get(web, '/ws/nothing')).status).toBe(404);
    expect(JSON.parse((await get(web, '/api/status')).body)).toHaveProperty('sessions');
    // a rebinding name is refused before any file is served
    const rebound = await get(web, '/', { host: `evil.example:${web.api.port}` });
    expect(rebound.status).toBe(421);
    expect(rebound.body).not.toContain('<div id="root">');
    // a page elsewhere may link to the UI (a top-level navigation), but not load its files into itself, nor the API
    const followed = await get(web, '/', { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' });
    expect(followed.status).toBe(200);
    expect(followed.body).toBe(INDEX);
    expect((await get(web, '/', { 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await get(web, '/assets/index-abc123.js', { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'no-cors', 'sec-fetch-dest': 'script' })).status).toBe(403);
    expect((await get(web, '/', { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'iframe' })).status).toBe(403);
    expect((await get(web, '/', { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document', origin: 'http://evil.example' })).status).toBe(403);
    expect((await get(web, '/api/status', { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' })).status).toBe(403);
    // writes to a page path are no page
    expect((await get(web, '/', { 'content-type': 'application/json' }, 'POST')).status).toBe(404);
  });

  it('says how to build the web UI when there is no build', async () => {
    for (const target of ['/', '/sessions/x', '/assets/index-abc123.js']) {
      const r = await get(unbuilt, target);
      expect(r.status, target).toBe(404);
      expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(r.body).toContain('The web UI was not built');
      expect(r.body).toContain('npm run build');
      expect(r.headers['content-security-policy']).toBe(CSP);
    }
    // the API answers as ever
    expect((await get(unbuilt, '/api/status')).status).toBe(200);
  });
});
