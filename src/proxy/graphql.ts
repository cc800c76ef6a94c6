// Read-only GraphQL: queries pass, anything that could write does not. Hand-written stripping of
// comments and strings loses this game (comments end at CR; block strings hold \""" escapes), so
// documents are parsed with the reference parser (`graphql`'s parse). A request may carry its
// document in the JSON body (an object, or an array: a batch) and in the URL (`?query=`, which
// GraphQL-over-HTTP allows on GET and some servers read on POST too): every document from every
// source must parse, must hold at least one operation, and every operation in it must be a
// query — so whatever `operationName` the server picks, it runs a query. The JSON body is
// forwarded re-encoded from what was inspected, so no parser difference between us and the
// upstream (duplicate keys, odd escapes) can smuggle a second document past the check.
import { Kind, parse, type DocumentNode } from 'graphql';

export type GraphqlVerdict = { ok: true; body: string | null } | { ok: false; reason: string };

/** Enough for any real query; bounds the parser's work on a hostile document. */
const MAX_TOKENS = 50_000;

/** The kinds of the operations in a document (query, mutation, subscription), or null if it does not parse. */
export function graphqlOperationKinds(doc: string): string[] | null {
  let parsed: DocumentNode;
  try {
    parsed = parse(doc, { noLocation: true, maxTokens: MAX_TOKENS });
  } catch {
    return null;
  }
  return parsed.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION).map((d) => d.operation);
}

/** Operation names in a document (null for an anonymous one). */
function operationNames(doc: string): (string | null)[] {
  try {
    return parse(doc, { noLocation: true, maxTokens: MAX_TOKENS })
      .definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION)
      .map((d) => d.name?.value ?? null);
  } catch {
    return [];
  }
}

function checkDocument(doc: unknown, operationName: unknown, where: string): string | null {
  if (typeof doc !== 'string') return `${where} has no GraphQL document to inspect`;
  const kinds = graphqlOperationKinds(doc);
  if (kinds === null) return `${where} does not parse as GraphQL`;
  if (kinds.length === 0) return `${where} holds no operation`;
  const write = kinds.find((k) => k !== 'query');
  if (write) return `${where} holds a ${write}`;
  if (operationName !== undefined && operationName !== null) {
    if (typeof operationName !== 'string' || !operationNames(doc).includes(operationName)) return `${where} names an operation it does not hold`;
  }
  return null;
}

/**
 * Whether a GraphQL request only reads. `params` are the URL's query parameters; `body` the
 * request body (null for GET/HEAD). On success `body` is what to forward (the inspected JSON,
 * re-encoded), or null for GET/HEAD.
 */
export function graphqlReadOnly(params: URLSearchParams, body: string | null): GraphqlVerdict {
  const refuse = (why: string): GraphqlVerdict => ({ ok: false, reason: `read-only session: ${why} (only GraphQL queries are allowed)` });
  const urlQueries = params.getAll('query');
  const urlNames = params.getAll('operationName');
  if (urlQueries.length > 1 || urlNames.length > 1) return refuse('the URL repeats query or operationName');
  if (urlQueries.length === 1) {
    const problem = checkDocument(urlQueries[0], urlNames[0], 'the URL’s query');
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
    const problem = checkDocument(r.query, r.operationName, docs.length > 1 ? `request ${i + 1} of the batch` : 'the body');
    if (problem) return refuse(problem);
  }
  return { ok: true, body: JSON.stringify(parsed) };
}

/** Paths that serve GraphQL (GitHub's /graphql, GitHub Enterprise's /api/graphql, and the like). */
export const GRAPHQL_PATH = /^(?:\/api)?\/graphql\/?(?:\?|$)/;
