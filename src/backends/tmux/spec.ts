// tmux: a detached session per clauderon session on clauderon's own tmux server.
import { defineBackend } from '../spec.js';

export const tmuxSpec = defineBackend({
  name: 'tmux',
  runsIn: "a detached tmux session `NAME` on clauderon's own tmux server (`~/.clauderon/tmux.sock`); attach with `tmux -S ~/.clauderon/tmux.sock attach -t NAME`",
  requirements: '`tmux` ≥ 3.0 on PATH',
  verified: 'the real tmux',
  install: 'apt-get install tmux',
  capabilities: {
    container: false,
    remote: false,
    resourceLimits: false,
    customImage: false,
    ownsNamespace: true, // the tmux server is clauderon's alone
    fallbackRank: 1,
    worktree: 'host-path',
    proxy: 'loopback',
    workspace: null,
  },
  configSchema: (z) =>
    z
    .object({
      /** Path of the tmux server socket; default CLAUDERON_HOME/tmux.sock. */
      socket: z.string().min(1).optional(),
      width: z.number().int().min(20).default(200),
      height: z.number().int().min(5).default(50),
    })
    .strict()
    .prefault({}),
  requestSchema: (z) => z.object({}).strict(),
  options: [],
  load: async () => {
    const { TmuxBackend } = await import('./backend.js');
    return ({ section, paths, env }) => new TmuxBackend({ socket: section.socket ?? paths.tmuxSocket, width: section.width, height: section.height, env });
  },
});
