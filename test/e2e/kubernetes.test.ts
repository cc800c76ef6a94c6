// The Kubernetes backend against the API-server double (fixtures/kube: no API server can run on
// these machines; the double validates what it receives against Kubernetes' published schemas and
// runs the pods it accepts as containers on the real Docker engine, each pod with loopback only).
// The real Claude Code runs in the pod and reaches its session proxy on the host only through the
// relay over the exec stream; the real kubectl attaches. In CI the suite must run.
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { dockerAvailable, dockerBinary, ensureTestImages, shouldRequireDocker, type TestImages } from '../../fixtures/docker/test-image.js';
import { startKubeDouble, type KubeDouble } from '../../fixtures/kube/index.js';
import { PLACEHOLDERS } from '../../src/agents/proxy-env.js';
import type { UploadResult } from '../../src/shared/images.js';
import type { Session } from '../../src/shared/types.js';
import { agentUpstreams, ANSWER, REAL, type AgentUpstreams } from '../helpers/agents.js';
import { BIN, git, makeEnv, waitFor, type Env } from '../helpers/e2e.js';

const haveDocker = dockerAvailable() || shouldRequireDocker();
const NS = 'agents';
const UID = 1000;

let images: TestImages;
let kube: KubeDouble | undefined;
let env: Env | undefined;
let up: AgentUpstreams | undefined;

beforeAll(async () => {
  if (!haveDocker) return;
  images = await ensureTestImages();
}, 900_000);

afterEach(async () => {
  env?.cleanup();
  await up?.close();
  await kube?.stop();
  env = undefined;
  up = undefined;
  kube = undefined;
});

afterAll(() => {
  if (!haveDocker) return;
  const r = spawnSync(dockerBinary(), ['ps', '-a', '--filter', 'label=clauderon.io/session-id', '--format', '{{.Names}}'], { encoding: 'utf8' });
  expect(r.stdout.trim()).toBe('');
});

/** A double with the namespace and service account `kubernetes init` makes (or none, when `bare`). */
async function cluster(o: { bare?: boolean; users?: Parameters<typeof startKubeDouble>[0] extends infer P ? P extends { users?: infer U } ? U : never : never } = {}): Promise<{ kube: KubeDouble; kubeconfig: string }> {
  kube = await startKubeDouble({ namespaces: o.bare ? [] : [NS], ...(o.users ? { users: o.users } : {}) });
  const e = env;
  if (!e) throw new Error('env first');
  const kubeconfig = kube.writeKubeconfig(join(e.root, 'kubeconfig'), { context: 'double' });
  if (!o.bare) {
    // what a user runs once per cluster
    const init = await cli(e, ['kubernetes', 'init', '--namespace', NS, '--user', 'admin'], { env: { KUBECONFIG: kubeconfig } });
    if (init.code !== 0) throw new Error(`kubernetes init failed: ${init.stderr}`);
  }
  return { kube, kubeconfig };
}

function kubectl(kubeconfig: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return run('kubectl', ['--kubeconfig', kubeconfig, ...args], { env: process.env, timeoutMs: 60_000 });
}

/** A program run to its end without blocking this process's event loop (the double lives in it). */
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

function configFor(e: Env, agent: string[] | string, extra = ''): void {
  writeFileSync(
    join(e.home, 'config.toml'),
    `${e.portConfig}[kubernetes]\nenabled = true\nnamespace = "${NS}"\nimage = "${images.full}"\nrun_as_user = ${UID}\n${extra}\n[agents.claude]\ncommand = ${JSON.stringify(agent)}\n`,
  );
}

/**
 * The CLI, asynchronously: the double serves from this test process, so a spawnSync (Env.run)
 * would block the very event loop that has to answer the daemon.
 */
async function cli(e: Env, args: string[], o: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return run(process.execPath, [BIN, ...args], { env: { ...e.env, ...o.env }, cwd: e.root, timeoutMs: o.timeoutMs ?? 60_000 });
}

