// The Apple Container backend, through the real daemon, against the `container` CLI double
// (fixtures/apple/: Apple's CLI runs only on macOS 26+ on Apple silicon) whose containers run on the
// real Docker engine. The tests say which platform to pretend (CLAUDERON_TEST_PLATFORM=macos-26) and
// put the double on PATH; the containers use Docker's host network (this dockerd has no bridge), so
// [apple] host_address points the agent at 127.0.0.1. In CI a missing engine fails the suite.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { dockerAvailable, ensureTestImages, shouldRequireDocker, type TestImages } from '../../fixtures/docker/test-image.js';
import { makeTestPki, startFakeAnthropic, type FakeAnthropic } from '../../fixtures/upstreams/index.js';
import { PLACEHOLDERS } from '../../src/agents/proxy-env.js';
import type { Session } from '../../src/shared/types.js';
import { BIN, filesUnder, makeEnv, readIfThere, ROOT, waitFor, type Env } from '../helpers/e2e.js';

const run = dockerAvailable() || shouldRequireDocker();
const DOUBLE_BIN = join(ROOT, 'fixtures', 'apple', 'bin');
const REAL_GITHUB = 'ghp_REAL_apple_e2e_0123456789abcdefXYZ';
/** A stand-in agent: says where it runs and what it holds, commits in the worktree, then waits on its terminal. */
const ECHO_AGENT = ['sh', '-c', 'echo "READY uid=$(id -u) home=$HOME pwd=$PWD gh=$GITHUB_TOKEN"; git -c user.email=a@b -c user.name=agent commit -q --allow-empty -m from-apple && echo COMMITTED; exec cat', 'agent'];

interface Listed { id: string; configuration: { labels: Record<string, string>; resources: { cpus: number; memoryInBytes: number }; initProcess: { environment: string[]; workingDirectory: string }; mounts: { source: string; destination: string; options: string[] }[] }; status: { state: string } }

let images: TestImages;
let env: Env | undefined;
let upstream: FakeAnthropic | undefined;
const REAL_ANTHROPIC = 'sk-ant-api03-REAL-apple-e2e-0123456789abcdefghij';

beforeAll(async () => {
  if (!run) return;
  images = await ensureTestImages();
}, 900_000);

afterEach(async () => {
  if (env) for (const id of double(env, 'ls', '-a', '-q').stdout.split('\n').filter(Boolean)) double(env, 'delete', '--force', id);
  env?.cleanup();
  await upstream?.close();
  env = undefined;
  upstream = undefined;
});

/** An env whose daemon sees the double and (unless `platform` is null) pretends to be macOS 26. */
function appleEnv(platform: string | null = 'macos-26', agent: string[] = ECHO_AGENT, extra = ''): Env {
  const e = makeEnv();
  e.env.PATH = `${DOUBLE_BIN}:${e.env.PATH ?? ''}`;
  e.env.APPLE_CONTAINER_DOUBLE_STATE = join(e.root, 'apple-double');
  if (platform) e.env.CLAUDERON_TEST_PLATFORM = platform;
  else delete e.env.CLAUDERON_TEST_PLATFORM;
  writeFileSync(join(e.home, 'config.toml'), `${e.portConfig}[apple]\nimage = "${images.full}"\nhost_address = "127.0.0.1"\n${extra}\n[agents.claude]\ncommand = ${JSON.stringify(agent)}\n`);
  return e;
}

