// User configuration: CLAUDERON_HOME/config.toml, else $XDG_CONFIG_HOME/clauderon/config.toml
// (found by cosmiconfig, read with a TOML loader), validated once with zod. Unknown keys are
// errors (a typo should not be silently ignored).
import { z } from 'zod';
import { configSearchPlaces } from './paths.js';
import { findTomlFile, parseWith } from './toml-file.js';
import { AGENT_SPECS } from '../agents/registry.js';
import { BACKEND_SPECS, type BackendSpecs } from '../backends/registry.js';
import { AGENTS, BACKENDS } from '../shared/types.js';
import { EGRESS_POLICIES, parseEgressRule, PRESETS } from '../shared/egress-rules.js';

/** [zellij], [tmux], [docker] …: each backend's section is its spec's configSchema. */
const backendSections = Object.fromEntries(Object.entries(BACKEND_SPECS).map(([name, spec]) => [name, spec.configSchema(z)])) as {
  [K in keyof BackendSpecs]: ReturnType<BackendSpecs[K]['configSchema']>;
};

const agentOverride = z
  .object({
    /** Replaces the agent executable: a path/name, or an argv prefix. Built arguments follow. */
    command: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
    /** Extra arguments placed before the built ones. */
    args: z.array(z.string()).optional(),
  })
  .strict();

/** The session events an [[event_hooks]] entry can run on (docs/configuration.md#event-hooks). */
export const EVENT_HOOK_EVENTS = ['created', 'agent_waiting', 'agent_working', 'completed', 'failed', 'deleted'] as const;
export type EventHookEvent = (typeof EVENT_HOOK_EVENTS)[number];

const quotedList = (xs: readonly string[]) => xs.map((x) => `"${x}"`).join(', ');

const egressPolicy = z.enum(EGRESS_POLICIES, { error: `expected ${quotedList(EGRESS_POLICIES)}` });

/** One egress rule (src/proxy/egress-policy.ts): host, *.suffix, host:port, host:*, [IPv6]:port or a preset. */
const egressRule = z.string({ error: 'expected a host, "*.suffix", "host:port" or a preset name' }).superRefine((x, ctx) => {
  const r = parseEgressRule(x);
  if (!r.ok) ctx.addIssue({ code: 'custom', message: r.reason });
});

/**
 * [egress]: the egress policy new sessions get (docs/configuration.md#egress). Each session keeps
 * what it was created with (`clauderon egress NAME` changes it live).
 */
const egressSection = z
  .object({
    /** open (everything), allow-list (the agent's own API + presets + allow), locked (the agent's own API only). */
    default: egressPolicy.default('open'),
    /** Presets an allow-list session allows. */
    presets: z
      .array(z.string().refine((p) => Object.hasOwn(PRESETS, p), { message: `expected a preset: ${quotedList(Object.keys(PRESETS))}` }), { error: 'expected a list of preset names' })
      .default([]),
    /** Hosts an allow-list session allows: "host", "*.suffix" (subdomains only), "host:port", "host:*". */
    allow: z.array(egressRule, { error: 'expected a list of hosts, e.g. ["*.example.com", "db.example.com:5432"]' }).max(1000, 'at most 1000 rules').default([]),
    /** Also let locked and allow-list sessions reach their agent's telemetry hosts. */
    telemetry: z.boolean().default(false),
    /** The default policy per backend, e.g. docker = "locked" (beats `default`). */
    backends: z
      .object(Object.fromEntries(BACKENDS.map((b) => [b, egressPolicy.optional()])) as Record<(typeof BACKENDS)[number], z.ZodOptional<typeof egressPolicy>>)
      .strict()
      .prefault({}),
  })
  .strict()
  .prefault({});

/**
 * One [[event_hooks]] entry: a command (an argv, run without a shell, the event as JSON on its
 * stdin) or a url (POSTed the event as JSON) — exactly one — on some or all events, bounded by
 * timeout_ms (src/daemon/event-hooks.ts delivers them).
 */
const eventHook = z
  .object({
    command: z
      .array(z.string().min(1, 'an argument must not be empty'), { error: 'expected an argv array, e.g. ["/usr/local/bin/notify", "--flag"] (run without a shell)' })
      .min(1, 'expected an argv array, e.g. ["/usr/local/bin/notify", "--flag"] (run without a shell)')
      .optional(),
    url: z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }).optional(),
    /** Which events run it (default: all). */
    events: z
      .array(z.enum(EVENT_HOOK_EVENTS, { error: `expected one of ${quotedList(EVENT_HOOK_EVENTS)}` }), { error: `expected a list of events: ${quotedList(EVENT_HOOK_EVENTS)}` })
      .min(1, `list at least one event (${quotedList(EVENT_HOOK_EVENTS)}), or leave events out for all`)
      .optional(),
    /** How long one delivery may take; a command is killed then, a request aborted. */
    timeout_ms: z.number({ error: 'expected a number of milliseconds, 100 to 60000' }).int('expected a whole number of milliseconds, 100 to 60000').min(100, 'expected 100 to 60000 (milliseconds)').max(60_000, 'expected 100 to 60000 (milliseconds)').default(5000),
  })
  .strict()
  .refine((h) => (h.command === undefined) !== (h.url === undefined), 'set exactly one of command (an argv array) or url (http:// or https://)');

