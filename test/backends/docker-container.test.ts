// What a session's container is made of, without an engine: container.ts is pure, so its mounts,
// environment, limits and network are checked here; the real-engine tests (e2e/docker.test.ts)
// check the same container in Docker.
import { describe, expect, it } from 'vitest';
import { binds, CONTAINER, containerOptions, type DockerOptions } from '../../src/backends/docker/container.js';
import type { BackendCreateContext } from '../../src/backends/types.js';
import { claudeSpec } from '../../src/agents/claude.js';
import { getPaths } from '../../src/config/paths.js';

const paths = getPaths('/home/u/.clauderon');
const MANAGED = '/etc/claude-code/managed-settings.json';
const ctx = (over: Partial<BackendCreateContext> = {}): BackendCreateContext => ({
  name: 'fix-it-ab12',
  cwd: '/home/u/.clauderon/worktrees/fix-it-ab12/sub',
  argv: ['claude', '--', 'Fix it'],
  env: { HTTPS_PROXY: 'http://s:pw@127.0.0.1:41000', NODE_EXTRA_CA_CERTS: paths.caCert, GITHUB_TOKEN: 'ghp_placeholder' },
  sessionId: 'id-1',
  worktreePath: '/home/u/.clauderon/worktrees/fix-it-ab12',
  gitCommonDir: '/home/u/repo/.git',
  skipChecks: false,
  settingsFile: '/home/u/.clauderon/hooks-settings.json',
  options: null,
  agentHome: { state: claudeSpec.home.state({ skipChecks: false, workspace: CONTAINER.workspace }), managedSettings: claudeSpec.home.managedSettings ?? null },
  configHome: null,
  ...over,
});
const bridge: DockerOptions = { image: 'img:1', pullPolicy: 'if-not-present', cpuLimit: 1.5, memoryLimit: '512m', network: 'bridge', gateway: '172.17.0.1' };

describe('docker container spec', () => {
  it('mounts the worktree, its git dir, uploads, the CA files and the settings — never the home, secrets or the CA key', () => {
    const b = binds(ctx(), paths, () => true);
    expect(b).toContain(`/home/u/.clauderon/worktrees/fix-it-ab12:${CONTAINER.workspace}`);
    expect(b).toContain('/home/u/repo/.git:/home/u/repo/.git');
    expect(b).toContain(`${paths.caCert}:${CONTAINER.caCert}:ro`);
    expect(b).toContain(`/home/u/.clauderon/hooks-settings.json:${CONTAINER.settingsDir}/hooks-settings.json:ro`);
    // the agent's state (Claude's onboarding) is kept in the session dir and mounted into its home
    expect(b).toContain(`${paths.sessions}/id-1/claude.json:/workspace/.claude.json`);
    for (const m of b) {
      const host = m.split(':')[0] ?? '';
      expect(host, m).not.toBe(paths.home);
      expect(host.startsWith(paths.secrets), m).toBe(false);
      expect(host, m).not.toBe(paths.caKey);
      expect(host, m).not.toBe(paths.db);
    }
    // managed settings (bypass permissions) only when the proxy is on and checks are skipped
    expect(b.some((m) => m.includes(MANAGED))).toBe(false);
    expect(binds(ctx({ skipChecks: true }), paths, () => true).some((m) => m.endsWith(`${MANAGED}:ro`))).toBe(true);
    expect(binds(ctx({ skipChecks: true, env: {} }), paths, () => true).some((m) => m.includes(MANAGED))).toBe(false);
    // optional host files that are missing are not mounted
    expect(binds(ctx(), paths, () => false).some((m) => m.includes('proxy-ca'))).toBe(false);
  });

  it('runs as the host user in the agent’s directory, with limits, the bridge alias and the translated environment', () => {
    const o = containerOptions({ id: 'clauderon-fix-it-ab12', ctx: ctx(), options: bridge, config: { env: ['EXTRA=1'] }, paths, relativeCwd: 'sub', binds: ['x:/y'] });
    expect(o).toMatchObject({ name: 'clauderon-fix-it-ab12', Image: 'img:1', Cmd: ['claude', '--', 'Fix it'], WorkingDir: '/workspace/sub', User: `${process.getuid?.() ?? 0}:${process.getgid?.() ?? 0}`, Tty: true });
    expect(o.HostConfig).toMatchObject({ Binds: ['x:/y'], NetworkMode: 'bridge', ExtraHosts: ['host.docker.internal:host-gateway'], NanoCpus: 1_500_000_000, Memory: 512 * 1024 * 1024, Init: true });
    expect(o.Env).toEqual(expect.arrayContaining(['EXTRA=1', 'HTTPS_PROXY=http://s:pw@host.docker.internal:41000', `NODE_EXTRA_CA_CERTS=${CONTAINER.caCert}`, 'HOME=/workspace', 'GITHUB_TOKEN=ghp_placeholder']));
    expect(o.Labels).toEqual({ 'clauderon.session-id': 'id-1', 'clauderon.session-name': 'fix-it-ab12', 'clauderon.home': paths.home });
    const onHost = containerOptions({ id: 'c', ctx: ctx(), options: { ...bridge, network: 'host', gateway: null, cpuLimit: null, memoryLimit: null }, config: { env: [] }, paths, relativeCwd: '', binds: [] });
    expect(onHost.WorkingDir).toBe('/workspace');
    expect(onHost.HostConfig).toEqual({ Binds: [], NetworkMode: 'host', Init: true });
    expect(onHost.Env).toContain('HTTPS_PROXY=http://s:pw@127.0.0.1:41000');
  });
});
