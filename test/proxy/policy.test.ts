import { describe, expect, it } from 'vitest';
import { accessDecision } from '../../src/proxy/access.js';
import { graphqlOperationKinds, graphqlReadOnly } from '../../src/proxy/graphql.js';
import { defaultRules, injectionFor } from '../../src/proxy/rules.js';
import { parseConnectTarget } from '../../src/proxy/target.js';

const creds: Record<string, string> = {
  github_token: 'ghp_REAL',
  anthropic_oauth_token: 'sk-ant-oat-REAL',
  openai_api_key: 'sk-REAL',
  pagerduty_token: 'pd-REAL',
};
const lookup = (c: string) => creds[c];
const rules = defaultRules({ grafanaHost: 'grafana.example.com' });
const target = (t: string) => {
  const r = parseConnectTarget(t);
  if (!r.ok) throw new Error(r.reason);
  return r;
};

describe('injection rules', () => {
  it('injects each credential in its host’s form', () => {
    expect(injectionFor(rules, target('api.github.com:443'), true, '/user', lookup)).toEqual({ credential: 'github_token', headers: { authorization: 'Bearer ghp_REAL' } });
    expect(injectionFor(rules, target('github.com:443'), true, '/owner/repo.git/git-upload-pack', lookup)).toEqual({
      credential: 'github_token',
      headers: { authorization: `Basic ${Buffer.from('x-access-token:ghp_REAL').toString('base64')}` },
    });
    expect(injectionFor(rules, target('api.anthropic.com:443'), true, '/v1/messages', lookup)).toEqual({ credential: 'anthropic_oauth_token', headers: { authorization: 'Bearer sk-ant-oat-REAL' } });
    expect(injectionFor(rules, target('api.anthropic.com:443'), true, '/v1/messages', (c) => (c === 'anthropic_api_key' ? 'sk-ant-api-REAL' : creds[c]))).toEqual({
      credential: 'anthropic_api_key',
      headers: { 'x-api-key': 'sk-ant-api-REAL' },
    });
    expect(injectionFor(rules, target('api.pagerduty.com:443'), true, '/incidents', lookup)?.headers).toEqual({ authorization: 'Token token=pd-REAL' });
    expect(injectionFor(rules, target('api.openai.com:443'), true, '/v1/responses', lookup)?.credential).toBe('openai_api_key');
    // Gemini's key header (a Gemini session's placeholder was sent upstream before this rule)
    expect(injectionFor(rules, target('generativelanguage.googleapis.com:443'), true, '/v1beta/models/m:generateContent', (c) => (c === 'gemini_api_key' ? 'AIza-REAL' : undefined))).toEqual({
      credential: 'gemini_api_key',
      headers: { 'x-goog-api-key': 'AIza-REAL' },
    });
  });

  it('never injects for IP literals, other ports, plaintext, other hosts, or non-git paths on github.com', () => {
    expect(injectionFor(rules, target('140.82.112.6:443'), true, '/user', lookup)).toBeNull();
    expect(injectionFor(rules, target('127.1:443'), true, '/user', lookup)).toBeNull();
    expect(injectionFor(rules, target('api.github.com:8443'), true, '/user', lookup)).toBeNull();
    expect(injectionFor(rules, target('api.github.com:443'), false, '/user', lookup)).toBeNull();
    expect(injectionFor(rules, target('api.github.com.evil.example:443'), true, '/user', lookup)).toBeNull();
    expect(injectionFor(rules, target('evil.example:443'), true, '/user', lookup)).toBeNull();
    expect(injectionFor(rules, target('github.com:443'), true, '/login/oauth/access_token', lookup)).toBeNull();
    expect(injectionFor(rules, target('sentry.io:443'), true, '/api/0/', lookup)).toBeNull(); // credential not set
  });

  it('matches the trailing-dot and upper-case spellings of a host (one canonical form)', () => {
    expect(injectionFor(rules, target('API.GITHUB.COM.:443'), true, '/user', lookup)?.credential).toBe('github_token');
  });
});

