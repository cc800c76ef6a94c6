import { mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { codexStatusForHook } from '../../src/agents/codex.js';
import type { HookPayload } from '../../src/agents/spec.js';
import { buildAgentCommand, resolveAgentExecutable, type AgentLaunch } from '../../src/agents/agents.js';
import { defaultConfig, parseConfig } from '../../src/config/config.js';
import { ClauderonError } from '../../src/shared/errors.js';

const base: AgentLaunch = { prompt: 'Fix the bug', skipChecks: false, planMode: true, model: null, sessionId: 'uuid-1', resume: false };
const cfg = defaultConfig();

describe('agent command lines', () => {
  it('claude: session id, plan mode, skip checks, model, prompt after --', () => {
    expect(buildAgentCommand('claude', cfg, base).argv).toEqual(['claude', '--session-id', 'uuid-1', '--permission-mode', 'plan', '--', 'Fix the bug']);
    expect(buildAgentCommand('claude', cfg, { ...base, planMode: false, skipChecks: true, model: 'opus', prompt: '-rf /' }).argv).toEqual([
      'claude', '--session-id', 'uuid-1', '--dangerously-skip-permissions', '--model', 'opus', '--', '-rf /',
    ]);
    expect(buildAgentCommand('claude', cfg, { ...base, resume: true }).argv).toEqual(['claude', '--resume', 'uuid-1', '--permission-mode', 'plan']);
  });

  it('codex and gemini: their own skip flags; plan mode is reported as unsupported', () => {
    const codex = buildAgentCommand('codex', cfg, { ...base, skipChecks: true });
    expect(codex.argv).toEqual(['codex', '--no-daemon', '--dangerously-bypass-approvals-and-sandbox', '--', 'Fix the bug']);
    expect(codex.warnings).toEqual(['Codex CLI has no plan mode; starting it normally']);
    const gemini = buildAgentCommand('gemini', cfg, { ...base, skipChecks: true, planMode: false, model: 'gemini-2.5-pro' });
    expect(gemini.argv).toEqual(['gemini', '--session-id', 'uuid-1', '--yolo', '--model', 'gemini-2.5-pro', '--prompt-interactive=Fix the bug']);
    expect(gemini.warnings).toEqual([]);
    // no resume support: restart without re-sending the prompt; Gemini resumes its conversation (its session id is clauderon's)
    expect(buildAgentCommand('codex', cfg, { ...base, planMode: false, resume: true }).argv).toEqual(['codex', '--no-daemon']);
    expect(buildAgentCommand('gemini', cfg, { ...base, planMode: false, resume: true }).argv).toEqual(['gemini', '--resume', 'uuid-1']);
  });

  it('config overrides the executable (string or argv prefix) and adds args', () => {
    const c = parseConfig({ agents: { claude: { command: ['node', '/x/agent.js'], args: ['--verbose'] } } }, 'config.toml');
    expect(buildAgentCommand('claude', c, { ...base, planMode: false }).argv).toEqual(['node', '/x/agent.js', '--verbose', '--session-id', 'uuid-1', '--', 'Fix the bug']);
  });
});

describe('agent availability', () => {
  const dir = mkdtempSync(join(tmpdir(), 'clrn-agents-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('finds an executable on PATH and explains a missing one', () => {
    const exe = join(dir, 'claude');
    writeFileSync(exe, '#!/bin/sh\n');
    chmodSync(exe, 0o755);
    expect(resolveAgentExecutable('claude', cfg, dir)).toBe(exe);
    const err = (() => {
      try {
        resolveAgentExecutable('gemini', cfg, dir);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ClauderonError);
    expect((err as ClauderonError).code).toBe('agent_unavailable');
    expect((err as ClauderonError).message).toBe('"gemini" (Gemini CLI) not found on PATH — install it (npm install -g @google/gemini-cli) or choose another agent');
  });

  it('a non-executable file does not count', () => {
    writeFileSync(join(dir, 'codex'), 'not executable');
    expect(() => resolveAgentExecutable('codex', cfg, dir)).toThrow(/not found on PATH/);
  });

  it('a bad override names the config key', () => {
    const c = parseConfig({ agents: { claude: { command: '/nope/claude' } } }, 'config.toml');
    expect(() => resolveAgentExecutable('claude', c, dir)).toThrow(/\[agents\.claude\] in config\.toml/);
  });

  it("codex's notify: a finished turn is waiting for input; the TUI's title generation says nothing", () => {
    const turn = { type: 'agent-turn-complete', 'thread-id': 't1', 'input-messages': ['Fix the bug'], 'last-assistant-message': 'Done.' } as HookPayload;
    expect(codexStatusForHook(turn)).toBe('waiting_input');
    expect(codexStatusForHook({ ...turn, 'thread-id': 't2', 'input-messages': ['Generate a concise, single-line task title for: Fix the bug'] } as HookPayload)).toBeNull();
    expect(codexStatusForHook({ type: 'something-else' })).toBeNull();
    expect(codexStatusForHook({ hook_event_name: 'Stop' })).toBeNull();
  });
});
