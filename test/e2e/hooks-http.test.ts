// Live agent status from hooks and the daemon's HTTP API, against the built binary: the real
// Claude Code CLI (`claude -p`, from npm) in a tmux session posts its hook events to the daemon,
// which turns them into agentStatus changes seen in `list --json` and on /ws/events, in order.
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { FakeAnthropic } from '../../fixtures/upstreams/index.js';
import { HOOK_COMMAND } from '../../src/core/hooks.js';
import type { Session } from '../../src/shared/types.js';
import { claudeBinary, makeEnv, waitFor, type Env } from '../helpers/e2e.js';
import { fakeAnthropicFor } from '../helpers/claude.js';

const CLAUDE = claudeBinary();

let env: Env | undefined;
let upstream: FakeAnthropic | undefined;
const sockets: WebSocket[] = [];
afterEach(async () => {
  for (const ws of sockets.splice(0)) ws.terminate();
  env?.cleanup();
  await upstream?.close();
  env = undefined;
  upstream = undefined;
});

interface Api {
  status: number;
  body: { error?: { code: string; message: string } } & Record<string, unknown>;
}

async function api(e: Env, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Api> {
  const once = () =>
    fetch(`http://127.0.0.1:${e.httpPort}${path}`, {
      method,
      // (every write is JSON to the API, also one without a body)
      headers: { ...(method !== 'GET' ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
  // fetch keeps connections alive: after a daemon restart the first try may meet a closed one
  const r = await once().catch(() => once());
  return { status: r.status, body: (await r.json()) as Api['body'] };
}

/** Events from /ws/events, collected from the moment it is open. */
async function events(e: Env): Promise<{ list: Record<string, unknown>[] }> {
  const ws = new WebSocket(`ws://127.0.0.1:${e.httpPort}/ws/events`);
  sockets.push(ws);
  const got: { list: Record<string, unknown>[] } = { list: [] };
  ws.on('message', (d: Buffer) => got.list.push(JSON.parse(d.toString('utf8')) as Record<string, unknown>));
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  return got;
}

function agentStatusesOf(list: Record<string, unknown>[], name: string): string[] {
  const out: string[] = [];
  for (const ev of list) {
    const s = ev.session as Session | undefined;
    if (ev.type === 'session.updated' && s?.name === name && s.agentStatus !== 'unknown' && out.at(-1) !== s.agentStatus) out.push(s.agentStatus);
  }
  return out;
}

describe('agent status from hooks', () => {
  it.skipIf(!CLAUDE && process.env.CI !== 'true')('claude -p in tmux: SessionStart → working → waiting for input → idle, in list --json and on /ws/events; history has the transcript', async () => {
    if (!CLAUDE) throw new Error('the claude binary from @anthropic-ai/claude-code is missing (npm ci installs it)');
    env = makeEnv();
    const fake = await fakeAnthropicFor(env, { text: 'Hello from the hooked agent' });
    upstream = fake.upstream;
    writeFileSync(join(env.home, 'config.toml'), `${env.portConfig}[agents.claude]\ncommand = "${CLAUDE}"\nargs = ["-p"]\n`);
    const daemonEnv = { ...fake.daemonEnv, ANTHROPIC_API_KEY: 'sk-ant-api03-REAL-hooks-e2e-0123456789abcdefghij' };
    expect(env.run(['daemon', 'status'], { env: daemonEnv }).code).toBe(3); // not running yet
    expect(env.run(['list'], { env: daemonEnv }).code).toBe(0); // starts the daemon with that env
    const seen = await events(env);
    const created = env.run(['create', '--backend', 'tmux', '--repo', env.repo, '--prompt', 'Say hello', '--name', 'hooked', '--no-plan-mode', '--json']);
    expect(created.code, created.stderr).toBe(0);
    const s = JSON.parse(created.stdout) as Session;
    expect(s.agentStatus).toBe('unknown');

    await waitFor(() => env?.json<Session>(['show', 'hooked']).agentStatus === 'idle' && agentStatusesOf(seen.list, 'hooked').length >= 4, 'the hooks of a whole claude -p run', 45_000);
    // SessionStart (idle) → UserPromptSubmit (working) → Stop (waiting_input) → SessionEnd (idle)
    expect(agentStatusesOf(seen.list, 'hooked')).toEqual(['idle', 'working', 'waiting_input', 'idle']);
    expect(env.json<Session[]>(['list']).find((x) => x.name === 'hooked')?.agentStatus).toBe('idle');

    const history = await api(env, 'GET', `/api/sessions/${s.id}/history`);
    expect(history.status).toBe(200);
    expect(JSON.stringify(history.body.lines)).toContain('Hello from the hooked agent');
  });

  it('refuses a hook with a wrong token or for an unknown session; a flood of hooks is all answered; a hook never hangs on a dead daemon', async () => {
    env = makeEnv();
    const s = env.json<Session>(['create', '--backend', 'tmux', '--repo', env.repo, '--prompt', 'p', '--name', 'flood']);
    const agentEnv = env.json<Record<string, string>>(['env', 'flood']);
    const token = agentEnv.CLAUDERON_HOOK_TOKEN ?? '';
    expect(token).toMatch(/^[0-9a-f]{40}$/);
    // (the daemon's hooks listener, a port of its own; the API serves hooks too)
    expect(agentEnv.CLAUDERON_HOOK_URL).toBe(`http://127.0.0.1:${readFileSync(join(env.home, 'hook-port'), 'utf8').trim()}`);
    const post = (body: unknown, tok: string, session = s.id) => api(env as Env, 'POST', `/api/hooks?session=${session}`, body, { authorization: `Bearer ${tok}` });

    const wrong = await post({ hook_event_name: 'UserPromptSubmit' }, 'f'.repeat(40));
    expect(wrong.status).toBe(404);
    expect(wrong.body.error?.message).toBe('unknown session or wrong hook token');
    expect((await post({ hook_event_name: 'UserPromptSubmit' }, token, '00000000-0000-0000-0000-000000000000')).status).toBe(404);
    expect(env.json<Session>(['show', 'flood']).agentStatus).toBe('unknown');

    // 400 hooks, 50 at a time, alternating working / waiting: every one is answered
    const kinds = ['PreToolUse', 'Notification'];
    let answered = 0;
    for (let i = 0; i < 8; i++) {
      const batch = await Promise.all(Array.from({ length: 50 }, (_, j) => post({ hook_event_name: kinds[(i * 50 + j) % 2], message: 'Claude is waiting for your input' }, token)));
      answered += batch.filter((r) => r.status === 200).length;
    }
    expect(answered).toBe(400);
    expect((await post({ hook_event_name: 'PermissionRequest', tool_name: 'Bash' }, token)).body).toEqual({ agentStatus: 'waiting_approval', changed: true });
    expect(env.json<Session>(['show', 'flood']).agentStatus).toBe('waiting_approval');
    expect(env.run(['list']).code).toBe(0);

    // The hook command itself, against a port where nothing listens: returns at once, status 0.
    const closed = await new Promise<number>((resolve) => {
      const srv = createServer().listen(0, '127.0.0.1', () => {
        const port = (srv.address() as { port: number }).port;
        srv.close(() => resolve(port));
      });
    });
    const t0 = Date.now();
    const code = await new Promise<number>((resolve) => {
      const child = execFile('sh', ['-c', HOOK_COMMAND], { env: { PATH: process.env.PATH ?? '', CLAUDERON_HOOK_URL: `http://127.0.0.1:${closed}`, CLAUDERON_HOOK_TOKEN: token, CLAUDERON_SESSION_ID: s.id } }, (e) =>
        resolve(e ? ((e as { code?: number }).code ?? 1) : 0),
      );
      child.stdin?.end('{"hook_event_name":"Stop"}');
    });
    expect(code).toBe(0);
    expect(Date.now() - t0).toBeLessThan(5_000); // bounded by curl -m 2, not a hang
  });
});

describe('liveness', () => {
  it('an agent that exits makes its session completed, with the exit status; reconcile finds one that exited while the daemon was down', async () => {
    env = makeEnv();
    writeFileSync(join(env.home, 'config.toml'), `${env.portConfig}[agents.codex]\ncommand = ["sh", "-c", "echo BYE; exit \\"$EXIT\\"", "agent"]\n[agents.claude]\ncommand = ["sh", "-c", "read line; exit 0", "agent"]\n`);
    // codex has no hooks: its exit is reported all the same
    const bad = env.run(['create', '--backend', 'tmux', '--agent', 'codex', '--repo', env.repo, '--prompt', 'p', '--name', 'bad'], { env: { EXIT: '3' } });
    expect(bad.code, bad.stderr).toBe(0);
    const failed = await waitFor(() => {
      const now = env?.json<Session>(['show', 'bad']);
      return now?.status === 'completed' ? now : null;
    }, 'the exit of the agent to be reported');
    expect(failed.agentStatus).toBe('idle');
    expect(failed.error).toBe('the agent exited with status 3 — archive and unarchive to restart it');
    expect(env.run(['output', 'bad']).stdout).toContain('BYE'); // its last screen is kept

    // exits while no daemon listens: found by the next start's reconcile
    const ok = env.json<Session>(['create', '--backend', 'tmux', '--repo', env.repo, '--prompt', 'p', '--name', 'ok']);
    expect(ok.status).toBe('running');
    expect(env.run(['create', '--backend', 'tmux', '--repo', env.repo, '--prompt', 'p', '--name', 'sig']).code).toBe(0);
    expect(env.run(['daemon', 'stop']).code).toBe(0);
    env.tmux('send-keys', '-t', '=ok:', 'done', 'Enter');
    process.kill(Number(env.tmux('display-message', '-p', '-t', '=sig:', '#{pane_pid}').stdout.trim()), 'SIGKILL');
    await waitFor(() => env?.tmux('display-message', '-p', '-t', '=ok:', '#{pane_dead}').stdout.trim() === '1', 'the agent to exit');
    // (reconcile reads the status even if tmux has not reaped the process yet)
    const after = await waitFor(() => {
      const now = env?.json<Session>(['show', 'ok']);
      return now?.status === 'completed' ? now : null;
    }, 'the restarted daemon to mark it completed');
    expect(after.error).toBeNull();
    // killed by a signal: 128 + 9, as a shell would say
    const sig = await waitFor(() => {
      const now = env?.json<Session>(['show', 'sig']);
      return now?.status === 'completed' ? now : null;
    }, 'the killed agent to be marked completed');
    expect(sig.error).toBe('the agent exited with status 137 — archive and unarchive to restart it');
  });
});

describe('screen fallback (agents without hooks)', () => {
  it('a codex session: working while its screen changes, waiting_approval on a (y/n) question, waiting_input at its prompt', async () => {
    env = makeEnv();
    // (it keeps drawing while it works, as a spinner does: Codex's notify says when a turn is over, and
    // its screen counts as work only while it keeps changing)
    const script = 'echo "thinking…"; (while :; do printf .; sleep 0.15; done) & p=$!; read a; kill $p; echo; echo "Allow command rm -rf build? (y/n)"; read b; printf "done\\n› "; read c';
    writeFileSync(join(env.home, 'config.toml'), `${env.portConfig}[general]\nscreen_poll_ms = 100\n[agents.codex]\ncommand = ${JSON.stringify(['sh', '-c', script, 'agent'])}\n`);
    expect(env.run(['create', '--backend', 'tmux', '--agent', 'codex', '--repo', env.repo, '--prompt', 'p', '--name', 'cx']).code).toBe(0);
    const status = () => env?.json<Session>(['show', 'cx']).agentStatus;
    await waitFor(() => status() === 'working', 'working while the screen changes');
    env.tmux('send-keys', '-t', '=cx:', 'go', 'Enter');
    await waitFor(() => status() === 'waiting_approval', 'the approval question');
    env.tmux('send-keys', '-t', '=cx:', 'y', 'Enter');
    await waitFor(() => status() === 'waiting_input', 'the input prompt');
  });
});

describe('HTTP API', () => {
  it('serves every endpoint with JSON errors for bad bodies and unknown ids', async () => {
    env = makeEnv();
    expect(env.run(['list']).code).toBe(0);
    const status = await api(env, 'GET', '/api/status');
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({ httpPort: env.httpPort });

    const created = await api(env, 'POST', '/api/sessions', { repoPath: env.repo, prompt: 'from http', name: 'web', backend: 'tmux' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const s = (created.body as unknown as { session: Session }).session;
    expect(s).toMatchObject({ name: 'web', status: 'running', backend: 'tmux' });
    expect(((await api(env, 'GET', '/api/sessions')).body as unknown as Session[]).map((x) => x.name)).toEqual(['web']);
    expect((await api(env, 'GET', `/api/sessions/${s.id}`)).body).toMatchObject({ name: 'web' });
    expect((await api(env, 'GET', '/api/sessions/web')).body).toMatchObject({ id: s.id });
    expect((await api(env, 'POST', `/api/sessions/${s.id}/access-mode`, { mode: 'read-only' })).body).toMatchObject({ accessMode: 'read-only' });
    expect((await api(env, 'POST', `/api/sessions/${s.id}/archive`)).body).toMatchObject({ status: 'archived' });
    expect(((await api(env, 'GET', '/api/sessions?filter=archived')).body as unknown as Session[]).map((x) => x.name)).toEqual(['web']);
    expect((await api(env, 'POST', `/api/sessions/${s.id}/unarchive`)).body).toMatchObject({ session: { status: 'running' } });
    expect(((await api(env, 'GET', '/api/recent-repos')).body as unknown as { path: string }[]).map((r) => r.path)).toEqual([env.repo]);
    expect((await api(env, 'GET', `/api/sessions/${s.id}/history`)).body).toEqual({ lines: [] });

    // bad input: one JSON error each, nothing changed
    const bad: [string, string, unknown, number, string][] = [
      ['POST', '/api/sessions', '{not json', 400, 'not valid JSON'],
      ['POST', '/api/sessions', { repoPath: 'relative/path', prompt: 'x' }, 400, 'repoPath must be absolute'],
      ['POST', '/api/sessions', { repoPath: env.repo, prompt: 'x', backend: 'vm' }, 400, 'backend'],
      ['POST', '/api/sessions', { repoPath: env.repo, prompt: 'x', extra: 1 }, 400, 'invalid request body'],
      ['POST', `/api/sessions/${s.id}/access-mode`, { mode: 'admin' }, 400, 'mode'],
      ['GET', '/api/sessions/nope', undefined, 404, 'no session named "nope"'],
      ['DELETE', '/api/sessions/nope', undefined, 404, 'no session named "nope"'],
      ['POST', '/api/sessions/nope/archive', undefined, 404, 'no session named "nope"'],
      ['GET', '/api/nothing', undefined, 404, 'no such endpoint'],
      ['POST', '/api/sessions', { repoPath: env.repo, prompt: 'x', name: 'web' }, 409, 'already exists'],
    ];
    for (const [method, path, body, code, message] of bad) {
      const r = await api(env, method, path, body);
      expect(r.status, `${method} ${path}`).toBe(code);
      expect(r.body.error?.message, `${method} ${path}`).toContain(message);
      expect(typeof r.body.error?.code).toBe('string');
    }
    expect(((await api(env, 'GET', '/api/sessions?filter=all')).body as unknown as Session[]).length).toBe(1);

    const deleted = await api(env, 'DELETE', `/api/sessions/${s.id}?force=true`);
    expect(deleted.status).toBe(200);
    expect((await api(env, 'GET', '/api/sessions?filter=all')).body).toEqual([]);
  });

  it('/ws/events pushes created, updated and deleted events in order', async () => {
    env = makeEnv();
    expect(env.run(['list']).code).toBe(0);
    const seen = await events(env);
    await waitFor(() => seen.list.some((e) => e.type === 'hello'), 'the hello');
    expect(env.run(['create', '--backend', 'tmux', '--repo', env.repo, '--prompt', 'p', '--name', 'evs']).code).toBe(0);
    expect(env.run(['delete', 'evs']).code).toBe(0);
    await waitFor(() => seen.list.some((e) => e.type === 'session.deleted'), 'the deleted event');
    const types = seen.list.map((e) => (e.type === 'create.progress' ? `progress:${String(e.step)}:${String(e.state)}` : String(e.type)));
    expect(types[0]).toBe('hello');
    expect(types.indexOf('session.created')).toBeLessThan(types.indexOf('progress:backend:done'));
    expect(types.indexOf('progress:finalize:done')).toBeLessThan(types.lastIndexOf('session.updated'));
    expect(types.at(-1)).toBe('session.deleted');
  });

  it('a non-loopback bind needs a token: refused without one, 401 without the header, CLAUDERON_DISABLE_AUTH=true allows it', async () => {
    env = makeEnv();
    writeFileSync(join(env.home, 'config.toml'), env.portConfig.replace('[http]\n', '[http]\nbind = "0.0.0.0"\n'));
    const refused = env.run(['list']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('not loopback: passkey sign-in needs CLAUDERON_ORIGIN');
    expect(refused.stderr).toContain('set [http] token in config.toml for scripts only');

    const token = 'a-long-enough-test-token-123456';
    writeFileSync(join(env.home, 'config.toml'), env.portConfig.replace('[http]\n', `[http]\nbind = "0.0.0.0"\ntoken = "${token}"\n`));
    expect(env.run(['list']).code).toBe(0);
    expect((await api(env, 'GET', '/api/sessions')).status).toBe(401);
    expect((await api(env, 'GET', '/api/sessions', undefined, { authorization: `Bearer ${token}` })).status).toBe(200);
    expect(env.run(['daemon', 'stop']).code).toBe(0);

    writeFileSync(join(env.home, 'config.toml'), env.portConfig.replace('[http]\n', '[http]\nbind = "0.0.0.0"\n'));
    expect(env.run(['list'], { env: { CLAUDERON_DISABLE_AUTH: 'true' } }).code).toBe(0);
    expect((await api(env, 'GET', '/api/sessions')).status).toBe(200);
  });
});
