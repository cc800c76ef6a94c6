// The Docker backend's pure parts: what the agent's environment becomes inside a container on the
// bridge network (the engine here has no bridge, so the e2e tests use host networking), where the
// proxy listens, and memory sizes.
import { describe, expect, it } from 'vitest';
import { CONTAINER, DockerBackend, parseMemory, type DockerOptions } from '../../src/backends/docker/backend.js';
import { getPaths } from '../../src/config/paths.js';

const paths = getPaths('/home/u/.clauderon');
const backend = new DockerBackend({
  config: { image: 'img', pull_policy: 'if-not-present', network: 'bridge', detach_keys: 'ctrl-p,ctrl-q', env: [] },
  paths,
  socketPath: '/nonexistent/docker.sock',
});
const hostEnv = {
  HTTPS_PROXY: 'http://s:pw@127.0.0.1:41000',
  http_proxy: 'http://s:pw@127.0.0.1:41000',
  NODE_EXTRA_CA_CERTS: paths.caCert,
  SSL_CERT_FILE: '/home/u/.clauderon/proxy-ca-bundle.pem',
  GITHUB_TOKEN: 'ghp_placeholder',
  NO_PROXY: 'localhost,127.0.0.1,::1',
};
const bridge: DockerOptions = { image: 'img', pullPolicy: 'never', cpuLimit: null, memoryLimit: null, network: 'bridge', gateway: '172.17.0.1' };
const host: DockerOptions = { ...bridge, network: 'host', gateway: null };

describe('docker backend options', () => {
  it('on the bridge, the agent reaches the proxy at host.docker.internal and the proxy also listens on the gateway', () => {
    const env = backend.translateEnv(hostEnv, bridge);
    expect(env.HTTPS_PROXY).toBe('http://s:pw@host.docker.internal:41000');
    expect(env.http_proxy).toBe('http://s:pw@host.docker.internal:41000');
    expect(env.NODE_EXTRA_CA_CERTS).toBe(CONTAINER.caCert);
    expect(env.SSL_CERT_FILE).toBe(CONTAINER.caBundle);
    expect(env.GITHUB_TOKEN).toBe('ghp_placeholder');
    expect(env.NO_PROXY).toBe('localhost,127.0.0.1,::1');
    expect(backend.proxyBind(bridge)).toEqual(['172.17.0.1']);
  });

  it('on the host network, the proxy stays on 127.0.0.1 and listens nowhere else', () => {
    const env = backend.translateEnv(hostEnv, host);
    expect(env.HTTPS_PROXY).toBe('http://s:pw@127.0.0.1:41000');
    expect(env.NODE_EXTRA_CA_CERTS).toBe(CONTAINER.caCert);
    expect(backend.proxyBind(host)).toEqual([]);
  });

  it('names the container after the session, says how to detach, and is unavailable without an engine', () => {
    expect(backend.idFor('fix-login-ab12')).toBe('clauderon-fix-login-ab12');
    expect(backend.detachHint).toBe('detach with Ctrl-p then Ctrl-q');
    expect(backend.attachCommand('clauderon-x')).toEqual(expect.arrayContaining(['attach', '--detach-keys=ctrl-p,ctrl-q', 'clauderon-x']));
    expect(backend.unavailableReason()).toMatch(/Docker is not running \(no \/nonexistent\/docker\.sock\)/);
  });

  it('reads memory sizes and refuses what Docker would', () => {
    expect(parseMemory('512m')).toBe(512 * 1024 ** 2);
    expect(parseMemory('4g')).toBe(4 * 1024 ** 3);
    expect(parseMemory('1.5GiB')).toBe(1.5 * 1024 ** 3);
    expect(parseMemory('1073741824')).toBe(1024 ** 3);
    expect(parseMemory('lots')).toBeNull();
    expect(parseMemory('1m')).toBeNull(); // below Docker's 6 MiB minimum
    expect(parseMemory('-5g')).toBeNull();
  });
});
