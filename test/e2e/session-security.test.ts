// The agent inside a session is an attacker, and what it sends (hook payloads, paths) is untrusted:
// through the built binary with real git, tmux and SQLite — an agent never starts outside its
// worktree, history never blocks on or leaks what a hook points at, max_sessions and names hold
// under concurrent creates, and create warns before starting an agent whose model API has no
// credential.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Session } from '../../src/shared/types.js';
import { BIN, FAKE_AGENT, git, makeEnv, readIfThere, waitFor, type Env, type RunResult } from '../helpers/e2e.js';

let env: Env | undefined;
afterEach(() => {
  env?.cleanup();
  env = undefined;
});

/** An env whose daemon holds no credential, whatever the test runner's environment has. */
function bareEnv(config = ''): Env {
  const e = makeEnv({ config });
  for (const k of ['CLAUDE_CODE_OAUTH_TOKEN', 'ANTHROPIC_API_KEY', 'OPENAI_API_KEY', 'CODEX_API_KEY', 'GEMINI_API_KEY', 'GOOGLE_API_KEY']) delete e.env[k];
  return e;
}

function tmuxSessions(e: Env): string[] {
  const r = e.tmux('list-sessions', '-F', '#{session_name}');
  return r.code === 0 ? r.stdout.split('\n').filter(Boolean) : [];
}

function sessionBranches(e: Env): string[] {
  return git(e.repo, 'branch', '--list', 'clauderon/*', '--format=%(refname:short)').split('\n').filter(Boolean);
}

function worktreeDirs(e: Env): string[] {
  const dir = join(e.home, 'worktrees');
  return existsSync(dir) ? readdirSync(dir) : [];
}

/**
 * `clauderon create` processes that really run at once: each reads its prompt from standard input
 * (`--prompt -`) before it connects to the daemon, so all are started, then — once every one is
 * blocked reading its stdin (Linux /proc/PID/wchan) — all are given their prompts together.
 */
async function createAtOnce(e: Env, argsFor: (i: number) => string[], n: number): Promise<RunResult[]> {
  const children = Array.from({ length: n }, (_, i) => {
    const child = spawn(process.execPath, [BIN, 'create', ...argsFor(i), '--prompt', '-'], { env: e.env, cwd: e.root, stdio: ['pipe', 'pipe', 'pipe'] });
    const out = { stdout: '', stderr: '' };
    child.stdout.on('data', (d: Buffer) => (out.stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out.stderr += d.toString()));
    const done = new Promise<RunResult>((res) => child.on('close', (code) => res({ code: code ?? -1, ...out })));
    return { child, done };
  });
  const blockedOnStdin = (pid: number | undefined) => {
    try {
      // (node's stdin pipe is a socketpair: unix_stream_read_generic; a real pipe: pipe_read)
      return /pipe_read|unix_stream_read/.test(readFileSync(`/proc/${pid}/wchan`, 'utf8'));
    } catch {
      return false;
    }
  };
  await waitFor(() => children.every((c) => blockedOnStdin(c.child.pid)), 'every create process to wait for its prompt', 30_000);
  for (const [i, c] of children.entries()) c.child.stdin.end(`task ${i}\n`);
  return Promise.all(children.map((c) => c.done));
}

async function api(e: Env, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  // a bound, so a daemon frozen by a bad read fails the test instead of hanging it
  const r = await fetch(`http://127.0.0.1:${e.httpPort}${path}`, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    signal: AbortSignal.timeout(20_000),
  }).catch((err: unknown) => {
    // a lost connection: say what the daemon was doing (is it still there, what did it log)
    const log = readIfThere(join(e.home, 'logs', 'daemon.log')).split('\n').slice(-15).join('\n');
    throw new Error(`${method} ${path}: ${String(err)} (${String((err as { cause?: unknown }).cause)}); daemon pid ${e.daemonPid() ?? 'none'}; daemon.log ends:\n${log}`);
  });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}

