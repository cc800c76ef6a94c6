// What an agent declares about itself: how it is started (argv for a prompt, plan mode, skipped
// permission checks, resume, model), the model API it talks to (the credentials that host earns,
// how they are injected, which of its POST endpoints only read), how clauderon learns its status
// (hook events, or its screen), the settings file it is started with, what it keeps in its home
// when its home is the worktree (containers), and where its transcripts are. Nothing outside its
// module switches on its name. A spec imports no implementation: config reads its [agents.X]
// section from the registry, the proxy its rules, the manager everything else.
import type { CredentialName } from '../config/proxy-config.js';
import type { AgentName, AgentStatus } from '../shared/types.js';

export interface AgentLaunch {
  prompt: string;
  /** Pass the agent's "skip all permission checks" flag. */
  skipChecks: boolean;
  planMode: boolean;
  model: string | null;
  /** clauderon's session id; Claude Code uses it as its own session id so it can be resumed. */
  sessionId: string;
  /** Restarting an existing session (unarchive): resume the conversation instead of a new prompt. */
  resume: boolean;
  /** The settings file of clauderon's the agent is started with (see `settings`), if any. */
  settingsFile?: string | undefined;
}

/** A hook event's JSON as the agent posts it (untrusted: every field is checked where it is used). */
export interface HookPayload {
  hook_event_name?: unknown;
  notification_type?: unknown;
  message?: unknown;
  transcript_path?: unknown;
  session_id?: unknown;
  exit_status?: unknown;
  /** Codex's notify events (`agent-turn-complete`). */
  type?: unknown;
}

/** What an agent's config home is written from (paths as the agent sees them). */
export interface ConfigHomeContext {
  /** The worktree root, and the directory the agent starts in. */
  workspace: string;
  cwd: string;
  /** The config home itself. */
  home: string;
  /** The shell command a hook runs with the event's JSON on stdin (posts it to the daemon), or null when the daemon has no hooks listener. */
  hookCommand: string | null;
  /** The session has a proxy, and which credentials it holds (decides e.g. Codex's auth mode). */
  proxied: boolean;
  holds(credential: CredentialName): boolean;
  /** What the daemon holds that is no secret (`chatgpt_account_id`, `chatgpt_plan_type`, `chatgpt_access_exp`). */
  info(name: string): string | undefined;
  skipChecks: boolean;
  /** The daemon user's home and environment (where the user's own agent config is, to link to). */
  userHome: string;
  env: Readonly<Record<string, string | undefined>>;
}

export type ConfigFile =
  | {
      /** Relative to the config home. */
      file: string;
      content: string;
      /** Written only when absent: the agent's own afterwards (default: rewritten at every start). */
      once?: boolean;
    }
  | {
      file: string;
      /** A symbolic link to this absolute path of the user's (made only when it exists; read, never written by clauderon). */
      link: string;
    };

/** A model API an agent talks to: the credential its host earns through the proxy. */
export interface ModelApi {
  host: string;
  /** Only these paths of the host earn it (default: all). */
  paths?: RegExp;
  /** Credential names, the first one set wins (e.g. an API key before an OAuth token). */
  credentials: readonly CredentialName[];
  /**
   * The headers for the credential that was found (names lower-case); `lookup` reads what else the
   * daemon holds that is no secret of its own (e.g. the ChatGPT account id beside its token).
   */
  headers(credential: CredentialName, token: string, lookup: (name: string) => string | undefined): Record<string, string>;
  /** POST endpoints of that host that only read or run the model (allowed in read-only sessions). */
  readPosts: readonly RegExp[];
  /** The `create` warning when the daemon holds none of `credentials` (`secretsDir` shown to the user). */
  missing(secretsDir: string): string;
}

