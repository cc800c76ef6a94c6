// Read-only sessions: everything that reads keeps working (model APIs are POST by nature, git
// fetch POSTs to upload-pack, gh reads through POST /graphql); every write is refused with a
// 403 that says why. Method-override headers count as the method they claim.

import { allAgentSpecs } from '../agents/registry.js';
import { GRAPHQL_PATH } from './graphql.js';

export type AccessMode = 'read-only' | 'read-write';

export interface AccessRequest {
  host: string;
  method: string;
  /** Path with query. */
  path: string;
  headers: Record<string, string | string[] | undefined>;
}

export type AccessDecision =
  | { allow: true }
  | { allow: false; reason: string }
  /** Allowed only if every GraphQL document of the request (URL and body) is a query: see graphql.ts. */
  | { allow: 'inspect-graphql' };

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);
const OVERRIDE_HEADERS = ['x-http-method-override', 'x-http-method', 'x-method-override'];

/** POST endpoints that only read (or run a model) on hosts agents talk to. */
const READ_POSTS: { host: (h: string) => boolean; path: RegExp }[] = [
  // each agent's model API: its spec names the endpoints that only read or run the model
  ...allAgentSpecs().flatMap((a) => a.modelApis.flatMap((m) => m.readPosts.map((path) => ({ host: (h: string) => h === m.host, path })))),
  { host: (h) => /^(www\.)?github\.com$/.test(h), path: /\/git-upload-pack(\?|$)/ },
];

function decodedPath(path: string): string {
  const p = path.split('?')[0] ?? '';
  try {
    return decodeURIComponent(p);
  } catch {
    return p;
  }
}

function header(h: AccessRequest['headers'], name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v.join(',') : v;
}

export function accessDecision(mode: AccessMode, req: AccessRequest): AccessDecision {
  if (mode === 'read-write') return { allow: true };
  const method = req.method.toUpperCase();
  const overrides = OVERRIDE_HEADERS.map((n) => header(req.headers, n)).filter((v): v is string => Boolean(v));
  if (overrides.some((o) => !SAFE.has(o.trim().toUpperCase()))) {
    return { allow: false, reason: `read-only session: a method override (${overrides.join(', ')}) asks for a write` };
  }
  const where = `${req.host}${req.path.split('?')[0] ?? ''}`;
  if (/\/info\/refs\?(.*&)?service=git-receive-pack/.test(req.path) || /\/git-receive-pack(\?|$)/.test(req.path)) {
    return { allow: false, reason: `read-only session: git push to ${where} is a write` };
  }
  if (SAFE.has(method)) {
    // GraphQL-over-HTTP allows GET ?query=…, and some servers run a mutation sent that way: any
    // GraphQL-looking path with a query string is inspected (its parameters, decoded)
    return req.path.includes('?') && /graphql/i.test(decodedPath(req.path)) ? { allow: 'inspect-graphql' } : { allow: true };
  }
  if (method === 'POST') {
    // a read endpoint must be named plainly: no dot segments or encoded separators that a server
    // might normalise into some other (writing) endpoint
    if (/(^|\/)\.\.?(\/|\?|$)|%2e|%2f|%5c|\\/i.test(req.path.split('?')[0] ?? '')) {
      return { allow: false, reason: `read-only session: POST ${where} has dot segments or encoded separators` };
    }
    if (READ_POSTS.some((r) => r.host(req.host) && r.path.test(req.path))) return { allow: true };
    if (/^api\.github\.com$/.test(req.host) && GRAPHQL_PATH.test(req.path)) return { allow: 'inspect-graphql' };
  }
  return { allow: false, reason: `read-only session: ${method} ${where} is a write` };
}