describe('the agent starts only inside its worktree', () => {
  it('refuses --repo naming a directory that HEAD does not have, before anything is created', () => {
    env = makeEnv();
    mkdirSync(join(env.repo, 'untracked', 'deeper'), { recursive: true });
    writeFileSync(join(env.repo, 'untracked', 'deeper', 'new.txt'), 'not committed\n');
    expect(env.run(['list']).code).toBe(0); // the daemon is up, so its tmux server could be asked

    const r = env.run(['create', '--backend', 'tmux', '--repo', join(env.repo, 'untracked', 'deeper'), '--prompt', 'p', '--name', 'escape']);
    expect(r.code, r.stdout).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('untracked/deeper is not in HEAD');
    expect(r.stderr).toContain(`commit it, or use the repository root (${env.repo}) (pass --repo a directory inside a git repository)`);
    expect(worktreeDirs(env)).toEqual([]);
    expect(sessionBranches(env)).toEqual([]);
    expect(env.json<Session[]>(['list', '--all'])).toEqual([]);
    expect(tmuxSessions(env)).toEqual([]);

    // a committed subdirectory still works
    const ok = env.json<Session>(['create', '--backend', 'tmux', '--repo', join(env.repo, 'sub'), '--prompt', 'p', '--name', 'inside']);
    expect(ok.subdirectory).toBe('sub');
    // and the daemon itself does not sit in the home, where a fallback to its cwd would land
    expect(readlinkSync(`/proc/${env.daemonPid() ?? 0}/cwd`)).toBe('/');
  });

  it('refuses to restart an agent whose subdirectory the agent turned into a symlink to the home', () => {
    env = makeEnv();
    const s = env.json<Session>(['create', '--backend', 'tmux', '--repo', join(env.repo, 'sub'), '--prompt', 'p', '--name', 'swap']);
    expect(env.run(['archive', 'swap']).code).toBe(0);
    // what an agent could do to its own worktree before it is restarted
    rmSync(join(s.worktreePath, 'sub'), { recursive: true });
    symlinkSync(env.home, join(s.worktreePath, 'sub'));

    const r = env.run(['unarchive', 'swap']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`the agent's working directory ${join(s.worktreePath, 'sub')} leads out of its worktree`);
    expect(tmuxSessions(env)).toEqual([]);
    expect(env.json<Session>(['show', 'swap']).status).toBe('archived');
  });
});

