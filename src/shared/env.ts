// Environment hygiene. Processes that the daemon starts for agents (tmux and zellij servers,
// agent commands) must never inherit a real credential from the daemon's own environment —
// environment variables are the highest-priority credential source, so the daemon often has them.

/** Variables that hold credentials (the names the seeds list, plus their common aliases). */
export const CREDENTIAL_ENV_VARS = [
  'GITHUB_TOKEN',
  'GH_TOKEN',
  'GH_ENTERPRISE_TOKEN',
  'GITHUB_ENTERPRISE_TOKEN',
  'CLAUDE_CODE_OAUTH_TOKEN',
  'ANTHROPIC_API_KEY',
  'ANTHROPIC_AUTH_TOKEN',
  'OPENAI_API_KEY',
  'CODEX_API_KEY',
  'CODEX_ACCESS_TOKEN',
  'CODEX_REFRESH_TOKEN',
  'CODEX_ID_TOKEN',
  'GEMINI_API_KEY',
  'GOOGLE_API_KEY',
  'PAGERDUTY_TOKEN',
  'SENTRY_AUTH_TOKEN',
  'GRAFANA_API_KEY',
  'NPM_TOKEN',
  'NODE_AUTH_TOKEN',
  'DOCKER_TOKEN',
  'K8S_TOKEN',
  'TALOS_TOKEN',
  'OP_SERVICE_ACCOUNT_TOKEN',
] as const;

/** Variables of clauderon's own that must not leak into agent processes. */
const INTERNAL_PREFIXES = ['CLAUDERON_UPSTREAM_', 'CLAUDERON_TEST_'];

export function scrubbedEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const drop = new Set<string>(CREDENTIAL_ENV_VARS);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) continue;
    if (drop.has(k)) continue;
    if (INTERNAL_PREFIXES.some((p) => k.startsWith(p))) continue;
    // A multiplexer started from inside another one must not think it is nested.
    if (k === 'TMUX' || k === 'TMUX_PANE' || k === 'ZELLIJ' || k === 'ZELLIJ_SESSION_NAME' || k === 'ZELLIJ_PANE_ID') continue;
    out[k] = v;
  }
  return out;
}
