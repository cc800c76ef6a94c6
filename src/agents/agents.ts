// Agent command lines. Each agent knows how to turn a session's options into argv; the
// executable can be overridden in config.toml ([agents.<name>] command = …), which tests use.
import { ClauderonError } from '../shared/errors.js';
import { which } from '../shared/which.js';
import type { AgentName } from '../shared/types.js';
import type { Config } from '../config/config.js';
import type { CredentialName } from '../config/proxy-config.js';

export interface AgentLaunch {
  prompt: string;
  /** Pass the agent's "skip all permission checks" flag. */
  skipChecks: boolean;
  planMode: boolean;
  model: string | null;
  /** clauderon's session id; Claude Code uses it as its own session id so it can be resumed. */
  sessionId: string;
  /** Restarting an existing session (unarchive): resume the conversation instead of a new prompt. */
  resume: boolean;
  /** Claude Code: a settings file of clauderon's (its hooks, its API-key helper), passed with --settings. */
  settingsFile?: string | undefined;
}

export interface AgentInfo {
  name: AgentName;
  executable: string;
  displayName: string;
  install: string;
  /** How clauderon learns the agent's status (documented in README). */
  statusMethod: 'hooks' | 'screen';
  supportsPlanMode: boolean;
  supportsResume: boolean;
  args(o: AgentLaunch): string[];
}

export const AGENT_INFO: Record<AgentName, AgentInfo> = {
  claude: {
    name: 'claude',
    executable: 'claude',
    displayName: 'Claude Code',
    install: 'npm install -g @anthropic-ai/claude-code',
    statusMethod: 'hooks',
    supportsPlanMode: true,
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
  },
  codex: {
    name: 'codex',
    executable: 'codex',
    displayName: 'Codex CLI',
    install: 'npm install -g @openai/codex',
    statusMethod: 'screen',
    supportsPlanMode: false,
    supportsResume: false,
    args(o) {
      const a: string[] = [];
      if (o.skipChecks) a.push('--dangerously-bypass-approvals-and-sandbox');
      if (o.model) a.push('--model', o.model);
      if (!o.resume && o.prompt) a.push('--', o.prompt);
      return a;
    },
  },
  gemini: {
    name: 'gemini',
    executable: 'gemini',
    displayName: 'Gemini CLI',
    install: 'npm install -g @google/gemini-cli',
    statusMethod: 'screen',
    supportsPlanMode: false,
    supportsResume: false,
    args(o) {
      const a: string[] = [];
      if (o.skipChecks) a.push('--yolo');
      if (o.model) a.push('--model', o.model);
      if (!o.resume && o.prompt) a.push(`--prompt-interactive=${o.prompt}`);
      return a;
    },
  },
};

/**
 * The credentials the proxy may hold for an agent's model API (any one will do), and what to tell
 * the user when it holds none: the agent's requests would be refused, so say it before it starts.
 */
export const MODEL_CREDENTIALS: Record<AgentName, { names: readonly CredentialName[]; missing(secretsDir: string): string }> = {
  claude: {
    names: ['anthropic_api_key', 'anthropic_oauth_token'],
    missing: (dir) =>
      `no Anthropic credential: the agent's requests will be refused by its proxy — set CLAUDE_CODE_OAUTH_TOKEN (run \`claude setup-token\` for a Claude subscription) or ANTHROPIC_API_KEY, or write ${dir}/anthropic_oauth_token, then restart the daemon: clauderon daemon stop`,
  },
  codex: {
    names: ['openai_api_key'],
    missing: (dir) =>
      `no OpenAI credential: the agent's requests will be refused by its proxy — set OPENAI_API_KEY (or CODEX_API_KEY), or write ${dir}/openai_api_key, then restart the daemon: clauderon daemon stop`,
  },
  gemini: {
    names: ['gemini_api_key'],
    missing: (dir) =>
      `no Gemini credential: the agent's requests will be refused by its proxy — set GEMINI_API_KEY (or GOOGLE_API_KEY), or write ${dir}/gemini_api_key, then restart the daemon: clauderon daemon stop`,
  },
};

export interface AgentCommand {
  argv: string[];
  warnings: string[];
}

/** The executable argv prefix for an agent (config override or the default name). */
function commandPrefix(agent: AgentName, config: Config): string[] {
  const override = config.agents[agent];
  const cmd = override?.command;
  const prefix = cmd === undefined ? [AGENT_INFO[agent].executable] : typeof cmd === 'string' ? [cmd] : [...cmd];
  return [...prefix, ...(override?.args ?? [])];
}

/** The agent's executable as configured (resolved on the host, or inside a container). */
export function agentExecutable(agent: AgentName, config: Config): string {
  return commandPrefix(agent, config)[0] ?? AGENT_INFO[agent].executable;
}

/** Check the agent CLI is installed; throws an actionable error before anything is created. */
export function resolveAgentExecutable(agent: AgentName, config: Config, pathEnv: string | undefined): string {
  const prefix = commandPrefix(agent, config);
  const exe = prefix[0] ?? AGENT_INFO[agent].executable;
  const found = which(exe, pathEnv);
  if (!found) {
    const info = AGENT_INFO[agent];
    const overridden = config.agents[agent]?.command !== undefined;
    throw new ClauderonError(
      'agent_unavailable',
      overridden
        ? `${info.displayName} command "${exe}" (from [agents.${agent}] in config.toml) is not an executable on PATH — fix the path`
        : `"${exe}" (${info.displayName}) not found on PATH — install it (${info.install}) or pick another --agent`,
    );
  }
  return found;
}

export function buildAgentCommand(agent: AgentName, config: Config, launch: AgentLaunch): AgentCommand {
  const info = AGENT_INFO[agent];
  const warnings: string[] = [];
  if (launch.planMode && !info.supportsPlanMode) {
    warnings.push(`${info.displayName} has no plan mode; starting it normally`);
  }
  // A restart never re-sends the prompt: agents that can resume continue their conversation,
  // the others start fresh without repeating the task.
  const args = launch.resume
    ? info.args({ ...launch, resume: info.supportsResume, prompt: '' })
    : info.args({ ...launch, resume: false });
  return { argv: [...commandPrefix(agent, config), ...args], warnings };
}