describe('history treats what a hook names as untrusted', () => {
  /** A session with its hook token, posting as its agent would. */
  function hooked(e: Env, name: string): { s: Session; post: (body: unknown) => Promise<{ status: number; body: Record<string, unknown> }> } {
    const s = e.json<Session>(['create', '--backend', 'tmux', '--repo', e.repo, '--prompt', 'p', '--name', name]);
    const token = e.json<Record<string, string>>(['env', name]).CLAUDERON_HOOK_TOKEN ?? '';
    expect(token).not.toBe('');
    return { s, post: (body) => api(e, 'POST', `/api/hooks?session=${s.id}`, body, { authorization: `Bearer ${token}` }) };
  }

  it('a transcript_path naming a FIFO (inside a transcript root or outside) never freezes the daemon', async () => {
    env = makeEnv();
    const { s, post } = hooked(env, 'fifo');
    const inRoot = join(s.worktreePath, '.claude', 'projects', 'x', 'fifo.jsonl');
    mkdirSync(join(s.worktreePath, '.claude', 'projects', 'x'), { recursive: true });
    const outside = join(env.root, 'outside-fifo.jsonl');
    for (const f of [inRoot, outside]) expect(spawnSync('mkfifo', [f]).status).toBe(0);

    for (const fifo of [inRoot, outside]) {
      expect((await post({ hook_event_name: 'PreToolUse', transcript_path: fifo })).status).toBe(200);
      // nothing ever writes to the FIFO: a blocking read would never return, and nothing else would be served
      const [history, list] = await Promise.all([api(env, 'GET', `/api/sessions/${s.id}/history`), env.runAsync(['list', '--json'])]);
      expect(history).toEqual({ status: 200, body: { lines: [] } });
      expect(list.code, list.stderr).toBe(0);
      expect((JSON.parse(list.stdout) as Session[]).map((x) => x.name)).toEqual(['fifo']);
    }
  });

  it("a symlink in the worktree's transcripts, or a hook naming a file outside, never hands out that file", async () => {
    env = makeEnv();
    const { s, post } = hooked(env, 'leak');
    const SECRET = 'sk-FAKE-SECRET-outside-the-roots-0123456789';
    const secretFile = join(env.root, 'secret.jsonl');
    writeFileSync(secretFile, `${JSON.stringify({ secret: SECRET })}\n`);
    const project = join(s.worktreePath, '.claude', 'projects', 'x');
    mkdirSync(project, { recursive: true });
    symlinkSync(secretFile, join(project, `${s.id}.jsonl`));

    const viaScan = await api(env, 'GET', `/api/sessions/${s.id}/history`);
    expect(viaScan.status).toBe(200);
    expect(JSON.stringify(viaScan.body)).not.toContain(SECRET);
    for (const path of [secretFile, join(project, `${s.id}.jsonl`)]) {
      expect((await post({ hook_event_name: 'PreToolUse', transcript_path: path })).status).toBe(200);
      const viaHook = await api(env, 'GET', `/api/sessions/${s.id}/history`);
      expect(viaHook.status).toBe(200);
      expect(JSON.stringify(viaHook.body)).not.toContain(SECRET);
    }

    // a real transcript there is read as before
    spawnSync('rm', ['-f', join(project, `${s.id}.jsonl`)]);
    writeFileSync(join(project, `${s.id}.jsonl`), '{"type":"user","text":"hello"}\n{"type":"assistant","text":"hi"}\n');
    expect((await api(env, 'GET', `/api/sessions/${s.id}/history`)).body).toEqual({ lines: [{ type: 'user', text: 'hello' }, { type: 'assistant', text: 'hi' }] });
  });
});

describe('limits hold under concurrent creates', () => {
  it('20 creates at once with max_sessions = 3: exactly 3 sessions, 17 refused with nothing left behind', async () => {
    env = makeEnv({ config: '[general]\nmax_sessions = 3\nmax_concurrent_creates = 20\n' });
    expect(env.run(['list']).code).toBe(0);
    const results = await createAtOnce(env, () => ['--backend', 'tmux', '--repo', env?.repo ?? ''], 20);
    const ok = results.filter((r) => r.code === 0);
    const refused = results.filter((r) => r.code !== 0);
    expect(ok).toHaveLength(3);
    expect(refused).toHaveLength(17);
    for (const r of refused) expect(r.stderr).toMatch(/sessions exist.* \(limit 3\) — delete some sessions or raise general\.max_sessions/);
    const names = env.json<Session[]>(['list', '--all']).map((s) => s.name).sort();
    expect(names).toHaveLength(3);
    expect(worktreeDirs(env).sort()).toEqual(names);
    expect(sessionBranches(env).sort()).toEqual(names.map((n) => `clauderon/${n}`));
    expect(tmuxSessions(env).sort()).toEqual(names);
  });

  it('creates at once with the same --name: exactly one succeeds, and its session is intact', async () => {
    env = makeEnv({ config: '[general]\nmax_concurrent_creates = 20\n' });
    expect(env.run(['list']).code).toBe(0);
    // (two would do; a few more make the overlap certain on an unfixed daemon)
    const results = await createAtOnce(env, () => ['--backend', 'tmux', '--repo', env?.repo ?? '', '--name', 'twin'], 8);
    expect(results.filter((r) => r.code === 0)).toHaveLength(1);
    for (const loser of results.filter((r) => r.code !== 0)) expect(loser.stderr).toContain('a session named "twin" already exists — choose another name (pass another --name)');
    const s = env.json<Session>(['show', 'twin']);
    expect(s.status).toBe('running');
    expect(existsSync(s.worktreePath)).toBe(true);
    expect(sessionBranches(env)).toEqual(['clauderon/twin']);
    expect(tmuxSessions(env)).toEqual(['twin']);
  });
});

