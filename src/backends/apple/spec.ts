// Apple Container: a lightweight VM per session through Apple's `container` CLI (macOS 26+ on
// Apple silicon), made like a Docker session (worktree at /workspace, placeholders only, the CA),
// reaching its proxy at the host's address on the container network (vmnet's gateway).
import type { z } from 'zod';
import { defineBackend, type Zod } from '../spec.js';
import { currentPlatform, platformProblem } from './platform.js';

/** Apple's sizes (Measurement+Parse.swift): a number and b/k/m/g/t/p, optionally followed by "ib" or "b". */
export const APPLE_MEMORY = /^\s*\d+(\.\d+)?\s*[bkmgtp](i?b)?\s*$/i;
/** The host on vmnet's default network (192.168.64.0/24), as apple/container's docs show it. */
export const DEFAULT_HOST_ADDRESS = '192.168.64.1';

export const appleConfigSchema = (z: Zod) =>
  z
  .object({
    /** The image agents run in (an OCI image for linux/arm64; see examples/ for what it needs). */
    image: z.string().min(1).default('ghcr.io/shepherdjerred/dotfiles'),
    /** CPUs (`container run --cpus` takes a whole number). */
    cpu_limit: z.number().int().positive().optional(),
    memory_limit: z.string().regex(APPLE_MEMORY, 'expected a size such as 512m or 4g').optional(),
    /**
     * Where the container reaches this host: the gateway of the container network (vmnet's default
     * 192.168.64.1; `container network list` shows yours). The session's proxy listens there too,
     * while the session lives.
     */
    host_address: z.ipv4().default(DEFAULT_HOST_ADDRESS),
    /** Extra environment for every container, as "KEY=VALUE" strings (never put a secret here). */
    env: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*=/, 'expected "KEY=VALUE"')).default([]),
  })
  .strict()
  .prefault({});

export type AppleConfig = z.infer<ReturnType<typeof appleConfigSchema>>;

export const appleRequestSchema = (z: Zod) =>
  z
  .object({
    image: z.string().min(1).max(500).optional(),
    cpuLimit: z.number().positive().max(1024).optional(),
    memoryLimit: z.string().min(1).max(40).optional(),
  })
  .strict();

export type AppleRequest = z.infer<ReturnType<typeof appleRequestSchema>>;

export const appleSpec = defineBackend({
  name: 'apple',
  runsIn: 'an Apple container `clauderon-NAME` (a lightweight VM, labelled with the session id and the clauderon home); attach with `container exec -it clauderon-NAME bash` (a shell beside the agent: Apple\'s CLI has no attach to a running container)',
  requirements:
    'macOS 26+ on Apple silicon with Apple\'s [`container`](https://github.com/apple/container) CLI on PATH and its services started (`container system start`), and an image like the Docker backend\'s; elsewhere the backend is unavailable',
  verified: 'a strict double of the `container` CLI (fixtures/apple/: Apple\'s CLI runs only on macOS 26+) whose containers run on the real Docker engine, per apple/container\'s command reference',
  install: 'install Apple\'s container CLI from https://github.com/apple/container/releases (macOS 26+, Apple silicon), then run `container system start`',
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
  configSchema: appleConfigSchema,
  requestSchema: appleRequestSchema,
  options: [
    { key: 'image', flag: '--image <image>', description: 'apple: the image to run (default: [apple] image)', type: 'string' },
    { key: 'cpuLimit', flag: '--cpu-limit <cpus>', description: 'apple: whole CPUs for the container, e.g. 2', type: 'number', expects: 'a number of CPUs above 0, e.g. 2 or 0.5' },
    { key: 'memoryLimit', flag: '--memory-limit <size>', description: 'apple: memory for the container, e.g. 4g or 512m', type: 'string' },
  ],
  unsupportedHere: () => platformProblem(currentPlatform(process.env)),
  load: async () => {
    const { AppleBackend } = await import('./backend.js');
    return ({ section, paths, env }) => new AppleBackend({ config: section, paths, env });
  },
});
