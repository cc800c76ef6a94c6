// Sprites (Fly.io's sprites.dev): a persistent Firecracker microVM per session, `clauderon-NAME`,
// that sleeps when idle and wakes on demand, driven through the documented REST + exec WebSocket
// API (client.ts). The session's branch goes in and the agent's commits come back as git bundles
// over exec (transfer.ts), as for Kubernetes; the agent reaches its proxy, which stays with the
// daemon, through the relay carried over an exec stream (src/backends/relay) — no credential is
// ever stored in the sprite. The API documents no image, CPU or memory field on create, so this
// backend has none of those options (it does not invent them).
import type { z } from 'zod';
import { defineBackend, type Zod } from '../spec.js';

export const spritesConfigSchema = (z: Zod) =>
  z
  .object({
    /** Off unless enabled here (the backend is verified against a double only: see docs/backends.md). */
    enabled: z.boolean().default(false),
    /** The API's base URL (tests point it at fixtures/sprites). */
    api_url: z.string().url().default('https://api.sprites.dev'),
    /**
     * The sprite's own network policy (DNS filtering): `proxy-only` denies every domain, so the agent's
     * only way out is the relay to its session proxy, where the session's egress policy applies;
     * `unchanged` leaves the sprite's policy as the organisation has it.
     */
    network: z.enum(['proxy-only', 'unchanged']).default('proxy-only'),
  })
  .strict()
  .prefault({});

export type SpritesConfig = z.infer<ReturnType<typeof spritesConfigSchema>>;

export const spritesRequestSchema = (z: Zod) => z.object({}).strict();

export const spritesSpec = defineBackend({
  name: 'sprites',
  runsIn:
    "a sprite `clauderon-NAME` (Fly.io's sprites.dev microVM) in the organisation of your Sprites token, the agent under `script` (its own terminal, logged in the sprite) started detached with `setsid`; `clauderon attach` runs `sprite exec -s clauderon-NAME --tty` onto the agent's terminal and detaches on Ctrl-p Ctrl-q; archive checkpoints it and lets it sleep, unarchive wakes it",
  requirements:
    'a Sprites token (`SPRITE_TOKEN`/`SPRITES_TOKEN`, or the `sprite` CLI\'s stored `~/.sprites/sprites.json`), `[sprites] enabled = true`, the `sprite` CLI for attach; the sprite needs the agent CLI, `git`, `tar`, `sh`, `script` (util-linux) and `node`',
  verified:
    'a Sprites API double (`fixtures/sprites`: the real API is a remote service) that holds to the documented routes, bodies, Bearer auth and exec framing and runs its sprites as containers on the real Docker engine; the real Claude Code in the sprite through the relay and the proxy',
  capabilities: {
    container: true,
    remote: true,
    resourceLimits: false,
    customImage: false,
    ownsNamespace: false, // an organisation's sprites are not all this home's
    fallbackRank: null,
    worktree: 'clone',
    proxy: 'tunnel',
    workspace: '/home/sprite/workspace',
  },
  configSchema: spritesConfigSchema,
  requestSchema: spritesRequestSchema,
  options: [],
  load: async () => {
    const { SpritesBackend } = await import('./backend.js');
    return ({ section, paths, env, targets }) => new SpritesBackend({ config: section, paths, env, targets });
  },
});
