// `[docker] network = "isolated"` against the real engine: the container has Docker's `none`
// network (loopback only) and reaches its session's proxy only through clauderon's relay over
// `docker exec`. From inside, a direct connection to a loopback fake upstream, to another port of
// the host (on loopback and on its own address) and to the daemon's API fails, while the same
// requests through the proxy work: tunnelled to the upstream unopened, or intercepted and given
// the credential. In CI (`CI=true`) a missing engine fails the suite instead of skipping it.
import { execFile, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerAvailable, dockerBinary, ensureTestImages, shouldRequireDocker, type TestImages } from '../../fixtures/docker/test-image.js';
import { makeTestPki, startFakeEcho, type FakeUpstream } from '../../fixtures/upstreams/index.js';
import type { Session } from '../../src/shared/types.js';
import { makeEnv, waitFor, type Env } from '../helpers/e2e.js';

const run = dockerAvailable() || shouldRequireDocker();
const D = dockerBinary();
const REAL_GITHUB = 'ghp_REAL_isolated_e2e_0123456789abcdefXYZ';

function docker(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(D, args, { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/**
 * A command in the session's container (its environment: HTTPS_PROXY at the relay). Asynchronous:
 * the fake upstream runs in this process and must answer meanwhile.
 */
function inside(script: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(D, ['exec', 'clauderon-iso', 'sh', '-c', script], { encoding: 'utf8', timeout: 60_000 }, (e, stdout, stderr) => resolve({ code: e ? ((e as { code?: number }).code ?? 1) : 0, stdout, stderr })),
  );
}

/** The host's own non-loopback IPv4 address, if it has one (nothing listens there: see hostPort). */
function hostAddress(): string | null {
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  return null;
}

let images: TestImages;
let env: Env | undefined;
let echo: FakeUpstream | undefined;
let hostPort: Server | undefined;
let hostPortNo = 0;
let session: Session;
/** The daemon's environment (the test-only upstream override), for its start and its restart. */
let daemonEnv: Record<string, string> = {};

beforeAll(async () => {
  if (!run) return;
  images = await ensureTestImages();
  env = makeEnv();
  const pki = makeTestPki(['files.example.test', 'api.github.com']);
  echo = await startFakeEcho(pki, { name: 'echo' });
  const upstreamCa = join(env.root, 'upstream-ca.pem');
  writeFileSync(upstreamCa, pki.caPem);
  // "another port of the host": a plain HTTP service on loopback
  hostPort = createServer((_q, r) => r.end('host service reached'));
  await new Promise<void>((r) => hostPort!.listen(0, '127.0.0.1', r));
  const a = hostPort.address();
  hostPortNo = typeof a === 'object' && a ? a.port : 0;
  writeFileSync(
    join(env.home, 'config.toml'),
    `${env.portConfig}[docker]\nimage = "${images.full}"\nnetwork = "isolated"\n[agents.claude]\ncommand = ["bash", "-c", "echo READY; exec cat", "agent"]\n`,
  );
  daemonEnv = {
    GITHUB_TOKEN: REAL_GITHUB,
    CLAUDERON_UPSTREAM_OVERRIDES: JSON.stringify({ 'files.example.test': `127.0.0.1:${echo.port}`, 'api.github.com': `127.0.0.1:${echo.port}` }),
    CLAUDERON_UPSTREAM_CA: upstreamCa,
  };
  const created = env.run(['create', '--backend', 'docker', '--repo', env.repo, '--prompt', 'p', '--name', 'iso', '--json'], { env: daemonEnv });
  if (created.code !== 0) throw new Error(`create failed: ${created.stderr}`);
  session = JSON.parse(created.stdout) as Session;
  // the upstream's CA, for the client that sees the upstream's own certificate through a tunnel
  writeFileSync(join(session.worktreePath, 'upstream-ca.pem'), pki.caPem);
  await waitFor(() => (env?.run(['output', 'iso']).stdout ?? '').includes('READY'), 'the agent to start once its relay listens');
}, 900_000);

afterAll(async () => {
  if (env) for (const id of docker('ps', '-aq', '--filter', `label=clauderon.home=${env.home}`).stdout.split('\n').filter(Boolean)) docker('rm', '-f', id);
  env?.cleanup();
  await echo?.close();
  hostPort?.close();
});

describe.skipIf(!run)('docker network = "isolated" (real engine)', () => {
  it('runs the container with no network; its proxy is the relay on its own loopback', async () => {
    const info = JSON.parse(docker('inspect', 'clauderon-iso').stdout) as { HostConfig: { NetworkMode: string }; Config: { Env: string[] } }[];
    expect(info[0]?.HostConfig.NetworkMode).toBe('none');
    expect(info[0]?.Config.Env.find((e) => e.startsWith('HTTPS_PROXY='))).toMatch(/^HTTPS_PROXY=http:\/\/[^@]+@127\.0\.0\.1:18080$/);
    // its only interface is loopback
    const links = (await inside('cat /proc/net/dev')).stdout;
    expect(links.split('\n').slice(2).map((l) => l.split(':')[0]?.trim()).filter(Boolean)).toEqual(['lo']);
  });

  it('cannot open a connection that bypasses the proxy', async () => {
    const fails = async (url: string, extra = '') => {
      const r = await inside(`curl -sS --noproxy '*' --max-time 3 ${extra} ${url}; echo "exit=$?"`);
      expect(r.stdout, url).not.toMatch(/exit=0\s*$/);
      expect(r.stdout, url).not.toContain('host service reached');
    };
    await fails(`https://127.0.0.1:${echo!.port}/direct`, '-k'); // the loopback fake upstream
    await fails(`http://127.0.0.1:${hostPortNo}/`); // another port of the host, on loopback
    await fails(`http://127.0.0.1:${env!.httpPort}/api/sessions`); // the daemon's own API
    const addr = hostAddress();
    if (addr) await fails(`http://${addr}:${hostPortNo}/`); // the host's own address: no route at all
    await fails('http://172.17.0.1:80/'); // a bridge gateway, were there one
  });

  it('the same requests through the proxy work: tunnelled unopened, or intercepted with the credential', async () => {
    const tunnelled = await inside('curl -sS --max-time 10 --cacert /workspace/upstream-ca.pem https://files.example.test/through');
    expect(tunnelled.code, tunnelled.stderr).toBe(0);
    expect(JSON.parse(tunnelled.stdout)).toMatchObject({ path: '/through', servername: 'files.example.test' });
    const intercepted = await inside('curl -sS --max-time 10 --cacert /etc/clauderon/proxy-ca.pem -H "Authorization: Bearer ghp_placeholder" https://api.github.com/user');
    expect(intercepted.code, intercepted.stderr).toBe(0);
    expect((JSON.parse(intercepted.stdout) as { headers: Record<string, string> }).headers.authorization).toBe(`Bearer ${REAL_GITHUB}`);
    // and the proxy port the agent holds still leads nowhere but the proxy: no credential, no way in
    const refused = await inside(`curl -sS --noproxy '' --max-time 5 -o /dev/null -w '%{http_code}' --proxy-header 'Proxy-Authorization: Basic eDp5' -x http://127.0.0.1:18080 http://127.0.0.1:${hostPortNo}/`);
    expect(refused.stdout).toBe('407');
  });

  it('archive stops it; unarchive starts it with a new relay before the agent runs again', async () => {
    expect(env!.run(['archive', 'iso']).code).toBe(0);
    expect((JSON.parse(docker('inspect', 'clauderon-iso').stdout) as { State: { Running: boolean } }[])[0]?.State.Running).toBe(false);
    const un = env!.run(['unarchive', 'iso'], { env: daemonEnv });
    expect(un.code, un.stderr).toBe(0);
    const r = await inside('curl -sS --max-time 10 --cacert /workspace/upstream-ca.pem https://files.example.test/unarchived');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('/unarchived');
  });

  it('after a daemon restart the relay is linked again', async () => {
    expect(env!.run(['daemon', 'stop']).code).toBe(0);
    expect(env!.run(['list'], { env: daemonEnv }).code).toBe(0); // starts it again; it reconnects the live session
    const end = Date.now() + 20_000;
    let last = '';
    while (!last.includes('/again')) {
      if (Date.now() > end) throw new Error(`the relay was not linked again: ${last}`);
      last = (await inside('curl -sS --max-time 5 --cacert /workspace/upstream-ca.pem https://files.example.test/again 2>&1')).stdout;
      if (!last.includes('/again')) await new Promise((r) => setTimeout(r, 200));
    }
  });
});
