// Agent command lines: each agent's spec (registry.ts) turns a session's options into argv; the
// executable can be overridden in config.toml ([agents.<name>] command = …), which tests use.
import { ClauderonError } from '../shared/errors.js';
import { which } from '../shared/which.js';
import type { AgentName } from '../shared/types.js';
import type { Config } from '../config/config.js';
import { agentSpec } from './registry.js';
import type { AgentLaunch } from './spec.js';

export type { AgentLaunch };

export interface AgentCommand {
  argv: string[];
  warnings: string[];
}

/** The executable argv prefix for an agent (config override or the default name). */
function commandPrefix(agent: AgentName, config: Config): string[] {
  const override = config.agents[agent];
  const cmd = override?.command;
  const prefix = cmd === undefined ? [agentSpec(agent).executable] : typeof cmd === 'string' ? [cmd] : [...cmd];
  return [...prefix, ...(override?.args ?? [])];
}

/** The agent's executable as configured (resolved on the host, or inside a container). */
export function agentExecutable(agent: AgentName, config: Config): string {
  return commandPrefix(agent, config)[0] ?? agentSpec(agent).executable;
}

/** Check the agent CLI is installed; throws an actionable error before anything is created. */
export function resolveAgentExecutable(agent: AgentName, config: Config, pathEnv: string | undefined): string {
  const prefix = commandPrefix(agent, config);
  const exe = prefix[0] ?? agentSpec(agent).executable;
  const found = which(exe, pathEnv);
  if (!found) {
    const info = agentSpec(agent);
    const overridden = config.agents[agent]?.command !== undefined;
    throw new ClauderonError(
      'agent_unavailable',
      overridden
        ? `${info.displayName} command "${exe}" (from [agents.${agent}] in config.toml) is not an executable on PATH — fix the path`
        : `"${exe}" (${info.displayName}) not found on PATH — install it (${info.install}) or choose another agent`,
      { field: 'agent' },
    );
  }
  return found;
}

export function buildAgentCommand(agent: AgentName, config: Config, launch: AgentLaunch): AgentCommand {
  const info = agentSpec(agent);
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