async function cliJson<T>(e: Env, args: string[], o: { env?: NodeJS.ProcessEnv } = {}): Promise<T> {
  const r = await cli(e, [...args, '--json'], o);
  if (r.code !== 0) throw new Error(`clauderon ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/** A stand-in agent: says where it runs and waits on its terminal. */
const ECHO_AGENT = ['sh', '-c', 'echo "READY uid=$(id -u) home=$HOME pwd=$PWD branch=$(git branch --show-current)"; exec cat', 'agent'];

describe.skipIf(!haveDocker)('kubernetes backend (the API double, pods on the real Docker engine)', () => {
  it('the real Claude Code in a pod answers through the relay and the proxy; no credential in any object, the pod or its environment; kubectl attach; commits come back; delete refuses unfetched work', { timeout: 300_000 }, async () => {
    env = makeEnv();
    up = await agentUpstreams(env);
    const { kube: k, kubeconfig } = await cluster();
    configFor(env, 'claude');
    writeFileSync(join(up.home, '.claude.json'), JSON.stringify({ hasCompletedOnboarding: true }));
    for (const key of ['CLAUDE_CODE_OAUTH_TOKEN', 'ANTHROPIC_API_KEY']) delete env.env[key];
    const daemonEnv = { ...up.daemonEnv, KUBECONFIG: kubeconfig };
    expect((await cli(env, ['list'], { env: daemonEnv })).code).toBe(0);
    const created = await cli(env, ['create', '--backend', 'kubernetes', '--repo', env.repo, '--prompt', 'Say hello', '--name', 'pod', '--no-plan-mode', '--json'], { timeoutMs: 200_000 });
    expect(created.code, created.stderr).toBe(0);
    const s = JSON.parse(created.stdout) as Session;
    expect(s).toMatchObject({ backend: 'kubernetes', backendId: `${NS}/clauderon-pod@double`, status: 'running' });
    const e = env;
    const u = up;
    const screen = await waitFor(
      async () => {
        const out = (await cli(e, ['output', 'pod', '--lines', '200'])).stdout;
        return out.includes(ANSWER.claude) ? out : '';
      },
      "Claude's answer on its screen",
      120_000,
    ).catch(async (err: unknown) => {
      throw new Error(`${String(err)}\n--- screen:\n${(await cli(e, ['output', 'pod', '--lines', '60'])).stdout}\n--- logs:\n${(await kubectl(kubeconfig, 'logs', '-n', NS, 'clauderon-pod', '-c', 'agent')).stdout.slice(-3000)}\n--- daemon log:\n${readFileSync(join(e.home, 'logs', 'daemon.log'), 'utf8').split('\n').slice(-20).join('\n')}`);
    });
    expect(screen).not.toMatch(/trust (this|the) folder|sign in|API key\?/i);
    // only the upstream saw the real key
    const calls = u.anthropic.received.filter((r) => r.path.startsWith('/v1/messages'));
    expect(calls.length).toBeGreaterThan(0);
    for (const c of calls) expect(String(c.headers['x-api-key'] ?? c.headers.authorization)).toBe(REAL.anthropic);
    for (const p of Object.values(PLACEHOLDERS)) expect(u.anthropic.allText()).not.toContain(p);
    // its hooks reach the daemon through the relay
    await waitFor(async () => (await cliJson<Session>(e, ['show', 'pod'])).agentStatus === 'waiting_input', 'the agent to wait for input', 30_000);
    // its transcript is in the pod: history reads it there (nothing of it is copied to this host)
    const history = await cliJson<unknown[]>(e, ['history', 'pod']);
    expect(JSON.stringify(history)).toContain(ANSWER.claude);
    expect(JSON.stringify(history)).toContain('Say hello');

    // no object the cluster stored, the pod's environment nor its files hold a credential
    const proxyPassword = /http:\/\/pod:([0-9a-f]+)@/.exec((await cliJson<Record<string, string>>(e, ['env', 'pod'])).HTTPS_PROXY ?? '')?.[1] ?? '';
    expect(proxyPassword.length).toBeGreaterThan(10);
    const secrets = [...Object.values(REAL), proxyPassword];
    const stored = JSON.stringify(k.objects());
    for (const v of secrets) expect(stored).not.toContain(v);
    expect(k.objects().filter((o) => o.kind === 'Secret')).toEqual([]);
    const containers = k.dockerContainers(NS, 'clauderon-pod');
    const agentC = containers.agent ?? '';
    const environ = spawnSync(dockerBinary(), ['exec', agentC, 'sh', '-c', 'cat /proc/[0-9]*/environ 2>/dev/null; true'], { encoding: 'latin1' }).stdout;
    expect(environ).toContain(`HTTPS_PROXY=http://pod:${proxyPassword}@127.0.0.1:18080`);
    for (const v of Object.values(REAL)) expect(environ).not.toContain(v);
    const files = spawnSync(dockerBinary(), ['exec', agentC, 'sh', '-c', 'grep -rl -e "$0" /workspace /etc/clauderon /run/clauderon 2>/dev/null; true', REAL.anthropic], { encoding: 'utf8' }).stdout;
    expect(files.trim()).toBe('');
    // the pod reaches nothing but loopback: the host's proxy port is not reachable from it
    const direct = spawnSync(dockerBinary(), ['exec', agentC, 'sh', '-c', `curl -sS -m 3 -o /dev/null http://127.0.0.1:${s.proxyPort ?? 1}/ && echo REACHED || echo REFUSED`], { encoding: 'utf8' }).stdout;
    expect(direct.trim()).toBe('REFUSED');
    // non-root, no privilege escalation, limits
    const inspect = JSON.parse(spawnSync(dockerBinary(), ['inspect', agentC], { encoding: 'utf8' }).stdout) as { Config: { User: string }; HostConfig: { Memory: number; SecurityOpt: string[] | null } }[];
    expect(inspect[0]?.Config.User.split(':')[0]).toBe(String(UID));
    expect(inspect[0]?.HostConfig.Memory).toBe(4 * 1024 ** 3);
    expect(JSON.stringify(inspect[0]?.HostConfig.SecurityOpt)).toContain('no-new-privileges');

    // the agent's commit in the pod comes back as the session's branch
    const inPod = await kubectl(kubeconfig, 'exec', '-n', NS, 'clauderon-pod', '-c', 'clauderon', '--', 'sh', '-c', 'cd /workspace && echo work > agent.txt && git add agent.txt && git -c user.email=a@b -c user.name=agent commit -qm from-the-pod && git log -1 --format=%s');
    expect(inPod.code, inPod.stderr).toBe(0);
    const fetched = await cliJson<{ commits: number; dirty: boolean }>(e, ['fetch', 'pod']);
    expect(fetched, (await kubectl(kubeconfig, 'exec', '-n', NS, 'clauderon-pod', '-c', 'clauderon', '--', 'sh', '-c', 'cd /workspace && git status --porcelain --ignored; cat .git/info/exclude')).stdout).toMatchObject({ commits: 1, dirty: false });
    expect(git(e.repo, 'log', '-1', '--format=%s', s.branchName)).toBe('from-the-pod');
    expect(readFileSync(join(s.worktreePath, 'agent.txt'), 'utf8')).toBe('work\n');

    // diverged: a commit of yours in the worktree and another of the agent's → delete refuses
    writeFileSync(join(s.worktreePath, 'mine.txt'), 'mine\n');
    git(s.worktreePath, 'add', 'mine.txt');
    git(s.worktreePath, 'commit', '-qm', 'mine');
    expect((await kubectl(kubeconfig, 'exec', '-n', NS, 'clauderon-pod', '-c', 'clauderon', '--', 'sh', '-c', 'cd /workspace && git -c user.email=a@b -c user.name=agent commit -q --allow-empty -m second')).code).toBe(0);
    const refused = await cli(e, ['delete', 'pod'], { timeoutMs: 60_000 });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/could not be fast-forwarded.*refs\/clauderon\/clauderon\/pod/s);
    expect(k.objects().some((o) => o.kind === 'Pod' && o.name === 'clauderon-pod')).toBe(true);
    const del = await cli(e, ['delete', 'pod', '--force'], { timeoutMs: 60_000 });
    expect(del.code, del.stderr).toBe(0);
    await waitFor(() => !k.objects().some((o) => o.name === 'clauderon-pod'), 'the pod, its volume and ConfigMap to go');
  });

  it('kubectl attach -it reaches the agent and detaches without stopping it; an image attached lands in the pod (its path typed into the agent), refused once archived; archive keeps the volume, unarchive resumes on it; a pod deleted behind its back fails the session', { timeout: 240_000 }, async () => {
    env = makeEnv();
    const { kube: k, kubeconfig } = await cluster();
    configFor(env, ECHO_AGENT);
    const daemonEnv = { KUBECONFIG: kubeconfig };
    expect((await cli(env, ['list'], { env: daemonEnv })).code).toBe(0);
    const created = await cli(env, ['create', '--backend', 'kubernetes', '--repo', env.repo, '--prompt', 'p', '--name', 'echo', '--json'], { timeoutMs: 200_000 });
    expect(created.code, created.stderr).toBe(0);
    const s = JSON.parse(created.stdout) as Session;
    const e = env;
    const out = await waitFor(async () => {
      const o = (await cli(e, ['output', 'echo'])).stdout;
      return o.includes('READY') ? o : '';
    }, 'the agent to start');
    expect(out).toContain(`READY uid=${UID} home=/workspace pwd=/workspace branch=${s.branchName}`);

    const { spawn } = await import('node-pty');
    const pty = spawn('kubectl', ['--kubeconfig', kubeconfig, '-n', NS, 'attach', '-it', 'clauderon-echo', '-c', 'agent'], { cols: 100, rows: 30, env: process.env });
    let seen = '';
    pty.onData((d) => (seen += d));
    await new Promise((r) => setTimeout(r, 1500));
    pty.write('hello-from-attach\r');
    await waitFor(() => seen.includes('hello-from-attach'), 'the typed line echoed back through attach', 20_000);
    pty.kill();
    await new Promise((r) => setTimeout(r, 1000));
    expect((await cliJson<Session>(e, ['show', 'echo'])).status).toBe('running');
    expect((await kubectl(kubeconfig, 'get', 'pod', '-n', NS, 'clauderon-echo', '-o', 'jsonpath={.status.containerStatuses[?(@.name=="agent")].state.running}')).stdout).not.toBe('');

    // an image: kept in uploads/<id>/ here and copied into the pod, where the agent reads it; --send
    // types its pod path into the agent (cat echoes it on its screen)
    const shot = join(e.root, 'shot.png');
    const image = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(600 * 1024)]);
    writeFileSync(shot, image);
    const sha = createHash('sha256').update(image).digest('hex');
    const podPath = `/workspace/.clauderon/uploads/${s.id}/shot.png`;
    const hostDir = join(e.home, 'uploads', s.id);
    const sent = await cli(e, ['upload', 'echo', shot, '--send', '--json']);
    expect(sent.code, sent.stderr).toBe(0);
    expect(JSON.parse(sent.stdout) as UploadResult[]).toMatchObject([{ file: 'shot.png', path: podPath, hostPath: join(hostDir, 'shot.png'), size: image.length, sha256: sha, sent: true, sendError: null }]);
    for (const c of ['clauderon', 'agent']) {
      const sum = await kubectl(kubeconfig, 'exec', '-n', NS, 'clauderon-echo', '-c', c, '--', 'sha256sum', podPath);
      expect(sum.stdout.split(' ')[0], `${c}: ${sum.stderr}`).toBe(sha);
    }
    expect(readFileSync(join(hostDir, 'shot.png')).equals(image)).toBe(true);
    await waitFor(async () => (await cli(e, ['output', 'echo'])).stdout.includes(podPath), 'the pod path typed into the agent', 20_000);

    expect((await cli(e, ['archive', 'echo'], { timeoutMs: 60_000 })).code).toBe(0);
    await waitFor(() => !k.objects().some((o) => o.kind === 'Pod' && o.name === 'clauderon-echo'), 'the pod to go on archive');
    expect(k.objects().some((o) => o.kind === 'PersistentVolumeClaim' && o.name === 'clauderon-echo')).toBe(true);
    // no pod: the upload is refused, saying so, and no host copy of it stays
    const noPod = await cli(e, ['upload', 'echo', shot, '--json']);
    expect(noPod.code).not.toBe(0);
    expect(noPod.stderr).toMatch(/not attached \(nothing was kept\): pod clauderon-echo .*is not running — it does not exist.*unarchive/s);
    expect(readdirSync(hostDir)).toEqual(['shot.png']);
    const un = await cli(e, ['unarchive', 'echo'], { timeoutMs: 200_000 });
    expect(un.code, un.stderr).toBe(0);
    expect((await cliJson<Session>(e, ['show', 'echo'])).status).toBe('running');
    // (on the volume, the attachment outlived the pod)
    expect((await kubectl(kubeconfig, 'exec', '-n', NS, 'clauderon-echo', '-c', 'clauderon', '--', 'sha256sum', podPath)).stdout.split(' ')[0]).toBe(sha);
    // a pod deleted behind clauderon's back is seen by the daemon's watch, as a dead tmux pane is
    expect((await kubectl(kubeconfig, 'delete', 'pod', '-n', NS, 'clauderon-echo', '--wait=false')).code).toBe(0);
    await waitFor(async () => (await cliJson<Session>(e, ['show', 'echo'])).status === 'failed', 'the session to be marked failed', 30_000);
    // its volume may hold commits never fetched: delete refuses without --force
    const kept = await cli(e, ['delete', 'echo'], { timeoutMs: 60_000 });
    expect(kept.code).not.toBe(0);
    expect(kept.stderr).toMatch(/volume clauderon-echo .*still holds its workspace.*force/s);
    expect((await cli(e, ['delete', 'echo', '--force'], { timeoutMs: 60_000 })).code).toBe(0);
    await waitFor(() => k.objects().every((o) => o.name !== 'clauderon-echo'), 'the pod (terminating), its volume and ConfigMap to go', 30_000);
  });

  it('a missing namespace, a forbidden verb and an image that cannot start each give a clear error and leave no object behind', { timeout: 240_000 }, async () => {
    env = makeEnv();
    const { kube: k, kubeconfig } = await cluster({
      users: {
        'admin-token': { name: 'admin', rules: 'admin' },
        'limited-token': { name: 'alice', rules: [{ verbs: ['*'], resources: ['pods', 'configmaps', 'persistentvolumeclaims', 'serviceaccounts', 'namespaces', 'selfsubjectaccessreviews'] }] },
      },
    });
    const e = env;
    configFor(e, ECHO_AGENT);
    expect((await cli(e, ['list'], { env: { KUBECONFIG: kubeconfig } })).code).toBe(0);
    const create = (name: string, ...extra: string[]) => cli(e, ['create', '--backend', 'kubernetes', '--repo', e.repo, '--prompt', 'p', '--name', name, ...extra], { timeoutMs: Number(process.env.KT_TIMEOUT ?? 200_000) });

    const noNs = await create('nons', '--namespace', 'nowhere');
    expect(noNs.code, `${noNs.stderr}\n--- daemon log:\n${readFileSync(join(e.home, 'logs', 'daemon.log'), 'utf8').slice(-2000)}`).not.toBe(0);
    expect(noNs.stderr).toMatch(/namespace "nowhere" does not exist.*clauderon kubernetes init/s);

    const bad = await create('badimg', '--image', 'no-such-image:404');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/ErrImagePull|ImagePullBackOff/);
    expect(k.objects().filter((o) => ['Pod', 'PersistentVolumeClaim', 'ConfigMap'].includes(o.kind))).toEqual([]);
    expect(await cliJson<unknown[]>(e, ['list', '--all'])).toEqual([]);

    // a user without pods/exec: said before anything is made
    const limited = k.writeKubeconfig(join(e.root, 'limited'), { token: 'limited-token', context: 'double' });
    await cli(e, ['daemon', 'stop']);
    expect((await cli(e, ['list'], { env: { KUBECONFIG: limited } })).code).toBe(0);
    const denied = await create('denied');
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toMatch(/may not create pods\/exec/);
    expect(k.objects().filter((o) => ['Pod', 'PersistentVolumeClaim', 'ConfigMap'].includes(o.kind))).toEqual([]);
  });

  it('reconcile removes orphans of this home and never touches another home\'s; a daemon killed mid-create leaves nothing after restart', { timeout: 240_000 }, async () => {
    env = makeEnv();
    const { kube: k, kubeconfig } = await cluster();
    const e = env;
    configFor(e, ECHO_AGENT);
    const mine = spawnSync('node', ['-e', `const c=require('crypto');console.log(c.createHash('sha256').update(${JSON.stringify(e.home)}).digest('hex').slice(0,16))`], { encoding: 'utf8' }).stdout.trim();
    const cm = (name: string, home: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: NS, labels: { 'clauderon.io/managed': 'true', 'clauderon.io/home': home, 'clauderon.io/session-id': 'gone' } }, data: { a: 'b' } });
    const k8s = await import('@kubernetes/client-node');
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(kubeconfig);
    const objects = k8s.KubernetesObjectApi.makeApiClient(kc);
    for (const o of [cm('clauderon-orphan', mine), cm('clauderon-theirs', 'f'.repeat(16))]) await objects.create(o);
    expect((await cli(e, ['list'], { env: { KUBECONFIG: kubeconfig } })).code).toBe(0);
    const items = await cliJson<{ kind: string; action: string; detail: string }[]>(e, ['reconcile']);
    expect(items.some((i) => i.action === 'removed' && i.detail.includes('clauderon-orphan'))).toBe(true);
    expect(k.objects().some((o) => o.name === 'clauderon-orphan')).toBe(false);
    expect(k.objects().some((o) => o.name === 'clauderon-theirs')).toBe(true);

    // killed while its pod exists, before the session is finalized
    await cli(e, ['daemon', 'stop']);
    const pending = e.runAsync(['create', '--backend', 'kubernetes', '--repo', e.repo, '--prompt', 'p', '--name', 'held'], { env: { KUBECONFIG: kubeconfig, CLAUDERON_TEST_HOLD_STEP: 'hooks' } });
    await waitFor(() => readFileSync(join(e.home, 'logs', 'daemon.log'), 'utf8').includes('test hold before hooks'), 'the create to reach its hooks step', 200_000);
    expect(k.objects().some((o) => o.kind === 'Pod' && o.name === 'clauderon-held')).toBe(true);
    const pid = e.daemonPid();
    if (pid) process.kill(pid, 'SIGKILL');
    await pending;
    await waitFor(async () => {
      const l = await cli(e, ['list', '--all', '--json'], { env: { KUBECONFIG: kubeconfig } });
      return l.code === 0 && (JSON.parse(l.stdout) as unknown[]).length === 0;
    }, 'the interrupted create to be rolled back', 60_000);
    await waitFor(() => !k.objects().some((o) => o.name === 'clauderon-held'), 'its pod, volume and ConfigMap to go', 30_000);
  });
});
