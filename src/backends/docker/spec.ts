// Docker: a container per session, running the agent as the host user with the worktree mounted.
import type { z } from 'zod';
import { defineBackend, type Zod } from '../spec.js';

export const PULL_POLICIES = ['always', 'if-not-present', 'never'] as const;
export type PullPolicy = (typeof PULL_POLICIES)[number];
export const DOCKER_NETWORKS = ['isolated', 'bridge', 'host'] as const;
export type DockerNetwork = (typeof DOCKER_NETWORKS)[number];

const MEMORY = /^\d+(\.\d+)?\s*[kmgt]?(i?b)?$/i;

export const dockerConfigSchema = (z: Zod) =>
  z
  .object({
    /** The image agents run in (see examples/ for what it needs). */
    image: z.string().min(1).default('ghcr.io/shepherdjerred/dotfiles'),
    pull_policy: z.enum(PULL_POLICIES).default('if-not-present'),
    /**
     * "isolated" (default): no network at all (Docker's `none`); the agent reaches its proxy only
     * through clauderon's relay over `docker exec` (the image needs node), so nothing bypasses the
     * proxy. "bridge": the default bridge, the proxy also listens on its gateway (the container can
     * reach anything the bridge routes to). "host": the host's network (no isolation; tests).
     */
    network: z.enum(DOCKER_NETWORKS).default('isolated'),
    cpu_limit: z.number().positive().optional(),
    memory_limit: z.string().regex(MEMORY, 'expected a size such as 512m or 4g').optional(),
    /** Extra environment for every container, as "KEY=VALUE" strings (never put a secret here). */
    env: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*=/, 'expected "KEY=VALUE"')).default([]),
    /** Keys that detach from `docker attach`. */
    detach_keys: z.string().regex(/^[^,\s]+(,[^,\s]+)*$/, 'expected keys such as "ctrl-p,ctrl-q"').default('ctrl-p,ctrl-q'),
  })
  .strict()
  .prefault({});

export type DockerConfig = z.infer<ReturnType<typeof dockerConfigSchema>>;

export const dockerRequestSchema = (z: Zod) =>
  z
  .object({
    image: z.string().min(1).max(500).optional(),
    pullPolicy: z.enum(PULL_POLICIES).optional(),
    cpuLimit: z.number().positive().max(1024).optional(),
    memoryLimit: z.string().min(1).max(40).optional(),
  })
  .strict();

export type DockerRequest = z.infer<ReturnType<typeof dockerRequestSchema>>;

export const dockerSpec = defineBackend({
  name: 'docker',
  runsIn: 'a container `clauderon-NAME` (labelled with the session id and the clauderon home); attach with `docker attach --detach-keys=ctrl-p,ctrl-q clauderon-NAME`',
  requirements:
    'a running Docker engine (`/var/run/docker.sock` or `DOCKER_HOST=unix://…`), the `docker` CLI for attach, and an image that has `bash`, `curl`, a writable `/workspace` and the agent CLI on PATH — see [`examples/`](examples/) for a minimal and a recommended Dockerfile',
  verified: 'the real Docker engine (images built offline), the real agent CLIs in the container',
  capabilities: {
    container: true,
    remote: false,
    resourceLimits: true,
    customImage: true,
    ownsNamespace: true, // containers carry this home's label
    fallbackRank: null,
    worktree: 'bind-mount',
    proxy: 'bridge-gateway',
    workspace: '/workspace',
  },
  configSchema: dockerConfigSchema,
  requestSchema: dockerRequestSchema,
  options: [
    { key: 'image', flag: '--image <image>', description: 'docker: the image to run (default: [docker] image in config.toml)', type: 'string' },
    { key: 'pullPolicy', flag: '--pull-policy <policy>', description: 'docker: when to pull the image (default: if-not-present)', type: 'string', choices: PULL_POLICIES },
    { key: 'cpuLimit', flag: '--cpu-limit <cpus>', description: 'docker: CPUs the container may use, e.g. 2 or 0.5', type: 'number', expects: 'a number of CPUs above 0, e.g. 2 or 0.5' },
    { key: 'memoryLimit', flag: '--memory-limit <size>', description: 'docker: memory the container may use, e.g. 4g or 512m', type: 'string' },
  ],
  load: async () => {
    const { DockerBackend } = await import('./backend.js');
    return ({ section, paths, targets }) => new DockerBackend({ config: section, paths, targets });
  },
});
