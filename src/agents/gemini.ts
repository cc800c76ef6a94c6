// Gemini CLI (Google). No hooks: its status comes from its screen.
import type { AgentStatus } from '../shared/types.js';
import { defineAgent, type ConfigHomeContext, type HookPayload } from './spec.js';

const obj = (v: unknown): Record<string, unknown> | null => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null);

/**
 * One line of Gemini CLI's chat log (`chats/session-….jsonl`: a header, `$set` updates, and message
 * records — `user` with text or functionResponse parts, `gemini` with its text, thoughts and tool
 * calls; a record is written again under its id when its tool calls finish) in Claude Code's
 * transcript shape, keeping the id as `uuid` so the rewritten record replaces the first. The
 * session context Gemini CLI sends as the first user message is left out. Untrusted: every field is
 * checked.
 */
export function geminiTranscriptLine(raw: unknown): unknown[] {
  const r = obj(raw);
  if (!r || (r.type !== 'user' && r.type !== 'gemini')) return [];
  const uuid = typeof r.id === 'string' ? r.id : undefined;
  const base = { ...(uuid ? { uuid } : {}), ...(typeof r.timestamp === 'string' ? { timestamp: r.timestamp } : {}) };
  const blocks: Record<string, unknown>[] = [];
  if (r.type === 'user') {
    const parts = Array.isArray(r.content) ? r.content : typeof r.content === 'string' ? [{ text: r.content }] : [];
    for (const p of parts) {
      const part = obj(p);
      if (typeof part?.text === 'string') {
        if (!part.text.startsWith('<session_context>') && part.text.trim()) blocks.push({ type: 'text', text: part.text });
      } else if (obj(part?.functionResponse)) {
        const resp = obj(obj(part?.functionResponse)?.response);
        const out = resp?.output ?? resp?.error ?? resp;
        blocks.push({ type: 'tool_result', content: typeof out === 'string' ? out : JSON.stringify(out ?? null) });
      }
    }
    return blocks.length > 0 ? [{ ...base, type: 'user', message: { role: 'user', content: blocks } }] : [];
  }
  for (const t of Array.isArray(r.thoughts) ? r.thoughts : []) {
    const th = obj(t);
    const text = [th?.subject, th?.description].filter((x) => typeof x === 'string' && x).join(': ');
    if (text) blocks.push({ type: 'thinking', thinking: text });
  }
  if (typeof r.content === 'string' && r.content.trim()) blocks.push({ type: 'text', text: r.content });
  for (const c of Array.isArray(r.toolCalls) ? r.toolCalls : []) {
    const call = obj(c);
    if (call && typeof call.name === 'string') blocks.push({ type: 'tool_use', name: call.name, input: call.args ?? null });
  }
  return blocks.length > 0 ? [{ ...base, type: 'assistant', message: { role: 'assistant', content: blocks } }] : [];
}

/** The hook events clauderon listens to (the others carry whole conversations and say nothing it needs). */
export const GEMINI_HOOK_EVENTS = ['SessionStart', 'BeforeAgent', 'AfterTool', 'Notification', 'AfterAgent', 'SessionEnd'] as const;

/**
 * Gemini CLI's hooks: a prompt went in (working), a tool asks for permission (waiting for
 * approval), a tool ran (working again: approved), the turn is over (waiting for input). A
 * rejected approval fires nothing: the screen settles that (status.screen 'approvals').
 */
export function geminiStatusForHook(p: HookPayload): AgentStatus | null {
  switch (p.hook_event_name) {
    case 'SessionStart':
    case 'SessionEnd':
      return 'idle';
    case 'BeforeAgent':
    case 'AfterTool':
      return 'working';
    case 'Notification':
      return p.notification_type === 'ToolPermission' ? 'waiting_approval' : null;
    case 'AfterAgent':
      return 'waiting_input';
    default:
      return null;
  }
}

/**
 * The session's Gemini settings (its GEMINI_CLI_HOME's .gemini/settings.json): API-key auth chosen
 * (no auth dialog), folder trust off (no trust dialog; the worktree is the session's own), no usage
 * statistics (play.googleapis.com) and no update check (registry.npmjs.org, where the npm token
 * would go), and the hooks when the daemon listens for them.
 */
export function geminiSettings(o: ConfigHomeContext): Record<string, unknown> {
  const settings: Record<string, unknown> = {
    security: { auth: { selectedType: 'gemini-api-key' }, folderTrust: { enabled: false } },
    privacy: { usageStatisticsEnabled: false },
    general: { enableAutoUpdate: false, enableAutoUpdateNotification: false },
  };
  if (o.hookCommand) {
    const hooks: Record<string, unknown> = {};
    for (const e of GEMINI_HOOK_EVENTS) hooks[e] = [{ hooks: [{ type: 'command', command: o.hookCommand, timeout: 5000 }] }];
    settings.hooks = hooks;
  }
  return settings;
}

export const geminiSpec = defineAgent({
  name: 'gemini',
  displayName: 'Gemini CLI',
  executable: 'gemini',
  install: 'npm install -g @google/gemini-cli',
  skipChecksFlag: '--yolo',
  supportsPlanMode: false,
  models: [
    { id: 'auto', about: 'Gemini CLI picks per prompt (alias)' },
    { id: 'pro', about: 'the current Pro model (alias)' },
    { id: 'flash', about: 'the current Flash model (alias)' },
    { id: 'flash-lite', about: 'the current Flash-Lite model (alias)' },
    { id: 'gemini-2.5-pro', about: 'Gemini 2.5 Pro' },
    { id: 'gemini-2.5-flash', about: 'Gemini 2.5 Flash' },
    { id: 'gemini-3.1-pro-preview', about: 'Gemini 3.1 Pro (preview)' },
  ],
  // clauderon's session id is Gemini's: a restart resumes the conversation
  supportsResume: true,
  args(o) {
    const a: string[] = [o.resume ? '--resume' : '--session-id', o.sessionId];
    if (o.skipChecks) a.push('--yolo');
    if (o.model) a.push('--model', o.model);
    if (!o.resume && o.prompt) a.push(`--prompt-interactive=${o.prompt}`);
    return a;
  },
  modelApis: [
    {
      host: 'generativelanguage.googleapis.com',
      credentials: ['gemini_api_key'],
      headers: (_c, token) => ({ 'x-goog-api-key': token }),
      readPosts: [/:(generateContent|streamGenerateContent|countTokens|embedContent)(\?|$)/],
      missing: (dir) =>
        `no Gemini credential: the agent's requests will be refused by its proxy — set GEMINI_API_KEY (or GOOGLE_API_KEY), or write ${dir}/gemini_api_key, then restart the daemon: clauderon daemon stop`,
    },
  ],
  // its usage statistics (Clearcut), when its settings leave them on
  egress: { telemetry: ['play.googleapis.com'] },
  status: { fromHook: geminiStatusForHook, screen: 'approvals' },
  configHome: {
    // its own home for everything Gemini keeps (the user's ~/.gemini is never read or written);
    // no relaunched child (a relaunched Gemini ignores SIGHUP and outlives a killed tmux session)
    env: { GEMINI_CLI_HOME: '' },
    constants: { GEMINI_CLI_NO_RELAUNCH: 'true' },
    files: (o) => [{ file: '.gemini/settings.json', content: `${JSON.stringify(geminiSettings(o), null, 2)}\n` }],
  },
  transcripts: {
    dirs: () => [],
    configDir: '.gemini/tmp',
    find: 'newest',
    normalize: geminiTranscriptLine,
  },
  home: { files: [], state: () => [] },
});