describe('read-only access', () => {
  const req = (method: string, host: string, path: string, headers: Record<string, string> = {}) => accessDecision('read-only', { method, host, path, headers });

  it('lets reads, model calls and git fetch through', () => {
    expect(req('GET', 'api.github.com', '/repos/o/r')).toEqual({ allow: true });
    expect(req('HEAD', 'example.com', '/')).toEqual({ allow: true });
    expect(req('POST', 'api.anthropic.com', '/v1/messages?beta=true')).toEqual({ allow: true });
    expect(req('POST', 'api.openai.com', '/v1/responses')).toEqual({ allow: true });
    expect(req('GET', 'github.com', '/o/r.git/info/refs?service=git-upload-pack')).toEqual({ allow: true });
    expect(req('POST', 'github.com', '/o/r.git/git-upload-pack')).toEqual({ allow: true });
    expect(req('POST', 'api.github.com', '/graphql')).toEqual({ allow: 'inspect-graphql' });
  });

  it('blocks writes, pushes and method-override tricks with a reason', () => {
    expect(req('POST', 'api.github.com', '/repos/o/r/issues')).toEqual({ allow: false, reason: 'read-only session: POST api.github.com/repos/o/r/issues is a write' });
    expect(req('DELETE', 'api.github.com', '/repos/o/r')).toMatchObject({ allow: false });
    expect(req('PATCH', 'api.github.com', '/user')).toMatchObject({ allow: false });
    expect(JSON.stringify(req('GET', 'github.com', '/o/r.git/info/refs?service=git-receive-pack'))).toContain('"allow":false,"reason":"read-only session: git push');
    expect(req('POST', 'github.com', '/o/r.git/git-receive-pack')).toMatchObject({ allow: false });
    expect(JSON.stringify(req('GET', 'api.github.com', '/repos/o/r', { 'x-http-method-override': 'DELETE' }))).toContain('"allow":false,"reason":"read-only session: a method override (DELETE)');
    expect(req('POST', 'api.anthropic.com', '/v1/messages', { 'x-http-method': 'PUT' })).toMatchObject({ allow: false });
    expect(req('POST', 'api.anthropic.com', '/v1/files')).toMatchObject({ allow: false });
  });

  it('read-write allows everything', () => {
    expect(accessDecision('read-write', { method: 'DELETE', host: 'api.github.com', path: '/repos/o/r', headers: {} })).toEqual({ allow: true });
  });
});

describe('GraphQL read-only check', () => {
  const none = new URLSearchParams();
  const graphqlIsReadOnly = async (body: string) => (await graphqlReadOnly(none, body)).ok;

  it('allows queries, refuses mutations and subscriptions anywhere in the document or batch', async () => {
    expect(await graphqlIsReadOnly(JSON.stringify({ query: '{ viewer { login } }' }))).toBe(true);
    expect(await graphqlIsReadOnly(JSON.stringify({ query: 'query Q($n: Int) { repository(name: "mutation") { issues(first: $n) { nodes { title } } } }' }))).toBe(true);
    expect(await graphqlIsReadOnly(JSON.stringify({ query: '# mutation in a comment\nquery { viewer { login } }' }))).toBe(true);
    expect(await graphqlIsReadOnly(JSON.stringify({ query: 'mutation { addStar(input: {starrableId: "x"}) { clientMutationId } }' }))).toBe(false);
    expect(await graphqlIsReadOnly(JSON.stringify({ query: 'query A { a } mutation B { b }', operationName: 'A' }))).toBe(false);
    expect(await graphqlIsReadOnly(JSON.stringify({ query: 'subscription { x }' }))).toBe(false);
    expect(await graphqlIsReadOnly(JSON.stringify([{ query: '{ a }' }, { query: 'mutation { b }' }]))).toBe(false);
    expect(await graphqlIsReadOnly(JSON.stringify({ query: 'fragment F on User { login } query { viewer { ...F } }' }))).toBe(true);
    expect(await graphqlIsReadOnly('not json')).toBe(false);
    expect(await graphqlIsReadOnly(JSON.stringify({ nope: 1 }))).toBe(false);
  });

  // PROXY-NOTES: comments end at CR, LF or CRLF; block strings hold \""" escapes; GET ?query= is GraphQL too.
  it('is not fooled by a comment ending at CR, an escaped block-string quote, or a mutation in the URL', async () => {
    const mutation = 'mutation { deleteRepository(input: {repositoryId: "R"}) { clientMutationId } }';
    for (const query of [
      `# just a comment\r${mutation}`,
      `# a\r\n${mutation}`,
      `query { a(x: """ \\""" """) } ${mutation}`,
      `query { a(x: """ \\""" { """) } ${mutation}`,
      `{ a(x: "\\"") } ${mutation}`,
      `query Q { a } \u00a0${mutation}`,
    ]) {
      expect(await graphqlReadOnly(none, JSON.stringify({ query })), JSON.stringify(query)).toMatchObject({ ok: false });
    }
    // the URL carries documents too, on GET and on POST
    expect(await graphqlReadOnly(new URLSearchParams({ query: mutation }), null)).toMatchObject({ ok: false });
    expect(await graphqlReadOnly(new URLSearchParams({ query: '{ viewer { login } }' }), null)).toEqual({ ok: true, body: null });
    expect(await graphqlReadOnly(new URLSearchParams({ query: mutation }), JSON.stringify({ query: '{ a }' }))).toMatchObject({ ok: false });
    expect(await graphqlReadOnly(new URLSearchParams('query=%7Ba%7D&query=mutation%7Bb%7D'), null)).toMatchObject({ ok: false }); // first or last: either may run
    expect(await graphqlReadOnly(new URLSearchParams({ operationName: 'X', extensions: '{"persistedQuery":{}}' }), null)).toMatchObject({ ok: false });
    // an operationName the document does not hold, an empty batch, a persisted query with no document
    expect(await graphqlReadOnly(none, JSON.stringify({ query: 'query A { a }', operationName: 'B' }))).toMatchObject({ ok: false });
    expect(await graphqlReadOnly(none, '[]')).toMatchObject({ ok: false });
    expect(await graphqlReadOnly(none, JSON.stringify({ extensions: { persistedQuery: { sha256Hash: 'abc' } } }))).toMatchObject({ ok: false });
  });

  it('forwards exactly what it inspected: duplicate keys cannot hide a second document', async () => {
    const r = await graphqlReadOnly(none, '{"query":"mutation { b }","query":"{ a }"}');
    // JSON.parse keeps the last key; a server that keeps the first would have run the mutation
    expect(r).toEqual({ ok: true, body: '{"query":"{ a }"}' });
  });

  it('lists operation kinds; null for a document that does not parse', async () => {
    expect(await graphqlOperationKinds('query A { a { b } } mutation B($x: ID!) @dir { c }')).toEqual(['query', 'mutation']);
    expect(await graphqlOperationKinds('query { a')).toBeNull();
  });

  it('read-only GETs of a GraphQL path with parameters are inspected; other GETs are not', () => {
    const get = (path: string) => accessDecision('read-only', { method: 'GET', host: 'api.github.com', path, headers: {} });
    expect(get('/graphql?query=mutation%7Bx%7D')).toEqual({ allow: 'inspect-graphql' });
    expect(get('/api/graphql?%71uery=mutation%7Bx%7D')).toEqual({ allow: 'inspect-graphql' });
    expect(get('/GraphQL?query=x')).toEqual({ allow: 'inspect-graphql' });
    expect(get('/graphql')).toEqual({ allow: true });
    expect(get('/repos/o/r?per_page=5')).toEqual({ allow: true });
  });

  it('read-only POSTs to read endpoints must be named plainly (no dot segments or encoded separators)', () => {
    const post = (host: string, path: string) => accessDecision('read-only', { method: 'POST', host, path, headers: {} });
    expect(post('github.com', '/o/r.git/git-upload-pack')).toEqual({ allow: true });
    for (const path of ['/o/r/../../settings/git-upload-pack', '/o/r/%2e%2e/x/git-upload-pack', '/o%2fr/git-upload-pack', '/v1/messages/./']) {
      expect(post(path.startsWith('/v1') ? 'api.anthropic.com' : 'github.com', path), path).toMatchObject({ allow: false });
    }
  });
});