export interface AgentSpec<N extends AgentName = AgentName> {
  name: N;
  displayName: string;
  /** The executable's default name (config.toml [agents.X] command replaces it). */
  executable: string;
  install: string;
  /** For README's agents table: the flag that skips its permission checks. */
  skipChecksFlag: string;
  supportsPlanMode: boolean;
  /**
   * Models it knows (aliases first), offered by the create forms; any other name is passed verbatim
   * in its own flag (`args`' model). None means the agent's own default.
   */
  models: readonly { id: string; about: string }[];
  supportsResume: boolean;
  args(o: AgentLaunch): string[];
  /** Its model APIs (the first is the main one: its credentials are what create warns about). */
  modelApis: readonly ModelApi[];
  /**
   * Hosts besides its model APIs that an egress policy always lets it reach (port 443): `needs` it
   * cannot work without (a login's token refresh), `telemetry` only with `[egress] telemetry = true`
   * (src/proxy/egress-policy.ts).
   */
  egress?: { needs?: readonly string[]; telemetry?: readonly string[] };
  /**
   * How clauderon learns its status: the events of its hooks (`fromHook`, null for an event that
   * says nothing), and/or its screen (an approval question or an input prompt near the bottom) for
   * what its hooks do not tell (Codex reports a finished turn, not an approval).
   */
  status: {
    fromHook?(p: HookPayload): AgentStatus | null;
    /**
     * 'all': its screen says everything (an input prompt, an approval question, or work when it
     * changed); 'approvals': its hooks say the rest — only an approval question on screen counts
     * (and its going away without a hook: the approval was declined, the prompt is the user's).
     */
    screen: 'all' | 'approvals' | false;
  };
  /**
   * A settings file of clauderon's the agent is started with: its hooks (when the daemon's HTTP API
   * listens) and, when the proxy holds `apiKeyCredential`, a helper that hands it its API-key
   * placeholder (then its environment holds none — a key there makes it ask about the key).
   */
  settings?: {
    hooks(hookCommand: string): Record<string, unknown>;
    apiKeyCredential: CredentialName;
    apiKeyHelper: Record<string, unknown>;
  };
  /** When the agent's home is the worktree (a container): what it keeps there, and its state files. */
  home: {
    /** Globs of files it keeps in its home that are not the user's work (delete's dirty check ignores them). */
    files: readonly string[];
    /** Files written into its home before it starts (e.g. onboarding done), relative to the home. */
    state(o: { skipChecks: boolean; workspace: string }): { file: string; content: unknown }[];
    /** Machine-wide settings the runtime mounts when permission checks are skipped behind the proxy. */
    managedSettings?: { path: string; content: unknown };
  };
  /**
   * A config home of its own per session (Codex's CODEX_HOME, Gemini's settings), written by
   * clauderon before every start — the user's own agent config files are never read or touched.
   * It lives in the session's directory of the clauderon home (containers mount it) and goes
   * with the session.
   */
  configHome?: {
    /** Variables that point the agent at it: name → a path inside it ('' for the directory itself). */
    env: Readonly<Record<string, string>>;
    /** Fixed variables the agent is started with. */
    constants?: Readonly<Record<string, string>>;
    /** Only on this host (in a container its home is the worktree: `home`). */
    hostOnly?: boolean;
    files(o: ConfigHomeContext): ConfigFile[];
  };
  /**
   * Where its transcripts are: directories under the user's home (host), under the agent's home
   * when that is the worktree (containers), and under its config home; which file is a session's
   * (Claude: `<project>/<session id>.jsonl`; the others: the newest `*.jsonl` below those, for its
   * config home is the session's own); and its lines in Claude Code's transcript shape — history's
   * one format, which the web UI's chat reads (absent: they are that already).
   */
  transcripts?: {
    dirs(home: string, env: NodeJS.ProcessEnv): string[];
    homeDir?: string;
    configDir?: string;
    find: 'session-id' | 'newest';
    normalize?: (line: unknown) => unknown[];
  };
}

export function defineAgent<N extends AgentName>(spec: AgentSpec<N>): AgentSpec<N> {
  return spec;
}
