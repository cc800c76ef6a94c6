// The image a Docker session runs: present or pulled as the policy says, and checked once per
// image id for what a session needs (bash, curl, a writable /workspace, the agent CLI).
import type Dockerode from 'dockerode';
import { ClauderonError, errorMessage } from '../../shared/errors.js';
import { hostUser, LABEL_HOME, LABEL_IMAGE_CHECK } from './container.js';
import { demux, statusOf, type DockerCall } from './engine.js';
import type { PullPolicy } from './spec.js';

/** What an image must have, checked once per image id (per daemon). */
const checkedImages = new Map<string, string | null>();

/** The host's address on Docker's default bridge (the proxy listens there for bridged containers). */
export async function bridgeGateway(docker: Dockerode): Promise<string> {
  try {
    const net = (await docker.getNetwork('bridge').inspect()) as { IPAM?: { Config?: { Gateway?: string }[] } };
    const gw = net.IPAM?.Config?.find((c) => c.Gateway)?.Gateway;
    if (gw) return gw;
  } catch {
    // no bridge network (dockerd --bridge=none)
  }
  throw new ClauderonError('backend', 'the Docker "bridge" network has no gateway address here — set docker.network = "host" in config.toml');
}

/** The image's id, pulling it as the policy says. */
export async function ensureImage(docker: Dockerode, image: string, policy: PullPolicy): Promise<string> {
  const present = await imageId(docker, image);
  if (present && policy !== 'always') return present;
  if (!present && policy === 'never') {
    throw new ClauderonError('backend', `image ${image} is not present and the pull policy is "never" — docker pull ${image}, build it, or use the pull policy if-not-present`, { field: 'option:pullPolicy' });
  }
  try {
    const stream = await docker.pull(image);
    await new Promise<void>((resolve, reject) => docker.modem.followProgress(stream, (e: Error | null) => (e ? reject(e) : resolve())));
  } catch (e) {
    if (present) return present; // "always" but the registry is unreachable: keep what is here
    throw new ClauderonError('backend', `cannot pull image ${image}: ${errorMessage(e)} — check the name and your registry access, or build it locally`);
  }
  const id = await imageId(docker, image);
  if (!id) throw new ClauderonError('backend', `image ${image} is still missing after a pull`);
  return id;
}

async function imageId(docker: Dockerode, image: string): Promise<string | null> {
  try {
    return (await docker.getImage(image).inspect()).Id;
  } catch (e) {
    if (statusOf(e) === 404) return null;
    throw new ClauderonError('backend', `docker: ${errorMessage(e)}`);
  }
}

/** What the image lacks (bash, curl, a writable /workspace, the agent), or null. Cached per image id. */
export async function checkImage(docker: Dockerode, call: DockerCall, o: { image: string; imageId: string; agentCommand: string; home: string; needsNode?: boolean }): Promise<string | null> {
  const { image, agentCommand } = o;
  const key = `${o.imageId} ${agentCommand} ${process.getuid?.() ?? 0} ${o.needsNode ? 'node' : ''}`;
  if (checkedImages.has(key)) return checkedImages.get(key) ?? null;
  const script = [
    'm=""',
    'command -v bash >/dev/null 2>&1 || m="$m, bash"',
    'command -v curl >/dev/null 2>&1 || m="$m, curl"',
    '{ [ -d /workspace ] && [ -w /workspace ]; } || m="$m, a /workspace directory writable by uid $(id -u)"',
    'command -v "$1" >/dev/null 2>&1 || m="$m, the agent command \\"$1\\" on PATH"',
    // the isolated network's relay (relay.ts) runs on node
    ...(o.needsNode ? ['command -v node >/dev/null 2>&1 || m="$m, node on PATH (the isolated network\'s relay runs on it; or set [docker] network = \\"bridge\\")"'] : []),
    'echo "CLAUDERON-MISSING:${m#, }"',
  ].join('\n');
  const c = await call(`check image ${image}`, () =>
    docker.createContainer({
      Image: image,
      Entrypoint: ['/bin/sh', '-c', script, 'check'],
      Cmd: [agentCommand],
      User: hostUser(),
      Labels: { [LABEL_HOME]: o.home, [LABEL_IMAGE_CHECK]: '1' },
      HostConfig: { NetworkMode: 'none', AutoRemove: false },
    }),
  );
  try {
    await c.start();
    await c.wait();
    const out = demux(await c.logs({ stdout: true, stderr: true, follow: false }));
    const m = /CLAUDERON-MISSING:(.*)/.exec(out);
    if (!m) throw new ClauderonError('backend', `image ${image} cannot run /bin/sh: ${out.trim().slice(0, 200) || 'no output'}`);
    const missing = (m[1] ?? '').trim() || null;
    checkedImages.set(key, missing);
    return missing;
  } catch (e) {
    if (e instanceof ClauderonError) throw e;
    throw new ClauderonError('backend', `image ${image} cannot run /bin/sh (bash, curl and the agent are needed too): ${errorMessage(e)}`);
  } finally {
    await c.remove({ force: true }).catch(() => undefined);
  }
}