function double(e: Env, ...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(join(DOUBLE_BIN, 'container'), args, { encoding: 'utf8', env: e.env, timeout: 60_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** The backends the daemon's catalog (GET /api/catalog: the web page's choice) offers. */
async function catalogBackends(e: Env): Promise<string[]> {
  const r = await fetch(`http://127.0.0.1:${e.httpPort}/api/catalog`);
  expect(r.status).toBe(200);
  return ((await r.json()) as { backends: { name: string }[] }).backends.map((b) => b.name);
}

function listed(e: Env, id: string): Listed | null {
  return (JSON.parse(double(e, 'list', '--all', '--format', 'json').stdout) as Listed[]).find((c) => c.id === id) ?? null;
}

describe.skipIf(!run)('apple backend (the container CLI double, containers on the real Docker engine)', () => {
  it('creates with mounts and placeholders only; output; archive stops, unarchive starts, delete removes', async () => {
    env = appleEnv();
    const e = env;
    const created = e.run(['create', '--backend', 'apple', '--repo', e.repo, '--prompt', 'p', '--name', 'box', '--cpu-limit', '2', '--memory-limit', '512m', '--json'], { env: { GITHUB_TOKEN: REAL_GITHUB }, timeoutMs: 120_000 });
    expect(created.code, `${created.stderr}\n${readIfThere(join(e.home, 'logs', 'daemon.log')).slice(-2000)}`).toBe(0);
    const s = JSON.parse(created.stdout) as Session;
    expect(s).toMatchObject({ backend: 'apple', backendId: 'clauderon-box', status: 'running' });

    const out = await waitFor(() => {
      const o = e.run(['output', 'box']).stdout;
      return o.includes('COMMITTED') ? o : '';
    }, 'the agent to start and commit');
    expect(out).toContain(`READY uid=${process.getuid?.()} home=/workspace pwd=/workspace gh=${PLACEHOLDERS.github}`);
    expect(spawnSync('git', ['-C', e.repo, 'log', '-1', '--format=%s', s.branchName], { encoding: 'utf8' }).stdout.trim()).toBe('from-apple');

    const c = listed(e, 'clauderon-box');
    expect(c?.status.state).toBe('running');
    if (!c) return;
    expect(c.configuration.labels).toMatchObject({ 'clauderon.session-id': s.id, 'clauderon.home': e.home });
    expect(c.configuration.resources).toEqual({ cpus: 2, memoryInBytes: 512 * 1024 ** 2 });
    expect(c.configuration.initProcess.workingDirectory).toBe('/workspace');
    const mounts = c.configuration.mounts.map((m) => `${m.source}:${m.destination}${m.options.includes('ro') ? ':ro' : ''}`);
    expect(mounts).toContain(`${s.worktreePath}:/workspace`);
    expect(mounts).toContain(`${join(e.home, 'proxy-ca.pem')}:/etc/clauderon/proxy-ca.pem:ro`);
    expect(mounts.some((m) => m.startsWith(`${join(e.repo, '.git')}:`))).toBe(true);
    for (const m of c.configuration.mounts) {
      expect(m.source).not.toBe(e.home);
      for (const bad of ['secrets', 'proxy-ca-key.pem', 'db.sqlite', 'proxy-auth.key']) expect(m.source).not.toContain(bad);
    }
    const cenv = c.configuration.initProcess.environment;
    expect(cenv).toContain(`GITHUB_TOKEN=${PLACEHOLDERS.github}`);
    expect(cenv).toContain('NODE_EXTRA_CA_CERTS=/etc/clauderon/proxy-ca.pem');
    expect(cenv.find((v) => v.startsWith('HTTPS_PROXY='))).toMatch(new RegExp(`^HTTPS_PROXY=http://box:[0-9a-f]{40}@127\\.0\\.0\\.1:${s.proxyPort}$`));
    // nothing the double keeps, nor the agent's own environment, holds the real credential
    expect(readFileSync(join(e.root, 'apple-double', 'containers.json'), 'utf8')).not.toContain(REAL_GITHUB);
    const procEnv = double(e, 'exec', 'clauderon-box', 'sh', '-c', 'cat /proc/1/environ /proc/$(pgrep -n cat)/environ').stdout;
    expect(procEnv).toContain(PLACEHOLDERS.github);
    expect(procEnv).not.toContain(REAL_GITHUB);
    // the env file was read once and is gone
    expect(readdirSync(join(e.home, 'sessions', s.id))).not.toContain('apple.env');
    // attach is `container exec -it … bash` (Apple's CLI has no attach): a shell beside the agent; exit returns
    const outer = join(e.root, 'outer.sock');
    const t = (...a: string[]) => spawnSync('tmux', ['-S', outer, ...a], { encoding: 'utf8' });
    const envArgs = ['CLAUDERON_HOME', 'HOME', 'APPLE_CONTAINER_DOUBLE_STATE', 'CLAUDERON_TEST_PLATFORM'].flatMap((k) => ['-e', `${k}=${e.env[k] ?? ''}`]);
    try {
      expect(t('new-session', '-d', '-s', 'term', '-x', '120', '-y', '40', ...envArgs, 'sh').status).toBe(0);
      const screen = () => t('capture-pane', '-p', '-t', 'term').stdout;
      // (tmux keeps its own PATH whatever -e says: the double is put on it on the command line)
      t('send-keys', '-t', 'term', `env PATH='${e.env.PATH ?? ''}' ${process.execPath} ${BIN} attach box; echo ATTACH-EXIT=$?`, 'Enter');
      await waitFor(() => screen().includes('exit it to come back'), 'the detach hint shown');
      let sentAt = 0;
      await waitFor(() => {
        if (Date.now() - sentAt > 1000) {
          t('send-keys', '-t', 'term', 'echo INSIDE-$((6*7)) $(id -u) $PWD', 'Enter');
          sentAt = Date.now();
        }
        return screen().includes(`INSIDE-42 ${process.getuid?.()} /workspace`) || screen().includes('INSIDE-42 0 /workspace');
      }, 'a shell in the container');
      t('send-keys', '-t', 'term', 'exit', 'Enter');
      await waitFor(() => screen().includes('ATTACH-EXIT=0'), 'attach returned after exit');
      expect(listed(e, 'clauderon-box')?.status.state).toBe('running'); // the agent keeps running
    } catch (err) {
      throw new Error(`${String(err)}\n--- the terminal:\n${t('capture-pane', '-p', '-t', 'term').stdout}`);
    } finally {
      t('kill-server');
    }

    expect(e.run(['archive', 'box'], { timeoutMs: 60_000 }).code).toBe(0);
    expect(listed(e, 'clauderon-box')?.status.state).toBe('stopped');
    expect(e.run(['unarchive', 'box'], { timeoutMs: 60_000 }).code).toBe(0);
    expect(listed(e, 'clauderon-box')?.status.state).toBe('running');

    // refresh makes the container again (same worktree, same proxy)
    const created1 = readFileSync(join(e.root, 'apple-double', 'containers.json'), 'utf8');
    const refreshed = e.run(['refresh', 'box'], { timeoutMs: 60_000 });
    expect(refreshed.code, refreshed.stderr).toBe(0);
    expect(readFileSync(join(e.root, 'apple-double', 'containers.json'), 'utf8')).not.toBe(created1);
    expect(listed(e, 'clauderon-box')?.status.state).toBe('running');

    const del = e.run(['delete', 'box'], { timeoutMs: 60_000 });
    expect(del.code, del.stderr).toBe(0);
    expect(listed(e, 'clauderon-box')).toBeNull();
    expect(existsSync(s.worktreePath)).toBe(false);
    for (const f of filesUnder(e.home)) expect(readIfThere(f), f).not.toContain(REAL_GITHUB);
  }, 240_000);

  it('the real claude -p in the Apple container answers through the proxy; only the fake upstream sees the key', async () => {
    env = appleEnv('macos-26', ['claude', '-p'], 'env = ["CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1", "DISABLE_AUTOUPDATER=1"]');
    const e = env;
    const pki = makeTestPki(['api.anthropic.com']);
    upstream = await startFakeAnthropic(pki, { text: 'Hello from the Apple container' });
    const upstreamCa = join(e.root, 'upstream-ca.pem');
    writeFileSync(upstreamCa, pki.caPem);
    const up = upstream;
    const created = e.run(['create', '--backend', 'apple', '--repo', e.repo, '--prompt', 'Say hello', '--name', 'cc', '--no-plan-mode', '--json'], {
      env: { ANTHROPIC_API_KEY: REAL_ANTHROPIC, CLAUDERON_UPSTREAM_OVERRIDES: JSON.stringify({ 'api.anthropic.com': `127.0.0.1:${up.port}` }), CLAUDERON_UPSTREAM_CA: upstreamCa },
      timeoutMs: 120_000,
    });
    expect(created.code, created.stderr).toBe(0);
    const screen = await waitFor(() => {
      const out = e.run(['output', 'cc', '--lines', '100']).stdout;
      return out.includes('Hello from the Apple container') ? out : '';
    }, 'claude -p in the container to print the answer', 60_000);
    expect(screen).not.toContain(REAL_ANTHROPIC);
    const messages = up.received.filter((r) => r.path.startsWith('/v1/messages'));
    expect(messages.length).toBeGreaterThan(0);
    for (const m of messages) expect(m.headers['x-api-key']).toBe(REAL_ANTHROPIC);
    expect(up.allText()).not.toContain(PLACEHOLDERS.anthropicApiKey);
    expect(readFileSync(join(e.root, 'apple-double', 'containers.json'), 'utf8')).not.toContain(REAL_ANTHROPIC);
    for (const f of filesUnder(e.home, ['worktrees'])) expect(readIfThere(f), f).not.toContain(REAL_ANTHROPIC);
    const done = await waitFor(() => {
      const now = e.json<Session>(['show', 'cc']);
      return now.status === 'completed' ? now : null;
    }, 'the agent to be reported completed');
    expect(done.error).toBeNull();
  }, 240_000);

  it('refresh pulls the image with `container image pull`, then re-creates the container on the same worktree', async () => {
    env = appleEnv();
    const e = env;
    const created = e.run(['create', '--backend', 'apple', '--repo', e.repo, '--prompt', 'p', '--name', 'fresh', '--json'], { timeoutMs: 120_000 });
    expect(created.code, created.stderr).toBe(0);
    await waitFor(() => e.run(['output', 'fresh']).stdout.includes('COMMITTED'), 'the agent to start');
    const state = () => JSON.parse(readFileSync(join(e.root, 'apple-double', 'containers.json'), 'utf8')) as { pulls?: string[]; containers: Record<string, { status: { startedDate?: number } }> };
    expect(state().pulls ?? []).toEqual([]); // create leaves the pull to `container run`
    const before = listed(e, 'clauderon-fresh');
    // the Docker container the double runs it as (its name is fixed, its id is new when re-created)
    const behind = `acd-${createHash('sha256').update(join(e.root, 'apple-double')).digest('hex').slice(0, 8)}-clauderon-fresh`;
    const dockerId = () => spawnSync('docker', ['inspect', '--format', '{{.Id}}', behind], { encoding: 'utf8' }).stdout.trim();
    const idBefore = dockerId();
    expect(idBefore).not.toBe('');
    const r = e.run(['refresh', 'fresh', '--json'], { timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(state().pulls).toEqual([images.full]);
    expect(dockerId()).not.toBe(idBefore);
    expect(dockerId()).not.toBe('');
    const after = listed(e, 'clauderon-fresh');
    expect(after?.status.state).toBe('running');
    expect(after?.configuration.initProcess.environment).toEqual(before?.configuration.initProcess.environment);
    await waitFor(() => (e.run(['output', 'fresh']).stdout.match(/COMMITTED/g) ?? []).length >= 1 && listed(e, 'clauderon-fresh')?.status.state === 'running', 'the agent again');
    expect((JSON.parse(e.run(['show', 'fresh', '--json']).stdout) as Session).status).toBe('running');
  });

  it("the proxy and the hooks listen at the container network's host address only while a session there runs", async () => {
    env = appleEnv('macos-26', ECHO_AGENT);
    const e = env;
    // 127.0.0.2 stands in for vmnet's gateway: a loopback address that is not the daemon's own
    writeFileSync(join(e.home, 'config.toml'), readFileSync(join(e.home, 'config.toml'), 'utf8').replace('host_address = "127.0.0.1"', 'host_address = "127.0.0.2"'));
    const created = e.run(['create', '--backend', 'apple', '--repo', e.repo, '--prompt', 'p', '--name', 'gw', '--json'], { timeoutMs: 120_000 });
    expect(created.code, `${created.stderr}\n${readIfThere(join(e.home, 'logs', 'daemon.log')).slice(-2000)}`).toBe(0);
    const s = JSON.parse(created.stdout) as Session;
    const hookPort = Number(/:(\d+)$/.exec(e.json<Record<string, string>>(['env', 'gw']).CLAUDERON_HOOK_URL ?? '')?.[1]);
    expect(hookPort).toBeGreaterThan(0);
    const answers = (port: number): Promise<boolean> =>
      new Promise((r) => {
        const sock = connect({ host: '127.0.0.2', port, timeout: 5000 });
        sock.once('connect', () => (sock.destroy(), r(true)));
        sock.once('error', () => r(false));
        sock.once('timeout', () => (sock.destroy(), r(false)));
      });
    await waitFor(() => e.run(['output', 'gw']).stdout.includes('READY'), 'the agent to start');
    expect(await answers(s.proxyPort ?? 0)).toBe(true);
    expect(await answers(hookPort)).toBe(true);
    // what the hooks listener there serves is the hooks endpoint alone
    expect((await fetch(`http://127.0.0.2:${hookPort}/api/sessions`)).status).toBe(403);

    expect(e.run(['archive', 'gw']).code).toBe(0);
    await waitFor(async () => !(await answers(hookPort)), 'the hooks listener on 127.0.0.2 to close');
    expect(await answers(s.proxyPort ?? 0)).toBe(false);
    // loopback still has both
    expect((await fetch(`http://127.0.0.1:${e.httpPort}/api/sessions`)).status).toBe(200);

    // unarchive listens there again
    expect(e.run(['unarchive', 'gw'], { timeoutMs: 120_000 }).code).toBe(0);
    await waitFor(() => answers(hookPort), 'the hooks listener on 127.0.0.2 again');
  });

  it('reconcile removes a labelled container with no session; a bad limit fails creation and leaves nothing', async () => {
    env = appleEnv();
    const e = env;
    expect(e.run(['list']).code).toBe(0);
    const stray = double(e, 'run', '-d', '--name', 'clauderon-stray', '-l', `clauderon.home=${e.home}`, '-l', 'clauderon.session-id=nobody', images.full, 'sleep', '300');
    expect(stray.code, stray.stderr).toBe(0);
    const other = double(e, 'run', '-d', '--name', 'not-ours', '-l', 'clauderon.home=/elsewhere', images.full, 'sleep', '300');
    expect(other.code).toBe(0);
    const items = e.json<{ session: string | null; kind: string; action: string }[]>(['reconcile']);
    expect(items).toEqual([expect.objectContaining({ session: null, kind: 'orphan_backend', action: 'removed' })]);
    expect(listed(e, 'clauderon-stray')).toBeNull();
    expect(listed(e, 'not-ours')).not.toBeNull(); // another home's container is left alone
    // offered in the web page's backend choice on macOS 26 (the catalog)
    expect((await catalogBackends(e))).toContain('apple');

    const bad = e.run(['create', '--backend', 'apple', '--repo', e.repo, '--prompt', 'p', '--name', 'half', '--cpu-limit', '1.5']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('whole number of CPUs');
    expect(listed(e, 'clauderon-half')).toBeNull();
    expect(e.json<Session[]>(['list'])).toEqual([]);
  }, 120_000);
});

describe('apple backend off macOS 26', () => {
  it('is unavailable with a clear message and a failing exit code (the double on PATH makes no difference)', async () => {
    env = makeEnv();
    env.env.PATH = `${DOUBLE_BIN}:${env.env.PATH ?? ''}`;
    delete env.env.CLAUDERON_TEST_PLATFORM;
    const r = env.run(['create', '--backend', 'apple', '--repo', env.repo, '--prompt', 'p', '--name', 'mac']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('the apple backend needs macOS 26+ on Apple silicon');
    expect(env.json<Session[]>(['list'])).toEqual([]);
    // and not offered in the web page's backend choice
    const names = await catalogBackends(env);
    expect(names).toContain('docker');
    expect(names).not.toContain('apple');
  });

  it('on macOS 26 without the container CLI: unavailable, saying how to install it', () => {
    env = makeEnv();
    env.env.CLAUDERON_TEST_PLATFORM = 'macos-26';
    const r = env.run(['create', '--backend', 'apple', '--repo', env.repo, '--prompt', 'p', '--name', 'nocli']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("Apple's container CLI is not on PATH — install it from https://github.com/apple/container/releases");
    expect(env.json<Session[]>(['list'])).toEqual([]);
  });

  it('src/backends/apple never runs docker (only its pure mount/env builders are shared)', () => {
    const dir = resolve(ROOT, 'src', 'backends', 'apple');
    for (const f of readdirSync(dir)) {
      const text = readFileSync(join(dir, f), 'utf8');
      expect(text, f).not.toMatch(/['"`]docker['"`]|dockerode|docker\/(engine|image|relay|backend|screen)/);
      for (const m of text.matchAll(/from '(\.\.\/docker\/[^']+)'/g)) expect(m[1], f).toBe('../docker/container.js');
    }
    // and the shared module spawns nothing
    expect(readFileSync(resolve(ROOT, 'src', 'backends', 'docker', 'container.ts'), 'utf8')).not.toMatch(/child_process|execa|dockerode/);
  });
});
