// Claude Code (the default agent). Everything clauderon knows about it is here: its argv, the
// Anthropic API and its credentials, its hook events (live status), the settings file it is
// started with (hooks, and the API-key helper), its state when its home is a container's
// worktree, and where its transcripts are.
import { join } from 'node:path';
import type { AgentStatus } from '../shared/types.js';
import { PLACEHOLDERS } from './proxy-env.js';
import { defineAgent, type HookPayload } from './spec.js';

/** The hook events clauderon listens to (events a Claude Code version lacks are ignored by it). */
export const HOOK_EVENTS = ['SessionStart', 'UserPromptSubmit', 'PreToolUse', 'PostToolUse', 'Notification', 'PermissionRequest', 'Stop', 'StopFailure', 'SessionEnd'] as const;

/** Claude Code's hooks settings: every event runs `command` (clauderon's post to the daemon). */
export function hookSettings(command: string): Record<string, unknown> {
  const hooks: Record<string, unknown> = {};
  for (const e of HOOK_EVENTS) {
    const matcher = e === 'PreToolUse' || e === 'PostToolUse' || e === 'PermissionRequest' ? { matcher: '*' } : {};
    hooks[e] = [{ ...matcher, hooks: [{ type: 'command', command, timeout: 5 }] }];
  }
  return { hooks };
}

/**
 * The apiKeyHelper that hands Claude Code its API-key placeholder. A key in ANTHROPIC_API_KEY makes
 * Claude Code ask "Detected a custom API key… use this API key?" (and the default answer leaves it
 * at a login screen); a key from a helper asks nothing. The proxy swaps the placeholder for the
 * real key. Never combined with CLAUDE_CODE_OAUTH_TOKEN (Claude Code warns that auth may fail).
 */
export const API_KEY_HELPER = `echo ${PLACEHOLDERS.anthropicApiKey}`;

/**
 * The agent status a hook event means, or null when it says nothing about it.
 * SessionStart: up, not working yet (idle). A prompt or a tool: working. A permission request or
 * a permission notification: waiting for approval. Any other notification (Claude's "waiting for
 * your input") and Stop (its turn is over, the prompt is the user's): waiting for input.
 * StopFailure or SessionEnd: idle.
 */
export function agentStatusForHook(p: HookPayload): AgentStatus | null {
  switch (p.hook_event_name) {
    case 'SessionStart':
      return 'idle';
    case 'UserPromptSubmit':
    case 'PreToolUse':
    case 'PostToolUse':
      return 'working';
    case 'PermissionRequest':
      return 'waiting_approval';
    case 'Notification': {
      const type = typeof p.notification_type === 'string' ? p.notification_type : '';
      const msg = typeof p.message === 'string' ? p.message : '';
      return type === 'permission_prompt' || /permission/i.test(msg) ? 'waiting_approval' : 'waiting_input';
    }
    case 'Stop':
      return 'waiting_input';
    case 'StopFailure':
    case 'SessionEnd':
      return 'idle';
    default:
      return null;
  }
}

/** What the user keeps in their Claude config dir that a session's own links to. */
const USER_CLAUDE_FILES = ['settings.json', 'CLAUDE.md', 'agents', 'commands', 'skills', 'output-styles', 'plugins'] as const;

/** Claude Code's state that lets it start at its work: onboarding done, these directories trusted, the API-key placeholder approved. */
function claudeState(skipChecks: boolean, trusted: readonly string[]): Record<string, unknown> {
  return {
    hasCompletedOnboarding: true,
    bypassPermissionsModeAccepted: skipChecks,
    projects: Object.fromEntries(trusted.map((d) => [d, { hasTrustDialogAccepted: true }])),
    customApiKeyResponses: { approved: [PLACEHOLDERS.anthropicApiKey.slice(-20)], rejected: [] },
  };
}

