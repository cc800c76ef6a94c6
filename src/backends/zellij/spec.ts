// Zellij (the default): a named background Zellij session whose focused pane runs the agent.
import { defineBackend } from '../spec.js';

export const zellijSpec = defineBackend({
  name: 'zellij',
  runsIn: 'a background Zellij session `clauderon-NAME`, the agent in its focused pane; attach with `zellij attach clauderon-NAME`',
  requirements: '`zellij` on PATH',
  verified: 'a strict double of the `zellij` CLI (`fixtures/zellij-double.mjs`: no zellij package for these machines) that runs the pane in tmux',
  install: 'cargo install --locked zellij',
  capabilities: {
    container: false,
    remote: false,
    resourceLimits: false,
    customImage: false,
    ownsNamespace: false, // Zellij sessions are per user, shared by every clauderon home
    fallbackRank: 0,
    worktree: 'host-path',
    proxy: 'loopback',
    workspace: null,
  },
  configSchema: (z) =>
    z
    .object({
      /** Extra environment for the agent, as "KEY=VALUE" strings. */
      env: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*=/, 'expected "KEY=VALUE"')).default([]),
    })
    .strict()
    .prefault({}),
  requestSchema: (z) => z.object({}).strict(),
  options: [],
  load: async () => {
    const { ZellijBackend } = await import('./backend.js');
    return ({ env }) => new ZellijBackend(env);
  },
});
