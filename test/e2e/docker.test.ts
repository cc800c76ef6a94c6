// The Docker backend against a real Docker engine (dockerd from Debian, started by .ci/run; no
// registry: the images are built offline by fixtures/docker/test-image.ts). The containers use
// the host network (this dockerd runs with --bridge=none) and reach their session's proxy on
// 127.0.0.1. In CI the suite must run: a missing engine fails it instead of skipping it.
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { dockerAvailable, dockerBinary, ensureTestImages, shouldRequireDocker, type TestImages } from '../../fixtures/docker/test-image.js';
import { makeTestPki, startFakeAnthropic, type FakeAnthropic } from '../../fixtures/upstreams/index.js';
import { PLACEHOLDERS } from '../../src/agents/proxy-env.js';
import type { Session } from '../../src/shared/types.js';
import { BIN, filesUnder, makeEnv, waitFor, type Env, readIfThere } from '../helpers/e2e.js';

const run = dockerAvailable() || shouldRequireDocker();
const D = dockerBinary();

function docker(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(D, args, { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function dockerAsync(...args: string[]): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile(D, args, { encoding: 'utf8', timeout: 60_000 }, (e, stdout) => resolve({ code: e ? 1 : 0, stdout }));
  });
}

interface Inspect {
  Config: { User: string; Env: string[]; Tty: boolean; OpenStdin: boolean; Labels: Record<string, string>; WorkingDir: string; Image: string };
  HostConfig: { Binds: string[]; NanoCpus: number; Memory: number; NetworkMode: string };
  State: { Running: boolean; Status: string };
}

function inspect(id: string): Inspect | null {
  const r = docker('inspect', id);
  return r.code === 0 ? ((JSON.parse(r.stdout) as Inspect[])[0] ?? null) : null;
}

const REAL_GITHUB = 'ghp_REAL_docker_e2e_0123456789abcdefXYZ';
const REAL_ANTHROPIC = 'sk-ant-api03-REAL-docker-e2e-0123456789abcdefghij';
/** A stand-in agent: says where it runs, commits in the worktree, then waits on its terminal. */
const AGENT = [
  'bash',
  '-c',
  'echo "READY uid=$(id -u) home=$HOME pwd=$PWD"; git -c user.email=a@b -c user.name=agent commit -q --allow-empty -m from-the-container && echo COMMITTED; exec cat',
  'agent',
];

let images: TestImages;
let env: Env | undefined;
let upstream: FakeAnthropic | undefined;

beforeAll(async () => {
  if (!run) return;
  images = await ensureTestImages();
}, 900_000);

afterEach(async () => {
  if (env) for (const id of docker('ps', '-aq', '--filter', `label=clauderon.home=${env.home}`).stdout.split('\n').filter(Boolean)) docker('rm', '-f', id);
  env?.cleanup();
  await upstream?.close();
  env = undefined;
  upstream = undefined;
});

afterAll(() => {
  // nothing of ours may outlive the suite
  const left = docker('ps', '-a', '--filter', 'label=clauderon.session-id', '--format', '{{.Names}} {{.Label "clauderon.home"}}').stdout.trim();
  expect(left.split('\n').filter((l) => l.includes('/clrn-'))).toEqual([]);
});

function configFor(e: Env, image: string, agent: string[] | string = AGENT, extra = ''): void {
  writeFileSync(
    join(e.home, 'config.toml'),
    `${e.portConfig}[docker]\nimage = "${image}"\nnetwork = "host"\n${extra}\n[agents.claude]\ncommand = ${JSON.stringify(agent)}\n`,
  );
}

