// The Zellij backend (the default) through the built CLI. Zellij cannot be installed here, so
// fixtures/bin/zellij — a strict double of the zellij CLI running sessions on real tmux — is on
// PATH; ZELLIJ_DOUBLE_LOG records every call clauderon makes.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PLACEHOLDERS } from '../../src/agents/proxy-env.js';
import type { Session } from '../../src/shared/types.js';
import { BIN, makeEnv, waitFor, type Env } from '../helpers/e2e.js';

let env: Env;
afterEach(() => env?.cleanup());

function calls(log: string): string[][] {
  if (!existsSync(log)) return [];
  return readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { argv: string[] }).argv);
}

function zellijSessions(e: Env): string[] {
  const r = spawnSync('tmux', ['-S', e.zellijSocket, 'list-sessions', '-F', '#{session_name}'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.split('\n').filter(Boolean) : [];
}

describe('zellij backend', () => {
  it('is the default; runs the agent in the worktree with its environment; archive/unarchive/delete clean up', async () => {
    env = makeEnv({ zellij: true });
    const log = join(env.root, 'zellij-calls.jsonl');
    const run = (args: string[]) => env.run(args, { env: { ZELLIJ_DOUBLE_LOG: log } });
    const created = run(['create', '--repo', join(env.repo, 'sub'), '--prompt', 'Fix "quotes" and $dollars', '--json']);
    expect(created.code).toBe(0);
    const s = JSON.parse(created.stdout) as Session;
    expect(s).toMatchObject({ backend: 'zellij', backendId: `clauderon-${s.name}`, status: 'running' });
    expect(zellijSessions(env)).toEqual([`clauderon-${s.name}`]);

    // the calls clauderon made, exactly
    const made = calls(log);
    expect(made).toContainEqual(['attach', '--create-background', `clauderon-${s.name}`]);
    const runCall = made.find((c) => c.includes('run'));
    expect(runCall?.slice(0, 8)).toEqual(['--session', `clauderon-${s.name}`, 'run', '--cwd', join(s.worktreePath, 'sub'), '--name', 'agent', '--']);
    expect(runCall).toContain(`CLAUDERON_SESSION_NAME=${s.name}`);

    const out = () => run(['output', s.name]).stdout;
    const screen = await waitFor(() => (out().includes('FAKE-AGENT session') ? out() : ''), 'agent output via dump-screen');
    expect(screen).toContain('[--] [Fix "quotes" and $dollars]');
    expect(screen).toContain(`FAKE-AGENT cwd: ${join(s.worktreePath, 'sub')}`);
    expect(screen).toContain(`FAKE-AGENT session: ${s.name}`);

    expect(run(['archive', s.name]).code).toBe(0);
    expect(zellijSessions(env)).toEqual([]);
    expect(run(['unarchive', s.name]).code).toBe(0);
    await waitFor(() => out().includes(`[--resume] [${s.id}]`), 'resumed agent');
    expect(run(['delete', s.name]).code).toBe(0);
    expect(zellijSessions(env)).toEqual([]);
    expect(existsSync(s.worktreePath)).toBe(false);
    expect(calls(log).some((c) => c[0] === 'delete-session' && c.includes('--force'))).toBe(true);
  });

  it('attach hands the terminal to zellij attach; Ctrl-o d detaches', async () => {
    env = makeEnv({ zellij: true });
    const s = env.json<Session>(['create', '--repo', env.repo, '--prompt', 'hello', '--name', 'zat']);
    const outer = join(env.root, 'outer.sock');
    const t = (...a: string[]) => spawnSync('tmux', ['-S', outer, ...a], { encoding: 'utf8' });
    const envArgs = ['CLAUDERON_HOME', 'PATH', 'HOME', 'ZELLIJ_DOUBLE_SOCKET'].flatMap((k) => ['-e', `${k}=${env.env[k] ?? ''}`]);
    try {
      expect(t('new-session', '-d', '-s', 'term', '-x', '120', '-y', '40', ...envArgs, 'sh').status).toBe(0);
      const screen = () => t('capture-pane', '-p', '-t', 'term').stdout;
      // the outer shell's startup files may reset PATH, so pass it on the command line
      t('send-keys', '-t', 'term', `PATH='${env.env.PATH ?? ''}' ${process.execPath} ${BIN} attach zat; echo ATTACH-EXIT=$?`, 'Enter');
      await waitFor(() => screen().includes('FAKE-AGENT session: zat'), 'agent visible in the outer terminal').catch((e: unknown) => {
        throw new Error(`${String(e)}\n${screen()}`);
      });
      t('send-keys', '-t', 'term', 'C-o', 'd');
      await waitFor(() => screen().includes('ATTACH-EXIT=0'), 'attach returned after detach');
      expect(zellijSessions(env)).toEqual([`clauderon-${s.name}`]);
    } finally {
      t('kill-server');
    }
  });
});

describe('agent environment', () => {
  for (const backend of ['tmux', 'zellij'] as const) {
    it(`${backend}: credentials in the daemon's environment never reach the agent`, async () => {
      env = makeEnv({ zellij: true });
      const secret = 'ghp_REALSECRET0123456789abcdefghijklmnop';
      // The first client starts the daemon, which inherits this environment.
      const r = env.run(['create', '--backend', backend, '--repo', env.repo, '--prompt', 'p', '--name', 'sec', '--json'], {
        env: { GITHUB_TOKEN: secret, ANTHROPIC_API_KEY: 'sk-ant-REAL', CLAUDERON_TEST_UNRELATED: 'x' },
      });
      expect(r.code).toBe(0);
      const out = () => env.run(['output', 'sec']).stdout;
      const screen = await waitFor(() => (out().includes('FAKE-AGENT secret-env') ? out() : ''), 'agent output');
      // the agent sees only the proxy's placeholder
      expect(screen).toContain(`FAKE-AGENT secret-env: ${PLACEHOLDERS.github}`);
      expect(screen).not.toContain(secret);
      // nor does the backend server's environment hold it
      const sock = backend === 'tmux' ? join(env.home, 'tmux.sock') : env.zellijSocket;
      const shown = spawnSync('tmux', ['-S', sock, 'show-environment', '-g'], { encoding: 'utf8' }).stdout;
      expect(shown).not.toContain(secret);
      expect(shown).not.toContain('sk-ant-REAL');
    });
  }
});
