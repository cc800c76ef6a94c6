// The isolated network's container, without an engine (container.ts and relay.ts are pure where it
// matters): Docker's `none` network, no host alias, the agent's proxy and hooks at the relay on the
// container's loopback, the relay directory mounted read-only, and the agent started only once the
// relay listens. e2e/docker-isolated.test.ts checks the same container in the real engine.
import { mkdtempSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { claudeSpec } from '../../src/agents/claude.js';
import { binds, CONTAINER, containerOptions, translateEnv, type DockerOptions } from '../../src/backends/docker/container.js';
import { prepareRelayDir, RELAY_DIR, waitForRelay } from '../../src/backends/docker/relay.js';
import { dockerConfigSchema } from '../../src/backends/docker/spec.js';
import { RELAY_PORTS } from '../../src/backends/relay/ports.js';
import type { BackendCreateContext } from '../../src/backends/types.js';
import { getPaths } from '../../src/config/paths.js';
import { z } from 'zod';

const paths = getPaths('/home/u/.clauderon');
const ctx: BackendCreateContext = {
  name: 'iso-1',
  cwd: '/home/u/.clauderon/worktrees/iso-1',
  argv: ['claude', '--', 'Fix it'],
  env: { HTTPS_PROXY: 'http://s:pw@127.0.0.1:41000', https_proxy: 'http://s:pw@127.0.0.1:41000', CLAUDERON_HOOK_URL: 'http://127.0.0.1:3030', NODE_EXTRA_CA_CERTS: paths.caCert },
  sessionId: 'id-9',
  worktreePath: '/home/u/.clauderon/worktrees/iso-1',
  gitCommonDir: null,
  skipChecks: false,
  settingsFile: null,
  options: null,
  agentHome: { state: claudeSpec.home.state({ skipChecks: false, workspace: CONTAINER.workspace }), managedSettings: null },
  configHome: null,
};
const isolated: DockerOptions = { image: 'img', pullPolicy: 'never', cpuLimit: null, memoryLimit: null, network: 'isolated', gateway: null };

describe('docker network = "isolated"', () => {
  it('is the default', () => {
    expect(dockerConfigSchema(z).parse({}).network).toBe('isolated');
  });

  it("has Docker's none network, no host alias, and waits for the relay before the agent starts", () => {
    const o = containerOptions({ id: 'clauderon-iso-1', ctx, options: isolated, config: { env: [] }, paths, relativeCwd: '', binds: [] });
    expect(o.HostConfig.NetworkMode).toBe('none');
    expect(o.HostConfig.ExtraHosts).toBeUndefined();
    expect(o.Cmd).toEqual(waitForRelay(ctx.argv));
    expect((o.Cmd as string[]).slice(-3)).toEqual(ctx.argv);
    expect((o.Cmd as string[])[2]).toContain(`${RELAY_DIR}/ready`);
  });

  it('points the proxy and hooks at the relay on the container loopback', () => {
    const env = translateEnv(ctx.env, isolated, paths);
    expect(env.HTTPS_PROXY).toBe(`http://s:pw@127.0.0.1:${RELAY_PORTS.proxy}`);
    expect(env.https_proxy).toBe(`http://s:pw@127.0.0.1:${RELAY_PORTS.proxy}`);
    expect(env.CLAUDERON_HOOK_URL).toBe(`http://127.0.0.1:${RELAY_PORTS.hooks}`);
    expect(env.NODE_EXTRA_CA_CERTS).toBe(CONTAINER.caCert);
  });

  it('mounts the relay directory read-only (only for this network)', () => {
    expect(binds(ctx, paths, () => true, 'isolated')).toContain(`${paths.sessions}/id-9/relay:${RELAY_DIR}:ro`);
    expect(binds(ctx, paths, () => true, 'host').some((b) => b.includes(RELAY_DIR))).toBe(false);
  });

  it('a relay directory holds the relay script and no ready mark until the relay says hello', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'clrn-relaydir-')), 'relay');
    try {
      prepareRelayDir(dir);
      writeFileSync(join(dir, 'ready'), '');
      prepareRelayDir(dir); // a restart: the last run's mark goes
      expect(existsSync(join(dir, 'ready'))).toBe(false);
      expect(readFileSync(join(dir, 'relay.mjs'), 'utf8')).toContain("clauderon's in-pod relay");
    } finally {
      rmSync(join(dir, '..'), { recursive: true, force: true });
    }
  });
});
