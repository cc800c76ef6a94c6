// What an agent's environment holds when its session has a proxy: placeholders instead of real
// credentials, the proxy (with the session's own proxy credential), and our CA for every client
// family. Node adds NODE_EXTRA_CA_CERTS to its roots; SSL_CERT_FILE, REQUESTS_CA_BUNDLE,
// CURL_CA_BUNDLE and GIT_SSL_CAINFO replace the trust store, so they get system roots + our CA.

/** Placeholders: shaped like the real thing so clients accept them, useless anywhere else. */
export const PLACEHOLDERS = {
  anthropicApiKey: 'sk-ant-api03-clauderon-placeholder-0000000000000000000000000000000000',
  anthropicOauth: 'sk-ant-oat01-clauderon-placeholder-00000000000000000000000000000000000',
  openai: 'sk-clauderon-placeholder-000000000000000000000000000000000000000000',
  gemini: 'clauderon-placeholder-gemini-key',
  /** A ChatGPT login of Codex: its access and refresh tokens (the id token is made per session, see codex.ts). */
  chatgptAccess: 'clauderon-placeholder-chatgpt-access-token',
  chatgptRefresh: 'clauderon-placeholder-chatgpt-refresh-token',
  github: 'ghp_clauderonplaceholder0000000000000000000000',
} as const;

export interface ProxyEnvOptions {
  /** http://USER:PASSWORD@127.0.0.1:PORT — the session's proxy with its proxy credential. */
  proxyUrl: string;
  /** Our CA certificate (PEM file). */
  caCertPath: string;
  /** System roots + our CA (PEM file). */
  caBundlePath: string;
  /** Which Anthropic credential the proxy holds: the agent's placeholder must match its header. */
  anthropic: 'api_key' | 'oauth' | null;
  /**
   * The agent (Claude Code) gets its API-key placeholder from the apiKeyHelper of its --settings
   * file, so the environment must hold no Anthropic variable (see API_KEY_HELPER in core/hooks.ts).
   */
  apiKeyHelper?: boolean;
  /** Running as root with permission checks skipped: Claude Code needs IS_SANDBOX=1. */
  sandbox: boolean;
}

export function proxyEnv(o: ProxyEnvOptions): Record<string, string> {
  const env: Record<string, string> = {
    HTTP_PROXY: o.proxyUrl,
    HTTPS_PROXY: o.proxyUrl,
    http_proxy: o.proxyUrl,
    https_proxy: o.proxyUrl,
    NO_PROXY: 'localhost,127.0.0.1,::1',
    no_proxy: 'localhost,127.0.0.1,::1',
    NODE_EXTRA_CA_CERTS: o.caCertPath,
    SSL_CERT_FILE: o.caBundlePath,
    REQUESTS_CA_BUNDLE: o.caBundlePath,
    CURL_CA_BUNDLE: o.caBundlePath,
    GIT_SSL_CAINFO: o.caBundlePath,
    OPENAI_API_KEY: PLACEHOLDERS.openai,
    CODEX_API_KEY: PLACEHOLDERS.openai,
    GEMINI_API_KEY: PLACEHOLDERS.gemini,
    GH_TOKEN: PLACEHOLDERS.github,
    GITHUB_TOKEN: PLACEHOLDERS.github,
  };
  // An OAuth-style placeholder (sent as Authorization: Bearer) raises no "use this key?" dialog
  // in Claude Code; the proxy swaps in whichever real Anthropic credential it holds. With an API
  // key, Claude Code asks about a key in ANTHROPIC_API_KEY, so it gets one from its apiKeyHelper.
  if (o.anthropic === 'api_key') {
    if (!o.apiKeyHelper) env.ANTHROPIC_API_KEY = PLACEHOLDERS.anthropicApiKey;
  } else {
    env.CLAUDE_CODE_OAUTH_TOKEN = PLACEHOLDERS.anthropicOauth;
  }
  if (o.sandbox) env.IS_SANDBOX = '1';
  return env;
}
