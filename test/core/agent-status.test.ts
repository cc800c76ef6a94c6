// Mapping agents' signals to agentStatus: Claude Code's hook events, and the screen fallback for
// agents without hooks (codex, gemini).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { agentStatusForHook, HOOK_EVENTS, hookSettings as claudeHooks } from '../../src/agents/claude.js';
import { agentStatusForScreen, approvalAsked, EXIT_REPORT, HOOK_COMMAND } from '../../src/core/hooks.js';

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
      expect(h?.command).toMatch(/^\{ _cp=\$\(cat "\$CLAUDERON_HOOK_PORT_FILE" 2>\/dev\/null\); .*curl -sS -m 2 --noproxy '\*' .*; \} \|\| true$/);
      expect(h?.timeout).toBeLessThanOrEqual(5);
    }
    expect(hooks.PreToolUse?.[0]?.matcher).toBe('*');
  });

  it("finds an approval dialog's question above its options and the warnings an agent prints below it (Gemini CLI, measured)", () => {
    const dialog = [
      ' > make a file',
      '╭──────────────',
      '│ ? Shell  echo made > made.txt',
      '│ ╭────────────',
      '│ │ echo made > made.txt',
      '│ ╰────────────',
      '│ Allow execution of [Shell]?',
      '│ Redirection detected. To auto-accept, press Shift+Tab',
      '│',
      '│ ● 1. Allow once',
      '│   2. Allow for this session',
      '│   3. No, suggest changes (esc)',
      '╰──────────────',
      '',
      '⚠  Warning: True color (24-bit) support not detected. Using a terminal with true color enabled will result in a better visual experience.',
    ].join('\n');
    expect(approvalAsked(dialog)).toBe(true);
    expect(approvalAsked(dialog.replace('Allow execution of [Shell]?', 'Ran the command'))).toBe(false);
    // a question scrolled far above the bottom is no longer asked
    expect(approvalAsked(`Allow this? (y/n)\n${'output\n'.repeat(40)}`)).toBe(false);
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

  it('the hook command and the exit report post to the port in CLAUDERON_HOOK_PORT_FILE, else to CLAUDERON_HOOK_URL', async () => {
    const got: string[] = [];
    const listen = () =>
      new Promise<{ server: Server; port: number }>((resolve) => {
        const server = createServer((req, res) => {
          let body = '';
          req.on('data', (d: Buffer) => (body += d.toString()));
          req.on('end', () => {
            got.push(`${(server.address() as { port: number }).port} ${req.url ?? ''} ${req.headers.authorization ?? ''} ${body}`);
            res.end('{}');
          });
        }).listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as { port: number }).port }));
      });
    const byFile = await listen();
    const byUrl = await listen();
    const dir = mkdtempSync(join(tmpdir(), 'clrn-hookcmd-'));
    const file = join(dir, 'hook-port');
    const env = (extra: Record<string, string>) => ({ PATH: process.env.PATH ?? '', CLAUDERON_HOOK_URL: `http://127.0.0.1:${byUrl.port}`, CLAUDERON_HOOK_TOKEN: 'tok', CLAUDERON_SESSION_ID: 'sid', ...extra });
    const sh = (args: string[], e: Record<string, string>, stdin = '') =>
      new Promise<number>((resolve) => {
        const child = execFile('sh', args, { env: env(e) }, (err) => resolve(err ? ((err as { code?: number }).code ?? 1) : 0));
        child.stdin?.end(stdin);
      });
    try {
      writeFileSync(file, `${byFile.port}\n`);
      expect(await sh(['-c', HOOK_COMMAND], { CLAUDERON_HOOK_PORT_FILE: file }, '{"hook_event_name":"Stop"}')).toBe(0);
      expect(await sh(['-c', HOOK_COMMAND], {}, '{"hook_event_name":"PreToolUse"}')).toBe(0); // no file named: the URL
      writeFileSync(file, 'garbage; rm -rf /\n');
      expect(await sh(['-c', HOOK_COMMAND], { CLAUDERON_HOOK_PORT_FILE: file }, '{"hook_event_name":"Notification"}')).toBe(0); // not a port: the URL
      writeFileSync(file, `${byFile.port}\n`);
      expect(await sh(['-c', EXIT_REPORT, 'clauderon-agent', 'sh', '-c', 'exit 7'], { CLAUDERON_HOOK_PORT_FILE: file })).toBe(7);
      expect(got).toEqual([
        `${byFile.port} /api/hooks?session=sid Bearer tok {"hook_event_name":"Stop"}`,
        `${byUrl.port} /api/hooks?session=sid Bearer tok {"hook_event_name":"PreToolUse"}`,
        `${byUrl.port} /api/hooks?session=sid Bearer tok {"hook_event_name":"Notification"}`,
        `${byFile.port} /api/hooks?session=sid Bearer tok {"hook_event_name":"ClauderonAgentExit","exit_status":7}`,
      ]);
    } finally {
      byFile.server.close();
      byUrl.server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
