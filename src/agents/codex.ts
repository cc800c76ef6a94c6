// Codex CLI (OpenAI). Each session has a CODEX_HOME of its own (sessions/ID/agent-home): a
// config.toml that trusts the worktree, turns off the update check and analytics and reports each
// finished turn to the daemon (`notify`), and an auth.json holding only placeholders — an API key,
// or for a ChatGPT login placeholder tokens the proxy swaps for the real ones. Its status: the
// notify hook says a turn is over; approvals are read from its screen.
import { PLACEHOLDERS } from './proxy-env.js';
import { defineAgent, type ConfigHomeContext, type HookPayload } from './spec.js';
import type { AgentStatus } from '../shared/types.js';

/** The id-token claims Codex reads its account from. */
export const AUTH_CLAIM = 'https://api.openai.com/auth';

/**
 * The agent's id token: a JWT (unsigned) carrying only the account id and plan type — enough for
 * Codex to know which workspace it is in, nothing that signs anything. Its signature part is the
 * placeholder mark, so it can never pass for a credential upstream.
 */
export function agentIdToken(account: string | null, planType: string | null): string {
  const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const auth: Record<string, string> = {};
  if (account) auth.chatgpt_account_id = account;
  if (planType) auth.chatgpt_plan_type = planType;
  return `${enc({ alg: 'none', typ: 'JWT' })}.${enc({ [AUTH_CLAIM]: auth })}.clauderon-placeholder`;
}

/** A TOML basic string (JSON's escapes are TOML's). */
const toml = (s: string) => JSON.stringify(s);

/** Codex runs `notify` with the event's JSON as its last argument: post that to the daemon. */
export function notifyCommand(hookCommand: string): string[] {
  return ['sh', '-c', `printf '%s' "$1" | { ${hookCommand}; }`, 'clauderon-notify'];
}

export function codexConfig(o: ConfigHomeContext): string {
  const lines = [
    '# Written by clauderon before every start of this session (its own CODEX_HOME); edits are lost.',
    'check_for_update_on_startup = false',
  ];
  if (o.hookCommand) lines.push(`notify = [${notifyCommand(o.hookCommand).map(toml).join(', ')}]`);
  lines.push('', '[analytics]', 'enabled = false', '', '[feedback]', 'enabled = false');
  for (const dir of new Set([o.workspace, o.cwd])) lines.push('', `[projects.${toml(dir)}]`, 'trust_level = "trusted"');
  return `${lines.join('\n')}\n`;
}

/**
 * Its auth.json: placeholders only. With an OpenAI API key in the daemon (or no credential at all:
 * the proxy then says what to set), an API-key login; with only a ChatGPT login, placeholder
 * tokens and an id token carrying the account id and plan (the proxy injects the real access
 * token and swaps the refresh). `last_refresh` is now: Codex refreshes when the backend says the
 * token expired, which is when the proxy's swap is needed.
 */
export function codexAuth(o: ConfigHomeContext): Record<string, unknown> {
  if (o.holds('openai_api_key') || !o.holds('chatgpt_access_token')) return { auth_mode: 'apikey', OPENAI_API_KEY: PLACEHOLDERS.openai };
  const account = o.info('chatgpt_account_id') ?? null;
  return {
    auth_mode: 'chatgpt',
    OPENAI_API_KEY: null,
    tokens: {
      id_token: agentIdToken(account, o.info('chatgpt_plan_type') ?? null),
      access_token: PLACEHOLDERS.chatgptAccess,
      refresh_token: PLACEHOLDERS.chatgptRefresh,
      ...(account ? { account_id: account } : {}),
    },
    last_refresh: new Date().toISOString(),
  };
}

/** A finished turn (notify's `agent-turn-complete`): the prompt is the user's. */
export function codexStatusForHook(p: HookPayload): AgentStatus | null {
  return p.type === 'agent-turn-complete' ? 'waiting_input' : null;
}

export const codexSpec = defineAgent({
  name: 'codex',
  displayName: 'Codex CLI',
  executable: 'codex',
  install: 'npm install -g @openai/codex',
  skipChecksFlag: '--dangerously-bypass-approvals-and-sandbox',
  supportsPlanMode: false,
  models: [
    { id: 'gpt-5.5', about: 'GPT-5.5' },
    { id: 'gpt-5.4', about: 'GPT-5.4' },
    { id: 'gpt-5.3-codex', about: 'GPT-5.3-Codex' },
  ],
  supportsResume: false,
  args(o) {
    // --no-daemon: no shared app-server left running after the session (it would outlive it)
    const a: string[] = ['--no-daemon'];
    if (o.skipChecks) a.push('--dangerously-bypass-approvals-and-sandbox');
    if (o.model) a.push('--model', o.model);
    if (!o.resume && o.prompt) a.push('--', o.prompt);
    return a;
  },
  modelApis: [
    {
      host: 'api.openai.com',
      credentials: ['openai_api_key'],
      headers: (_c, token) => ({ authorization: `Bearer ${token}` }),
      readPosts: [/^\/v1\/(chat\/completions|completions|responses|embeddings|moderations)(\?|$)/],
      missing: (dir) =>
        `no OpenAI credential: the agent's requests will be refused by its proxy — set OPENAI_API_KEY (or CODEX_API_KEY), or write ${dir}/openai_api_key, or sign in with \`codex login\` on this machine (its ~/.codex/auth.json), then restart the daemon: clauderon daemon stop`,
    },
    // A ChatGPT login: the ChatGPT backend earns its access token (and the account header) — only
    // under /backend-api/. Its refresh goes to auth.openai.com, where the proxy swaps the tokens
    // (proxy/codex-login.ts); nothing else there earns anything.
    {
      host: 'chatgpt.com',
      paths: /^\/backend-api\//,
      credentials: ['chatgpt_access_token'],
      headers: (_c, token, lookup) => {
        const account = lookup('chatgpt_account_id');
        return { authorization: `Bearer ${token}`, ...(account ? { 'chatgpt-account-id': account } : {}) };
      },
      readPosts: [/^\/backend-api\/codex\/(responses|memories\/trace_summarize)(\?|$)/],
      missing: (dir) => `no ChatGPT login: sign in with \`codex login\` on this machine (or set CODEX_ACCESS_TOKEN), or use an API key (OPENAI_API_KEY or ${dir}/openai_api_key), then restart the daemon: clauderon daemon stop`,
    },
  ],
  status: { fromHook: codexStatusForHook, screen: true },
  configHome: {
    env: { CODEX_HOME: '' },
    files: (o) => [
      { file: 'config.toml', content: codexConfig(o) },
      { file: 'auth.json', content: `${JSON.stringify(codexAuth(o), null, 2)}\n` },
    ],
  },
  home: { files: [], state: () => [] },
});
