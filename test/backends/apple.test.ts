// The Apple Container backend's pure parts: which platforms it runs on (Darwin → macOS), how the
// agent's environment is seen from inside, the mounts as `container run` flags, and its limits —
// with a stand-in CLI (no subprocess).
import { describe, expect, it } from 'vitest';
import { AppleBackend, mountArgs, translateAppleEnv, type AppleOptions } from '../../src/backends/apple/backend.js';
import type { ContainerCli } from '../../src/backends/apple/cli.js';
import { envFile } from '../../src/backends/apple/cli.js';
import { currentPlatform, macosFromDarwin, platformProblem } from '../../src/backends/apple/platform.js';
import { appleConfigSchema } from '../../src/backends/apple/spec.js';
import { getPaths } from '../../src/config/paths.js';
import { z } from 'zod';

const paths = getPaths('/h/.clauderon');
const opts: AppleOptions = { image: 'img', cpuLimit: null, memoryLimit: null, hostAddress: '192.168.64.1' };

describe('apple platform', () => {
  it('maps Darwin to macOS: 24 is macOS 15, 25 is macOS 26', () => {
    expect(macosFromDarwin('24.6.0')).toBe(15);
    expect(macosFromDarwin('25.0.0')).toBe(26);
    expect(macosFromDarwin('26.1.0')).toBe(27);
    expect(macosFromDarwin('19.6.0')).toBeNull();
  });

  it('runs on macOS 26+ on Apple silicon only; a test says which platform to pretend', () => {
    expect(platformProblem({ os: 'darwin', arch: 'arm64', macos: 26 })).toBeNull();
    expect(platformProblem({ os: 'darwin', arch: 'arm64', macos: 15 })).toMatch(/needs macOS 26\+ \(this is macOS 15\)/);
    expect(platformProblem({ os: 'darwin', arch: 'x64', macos: 26 })).toMatch(/Apple silicon/);
    expect(platformProblem({ os: 'linux', arch: 'x64', macos: null })).toMatch(/this is linux\) — use the docker backend/);
    expect(currentPlatform({ CLAUDERON_TEST_PLATFORM: 'macos-26' })).toEqual({ os: 'darwin', arch: 'arm64', macos: 26 });
    expect(currentPlatform({ CLAUDERON_TEST_PLATFORM: 'linux' }).macos).toBeNull();
  });
});

describe('apple container', () => {
  it('sees the proxy and hooks at the host address, the CA at its mount point', () => {
    const env = translateAppleEnv(
      { HTTPS_PROXY: 'http://s:k@127.0.0.1:23001', CLAUDERON_HOOK_URL: 'http://127.0.0.1:3030/hooks', NODE_EXTRA_CA_CERTS: paths.caCert, SSL_CERT_FILE: paths.caBundle, GITHUB_TOKEN: 'placeholder' },
      opts,
      paths,
    );
    expect(env).toEqual({ HTTPS_PROXY: 'http://s:k@192.168.64.1:23001', CLAUDERON_HOOK_URL: 'http://192.168.64.1:3030/hooks', NODE_EXTRA_CA_CERTS: '/etc/clauderon/proxy-ca.pem', SSL_CERT_FILE: '/etc/clauderon/proxy-ca-bundle.pem', GITHUB_TOKEN: 'placeholder' });
  });

  it('mounts read-write binds with -v and read-only ones with --mount …,readonly', () => {
    expect(mountArgs(['/w:/workspace', '/h/ca.pem:/etc/clauderon/proxy-ca.pem:ro'])).toEqual(['-v', '/w:/workspace', '--mount', 'type=bind,source=/h/ca.pem,target=/etc/clauderon/proxy-ca.pem,readonly']);
  });

  it('writes an env file, refusing a value with a line break', () => {
    expect(envFile({ A: '1', B: 'x=y' })).toBe('A=1\nB=x=y\n');
    expect(() => envFile({ A: 'two\nlines' })).toThrow(/line break/);
  });

  it('takes whole CPUs and Apple sizes; the proxy listens at the host address unless it is loopback', async () => {
    const calls: string[][] = [];
    const cli: ContainerCli = (args) => {
      calls.push(args);
      return Promise.resolve({ code: 0, stdout: '[]', stderr: '' });
    };
    const config = appleConfigSchema(z).parse({});
    const b = new AppleBackend({ config, paths, env: {}, cli });
    await expect(b.prepare({ cpuLimit: 1.5 })).rejects.toThrow(/whole number of CPUs/);
    await expect(b.prepare({ memoryLimit: 'lots' })).rejects.toThrow(/invalid memory limit "lots"/);
    const o = await b.prepare({ cpuLimit: 2, memoryLimit: '4g' });
    expect(o).toEqual({ image: 'ghcr.io/shepherdjerred/dotfiles', cpuLimit: 2, memoryLimit: '4g', hostAddress: '192.168.64.1' });
    expect(b.proxyBind(o)).toEqual(['192.168.64.1']);
    expect(b.proxyBind({ ...o, hostAddress: '127.0.0.1' })).toEqual([]);
    expect(await b.health('clauderon-x')).toEqual({ state: 'missing', exitCode: null });
    expect(calls).toEqual([['list', '--all', '--format', 'json']]);
    expect(() => appleConfigSchema(z).parse({ cpu_limit: 1.5 })).toThrow();
    expect(() => appleConfigSchema(z).parse({ host_address: 'not-an-ip' })).toThrow();
  });
});