describe.skipIf(!run)('docker backend (real engine)', () => {
  it('runs the agent as the host user in its worktree with placeholders, the CA and limits; archive stops, unarchive starts, delete removes', async () => {
    env = makeEnv();
    configFor(env, images.full);
    const created = env.run(['create', '--backend', 'docker', '--repo', env.repo, '--prompt', 'p', '--name', 'box', '--cpu-limit', '1.5', '--memory-limit', '512m', '--json'], {
      env: { GITHUB_TOKEN: REAL_GITHUB },
    });
    expect(created.code, created.stderr).toBe(0);
    const s = JSON.parse(created.stdout) as Session;
    expect(s).toMatchObject({ backend: 'docker', backendId: 'clauderon-box', status: 'running' });

    const screen = await waitFor(() => {
      const out = env?.run(['output', 'box']).stdout ?? '';
      return out.includes('COMMITTED') ? out : '';
    }, 'the agent to start and commit');
    expect(screen).toContain(`READY uid=${process.getuid?.()} home=/workspace pwd=/workspace`);
    // its commit is on the session's branch in the host repository
    expect(spawnSync('git', ['-C', env.repo, 'log', '-1', '--format=%s', s.branchName], { encoding: 'utf8' }).stdout.trim()).toBe('from-the-container');

    const c = inspect('clauderon-box');
    expect(c).not.toBeNull();
    if (!c) return;
    expect(c.Config.User).toBe(`${process.getuid?.()}:${process.getgid?.()}`);
    expect(c.Config.Tty && c.Config.OpenStdin).toBe(true);
    expect(c.Config.Labels['clauderon.session-id']).toBe(s.id);
    expect(c.Config.WorkingDir).toBe('/workspace');
    expect(c.HostConfig.NanoCpus).toBe(1_500_000_000);
    expect(c.HostConfig.Memory).toBe(512 * 1024 * 1024);
    expect(c.HostConfig.NetworkMode).toBe('host');
    const binds = c.HostConfig.Binds;
    expect(binds).toContain(`${s.worktreePath}:/workspace`);
    expect(binds).toContain(`${join(env.home, 'proxy-ca.pem')}:/etc/clauderon/proxy-ca.pem:ro`);
    const gitDir = join(env.repo, '.git');
    expect(binds.some((b) => b.startsWith(`${gitDir}:`))).toBe(true);
    // never the secrets, the CA key, the database or the whole home
    for (const b of binds) {
      const src = b.split(':')[0] ?? '';
      expect(src, b).not.toBe(env.home);
      for (const bad of ['secrets', 'proxy-ca-key.pem', 'db.sqlite', 'proxy-auth.key']) expect(src, b).not.toContain(bad);
    }
    const cenv = c.Config.Env;
    expect(cenv).toContain(`GITHUB_TOKEN=${PLACEHOLDERS.github}`);
    expect(cenv).toContain('HOME=/workspace');
    expect(cenv).toContain('NODE_EXTRA_CA_CERTS=/etc/clauderon/proxy-ca.pem');
    expect(cenv.find((v) => v.startsWith('HTTPS_PROXY='))).toMatch(new RegExp(`^HTTPS_PROXY=http://box:[0-9a-f]{40}@127\\.0\\.0\\.1:${s.proxyPort}$`));
    expect(JSON.stringify(c)).not.toContain(REAL_GITHUB);
    const proc1 = docker('exec', 'clauderon-box', 'cat', '/proc/1/environ').stdout + docker('exec', 'clauderon-box', 'sh', '-c', 'cat /proc/$(pgrep -n cat)/environ').stdout;
    expect(proc1).toContain(PLACEHOLDERS.github);
    expect(proc1).not.toContain(REAL_GITHUB);
    // `clauderon env` shows what the container holds
    expect(env.json<Record<string, string>>(['env', 'box']).SSL_CERT_FILE).toBe('/etc/clauderon/proxy-ca-bundle.pem');

    expect(env.run(['archive', 'box']).code).toBe(0);
    expect(inspect('clauderon-box')?.State.Running).toBe(false);
    expect(env.run(['unarchive', 'box']).code).toBe(0);
    expect(inspect('clauderon-box')?.State.Running).toBe(true);

    // the agent's own files in the worktree (.claude.json, .clauderon/) do not block delete
    const del = env.run(['delete', 'box']);
    expect(del.code, del.stderr).toBe(0);
    expect(inspect('clauderon-box')).toBeNull();
    expect(existsSync(s.worktreePath)).toBe(false);
    expect(existsSync(join(env.home, 'sessions', s.id))).toBe(false);
    for (const f of filesUnder(env.home)) expect(readIfThere(f), f).not.toContain(REAL_GITHUB);
  });

  it('attach hands the terminal to docker attach, starting a stopped container; the detach keys work; refresh re-creates it', async () => {
    env = makeEnv();
    configFor(env, images.full);
    const s = env.json<Session>(['create', '--backend', 'docker', '--repo', env.repo, '--prompt', 'p', '--name', 'att']);
    expect(docker('stop', '-t', '1', 'clauderon-att').code).toBe(0); // stopped behind our back
    const outer = join(env.root, 'outer.sock');
    const t = (...a: string[]) => spawnSync('tmux', ['-S', outer, ...a], { encoding: 'utf8' });
    const envArgs = ['CLAUDERON_HOME', 'PATH', 'HOME'].flatMap((k) => ['-e', `${k}=${env?.env[k] ?? ''}`]);
    try {
      expect(t('new-session', '-d', '-s', 'term', '-x', '120', '-y', '40', ...envArgs, 'sh').status).toBe(0);
      const screen = () => t('capture-pane', '-p', '-t', 'term').stdout;
      t('send-keys', '-t', 'term', `${process.execPath} ${BIN} attach att; echo ATTACH-EXIT=$?`, 'Enter');
      await waitFor(() => screen().includes('Attaching to att — detach with Ctrl-p then Ctrl-q'), 'the detach keys shown');
      await waitFor(() => inspect('clauderon-att')?.State.Running, 'the stopped container started for attach');
      // what we type reaches the agent (cat in the container echoes it back)
      // (sent again each second: keys typed before docker attach is connected are not seen)
      let sentAt = 0;
      await waitFor(() => {
        if (Date.now() - sentAt > 1000) {
          t('send-keys', '-t', 'term', 'hello container', 'Enter');
          sentAt = Date.now();
        }
        return screen().split('hello container').length >= 3;
      }, 'typed text echoed by the agent');
      t('send-keys', '-t', 'term', 'C-p', 'C-q');
      await waitFor(() => screen().includes('ATTACH-EXIT=0'), 'attach returned after the detach keys');
      expect(inspect('clauderon-att')?.State.Running).toBe(true); // the agent keeps running
    } finally {
      t('kill-server');
    }

    const before = JSON.parse(docker('inspect', '--format', '{{json .Id}}', 'clauderon-att').stdout) as string;
    const refreshed = env.run(['refresh', 'att']);
    expect(refreshed.code, refreshed.stderr).toBe(0);
    const after = JSON.parse(docker('inspect', '--format', '{{json .Id}}', 'clauderon-att').stdout) as string;
    expect(after).not.toBe(before);
    expect(inspect('clauderon-att')?.State.Running).toBe(true);
    expect(existsSync(s.worktreePath)).toBe(true);
    expect(env.json<Session>(['show', 'att']).status).toBe('running');
    // refresh is for containers only
    env.writeConfig('');
    expect(env.run(['create', '--backend', 'tmux', '--repo', env.repo, '--prompt', 'p', '--name', 'plain']).code).toBe(0);
    const r = env.run(['refresh', 'plain']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('refresh re-creates a container; plain runs on tmux');
  });

  it('real claude -p in the container answers through the proxy; only the upstream sees the key', async () => {
    env = makeEnv();
    const pki = makeTestPki(['api.anthropic.com']);
    upstream = await startFakeAnthropic(pki, { text: 'Hello from inside the container' });
    const upstreamCa = join(env.root, 'upstream-ca.pem');
    writeFileSync(upstreamCa, pki.caPem);
    configFor(env, images.full, ['claude', '-p'], 'env = ["CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1", "DISABLE_AUTOUPDATER=1"]');
    const created = env.run(['create', '--backend', 'docker', '--repo', env.repo, '--prompt', 'Say hello', '--name', 'cc', '--no-plan-mode', '--json'], {
      env: {
        ANTHROPIC_API_KEY: REAL_ANTHROPIC,
        CLAUDERON_UPSTREAM_OVERRIDES: JSON.stringify({ 'api.anthropic.com': `127.0.0.1:${upstream.port}` }),
        CLAUDERON_UPSTREAM_CA: upstreamCa,
      },
    });
    expect(created.code, created.stderr).toBe(0);
    const screen = await waitFor(() => {
      const out = env?.run(['output', 'cc', '--lines', '100']).stdout ?? '';
      return out.includes('Hello from inside the container') ? out : '';
    }, 'claude -p in the container to print the answer', 45_000);
    expect(screen).not.toContain(REAL_ANTHROPIC);
    const messages = upstream.received.filter((r) => r.path.startsWith('/v1/messages'));
    expect(messages.length).toBeGreaterThan(0);
    for (const m of messages) expect(m.headers['x-api-key']).toBe(REAL_ANTHROPIC);
    expect(upstream.allText()).not.toContain(PLACEHOLDERS.anthropicApiKey);
    expect(JSON.stringify(inspect('clauderon-cc'))).not.toContain(REAL_ANTHROPIC);
    // the API-key placeholder comes from the apiKeyHelper of the mounted settings file, not the environment
    expect((inspect('clauderon-cc')?.Config.Env ?? []).filter((e) => /^(ANTHROPIC_API_KEY|CLAUDE_CODE_OAUTH_TOKEN)=/.test(e))).toEqual([]);
    expect(inspect('clauderon-cc')?.HostConfig.Binds).toContain(`${join(env.home, 'hooks-api-key-settings.json')}:/etc/clauderon/hooks-api-key-settings.json:ro`);
    const audit = readFileSync(join(env.home, 'audit.jsonl'), 'utf8');
    expect(audit).toMatch(/"host":"api\.anthropic\.com","method":"POST","path":"\/v1\/messages[^"]*","credential":"anthropic_api_key","status":200/);
    expect(audit).not.toContain(REAL_ANTHROPIC);
    for (const f of filesUnder(env.home, ['worktrees'])) expect(readIfThere(f), f).not.toContain(REAL_ANTHROPIC);
    // claude -p ends: the container reports the exit, the session is completed; its hooks ran too
    const done = await waitFor(() => {
      const now = env?.json<Session>(['show', 'cc']);
      return now?.status === 'completed' ? now : null;
    }, 'the container agent to be reported completed');
    expect(done).toMatchObject({ agentStatus: 'idle', error: null });
    const steps = await fetch(`http://127.0.0.1:${env.httpPort}/api/sessions/cc/history`).then(async (r) => (await r.json()) as { lines: unknown[] });
    expect(JSON.stringify(steps.lines)).toContain('Hello from inside the container');
  });

  it('a container removed or killed behind our back is noticed by the daemon itself; reconcile removes a labelled container with no session', async () => {
    env = makeEnv();
    configFor(env, images.full);
    expect(env.run(['create', '--backend', 'docker', '--repo', env.repo, '--prompt', 'p', '--name', 'gone']).code).toBe(0);
    expect(docker('rm', '-f', 'clauderon-gone').code).toBe(0);
    // and one stopped behind our back: its health says exited (no exit report: SIGKILL)
    expect(env.run(['create', '--backend', 'docker', '--repo', env.repo, '--prompt', 'p', '--name', 'halted']).code).toBe(0);
    expect(docker('kill', 'clauderon-halted').code).toBe(0);
    // Docker's event stream tells the daemon: no reconcile needed for either
    await waitFor(() => env?.json<Session>(['show', 'gone']).status === 'failed', 'the removed container’s session to be failed');
    await waitFor(() => env?.json<Session>(['show', 'halted']).status === 'completed', 'the killed container’s session to be completed');
    expect(env.json<Session>(['show', 'halted'])).toMatchObject({ status: 'completed', error: 'the agent exited with status 137 — archive and unarchive to restart it' });
    const stray = await dockerAsync('run', '-d', '--name', `clauderon-stray-${process.pid}`, '--label', `clauderon.home=${env.home}`, '--label', 'clauderon.session-id=nobody', '--network', 'host', images.full, 'sleep', '300');
    expect(stray.code).toBe(0);
    const items = env.json<{ session: string | null; kind: string; action: string }[]>(['reconcile']);
    expect(items).toEqual([expect.objectContaining({ session: null, kind: 'orphan_backend', action: 'removed' })]);
    expect(inspect(`clauderon-stray-${process.pid}`)).toBeNull();
  });

  it('an image without bash or without the agent, or a missing image with pull policy never, fails creation with the reason and leaves nothing', () => {
    env = makeEnv();
    configFor(env, images.full);
    const cases: [string[], RegExp][] = [
      [['--image', images.noBash], /lacks bash/],
      [["--image", images.noAgent], /lacks the agent command "claude" on PATH/],
      [['--image', 'clauderon-test:does-not-exist', '--pull-policy', 'never'], /is not present and the pull policy is "never"/],
      [['--memory-limit', 'lots'], /invalid memory limit "lots".* \(check --memory-limit\)\n$/],
    ];
    // the no-agent image still has bash: point the agent at claude for that case
    configFor(env, images.full, ['claude']);
    for (const [args, message] of cases) {
      const r = env.run(['create', '--backend', 'docker', '--repo', env.repo, '--prompt', 'p', '--name', 'nope', ...args]);
      expect(r.code, args.join(' ')).not.toBe(0);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
      expect(env.json<Session[]>(['list', '--all'])).toEqual([]);
      expect(existsSync(join(env.home, 'worktrees', 'nope'))).toBe(false);
      expect(spawnSync('git', ['-C', env.repo, 'branch', '--list', 'clauderon/nope'], { encoding: 'utf8' }).stdout.trim()).toBe('');
      expect(inspect('clauderon-nope')).toBeNull();
    }
    expect(docker('ps', '-aq', '--filter', `label=clauderon.home=${env.home}`).stdout.trim()).toBe('');
  });
});
