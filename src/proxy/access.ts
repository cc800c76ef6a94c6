// Read-only sessions: everything that reads keeps working (model APIs are POST by nature, git
// fetch POSTs to upload-pack, gh reads through POST /graphql); every write is refused with a
// 403 that says why. Method-override headers count as the method they claim.

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
  /** Allowed only if the GraphQL body holds no mutation/subscription (the caller reads it). */
  | { allow: 'inspect-graphql' };

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);
const OVERRIDE_HEADERS = ['x-http-method-override', 'x-http-method', 'x-method-override'];

/** POST endpoints that only read (or run a model) on hosts agents talk to. */
const READ_POSTS: { host: RegExp; path: RegExp }[] = [
  { host: /^api\.anthropic\.com$/, path: /^\/v1\/(messages(\/count_tokens)?|complete)(\?|$)/ },
  { host: /^api\.anthropic\.com$/, path: /^\/api\/(event_logging|eval|hello|oauth\/claude_cli\/client_data)/ },
  { host: /^api\.openai\.com$/, path: /^\/v1\/(chat\/completions|completions|responses|embeddings|moderations)(\?|$)/ },
  { host: /^generativelanguage\.googleapis\.com$/, path: /:(generateContent|streamGenerateContent|countTokens|embedContent)(\?|$)/ },
  { host: /^(www\.)?github\.com$/, path: /\/git-upload-pack(\?|$)/ },
];

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
  if (SAFE.has(method)) return { allow: true };
  if (method === 'POST') {
    if (READ_POSTS.some((r) => r.host.test(req.host) && r.path.test(req.path))) return { allow: true };
    if (/^api\.github\.com$/.test(req.host) && /^\/graphql(\?|$)/.test(req.path)) return { allow: 'inspect-graphql' };
  }
  return { allow: false, reason: `read-only session: ${method} ${where} is a write` };
}

/**
 * Whether a GraphQL request body only queries. Any operation that is a mutation or subscription
 * (in any document of a batch) makes it a write; a body that cannot be parsed is a write.
 */
export function graphqlIsReadOnly(body: string): boolean {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return false;
  }
  const docs = Array.isArray(parsed) ? parsed : [parsed];
  if (docs.length === 0) return false;
  for (const d of docs) {
    if (typeof d !== 'object' || d === null) return false;
    const q = (d as { query?: unknown }).query;
    if (typeof q !== 'string') return false;
    if (graphqlOperationKinds(q).some((k) => k !== 'query')) return false;
  }
  return true;
}

/** The kinds of the top-level operations in a GraphQL document (strings and comments ignored). */
export function graphqlOperationKinds(doc: string): string[] {
  // Remove block strings, strings and comments so keywords inside them do not count.
  const code = doc
    .replace(/"""[\s\S]*?"""/g, '""')
    .replace(/"(?:[^"\\\n]|\\.)*"/g, '""')
    .replace(/#[^\n]*/g, '');
  const kinds: string[] = [];
  let depth = 0;
  let i = 0;
  while (i < code.length) {
    const ch = code[i] ?? '';
    if (ch === '{') {
      if (depth === 0) kinds.push('query'); // shorthand `{ … }` unless a keyword preceded it
      depth++;
      i++;
      continue;
    }
    if (ch === '}') {
      depth = Math.max(0, depth - 1);
      i++;
      continue;
    }
    if (depth === 0 && /[A-Za-z_]/.test(ch)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(code.slice(i));
      const word = m?.[0] ?? '';
      if (word === 'query' || word === 'mutation' || word === 'subscription') {
        // The operation's selection set follows (after a name, variables, directives).
        kinds.push(word);
        let j = i + word.length;
        let parens = 0;
        while (j < code.length && !(code[j] === '{' && parens === 0)) {
          if (code[j] === '(') parens++;
          if (code[j] === ')') parens--;
          j++;
        }
        depth = 1;
        i = j + 1;
        continue;
      }
      if (word === 'fragment') {
        let j = i + word.length;
        while (j < code.length && code[j] !== '{') j++;
        depth = 1;
        i = j + 1;
        continue;
      }
      i += Math.max(1, word.length);
      continue;
    }
    i++;
  }
  return kinds;
}