export const claudeSpec = defineAgent({
  name: 'claude',
  displayName: 'Claude Code',
  executable: 'claude',
  install: 'npm install -g @anthropic-ai/claude-code',
  skipChecksFlag: '--dangerously-skip-permissions',
  supportsPlanMode: true,
  models: [
    { id: 'sonnet', about: 'the latest Sonnet (alias)' },
    { id: 'opus', about: 'the latest Opus (alias)' },
    { id: 'haiku', about: 'the latest Haiku (alias)' },
    { id: 'opusplan', about: 'Opus while planning, Sonnet otherwise (alias)' },
    { id: 'sonnet[1m]', about: 'Sonnet with a 1M-token context (alias)' },
  ],
  supportsResume: true,
  args(o) {
    const a: string[] = [];
    a.push(o.resume ? '--resume' : '--session-id', o.sessionId);
    if (o.skipChecks) a.push('--dangerously-skip-permissions');
    if (o.planMode) a.push('--permission-mode', 'plan');
    if (o.model) a.push('--model', o.model);
    if (o.settingsFile) a.push('--settings', o.settingsFile);
    if (!o.resume && o.prompt) a.push('--', o.prompt);
    return a;
  },
  modelApis: [
    {
      host: 'api.anthropic.com',
      credentials: ['anthropic_api_key', 'anthropic_oauth_token'],
      headers: (c, token): Record<string, string> => (c === 'anthropic_api_key' ? { 'x-api-key': token } : { authorization: `Bearer ${token}` }),
      readPosts: [/^\/v1\/(messages(\/count_tokens)?|complete)(\?|$)/, /^\/api\/(event_logging|eval|hello|oauth\/claude_cli\/client_data)/],
      missing: (dir) =>
        `no Anthropic credential: the agent's requests will be refused by its proxy — set CLAUDE_CODE_OAUTH_TOKEN (run \`claude setup-token\` for a Claude subscription) or ANTHROPIC_API_KEY, or write ${dir}/anthropic_oauth_token, then restart the daemon: clauderon daemon stop`,
    },
  ],
  // its usage statistics and error reports (Claude Code 2.1); model calls and event logging are api.anthropic.com
  egress: { telemetry: ['statsig.anthropic.com', 'o1158394.ingest.us.sentry.io'] },
  status: { fromHook: agentStatusForHook, screen: false },
  settings: { hooks: hookSettings, apiKeyCredential: 'anthropic_api_key', apiKeyHelper: { apiKeyHelper: API_KEY_HELPER } },
  home: {
    files: ['.claude.json*', '.claude/projects', '.claude/todos', '.claude/statsig', '.claude/shell-snapshots', '.claude/session-env', '.claude/plans', '.claude/debug'],
    // onboarding done and the workspace trusted: no first-run dialog stops the agent
    state: ({ skipChecks, workspace }) => [{ file: '.claude.json', content: claudeState(skipChecks, [workspace]) }],
    // with the proxy on, the agent may skip permission prompts: nothing it holds is a secret
    managedSettings: { path: '/etc/claude-code/managed-settings.json', content: { permissions: { defaultMode: 'bypassPermissions' } } },
  },
  // On this host: a CLAUDE_CONFIG_DIR of the session's own, so that Claude Code starts at its work
  // — onboarding done and the worktree trusted in its own .claude.json (which is Claude's after
  // the first start) — while the user's own settings, CLAUDE.md, agents, commands, skills and
  // plugins are there as links (read, never written by clauderon). The user's ~/.claude.json is not
  // touched. In a container its home is the worktree (`home` below).
  configHome: {
    env: { CLAUDE_CONFIG_DIR: '' },
    hostOnly: true,
    files: (o) => {
      const user = o.env.CLAUDE_CONFIG_DIR?.startsWith('/') ? o.env.CLAUDE_CONFIG_DIR : join(o.userHome, '.claude');
      return [
        { file: '.claude.json', content: `${JSON.stringify(claudeState(o.skipChecks, [o.workspace, o.cwd]), null, 2)}\n`, once: true },
        ...USER_CLAUDE_FILES.map((f) => ({ file: f, link: join(user, f) })),
      ];
    },
  },
  transcripts: {
    dirs: (home, env) => [join(home, '.claude', 'projects'), ...(env.CLAUDE_CONFIG_DIR?.startsWith('/') ? [join(env.CLAUDE_CONFIG_DIR, 'projects')] : [])],
    homeDir: '.claude/projects',
    configDir: 'projects',
    find: 'session-id',
  },
});
