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
  const auth: Record<string, string> = {};
  if (account) auth.chatgpt_account_id = account;
  if (planType) auth.chatgpt_plan_type = planType;
  return placeholderJwt({ [AUTH_CLAIM]: auth }, 'clauderon-placeholder');
}

/** An unsigned JWT of these claims whose signature part is a placeholder mark. */
function placeholderJwt(claims: Record<string, unknown>, signature: string): string {
  const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  return `${enc({ alg: 'none', typ: 'JWT' })}.${enc(claims)}.${signature}`;
}

/**
 * The agent's access token: a JWT like the real one, carrying only the account id and the real
 * token's expiry — Codex refreshes when `exp` has passed (before its first call, through the proxy,
 * which swaps the real refresh token in), and reads the account from a refreshed token. Its
 * signature part is the placeholder, which the proxy never lets leave.
 */
export function agentAccessToken(account: string | null, exp: number | null): string {
  return placeholderJwt({ ...(exp !== null ? { exp } : {}), [AUTH_CLAIM]: account ? { chatgpt_account_id: account } : {} }, PLACEHOLDERS.chatgptAccess);
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
  // no plugins: their sync fetches a git repository from github.com, a host that earns the user's
  // GitHub token; no shared app-server daemon left behind (besides --no-daemon)
  lines.push('', '[features]', 'plugins = false', 'daemon_auto_start = false');
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
      access_token: agentAccessToken(account, Number(o.info('chatgpt_access_exp')) || null),
      refresh_token: PLACEHOLDERS.chatgptRefresh,
      ...(account ? { account_id: account } : {}),
    },
    last_refresh: new Date().toISOString(),
  };
}

const obj = (v: unknown): Record<string, unknown> | null => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null);

/** Context Codex sends as user messages before the prompt (environment, AGENTS.md): not the user's words. */
const CONTEXT_MESSAGE = /^\s*(<environment_context>|<user_instructions>|<permissions instructions>|<developer_instructions>|# AGENTS\.md)/;

function parsedArguments(v: unknown): unknown {
  if (typeof v !== 'string') return v ?? null;
  try {
    return JSON.parse(v) as unknown;
  } catch {
    return { input: v };
  }
}

/**
 * One line of a Codex rollout (`$CODEX_HOME/sessions/YYYY/MM/DD/rollout-….jsonl`: `{timestamp, type,
 * payload}`; the conversation is its `response_item`s — messages, function and custom tool calls and
 * their outputs, reasoning summaries) in Claude Code's transcript shape. Untrusted: every field is
 * checked; anything else gives nothing.
 */
export function codexTranscriptLine(raw: unknown): unknown[] {
  const r = obj(raw);
  const p = obj(r?.payload);
  if (!r || r.type !== 'response_item' || !p) return [];
  const at = typeof r.timestamp === 'string' ? { timestamp: r.timestamp } : {};
  const line = (role: 'user' | 'assistant', content: Record<string, unknown>[]) => (content.length > 0 ? [{ ...at, type: role, message: { role, content } }] : []);
  switch (p.type) {
    case 'message': {
      if (p.role !== 'user' && p.role !== 'assistant') return [];
      const parts = Array.isArray(p.content) ? p.content : [];
      const texts = parts.map((c) => obj(c)?.text).filter((t): t is string => typeof t === 'string' && t.trim() !== '' && !CONTEXT_MESSAGE.test(t));
      return line(p.role, texts.map((text) => ({ type: 'text', text })));
    }
    case 'function_call':
    case 'custom_tool_call':
      return typeof p.name === 'string' ? line('assistant', [{ type: 'tool_use', name: p.name, input: parsedArguments(p.arguments ?? p.input) }]) : [];
    case 'local_shell_call':
      return line('assistant', [{ type: 'tool_use', name: 'shell', input: obj(p.action) ?? null }]);
    case 'function_call_output':
    case 'custom_tool_call_output': {
      const out = obj(p.output)?.content ?? p.output;
      // (a custom tool's output is content parts: their text)
      const text = Array.isArray(out) ? out.map((c) => obj(c)?.text).filter((t): t is string => typeof t === 'string').join('\n') : typeof out === 'string' ? out : JSON.stringify(out ?? null);
      return line('user', [{ type: 'tool_result', content: text }]);
    }
    case 'reasoning': {
      const summary = (Array.isArray(p.summary) ? p.summary : []).map((s) => obj(s)?.text).filter((t): t is string => typeof t === 'string' && t.trim() !== '');
      return summary.length > 0 ? line('assistant', [{ type: 'thinking', thinking: summary.join('\n') }]) : [];
    }
    default:
      return [];
  }
}

/** A finished turn (notify's `agent-turn-complete`): the prompt is the user's. */
export function codexStatusForHook(p: HookPayload): AgentStatus | null {
  if (p.type !== 'agent-turn-complete') return null;
  // the TUI's title generation (a thread of its own, next to the first turn) fires notify too: it says nothing of the agent's turn
  const inputs = (p as Record<string, unknown>)['input-messages'];
  const first: unknown = Array.isArray(inputs) ? inputs[0] : undefined;
  if (typeof first === 'string' && first.startsWith('Generate a concise, single-line task title')) return null;
  return 'waiting_input';
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
  // a ChatGPT login's token refresh (the proxy swaps the tokens: proxy/codex-login.ts)
  egress: { needs: ['auth.openai.com'] },
  status: { fromHook: codexStatusForHook, screen: 'all' },
  // its rollouts are in its own CODEX_HOME: the newest is the session's
  transcripts: { dirs: () => [], configDir: 'sessions', find: 'newest', normalize: codexTranscriptLine },
  configHome: {
    env: { CODEX_HOME: '' },
    files: (o) => [
      { file: 'config.toml', content: codexConfig(o) },
      { file: 'auth.json', content: `${JSON.stringify(codexAuth(o), null, 2)}\n` },
    ],
  },
  home: { files: [], state: () => [] },
});
