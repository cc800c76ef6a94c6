// The Sprites backend against the Sprites API double (fixtures/sprites: the real API is a remote
// service; the double holds to the documented routes, bodies, Bearer auth and exec framing, and runs
// each sprite as a container on the real Docker engine with loopback only). The real Claude Code runs
// "in the sprite" and reaches its session proxy on the host only through the relay over the exec
// stream. The double serves from this test process, so every CLI call is asynchronous.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { dockerAvailable, dockerBinary, ensureTestImages, shouldRequireDocker, type TestImages } from '../../fixtures/docker/test-image.js';
import { startSpritesDouble, type SpritesDouble } from '../../fixtures/sprites/server.js';
import { PLACEHOLDERS } from '../../src/agents/proxy-env.js';
import type { Session } from '../../src/shared/types.js';
import { agentUpstreams, ANSWER, REAL, type AgentUpstreams } from '../helpers/agents.js';
import { BIN, git, makeEnv, waitFor, type Env } from '../helpers/e2e.js';

const haveDocker = dockerAvailable() || shouldRequireDocker();
const TOKEN = `sprites-test-${randomBytes(12).toString('hex')}`;

let images: TestImages;
let sd: SpritesDouble | undefined;
let env: Env | undefined;
let up: AgentUpstreams | undefined;

beforeAll(async () => {
  if (!haveDocker) return;
  images = await ensureTestImages();
}, 900_000);

afterEach(async () => {
  if (env) await cli(env, ['daemon', 'stop']).catch(() => undefined);
  env?.cleanup();
  await up?.close();
  await sd?.close();
  env = undefined;
  up = undefined;
  sd = undefined;
});

function run(cmd: string, args: string[], o: { env: NodeJS.ProcessEnv; cwd?: string; timeoutMs: number }): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env: o.env, cwd: o.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

function cli(e: Env, args: string[], o: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return run(process.execPath, [BIN, ...args], { env: { ...e.env, ...o.env }, cwd: e.root, timeoutMs: o.timeoutMs ?? 60_000 });
}

