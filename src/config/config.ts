// User configuration: CLAUDERON_HOME/config.toml, read with cosmiconfig and a TOML loader,
// validated once with zod. Unknown keys are errors (a typo should not be silently ignored).
import { z } from 'zod';
import { loadTomlFile, parseWith } from './toml-file.js';
import { AGENTS, BACKENDS } from '../shared/types.js';

const agentOverride = z
  .object({
    /** Replaces the agent executable: a path/name, or an argv prefix. Built arguments follow. */
    command: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
    /** Extra arguments placed before the built ones. */
    args: z.array(z.string()).optional(),
  })
  .strict();

export const configSchema = z
  .object({
    general: z
      .object({
        default_backend: z.enum(BACKENDS).optional(),
        default_agent: z.enum(AGENTS).default('claude'),
        max_sessions: z.number().int().positive().default(100),
        max_concurrent_creates: z.number().int().positive().default(4),
        /** How often the screens of agents without hooks (codex, gemini) are read for their status. */
        screen_poll_ms: z.number().int().min(100).max(60_000).default(2000),
      })
      .strict()
      .prefault({}),
    agents: z
      .object({ claude: agentOverride.optional(), codex: agentOverride.optional(), gemini: agentOverride.optional() })
      .strict()
      .prefault({}),
    tmux: z
      .object({
        /** Path of the tmux server socket; default CLAUDERON_HOME/tmux.sock. */
        socket: z.string().min(1).optional(),
        width: z.number().int().min(20).default(200),
        height: z.number().int().min(5).default(50),
      })
      .strict()
      .prefault({}),
    proxy: z
      .object({
        /** Give every new session a credential-injecting proxy (placeholders in the agent's env). */
        enabled: z.boolean().default(true),
        /** Ports the per-session proxies listen on (127.0.0.1). */
        port_range: z
          .tuple([z.number().int().min(1024).max(65535), z.number().int().min(1024).max(65535)])
          .refine(([a, b]) => a <= b, 'the first port must not be above the second')
          .default([41000, 41999]),
        /**
         * Local services an agent may reach through its proxy, as "host:port" (e.g. a database on
         * the host). Everything local — loopback, private, link-local, this host's addresses — is
         * refused otherwise; clauderon's own ports never open.
         */
        allow_local: z
          .array(z.string().regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):([1-9][0-9]{0,4})$/, 'expected "host:port", e.g. "127.0.0.1:5432" or "[::1]:6379"'))
          .default([]),
      })
      .strict()
      .prefault({}),
    docker: z
      .object({
        /** The image agents run in (see examples/ for what it needs). */
        image: z.string().min(1).default('ghcr.io/shepherdjerred/dotfiles'),
        pull_policy: z.enum(['always', 'if-not-present', 'never']).default('if-not-present'),
        /** "bridge": the proxy also listens on the bridge gateway; "host": the host's network. */
        network: z.enum(['bridge', 'host']).default('bridge'),
        cpu_limit: z.number().positive().optional(),
        memory_limit: z.string().regex(/^\d+(\.\d+)?\s*[kmgt]?(i?b)?$/i, 'expected a size such as 512m or 4g').optional(),
        /** Keys that detach from `docker attach`. */
        /** Extra environment for every container, as "KEY=VALUE" strings (never put a secret here). */
        env: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*=/, 'expected "KEY=VALUE"')).default([]),
        detach_keys: z.string().regex(/^[^,\s]+(,[^,\s]+)*$/, 'expected keys such as "ctrl-p,ctrl-q"').default('ctrl-p,ctrl-q'),
      })
      .strict()
      .prefault({}),
    tui: z
      .object({
        /** Ring the terminal bell when an agent starts waiting for you (approval or input). */
        bell: z.boolean().default(false),
      })
      .strict()
      .prefault({}),
    http: z
      .object({
        /** The HTTP API and /ws/events (agents' hooks post here). */
        enabled: z.boolean().default(true),
        port: z.number().int().min(0).max(65535).default(3030),
        /** 127.0.0.1 by default; anything else requires token (or CLAUDERON_DISABLE_AUTH=true). */
        bind: z.string().min(1).default('127.0.0.1'),
        token: z.string().min(16, 'use a token of at least 16 characters').optional(),
      })
      .strict()
      .prefault({}),
    zellij: z
      .object({
        /** Extra environment for the agent, as "KEY=VALUE" strings. */
        env: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*=/, 'expected "KEY=VALUE"')).default([]),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;

export function defaultConfig(): Config {
  return configSchema.parse({});
}

/** Validate a parsed object; errors name the file and the first bad key. */
export function parseConfig(raw: unknown, file: string): Config {
  return parseWith(configSchema, raw, file);
}

/** Load config.toml (an absent file gives the defaults). */
export function loadConfig(file: string): Promise<Config> {
  return loadTomlFile(configSchema, file);
}
