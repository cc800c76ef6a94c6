// The operations table (src/protocol/operations.ts) is well formed: every entry has a strict params
// schema, a title and a summary; routes are unique and unambiguous and name only params of their
// operation; reads are GETs and writes are not; the only socket-only operations are the local
// ones, each saying why. Also: every socket method and HTTP route clauderon had before the table
// is still served the same way, results are typed from the table, and httpRequestFor builds the
// requests the routes describe. No build, no daemon.
import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { HOOKS_PATH, httpParts, httpRequestFor, isMethod, METHODS, operations, parseParams, type CaInfo, type Catalog, type Method, type Operation, type Params, type Result } from '../../src/protocol/operations.js';
import type { CreateResult, DeleteResult, Session, SessionEvent } from '../../src/shared/types.js';
import type { DirectoryListing } from '../../src/shared/directories.js';
import type { AuditEntry } from '../../src/shared/events.js';

const entry = (m: Method): Operation => operations[m];
const routed = METHODS.filter((m) => entry(m).http !== null);

describe('the operations table', () => {
  it('gives every operation a strict params schema, a title, a summary and read or write', () => {
    expect(METHODS.length).toBeGreaterThan(20);
    for (const m of METHODS) {
      const o = entry(m);
      expect(o.params, m).toBeInstanceOf(z.ZodObject);
      // strict: an unknown param is refused, over either transport
      expect(o.params.safeParse({ surely_not_a_param: 1 }).success, m).toBe(false);
      expect(o.title.trim(), m).not.toBe('');
      expect(o.summary.trim().length, m).toBeGreaterThan(10);
      expect(['read', 'write'], m).toContain(o.access);
    }
  });

  it('has unique, unambiguous routes under /api/ and /ws/ that name only params of their operation', () => {
    const seen = new Set<string>();
    for (const m of routed) {
      const http = entry(m).http!;
      expect(http.path, m).toMatch(/^\/(api|ws)\/[a-z-]+(\/(:[a-z]+|[a-z-]+))*$/);
      const key = `${http.method} ${http.path.replace(/:\w+/g, ':')}`;
      expect(seen.has(key), `${m}: ${key} twice`).toBe(false);
      seen.add(key);
      const keys = Object.keys(entry(m).params.shape);
      const parts = httpParts(m);
      for (const k of [...parts.path, ...parts.query]) expect(keys, `${m}: ${k}`).toContain(k);
      expect([...parts.path, ...parts.query, ...parts.body].sort(), m).toEqual([...keys].sort());
      // a GET carries no body: all its params are in the path or the query
      if (http.method === 'GET') expect(parts.body, m).toEqual([]);
      if (http.stream) expect(http.path, m).toMatch(/^\/ws\//);
      else expect(http.path, m).toMatch(/^\/api\//);
    }
    // no two routes can match one request: same method and length differ in some literal segment
    for (const a of routed) {
      for (const b of routed) {
        if (a >= b) continue;
        const [ra, rb] = [entry(a).http!, entry(b).http!];
        const [sa, sb] = [ra.path.split('/'), rb.path.split('/')];
        if (ra.method !== rb.method || sa.length !== sb.length) continue;
        const apart = sa.some((s, i) => !s.startsWith(':') && !sb[i]!.startsWith(':') && s !== sb[i]);
        expect(apart, `${a} (${ra.path}) and ${b} (${rb.path}) can match the same request`).toBe(true);
      }
    }
    // the agents' hooks endpoint is no operation's
    expect(routed.map((m) => entry(m).http!.path)).not.toContain(HOOKS_PATH);
  });

  it('makes reads GETs and writes POSTs or DELETEs', () => {
    // directories.browse reads, as a POST (the issue's route): a path on the host stays out of URLs and logs
    const readsAsPost = ['directories.browse'];
    for (const m of routed) {
      const { access, http } = entry(m);
      if (readsAsPost.includes(m)) expect([access, http!.method], m).toEqual(['read', 'POST']);
      else if (access === 'read') expect(http!.method, m).toBe('GET');
      else expect(['POST', 'DELETE'], m).toContain(http!.method);
    }
  });

  it('keeps only the local operations off HTTP, each saying why', () => {
    const socketOnly = METHODS.filter((m) => entry(m).http === null);
    // attach answers an argv to run on this host; daemon.stop would end the HTTP API itself;
    // watchScreen pushes on the socket connection that asked
    expect(socketOnly.sort()).toEqual(['auth.list', 'auth.register', 'auth.revoke', 'daemon.stop', 'sessions.attach', 'sessions.watchScreen']);
    for (const m of socketOnly) expect(entry(m).local?.length ?? 0, m).toBeGreaterThan(20);
    for (const m of routed) expect(entry(m).local, m).toBeUndefined();
    // one stream, the event subscription
    expect(routed.filter((m) => entry(m).http!.stream)).toEqual(['events.subscribe']);
  });

  it('still has every socket method and HTTP route clauderon had before the table', () => {
    const before = ['daemon.info', 'daemon.stop', 'events.subscribe', 'sessions.list', 'sessions.get', 'sessions.create', 'sessions.archive', 'sessions.unarchive', 'sessions.refresh', 'sessions.delete', 'sessions.attach', 'sessions.output', 'sessions.events', 'sessions.env', 'sessions.setAccessMode', 'reconcile', 'config.show', 'credentials.describe', 'ca.show', 'ca.rotate', 'repos.recent'];
    for (const m of before) expect(isMethod(m), m).toBe(true);
    const route = (m: Method) => `${entry(m).http?.method ?? ''} ${entry(m).http?.path ?? ''}`;
    expect(route('daemon.status')).toBe('GET /api/status');
    expect(route('sessions.list')).toBe('GET /api/sessions');
    expect(route('sessions.create')).toBe('POST /api/sessions');
    expect(entry('sessions.create').http?.status).toBe(201);
    expect(route('sessions.get')).toBe('GET /api/sessions/:name');
    expect(route('sessions.delete')).toBe('DELETE /api/sessions/:name');
    expect(route('sessions.archive')).toBe('POST /api/sessions/:name/archive');
    expect(route('sessions.unarchive')).toBe('POST /api/sessions/:name/unarchive');
    expect(route('sessions.setAccessMode')).toBe('POST /api/sessions/:name/access-mode');
    expect(route('sessions.history')).toBe('GET /api/sessions/:name/history');
    expect(route('repos.recent')).toBe('GET /api/recent-repos');
    expect(route('events.subscribe')).toBe('GET /ws/events');
    // the web UI's
    expect(route('catalog.get')).toBe('GET /api/catalog');
    expect(route('directories.browse')).toBe('POST /api/browse-directory');
    expect(route('sessions.files')).toBe('GET /api/sessions/:name/files');
    expect(route('sessions.file')).toBe('GET /api/sessions/:name/file');
    expect(route('sessions.audit')).toBe('GET /api/sessions/:name/audit');
    // (the prototype's names are no methods)
    for (const m of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) expect(isMethod(m), m).toBe(false);
  });

  it('builds the HTTP request an operation runs as: path segments, query, body', () => {
    expect(httpRequestFor('sessions.list', { filter: 'all' })).toEqual({ method: 'GET', path: '/api/sessions?filter=all' });
    expect(httpRequestFor('sessions.get', { name: 'a b' })).toEqual({ method: 'GET', path: '/api/sessions/a%20b' });
    expect(httpRequestFor('sessions.delete', { name: 'x', force: true })).toEqual({ method: 'DELETE', path: '/api/sessions/x?force=true' });
    expect(httpRequestFor('sessions.setAccessMode', { name: 'x', mode: 'read-only' })).toEqual({ method: 'POST', path: '/api/sessions/x/access-mode', body: { mode: 'read-only' } });
    expect(httpRequestFor('sessions.output', { name: 'x', lines: 5 })).toEqual({ method: 'GET', path: '/api/sessions/x/output?lines=5' });
    expect(httpRequestFor('sessions.archive', { name: 'x' })).toEqual({ method: 'POST', path: '/api/sessions/x/archive' });
    expect(httpRequestFor('sessions.file', { name: 'x', path: 'src/a b.ts' })).toEqual({ method: 'GET', path: '/api/sessions/x/file?path=src%2Fa+b.ts' });
    expect(httpRequestFor('sessions.audit', { name: 'x', limit: 5 })).toEqual({ method: 'GET', path: '/api/sessions/x/audit?limit=5' });
    expect(httpRequestFor('directories.browse', { path: '~/src' })).toEqual({ method: 'POST', path: '/api/browse-directory', body: { path: '~/src' } });
    expect(httpRequestFor('sessions.create', { repoPath: '/r', prompt: 'p' })).toEqual({ method: 'POST', path: '/api/sessions', body: { repoPath: '/r', prompt: 'p' } });
    expect(() => httpRequestFor('sessions.attach', { name: 'x' })).toThrow(/no HTTP route/);
    expect(() => httpRequestFor('events.subscribe', {})).toThrow(/no HTTP route/);
  });

  it('validates params with defaults filled in', () => {
    expect(parseParams('sessions.list', {})).toEqual({ ok: true, params: { filter: 'active' } });
    expect(parseParams('sessions.output', { name: 'x' })).toEqual({ ok: true, params: { name: 'x', lines: 50 } });
    const bad = parseParams('sessions.output', { name: 'x', lines: 0 });
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.issue?.path).toEqual(['lines']);
  });

  it('types params and results from the table', () => {
    expectTypeOf<Result<'sessions.list'>>().toEqualTypeOf<Session[]>();
    expectTypeOf<Result<'sessions.create'>>().toEqualTypeOf<CreateResult>();
    expectTypeOf<Result<'sessions.delete'>>().toEqualTypeOf<DeleteResult>();
    expectTypeOf<Result<'sessions.events'>>().toEqualTypeOf<SessionEvent[]>();
    expectTypeOf<Result<'ca.rotate'>>().toEqualTypeOf<CaInfo>();
    expectTypeOf<Result<'sessions.history'>>().toEqualTypeOf<{ lines: unknown[] }>();
    expectTypeOf<Result<'sessions.audit'>>().toEqualTypeOf<AuditEntry[]>();
    expectTypeOf<Result<'directories.browse'>>().toEqualTypeOf<DirectoryListing>();
    expectTypeOf<Result<'catalog.get'>>().toEqualTypeOf<Catalog>();
    expectTypeOf<Params<'sessions.delete'>>().toEqualTypeOf<{ name: string; force?: boolean | undefined }>();
    expectTypeOf<Params<'sessions.list'>>().toEqualTypeOf<{ filter?: 'active' | 'archived' | 'all' | undefined }>();
  });
});