export const configSchema = z
  .object({
    general: z
      .object({
        default_backend: z.enum(BACKENDS).optional(),
        default_agent: z.enum(AGENTS).default(AGENTS[0]), // the registry's first
        max_sessions: z.number().int().positive().default(100),
        max_concurrent_creates: z.number().int().positive().default(4),
        /** How often the screens of agents without hooks (codex, gemini) are read for their status. */
        screen_poll_ms: z.number().int().min(100).max(60_000).default(2000),
      })
      .strict()
      .prefault({}),
    agents: z
      // [agents.claude], [agents.codex] …: one optional section per agent of the registry
      .object(Object.fromEntries(Object.keys(AGENT_SPECS).map((name) => [name, agentOverride.optional()])) as Record<keyof typeof AGENT_SPECS, z.ZodOptional<typeof agentOverride>>)
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
        /**
         * Which HTTPS connections the proxy opens (decrypts): "needed" — only hosts that earn a
         * credential, and every host in a read-only session; any other is tunnelled unopened (the
         * agent sees the real server's certificate; one audit line per tunnel). "all" — every host
         * on port 443, so every request is audited.
         */
        intercept: z.enum(['needed', 'all'], { error: 'expected "needed" or "all"' }).default('needed'),
      })
      .strict()
      .prefault({}),
    egress: egressSection,
    tui: z
      .object({
        /** Ring the terminal bell when an agent starts waiting for you (approval or input). */
        bell: z.boolean().default(false),
        /**
         * When an agent starts waiting for you: "off", "bell" (the terminal bell), or "desktop" (the
         * bell and a desktop notification: OSC 9 / OSC 777 to the terminal, and notify-send where it
         * is on PATH). `bell = true` with "off" rings the bell, as before.
         */
        notifications: z.enum(['off', 'bell', 'desktop'], { error: 'expected "off", "bell" or "desktop"' }).default('off'),
      })
      .strict()
      .prefault({}),
    http: z
      .object({
        /** The HTTP API and /ws/events (agents' hooks post here). */
        enabled: z.boolean().default(true),
        port: z.number().int().min(0).max(65535).default(3030),
        /** 127.0.0.1 by default; anything else turns passkey sign-in on and needs CLAUDERON_ORIGIN (or CLAUDERON_DISABLE_AUTH=true). */
        bind: z.string().min(1).default('127.0.0.1'),
        /** Scripts send it as Authorization: Bearer TOKEN where sign-in is required. */
        token: z.string().min(16, 'use a token of at least 16 characters').optional(),
        /** Require passkey sign-in (or the token) on a loopback bind too. */
        require_auth: z.boolean().default(false),
        /** Serve the API over TLS (node:https) on the same port: the certificate (PEM) and its key. */
        tls_cert: z.string().min(1).optional(),
        tls_key: z.string().min(1).optional(),
      })
      .strict()
      .refine((h) => (h.tls_cert === undefined) === (h.tls_key === undefined), { message: 'tls_cert and tls_key go together: set both (PEM files) or neither', path: ['tls_key'] })
      .prefault({}),
    /** [[event_hooks]]: commands or webhooks run on session events (external integrations). */
    event_hooks: z.array(eventHook, { error: 'expected [[event_hooks]] tables' }).max(20, 'at most 20 event hooks').default([]),
    // each backend's own section ([zellij], [tmux], [docker] …), from its spec
    ...backendSections,
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

export interface FoundConfig {
  config: Config;
  /** The file that was read, or null when there is none (the defaults). */
  file: string | null;
  /** Where config.toml was looked for, in order. */
  places: readonly string[];
}

/**
 * Find and load config.toml: the home's (`homeConfig`, i.e. paths.config) when it exists, else
 * $XDG_CONFIG_HOME/clauderon/config.toml (default ~/.config/clauderon/config.toml); neither gives
 * the defaults. Errors name the file that was read.
 */
export async function findConfig(homeConfig: string, env: NodeJS.ProcessEnv = process.env): Promise<FoundConfig> {
  const { value, file, places } = await findTomlFile(configSchema, configSearchPlaces(homeConfig, env));
  return { config: value, file, places };
}

/** Load config.toml as findConfig finds it (none gives the defaults). */
export async function loadConfig(homeConfig: string, env: NodeJS.ProcessEnv = process.env): Promise<Config> {
  return (await findConfig(homeConfig, env)).config;
}