async function cliJson<T>(e: Env, args: string[]): Promise<T> {
  const r = await cli(e, [...args, '--json']);
  if (r.code !== 0) throw new Error(`clauderon ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

function configFor(e: Env, agent: string[] | string): void {
  writeFileSync(join(e.home, 'config.toml'), `${e.portConfig}[sprites]\nenabled = true\napi_url = "${sd?.url ?? ''}"\n\n[agents.claude]\ncommand = ${JSON.stringify(agent)}\n`);
}

/** Run in the sprite's container, as the double's sprites run commands. */
function inSprite(name: string, script: string, ...args: string[]): { code: number; stdout: string } {
  const c = sd?.sprites.get(name)?.container ?? '';
  const r = spawnSync(dockerBinary(), ['exec', '-u', '1000:1000', '-w', '/home/sprite', c, 'sh', '-c', script, 'x', ...args], { encoding: 'latin1' });
  return { code: r.status ?? -1, stdout: r.stdout };
}

const ECHO_AGENT = ['sh', '-c', 'echo "READY home=$HOME pwd=$PWD branch=$(git branch --show-current)"; exec cat', 'agent'];

describe.skipIf(!haveDocker)('sprites backend (the API double, sprites on the real Docker engine)', () => {
  it('the real Claude Code in a sprite answers through the relay and the proxy; no credential in any call, the sprite or its environment; commits come back; delete refuses unfetched work', { timeout: 300_000 }, async () => {
    env = makeEnv();
    up = await agentUpstreams(env);
    sd = await startSpritesDouble({ token: TOKEN, image: images.full });
    const e = env;
    const u = up;
    const d = sd;
    configFor(e, 'claude');
    writeFileSync(join(u.home, '.claude.json'), JSON.stringify({ hasCompletedOnboarding: true }));
    for (const key of ['CLAUDE_CODE_OAUTH_TOKEN', 'ANTHROPIC_API_KEY']) delete e.env[key];
    expect((await cli(e, ['list'], { env: { ...u.daemonEnv, SPRITE_TOKEN: TOKEN } })).code).toBe(0);
    const created = await cli(e, ['create', '--backend', 'sprites', '--repo', e.repo, '--prompt', 'Say hello', '--name', 'spr', '--no-plan-mode', '--json'], { timeoutMs: 200_000 });
    expect(created.code, `${created.stderr}\n--- daemon log:\n${readFileSync(join(e.home, 'logs', 'daemon.log'), 'utf8').slice(-3000)}`).toBe(0);
    const s = JSON.parse(created.stdout) as Session;
    expect(s).toMatchObject({ backend: 'sprites', backendId: 'clauderon-spr', status: 'running' });
    expect(d.sprites.get('clauderon-spr')?.policy).toEqual({ rules: [{ domain: '*', action: 'deny' }] });
    await waitFor(
      async () => (await cli(e, ['output', 'spr', '--lines', '200'])).stdout.includes(ANSWER.claude),
      "Claude's answer on its screen",
      120_000,
    ).catch(async (err: unknown) => {
      throw new Error(`${String(err)}\n--- screen:\n${(await cli(e, ['output', 'spr', '--lines', '60'])).stdout}\n--- log:\n${inSprite('clauderon-spr', 'tail -c 3000 .clauderon/agent.log').stdout}\n--- daemon log:\n${readFileSync(join(e.home, 'logs', 'daemon.log'), 'utf8').split('\n').slice(-20).join('\n')}`);
    });
    // only the upstream saw the real key
    const calls = u.anthropic.received.filter((r) => r.path.startsWith('/v1/messages'));
    expect(calls.length).toBeGreaterThan(0);
    for (const c of calls) expect(String(c.headers['x-api-key'] ?? c.headers.authorization)).toBe(REAL.anthropic);
    for (const p of Object.values(PLACEHOLDERS)) expect(u.anthropic.allText()).not.toContain(p);

    // nothing the double was sent, the sprite's environment nor its files hold a credential
    const proxyPassword = /http:\/\/spr:([0-9a-f]+)@/.exec((await cliJson<Record<string, string>>(e, ['env', 'spr'])).HTTPS_PROXY ?? '')?.[1] ?? '';
    expect(proxyPassword.length).toBeGreaterThan(10);
    const sent = JSON.stringify(d.calls.map((c) => ({ ...c, headers: { ...c.headers, authorization: '' } })));
    for (const v of [...Object.values(REAL), proxyPassword]) expect(sent).not.toContain(v);
    const environ = inSprite('clauderon-spr', 'cat /proc/[0-9]*/environ 2>/dev/null; true').stdout;
    expect(environ).toContain(`HTTPS_PROXY=http://spr:${proxyPassword}@127.0.0.1:18080`);
    for (const v of [...Object.values(REAL), TOKEN]) expect(environ).not.toContain(v);
    for (const v of [REAL.anthropic, proxyPassword, TOKEN]) expect(inSprite('clauderon-spr', 'grep -rl -e "$1" /home/sprite 2>/dev/null; true', v).stdout.trim()).toBe('');
    // loopback only: the host's proxy port is not reachable from the sprite
    expect(inSprite('clauderon-spr', `curl -sS -m 3 -o /dev/null http://127.0.0.1:${s.proxyPort ?? 1}/ && echo REACHED || echo REFUSED`).stdout.trim()).toBe('REFUSED');

    // the agent's commit comes back as the session's branch
    expect(inSprite('clauderon-spr', 'cd workspace && echo work > agent.txt && git add agent.txt && git -c user.email=a@b -c user.name=agent commit -qm from-the-sprite').code).toBe(0);
    expect(await cliJson<{ commits: number; dirty: boolean }>(e, ['fetch', 'spr'])).toMatchObject({ commits: 1, dirty: false });
    expect(git(e.repo, 'log', '-1', '--format=%s', s.branchName)).toBe('from-the-sprite');

    // diverged → delete refuses, and the sprite stays
    writeFileSync(join(s.worktreePath, 'mine.txt'), 'mine\n');
    git(s.worktreePath, 'add', 'mine.txt');
    git(s.worktreePath, 'commit', '-qm', 'mine');
    expect(inSprite('clauderon-spr', 'cd workspace && git -c user.email=a@b -c user.name=agent commit -q --allow-empty -m second').code).toBe(0);
    const refused = await cli(e, ['delete', 'spr']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/could not be fast-forwarded/);
    expect(d.sprites.has('clauderon-spr')).toBe(true);
    const del = await cli(e, ['delete', 'spr', '--force']);
    expect(del.code, del.stderr).toBe(0);
    expect(d.sprites.has('clauderon-spr')).toBe(false);
  });

  it('archive ends the agent and checkpoints (the sprite may sleep), unarchive starts it again on the same files; a bad token is a clear error and leaves nothing', { timeout: 240_000 }, async () => {
    env = makeEnv();
    sd = await startSpritesDouble({ token: TOKEN, image: images.full });
    const e = env;
    const d = sd;
    configFor(e, ECHO_AGENT);
    expect((await cli(e, ['list'], { env: { SPRITE_TOKEN: TOKEN } })).code).toBe(0);
    const created = await cli(e, ['create', '--backend', 'sprites', '--repo', e.repo, '--prompt', 'p', '--name', 'arc', '--json'], { timeoutMs: 120_000 });
    expect(created.code, `${created.stderr}\n--- daemon log:\n${readFileSync(join(e.home, 'logs', 'daemon.log'), 'utf8').slice(-3000)}`).toBe(0);
    await waitFor(async () => (await cli(e, ['output', 'arc'])).stdout.includes('READY home=/home/sprite/workspace pwd=/home/sprite/workspace branch=clauderon/arc'), 'the stand-in agent on its screen', 30_000);
    expect(inSprite('clauderon-arc', 'echo kept > workspace/scratch.txt').code).toBe(0);

    // attach: `sprite exec -s NAME --tty -- …` — here a stand-in for the sprite CLI (none runs on
    // these machines) that accepts only that form and runs it in the double's container with a TTY
    const shim = join(e.root, 'shim');
    mkdirSync(shim);
    writeFileSync(
      join(shim, 'sprite'),
      `#!/bin/sh\n[ "$1" = exec ] && [ "$2" = -s ] && [ "$3" = clauderon-arc ] && [ "$4" = --tty ] && [ "$5" = -- ] || { echo "sprite stand-in: unexpected $*" >&2; exit 2; }\nshift 5\nexec ${dockerBinary()} exec -it -u 1000:1000 -w /home/sprite ${d.sprites.get('clauderon-arc')?.container ?? ''} "$@"\n`,
      { mode: 0o755 },
    );
    const { spawn: ptySpawn } = await import('node-pty');
    const pty = ptySpawn(process.execPath, [BIN, 'attach', 'arc'], { cols: 100, rows: 30, cwd: e.root, env: { ...e.env, PATH: `${shim}:${e.env.PATH ?? process.env.PATH ?? ''}` } });
    let seen = '';
    let exited: number | null = null;
    pty.onData((x) => (seen += x));
    pty.onExit(({ exitCode }) => (exited = exitCode));
    await waitFor(() => seen.includes('READY'), 'the agent\'s screen through attach', 20_000).catch((err: unknown) => {
      throw new Error(`${String(err)}\n--- seen:\n${seen}`);
    });
    pty.write('hello-from-attach\r');
    await waitFor(() => seen.includes('hello-from-attach'), 'the typed line echoed back by the agent', 20_000);
    await waitFor(async () => (await cli(e, ['output', 'arc'])).stdout.includes('hello-from-attach'), 'the line on its screen too', 20_000);
    pty.write('\x10\x11'); // Ctrl-P Ctrl-Q
    await waitFor(() => exited !== null, 'attach to end on the detach keys', 20_000);
    expect((await cliJson<Session>(e, ['show', 'arc'])).status).toBe('running');
    expect(inSprite('clauderon-arc', 'kill -0 "$(cat .clauderon/agent.pid)" && echo alive').stdout.trim()).toBe('alive');

    const archived = await cli(e, ['archive', 'arc']);
    expect(archived.code, archived.stderr).toBe(0);
    expect(d.sprites.get('clauderon-arc')?.checkpoints.length).toBe(1);
    expect(inSprite('clauderon-arc', 'kill -0 "$(cat .clauderon/agent.pid 2>/dev/null || echo 999999)" 2>/dev/null && echo alive || echo ended').stdout.trim()).toBe('ended');
    await waitFor(() => d.sprites.get('clauderon-arc')?.execs === 0, 'no exec left open (the sprite can sleep)', 15_000);

    const back = await cli(e, ['unarchive', 'arc'], { timeoutMs: 120_000 });
    expect(back.code, back.stderr).toBe(0);
    expect((await cliJson<Session>(e, ['show', 'arc'])).status).toBe('running');
    expect(inSprite('clauderon-arc', 'cat workspace/scratch.txt').stdout).toBe('kept\n');
    await waitFor(async () => (await cli(e, ['output', 'arc'])).stdout.includes('READY'), 'the agent again', 30_000);
    // a sprite destroyed behind clauderon's back is seen by the daemon's liveness poll
    expect((await fetch(`${d.url}/v1/sprites/clauderon-arc`, { method: 'DELETE', headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(204);
    await waitFor(async () => (await cliJson<Session>(e, ['show', 'arc'])).status === 'failed', 'the session to be marked failed', 30_000).catch((err: unknown) => {
      throw new Error(`${String(err)}\n--- daemon log:\n${readFileSync(join(e.home, 'logs', 'daemon.log'), 'utf8').split('\n').slice(-25).join('\n')}`);
    });
    // nothing is left to fetch from: delete goes through
    const gone = await cli(e, ['delete', 'arc']);
    expect(gone.code, gone.stderr).toBe(0);
    expect(d.sprites.size).toBe(0);

    // a bad token: refused before anything is made
    await cli(e, ['daemon', 'stop']);
    expect((await cli(e, ['list'], { env: { SPRITE_TOKEN: 'not-the-token' } })).code).toBe(0);
    const bad = await cli(e, ['create', '--backend', 'sprites', '--repo', e.repo, '--prompt', 'p', '--name', 'bad'], { timeoutMs: 60_000 });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/refused the token \(401\).*SPRITE_TOKEN/s);
    expect(d.sprites.size).toBe(0);
    expect(await cliJson<unknown[]>(e, ['list', '--all'])).toEqual([]);
    // every exec that ended was closed by the backend on its EXIT frame, none left for the server to close
    expect(d.lingered()).toBe(0);
  });

  it('reconcile reports a clauderon-named sprite no session owns and removes nothing (an organisation is shared); a daemon killed mid-create destroys its sprite after restart; no token at all is a clear error', { timeout: 240_000 }, async () => {
    env = makeEnv();
    sd = await startSpritesDouble({ token: TOKEN, image: images.full });
    const e = env;
    const d = sd;
    configFor(e, ECHO_AGENT);
    const api = (method: string, path: string, body?: unknown) =>
      fetch(`${d.url}${path}`, { method, headers: { authorization: `Bearer ${TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
    // another home's session (or this home's, lost) and a sprite that is not clauderon's at all
    for (const name of ['clauderon-ghost', 'notes']) expect((await api('POST', '/v1/sprites', { name })).status).toBe(201);

    expect((await cli(e, ['list'], { env: { SPRITE_TOKEN: TOKEN } })).code).toBe(0);
    const items = await cliJson<{ kind: string; action: string; detail: string }[]>(e, ['reconcile']);
    const ghost = items.filter((i) => i.detail.includes('clauderon-ghost'));
    expect(ghost).toEqual([{ session: null, kind: 'orphan_backend', action: 'reported', detail: 'sprites session clauderon-ghost has no clauderon session (not removed: sprites sessions are shared with other homes)' }]);
    expect(items.some((i) => i.detail.includes('notes'))).toBe(false);
    expect([...d.sprites.keys()].sort()).toEqual(['clauderon-ghost', 'notes']);

    // killed while its sprite exists, before the session is finalized
    await cli(e, ['daemon', 'stop']);
    const pending = e.runAsync(['create', '--backend', 'sprites', '--repo', e.repo, '--prompt', 'p', '--name', 'held'], { env: { SPRITE_TOKEN: TOKEN, CLAUDERON_TEST_HOLD_STEP: 'hooks' } });
    await waitFor(() => readFileSync(join(e.home, 'logs', 'daemon.log'), 'utf8').includes('test hold before hooks'), 'the create to reach its hooks step', 200_000);
    expect(d.sprites.has('clauderon-held')).toBe(true);
    const pid = e.daemonPid();
    if (pid) process.kill(pid, 'SIGKILL');
    await pending;
    expect((await cli(e, ['list'], { env: { SPRITE_TOKEN: TOKEN } })).code).toBe(0);
    await waitFor(async () => {
      const l = await cli(e, ['list', '--all', '--json'], { env: { SPRITE_TOKEN: TOKEN } });
      return l.code === 0 && (JSON.parse(l.stdout) as unknown[]).length === 0;
    }, 'the interrupted create to be rolled back', 60_000);
    await waitFor(() => !d.sprites.has('clauderon-held'), 'its sprite to be destroyed', 30_000);
    expect([...d.sprites.keys()].sort()).toEqual(['clauderon-ghost', 'notes']);

    // the API has no CPU or memory setting: a limit is refused, naming the backends that take one
    const before = d.calls.length;
    const limited = await cli(e, ['create', '--backend', 'sprites', '--repo', e.repo, '--prompt', 'p', '--name', 'limited', '--cpu-limit', '2']);
    expect(limited.code).not.toBe(0);
    expect(limited.stderr).toContain('cpuLimit only applies to the docker, kubernetes or apple backend (check --cpu-limit)');
    expect(d.calls.length).toBe(before);
    expect(d.sprites.has('clauderon-limited')).toBe(false);

    // no token anywhere (no SPRITE_TOKEN, SPRITES_TOKEN, nor ~/.sprites): said before anything is made
    await cli(e, ['daemon', 'stop']);
    const calls = d.calls.length;
    const bare = { SPRITE_TOKEN: '', SPRITES_TOKEN: '', HOME: e.root };
    expect((await cli(e, ['list'], { env: bare })).code).toBe(0);
    const none = await cli(e, ['create', '--backend', 'sprites', '--repo', e.repo, '--prompt', 'p', '--name', 'tokenless'], { env: bare });
    expect(none.code).not.toBe(0);
    expect(none.stderr).toContain('no Sprites token — set SPRITE_TOKEN (create one at sprites.dev/account), or sign in with `sprite org auth`');
    expect(d.calls.length).toBe(calls); // nothing was even asked of the API
    expect(await cliJson<unknown[]>(e, ['list', '--all'])).toEqual([]);
    expect(readdirSync(join(e.home, 'worktrees'))).toEqual([]);
  });
});
