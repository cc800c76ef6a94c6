// What a backend declares about itself, apart from its implementation: its name, what it can do,
// its section of config.toml, the options one create may give it (and the CLI flags, TUI fields
// and HTTP body keys derived from them), and a loader for the implementation. A spec imports no
// implementation, so config, the protocol and the clients can read it without loading backends;
// the daemon loads the implementations (`load()`) once.
import type { z } from 'zod';

/** zod, handed to a spec's schema builders: a spec does not load zod itself, so the CLI (which
 * reads the specs for its flags) does not pay for it at start. */
export type Zod = typeof z;
import type { Paths } from '../config/paths.js';
import type { BackendOption } from '../shared/results.js';
import type { BackendName } from '../shared/types.js';
import type { Backend } from './types.js';

export interface BackendCapabilities {
  /** The agent runs in an isolated runtime with its own agent CLI (checked there, not on the host). */
  container: boolean;
  /** The runtime is not on this machine (its worktree and proxy reach it over the network). */
  remote: boolean;
  resourceLimits: boolean;
  customImage: boolean;
  /** Every object in the backend's namespace belongs to this clauderon home (orphans may be removed). */
  ownsNamespace: boolean;
  /** Order among the backends chosen when none is configured (lowest first); null: never by default. */
  fallbackRank: number | null;
  /** How the worktree reaches the agent. */
  worktree: 'host-path' | 'bind-mount' | 'clone';
  /** How the agent reaches its proxy. */
  proxy: 'loopback' | 'bridge-gateway' | 'tunnel';
  /** Where the worktree appears to the agent when not at its host path (a container's /workspace). */
  workspace: string | null;
}

/** One option a create may give the backend: a CLI flag, a TUI field, an HTTP body key. */
/** A backend's create option: the type is src/shared's (the web UI reads the catalog too). */
export type { BackendOption };

export interface BackendDeps<C> {
  /** This backend's section of config.toml, parsed. */
  section: C;
  paths: Paths;
  /** Environment for the backend's own tools (already scrubbed of credentials). */
  env: Record<string, string>;
  /**
   * Where a session's connections go on this host, asked per connection by backends whose agent
   * reaches them through a relay (remote runtimes): the session's proxy port and the hooks port,
   * null while there is none.
   */
  targets?: SessionTargets;
}

export interface SessionTargets {
  proxyPort(sessionId: string): number | null;
  hooksPort(): number | null;
}

export interface BackendSpec<C = unknown> {
  name: BackendName;
  /** For README's backends table: where a session runs, how to attach, what it needs. */
  runsIn: string;
  requirements: string;
  /** For README's backends table: what its tests run it against (the real tool, or which double and why). */
  verified: string;
  /** How to install what it needs, when it is a tool on the host (said when no default backend is found). */
  install?: string;
  capabilities: BackendCapabilities;
  /** Its `[name]` section of config.toml (defaults filled in). */
  configSchema(z: Zod): z.ZodType<C>;
  /** What one create may ask of it (all optional: the section gives defaults); strict. */
  requestSchema(z: Zod): z.ZodObject;
  options: readonly BackendOption[];
  /**
   * A backend bound to a platform (Apple's container: macOS 26+): null where it can run, else why.
   * Cheap (no subprocess): elsewhere it is left out of the TUI's and the web's backend choices.
   */
  unsupportedHere?(): string | null;
  load(): Promise<(deps: BackendDeps<C>) => Backend>;
}

/**
 * A spec as the registry holds it: its section's type erased (the daemon hands each factory the
 * section its own configSchema parsed).
 */
export type AnyBackendSpec = Omit<BackendSpec, 'load'> & { load(): Promise<(deps: BackendDeps<never>) => Backend> };

/** A spec, typed by its config section (the registry holds them erased). */
export function defineBackend<C, N extends BackendName>(spec: BackendSpec<C> & { name: N }): BackendSpec<C> & { name: N } {
  return spec;
}
