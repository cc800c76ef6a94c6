// Mapping agents' signals to agentStatus: Claude Code's hook events, and the screen fallback for
// agents without hooks (codex, gemini).
import { describe, expect, it } from 'vitest';
import { agentStatusForHook, HOOK_EVENTS, hookSettings as claudeHooks } from '../../src/agents/claude.js';
import { agentStatusForScreen, HOOK_COMMAND } from '../../src/core/hooks.js';

const hookSettings = () => claudeHooks(HOOK_COMMAND);

describe('agent status', () => {
  it('maps each hook event', () => {
    const m = (e: Record<string, unknown>) => agentStatusForHook(e);
    expect(m({ hook_event_name: 'SessionStart' })).toBe('idle');
    expect(m({ hook_event_name: 'UserPromptSubmit' })).toBe('working');
    expect(m({ hook_event_name: 'PreToolUse' })).toBe('working');
    expect(m({ hook_event_name: 'PostToolUse' })).toBe('working');
    expect(m({ hook_event_name: 'PermissionRequest' })).toBe('waiting_approval');
    expect(m({ hook_event_name: 'Notification', notification_type: 'permission_prompt', message: 'x' })).toBe('waiting_approval');
    expect(m({ hook_event_name: 'Notification', message: 'Claude needs your permission to use Bash' })).toBe('waiting_approval');
    expect(m({ hook_event_name: 'Notification', notification_type: 'idle_prompt', message: 'Claude is waiting for your input' })).toBe('waiting_input');
    expect(m({ hook_event_name: 'Stop' })).toBe('waiting_input');
    expect(m({ hook_event_name: 'StopFailure' })).toBe('idle');
    expect(m({ hook_event_name: 'SessionEnd' })).toBe('idle');
    expect(m({ hook_event_name: 'SubagentStop' })).toBeNull();
    expect(m({})).toBeNull();
  });

  it('installs one hook per event, each running the never-failing post', () => {
    const hooks = hookSettings().hooks as Record<string, { matcher?: string; hooks: { type: string; command: string; timeout: number }[] }[]>;
    expect(Object.keys(hooks)).toEqual([...HOOK_EVENTS]);
    for (const e of HOOK_EVENTS) {
      const h = hooks[e]?.[0]?.hooks[0];
      expect(h?.type).toBe('command');
      expect(h?.command).toMatch(/^curl -sS -m 2 --noproxy '\*' .*\|\| true$/);
      expect(h?.timeout).toBeLessThanOrEqual(5);
    }
    expect(hooks.PreToolUse?.[0]?.matcher).toBe('*');
  });

  it('reads approval questions and input prompts off a screen; a changed screen is work', () => {
    expect(agentStatusForScreen('running tests…\nAllow command `rm -rf build`? (y/n)', true)).toBe('waiting_approval');
    expect(agentStatusForScreen('Do you want to run this command?\n  1. Yes\n  2. No', false)).toBe('waiting_approval');
    expect(agentStatusForScreen('done.\n\n› ', true)).toBe('waiting_input');
    expect(agentStatusForScreen('Allow command? (y/n)\ny\ndone\n› ', true)).toBe('waiting_input'); // answered
    expect(agentStatusForScreen('done.\n> \n\n', false)).toBe('waiting_input');
    expect(agentStatusForScreen('compiling 3/10', true)).toBe('working');
    expect(agentStatusForScreen('compiling 3/10', false)).toBeNull();
    // an old question scrolled far up is not the current state
    expect(agentStatusForScreen(['Allow? (y/n)', ...Array.from({ length: 10 }, (_, i) => `line ${i}`)].join('\n'), true)).toBe('working');
  });
});