describe('create warns when the agent would have no credential for its model API', () => {
  const ANTHROPIC = /^warning: no Anthropic credential: the agent's requests will be refused by its proxy — set CLAUDE_CODE_OAUTH_TOKEN \(run `claude setup-token` for a Claude subscription\) or ANTHROPIC_API_KEY, or write .*secrets\/anthropic_oauth_token, then restart the daemon: clauderon daemon stop$/m;

  it('no credential: the warning on stderr (without a terminal, with --json too) and in the API result', async () => {
    env = bareEnv();
    const plain = env.run(['create', '--backend', 'tmux', '--repo', env.repo, '--prompt', 'p', '--name', 'nocred']);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stderr).toMatch(ANTHROPIC);
    expect(plain.stderr.match(/no Anthropic credential/g)).toHaveLength(1); // once, as it arrived
    expect(plain.stderr).toContain(join(env.home, 'secrets', 'anthropic_oauth_token'));

    const json = env.run(['create', '--backend', 'tmux', '--repo', env.repo, '--prompt', 'p', '--name', 'nocred-json', '--json']);
    expect(json.code, json.stderr).toBe(0);
    expect((JSON.parse(json.stdout) as Session).name).toBe('nocred-json');
    expect(json.stderr).toMatch(ANTHROPIC);

    const viaApi = await api(env, 'POST', '/api/sessions', { repoPath: env.repo, prompt: 'p', name: 'nocred-api', backend: 'tmux' });
    expect(viaApi.status).toBe(201);
    expect(viaApi.body.warnings).toEqual([expect.stringMatching(/^no Anthropic credential: .*claude setup-token/)]);

    // codex and gemini name their own variables
    const codex = env.run(['create', '--backend', 'tmux', '--agent', 'codex', '--repo', env.repo, '--prompt', 'p', '--name', 'nocred-codex']);
    expect(codex.stderr).toMatch(/^warning: no OpenAI credential: .* set OPENAI_API_KEY \(or CODEX_API_KEY\), or write .*secrets\/openai_api_key, or sign in with `codex login` on this machine \(its ~\/\.codex\/auth\.json\), then restart the daemon: clauderon daemon stop$/m);
    const gemini = env.run(['create', '--backend', 'tmux', '--agent', 'gemini', '--repo', env.repo, '--prompt', 'p', '--name', 'nocred-gemini', '--no-plan-mode']);
    expect(gemini.stderr).toMatch(/^warning: no Gemini credential: .* set GEMINI_API_KEY \(or GOOGLE_API_KEY\), or write .*secrets\/gemini_api_key/m);
  });

  it('with a credential, or with no proxy, no warning', async () => {
    env = bareEnv();
    const withKey = env.run(['create', '--backend', 'tmux', '--repo', env.repo, '--prompt', 'p', '--name', 'cred', '--json'], { env: { CLAUDE_CODE_OAUTH_TOKEN: 'sk-ant-oat01-FAKE-real-token-0123456789' } });
    expect(withKey.code, withKey.stderr).toBe(0);
    expect(withKey.stderr).not.toContain('credential');
    const viaApi = await api(env, 'POST', '/api/sessions', { repoPath: env.repo, prompt: 'p', name: 'cred-api', backend: 'tmux' });
    expect(viaApi.body.warnings).toEqual([]);
    // no proxy, no credential: the agent uses its own login, nothing to warn about
    expect(env.run(['daemon', 'stop']).code).toBe(0);
    writeFileSync(join(env.home, 'config.toml'), `${env.portConfig.replace('[proxy]\n', '[proxy]\nenabled = false\n')}[agents.claude]\ncommand = "${FAKE_AGENT}"\n`);
    const noProxy = env.run(['create', '--backend', 'tmux', '--repo', env.repo, '--prompt', 'p', '--name', 'unproxied', '--json']);
    expect(noProxy.code, noProxy.stderr).toBe(0);
    expect((JSON.parse(noProxy.stdout) as Session).proxyPort).toBeNull();
    expect(noProxy.stderr).not.toContain('credential');
  });
});
