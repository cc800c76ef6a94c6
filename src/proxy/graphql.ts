// Read-only GraphQL: queries pass, anything that could write does not. Hand-written stripping of
// comments and strings loses this game (comments end at CR; block strings hold \""" escapes), so
// documents are parsed with the reference parser (`graphql`'s parse). A request may carry its
// document in the JSON body (an object, or an array: a batch) and in the URL (`?query=`, which
// GraphQL-over-HTTP allows on GET and some servers read on POST too): every document from every
// source must parse, must hold at least one operation, and every operation in it must be a
// query — so whatever `operationName` the server picks, it runs a query. The JSON body is
// forwarded re-encoded from what was inspected, so no parser difference between us and the
// upstream (duplicate keys, odd escapes) can smuggle a second document past the check.
import type { DocumentNode } from 'graphql';

// The parser is loaded on the first read-only GraphQL request only (~10 MB, ~50 ms): most sessions
// never send one, and the daemon should not pay for it at start.
type Graphql = typeof import('graphql');
let loading: Promise<Graphql> | null = null;
const graphql = (): Promise<Graphql> => (loading ??= import('graphql'));

export type GraphqlVerdict = { ok: true; body: string | null } | { ok: false; reason: string };

/** Enough for any real query; bounds the parser's work on a hostile document. */
const MAX_TOKENS = 50_000;

/** The kinds of the operations in a document (query, mutation, subscription), or null if it does not parse. */
export async function graphqlOperationKinds(doc: string): Promise<string[] | null> {
  const ops = operations(await graphql(), doc);
  return ops === null ? null : ops.map((o) => o.kind);
}

/** The operations of a document (kind and name), or null if it does not parse. */
function operations(g: Graphql, doc: string): { kind: string; name: string | null }[] | null {
  let parsed: DocumentNode;
  try {
    parsed = g.parse(doc, { noLocation: true, maxTokens: MAX_TOKENS });
  } catch {
    return null;
  }
  return parsed.definitions.flatMap((d) => (d.kind === g.Kind.OPERATION_DEFINITION ? [{ kind: d.operation, name: d.name?.value ?? null }] : []));
}

function checkDocument(g: Graphql, doc: unknown, operationName: unknown, where: string): string | null {
  if (typeof doc !== 'string') return `${where} has no GraphQL document to inspect`;
  const ops = operations(g, doc);
  if (ops === null) return `${where} does not parse as GraphQL`;
  if (ops.length === 0) return `${where} holds no operation`;
  const write = ops.find((o) => o.kind !== 'query');
  if (write) return `${where} holds a ${write.kind}`;
  if (operationName !== undefined && operationName !== null) {
    if (typeof operationName !== 'string' || !ops.some((o) => o.name === operationName)) return `${where} names an operation it does not hold`;
  }
  return null;
}

/**
 * Whether a GraphQL request only reads. `params` are the URL's query parameters; `body` the
 * request body (null for GET/HEAD). On success `body` is what to forward (the inspected JSON,
 * re-encoded), or null for GET/HEAD.
 */
export async function graphqlReadOnly(params: URLSearchParams, body: string | null): Promise<GraphqlVerdict> {
  const g = await graphql();
  const refuse = (why: string): GraphqlVerdict => ({ ok: false, reason: `read-only session: ${why} (only GraphQL queries are allowed)` });
  const urlQueries = params.getAll('query');
  const urlNames = params.getAll('operationName');
  if (urlQueries.length > 1 || urlNames.length > 1) return refuse('the URL repeats query or operationName');
  if (urlQueries.length === 1) {
    const problem = checkDocument(g, urlQueries[0], urlNames[0], 'the URL’s query');
    if (problem) return refuse(problem);
  } else if (urlNames.length === 1 || params.has('extensions')) {
    return refuse('the URL names an operation without a document (persisted queries are not inspected)');
  }
  // GET/HEAD: what the URL holds was checked (a URL without a document runs nothing)
  if (body === null) return { ok: true, body: null };
  if (body.trim() === '') return urlQueries.length === 1 ? { ok: true, body } : refuse('the request holds no GraphQL document');
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return refuse('the body is not JSON');
  }
  const docs = Array.isArray(parsed) ? parsed : [parsed];
  if (docs.length === 0) return refuse('the batch is empty');
  for (const [i, d] of docs.entries()) {
    if (typeof d !== 'object' || d === null || Array.isArray(d)) return refuse('a body entry is not a GraphQL request object');
    const r = d as { query?: unknown; operationName?: unknown };
    const problem = checkDocument(g, r.query, r.operationName, docs.length > 1 ? `request ${i + 1} of the batch` : 'the body');
    if (problem) return refuse(problem);
  }
  return { ok: true, body: JSON.stringify(parsed) };
}

/** Paths that serve GraphQL (GitHub's /graphql, GitHub Enterprise's /api/graphql, and the like). */
export const GRAPHQL_PATH = /^(?:\/api)?\/graphql\/?(?:\?|$)/;
