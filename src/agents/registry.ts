// Every agent clauderon knows: adding one is its module (a spec, agents/<name>.ts) and its line
// here (and its name in shared/types.ts AGENTS, which the type below holds to this table).
import { ClauderonError } from '../shared/errors.js';
import type { AgentName } from '../shared/types.js';
import { claudeSpec } from './claude.js';
import { codexSpec } from './codex.js';
import { geminiSpec } from './gemini.js';
import type { AgentSpec } from './spec.js';

export const AGENT_SPECS = {
  claude: claudeSpec,
  codex: codexSpec,
  gemini: geminiSpec,
} as const satisfies { [K in AgentName]: AgentSpec<K> };

export function allAgentSpecs(): AgentSpec[] {
  return Object.values(AGENT_SPECS);
}

export function agentSpec(name: string): AgentSpec {
  const spec = (AGENT_SPECS as Record<string, AgentSpec | undefined>)[name];
  if (!spec) throw new ClauderonError('invalid_input', `unknown agent "${name}" — one of ${Object.keys(AGENT_SPECS).join(', ')}`);
  return spec;
}