describe('rules from proxy.toml', () => {
  it('adds a Grafana host and custom rules; built-in hosts keep their rule', async () => {
    const { parseProxyConfig } = await import('../../src/config/proxy-config.js');
    const { rulesFromConfig } = await import('../../src/proxy/rules.js');
    const cfg = parseProxyConfig(
      {
        grafana_host: 'Grafana.Example.com.',
        rules: [
          { host: 'k8s.example.com', credential: 'k8s_token', header: 'X-Auth', format: 'Token {token}', paths: '^/api/' },
          { host: 'api.github.com', credential: 'npm_token' }, // cannot take over a built-in host
        ],
      },
      'proxy.toml',
    );
    const rules = rulesFromConfig(cfg);
    const look = (c: string) => ({ grafana_api_key: 'glsa_REAL', k8s_token: 'k8s-REAL', github_token: 'ghp_REAL', npm_token: 'npm_REAL' })[c];
    expect(injectionFor(rules, target('grafana.example.com:443'), true, '/api/dashboards', look)).toEqual({ credential: 'grafana_api_key', headers: { authorization: 'Bearer glsa_REAL' } });
    expect(injectionFor(rules, target('k8s.example.com:443'), true, '/api/v1/pods', look)).toEqual({ credential: 'k8s_token', headers: { 'x-auth': 'Token k8s-REAL' } });
    expect(injectionFor(rules, target('k8s.example.com:443'), true, '/healthz', look)).toBeNull();
    expect(injectionFor(rules, target('api.github.com:443'), true, '/user', look)?.credential).toBe('github_token');
  });

  it('rejects rules that could leak: IP hosts, schemes, unknown credentials, formats without {token}', async () => {
    const { parseProxyConfig } = await import('../../src/config/proxy-config.js');
    const bad: [unknown, RegExp][] = [
      [{ rules: [{ host: '10.0.0.1', credential: 'k8s_token' }] }, /rules\.0\.host: expected a host name/],
      [{ rules: [{ host: 'https://k8s.example.com', credential: 'k8s_token' }] }, /rules\.0\.host/],
      [{ rules: [{ host: 'k8s.example.com', credential: 'aws_key' }] }, /rules\.0\.credential/],
      [{ rules: [{ host: 'k8s.example.com', credential: 'k8s_token', format: 'Bearer x' }] }, /rules\.0\.format: must contain \{token\}/],
      [{ rules: [{ host: 'k8s.example.com', credential: 'k8s_token', paths: '(' }] }, /rules\.0\.paths: not a valid regular expression/],
      [{ grafana_host: 'grafana:3000' }, /grafana_host/],
    ];
    for (const [raw, msg] of bad) expect(() => parseProxyConfig(raw, 'proxy.toml')).toThrow(msg);
  });
});
