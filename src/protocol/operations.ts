// Every operation of the daemon, declared once: its name (which is also its socket method), its
// params (a zod schema, validated at the edge of both transports), the type of its result, whether
// it reads or writes, and its HTTP route (null: socket only, and `local` says why). The socket
// server (src/daemon/socket.ts), the HTTP server (src/daemon/http.ts) and DaemonClient are driven
// by this table, and README's API table is generated from it (`npm run docs`). Only types and
// schemas here: the handlers are in src/daemon/operations.ts.
// (Over 400 lines: it is one table, one entry per operation, kept whole so that every transport,
// the client and the docs read the same list; splitting it would scatter the API.)
//
// Over HTTP the params of an operation come from three places: its route's `:param` path
// segments, the query params its route declares, and the JSON body for the rest (a POST's or
// DELETE's; empty is `{}`; a key that is no param of the body's, one of the path's included, is
// refused, as the socket refuses an unknown param). A GET has all its params in the path and the
// query, and other query params are ignored.
//
// Not an operation: POST /api/hooks (HOOKS_PATH). Agents post their hook events and exit reports
// there with their session's own hook token (not the API's), and it is the one endpoint also
// served on a container bridge's gateway. Nor are the web UI's sign-in endpoints, /api/auth/*
// (src/daemon/auth/routes.ts), which answer before a sign-in. Nor is the HTTP gate in front of every route and the
// WebSocket (Host, Origin, Sec-Fetch-Site, Content-Type, body limits: src/daemon/http-guard.ts).
// Nor the web UI's terminal, the WebSocket /ws/console/:name (CONSOLE_PATH, src/daemon/console.ts):
// browser-only, documented beside the table (markdownApiTable).
// (Over 400 lines on purpose: it is the table — one entry per operation, the one place each is declared.)
import { z } from 'zod';
import type { Config } from '../config/config.js';
import type { CredentialInfo } from '../proxy/credentials.js';
import type { AuditEntry } from '../shared/events.js';
import type { Catalog, DirectoryListing, WorktreeFile, WorktreeListing } from '../shared/results.js';
import { IMAGE_TYPES, MAX_IMAGE_BYTES, type UploadResult } from '../shared/images.js';
import { ACCESS_MODES, AGENTS, BACKENDS } from '../shared/types.js';
import { EGRESS_POLICIES, parseEgressRule, type BlockedHost, type EgressSettings } from '../shared/egress-rules.js';
import type { CreateResult, DeleteResult, FetchWorkResult, ReconcileItem, RecentRepo, Session, SessionDiff, SessionEvent, SessionStatus } from '../shared/types.js';

// ---------------------------------------------------------------- results

export interface DaemonInfo {
  pid: number;
  version: string;
  startedAt: string;
  socketPath: string;
  httpPort: number | null;
  /** Why the HTTP API is not listening (port taken…), or null. Agent hooks do not depend on it. */
  httpError: string | null;
  /** Why config.toml cannot be used ("<file>:<line>: …"), or null. */
  configError: string | null;
  /** How the HTTP API is protected: `loopback` (no sign-in), `passkeys`, `disabled` (CLAUDERON_DISABLE_AUTH=true). */
  httpAuth?: 'loopback' | 'passkeys' | 'disabled';
}

/** GET /api/status, and the WebSocket's hello after `"type":"hello"`. */
export interface DaemonStatus {
  version: string;
  pid: number;
  startedAt: string;
  httpPort: number | null;
  httpError: string | null;
  configError: string | null;
  /** As DaemonInfo's. */
  httpAuth?: 'loopback' | 'passkeys' | 'disabled';
  sessions: Partial<Record<SessionStatus, number>>;
}

export interface AttachCommand {
  /** Run on the daemon's host, in the caller's terminal. */
  argv: string[];
  detachHint: string;
  /** Exit statuses of argv that mean "detached", not "failed". */
  detachExitCodes: number[];
  session: Session;
}

export interface CaInfo {
  certPath: string;
  keyPath: string;
  fingerprint256: string;
  rotated: boolean;
  /** After a rotation: the live sessions whose agents still trust the old CA (marked in Session.error). */
  restart: string[];
}

export interface ConfigShow {
  path: string;
  config: Config;
}

export interface CredentialsReport {
  credentials: CredentialInfo[];
  /** Why the credentials could not be loaded, if they could not. */
  error: string | null;
}

/** A registered passkey (`clauderon auth list`). */
export interface PasskeyInfo {
  /** clauderon's short id, for `auth revoke ID`. */
  id: string;
  /** The device name given at registration. */
  name: string;
  createdAt: string;
  /** The last sign-in with it. */
  lastUsedAt: string | null;
  transports: string[];
  /** Live sign-in sessions. */
  sessions: number;
}

/** `clauderon auth register`: a one-time code and the sign-in page's link with it. */
export interface RegistrationCode {
  code: string;
  url: string;
  expiresAt: string;
}

export interface RevokeResult {
  revoked: PasskeyInfo;
  sessionsEnded: number;
}

/** sessions.egress: a session's egress policy as its proxy applies it (src/proxy/egress-policy.ts). */
export interface EgressReport extends EgressSettings {
  /** The session's name. */
  session: string;
  /** What the agent itself needs, always allowed (its model API…), as rules. */
  agentHosts: string[];
  /** Targets blocked since its proxy started, most recent first (at most 200). */
  blocked: BlockedHost[];
  /** Its proxy runs: a change applies to the very next request. */
  live: boolean;
}

/** sessions.egressAllow: the policy after the change, and what changed in words. */
export interface EgressChange extends EgressReport {
  note: string;
}

/** push.subscribe's params: a browser's PushSubscription, as its toJSON() gives it. */
export type PushSubscriptionJson = z.output<typeof pushSubscribeParams>;

/** GET /api/catalog (the type is src/shared's: the web UI reads it too). */
export type { Catalog };

// ---------------------------------------------------------------- the table's shape

declare const RESULT: unique symbol;
/** A type-only marker: what an operation returns (nothing of it exists at run time). */
export interface Returns<T> {
  readonly [RESULT]?: T;
}
const returns = <T>(): Returns<T> => ({});

/** How a query-string value becomes a param. */
export interface QueryParam {
  /** `string` as is, `number` by Number(), `flag` true when the value is `true` (anything else: false). */
  as: 'string' | 'number' | 'flag';
  /** A value the schema refuses is ignored (the param's default applies) rather than a 400 — as these routes always did. */
  lenient?: true;
}

export interface HttpRoute {
  method: 'GET' | 'POST' | 'DELETE';
  /** `/api/…` or `/ws/…`; a `:param` segment is that param (a session's id or name). */
  path: string;
  query?: Readonly<Record<string, QueryParam>>;
  /** Status of a success (200 unless said). */
  status?: number;
  /** A WebSocket that streams events (a GET upgrade) rather than one answer. */
  stream?: true;
  /** The body is raw bytes, not JSON (sessions.upload's image): see RawBody. */
  raw?: RawBody;
}

/**
 * A route whose body is raw bytes of one of `types` (its Content-Type), not JSON: the body becomes
 * the param `param` (base64, as the socket sends it) and the Content-Type the param `typeParam`;
 * its limit is `limit` instead of the JSON one. The other params come from the path and the query
 * only (none from a body), so a param the socket alone may give (a host path) never arrives over HTTP.
 * No cross-origin page can send these types without a preflight (never approved), as with JSON.
 */
export interface RawBody {
  param: string;
  typeParam: string;
  types: readonly string[];
  limit: number;
}

export interface Operation<P extends z.ZodObject = z.ZodObject, R = unknown> {
  /** The README's "operation" column: a few words. */
  title: string;
  /** What it does and answers (README's last column). */
  summary: string;
  access: 'read' | 'write';
  params: P;
  result: Returns<R>;
  http: HttpRoute | null;
  /** For an operation with no HTTP route: why it stays on the socket. */
  local?: string;
}

const op = <P extends z.ZodObject, R>(o: Operation<P, R>): Operation<P, R> => o;

// ---------------------------------------------------------------- params

const sessionName = z.string().min(1).max(200);
const none = z.object({}).strict();
const byName = z.object({ name: sessionName }).strict();

/** An egress rule's text (src/proxy/egress-policy.ts), refused with the parser's own reason. */
const egressRuleParam = z
  .string()
  .max(300)
  .superRefine((x, ctx) => {
    const r = parseEgressRule(x);
    if (!r.ok) ctx.addIssue({ code: 'custom', message: r.reason });
  });

export const createParams = z
  .object({
    repoPath: z.string().min(1).refine((p) => p.startsWith('/'), 'repoPath must be absolute'),
    prompt: z.string().max(100_000),
    name: z.string().min(1).max(200).optional(),
    backend: z.enum(BACKENDS).optional(),
    agent: z.enum(AGENTS).optional(),
    model: z
      .string()
      .min(1)
      .max(200)
      .regex(/^[A-Za-z0-9][A-Za-z0-9._:/@[\]-]*$/, 'a model name: letters, digits and . _ : / @ [ ] - (not starting with -), e.g. "sonnet" or "gemini-2.5-pro"')
      .optional(),
    accessMode: z.enum(ACCESS_MODES).default('read-write'),
    skipChecks: z.boolean().default(false),
    planMode: z.boolean().default(true),
    /** The session's egress policy (default: config.toml [egress]); `allowHosts` are its own rules (host, *.suffix, host:port, preset). */
    egress: z.enum(EGRESS_POLICIES).optional(),
    allowHosts: z.array(egressRuleParam).max(200).optional(),
    /** The chosen backend's own options (image, limits…): each backend's spec validates its keys. */
    backendRequest: z.record(z.string().max(40), z.union([z.string().max(500), z.number(), z.boolean()])).optional(),
  })
  .strict();

/**
 * A PushSubscription's endpoint: the push service's URL (https; the daemon allows http only for a
 * loopback host under CLAUDERON_PUSH_ALLOW_HTTP_LOOPBACK=1, for tests: src/daemon/push.ts).
 */
const pushEndpoint = z
  .string()
  .min(1)
  .max(2048)
  .refine((u) => {
    try {
      const url = new URL(u);
      return (url.protocol === 'https:' || url.protocol === 'http:') && url.username === '' && url.password === '' && url.hash === '' && url.hostname !== '';
    } catch {
      return false;
    }
  }, 'a push service URL (https://…, no user info or fragment)');

export const pushSubscribeParams = z
  .object({
    endpoint: pushEndpoint,
    expirationTime: z.number().nullable().optional(),
    keys: z
      .object({
        // an uncompressed P-256 point (65 bytes, 0x04 first) and a 16-byte secret, base64url
        p256dh: z.string().regex(/^B[A-Za-z0-9_-]{86}=?$/, "the browser's P-256 public key (65 bytes, base64url)"),
        auth: z.string().regex(/^[A-Za-z0-9_-]{22}(==)?$/, "the browser's auth secret (16 bytes, base64url)"),
      })
      .strict(),
  })
  .strict();

const SESSION = '/api/sessions/:name';

// ---------------------------------------------------------------- the table

export const operations = {
  'daemon.info': op({
    title: 'daemon info',
    summary: 'pid, version, start time, socket path, HTTP port',
    access: 'read',
    params: none,
    result: returns<DaemonInfo>(),
    http: { method: 'GET', path: '/api/daemon' },
  }),
  'daemon.status': op({
    title: 'status',
    summary: 'version, pid, start time, HTTP port, session counts by status',
    access: 'read',
    params: none,
    result: returns<DaemonStatus>(),
    http: { method: 'GET', path: '/api/status' },
  }),
  'daemon.stop': op({
    title: 'stop the daemon',
    summary: '`{"stopping":true}`, then a graceful stop (subscribers get `daemon.stopping` with `reason`, `user` unless said: `replaced` when a client of another version replaces it); sessions keep running',
    access: 'write',
    params: z.object({ reason: z.enum(['user', 'replaced']).default('user') }).strict(),
    result: returns<{ stopping: boolean }>(),
    http: null,
    local: 'it ends the HTTP API itself and every session’s proxy, and only a process on this host can start a daemon again (the socket’s clients do, on their next command)',
  }),
  'events.subscribe': op({
    title: 'event stream',
    summary:
      'every `session.created` / `session.updated` (status and agentStatus changes) / `session.deleted`, `create.progress`, `proxy.audit` (`{"sessionId","entry"}`: an audit line as written) and `proxy.blocked` (`{"sessionId","name","policy","blocked"}`: a target the session’s egress policy refused, as `sessions.egress` lists it) event, in order: on the socket `{"subscribed":true}`, then `{"event":…}` lines; the WebSocket sends `{"type":"hello",…}` (the status) first',
    access: 'read',
    params: none,
    result: returns<{ subscribed: boolean }>(),
    http: { method: 'GET', path: '/ws/events', stream: true },
  }),
  'sessions.list': op({
    title: 'list sessions',
    summary: 'sessions (the fields above), `filter` `active` (default), `archived` or `all`; over HTTP an unknown filter is `active`',
    access: 'read',
    params: z.object({ filter: z.enum(['active', 'archived', 'all']).default('active') }).strict(),
    result: returns<Session[]>(),
    http: { method: 'GET', path: '/api/sessions', query: { filter: { as: 'string', lenient: true } } },
  }),
  'sessions.get': op({
    title: 'show a session',
    summary: 'one session, by id or name',
    access: 'read',
    params: byName,
    result: returns<Session>(),
    http: { method: 'GET', path: SESSION },
  }),
  'sessions.create': op({
    title: 'create a session',
    summary: '`{"session","warnings"}` (HTTP: 201); the socket also sends `{"id","progress"}` for each step, HTTP clients see the steps on /ws/events',
    access: 'write',
    params: createParams,
    result: returns<CreateResult>(),
    http: { method: 'POST', path: '/api/sessions', status: 201 },
  }),
  'sessions.archive': op({
    title: 'archive',
    summary: 'stops the agent (a container is stopped and kept) and its proxy, keeps the worktree; the session',
    access: 'write',
    params: byName,
    result: returns<Session>(),
    http: { method: 'POST', path: `${SESSION}/archive` },
  }),
  'sessions.unarchive': op({
    title: 'unarchive',
    summary: 'starts the agent again: `{"session","warnings"}`',
    access: 'write',
    params: byName,
    result: returns<CreateResult>(),
    http: { method: 'POST', path: `${SESSION}/unarchive` },
  }),
  'sessions.refresh': op({
    title: 'refresh',
    summary: 'a container session: pulls its image again (unless the pull policy is `never`) and re-creates the container, keeping the worktree, the proxy and the conversation; the session',
    access: 'write',
    params: byName,
    result: returns<Session>(),
    http: { method: 'POST', path: `${SESSION}/refresh` },
  }),
  'sessions.fetch': op({
    title: 'fetch',
    summary: 'a remote session (kubernetes): brings the agent\'s commits back onto the session\'s branch in its worktree (fast-forward): `{"session","commits","dirty"}`',
    access: 'write',
    params: byName,
    result: returns<FetchWorkResult>(),
    http: { method: 'POST', path: `${SESSION}/fetch` },
  }),
  'sessions.delete': op({
    title: 'delete',
    summary: 'removes the backend session, the worktree and the branch (one with unique commits is kept, and uncommitted changes refuse the delete, unless `force`): `{"session","notes"}`',
    access: 'write',
    params: z.object({ name: sessionName, force: z.boolean().default(false) }).strict(),
    result: returns<DeleteResult>(),
    http: { method: 'DELETE', path: SESSION, query: { force: { as: 'flag' } } },
  }),
  'sessions.setAccessMode': op({
    title: 'access mode',
    summary: '`mode` `read-only` or `read-write` for the session’s proxy; the session',
    access: 'write',
    params: z.object({ name: sessionName, mode: z.enum(ACCESS_MODES) }).strict(),
    result: returns<Session>(),
    http: { method: 'POST', path: `${SESSION}/access-mode` },
  }),
  'sessions.attach': op({
    title: 'attach',
    summary: 'the command that attaches a terminal to the agent (zellij/tmux attach, docker exec) and its detach hint',
    access: 'read',
    params: byName,
    result: returns<AttachCommand>(),
    http: null,
    local: 'it answers an argv for the caller to run on the daemon’s host, in its own terminal: nothing a remote client can use',
  }),
  'sessions.output': op({
    title: 'output',
    summary: 'the last `lines` (1–10000, default 50) of the agent’s screen: `{"output"}`',
    access: 'read',
    params: z.object({ name: sessionName, lines: z.number().int().min(1).max(10_000).default(50) }).strict(),
    result: returns<{ output: string }>(),
    http: { method: 'GET', path: `${SESSION}/output`, query: { lines: { as: 'number' } } },
  }),
  'sessions.watchScreen': op({
    title: 'watch the screen',
    summary:
      'push the session’s screen (its last `lines`, 1–1000, default 200) to this connection while watched: `{"watching":id}`, then `{"screen":{"name","screen"}}` at once and whenever it changes (read every 250 ms, one read per watched session however many watch it; `{"screen":{"name","error"}}` when it cannot be read); one watch per connection, a new one replaces it, `name` null or closing the connection ends it',
    access: 'read',
    params: z.object({ name: sessionName.nullable(), lines: z.number().int().min(1).max(1000).default(200) }).strict(),
    result: returns<{ watching: string | null }>(),
    http: null,
    local: 'it pushes on the connection that asked, for as long as that connection lives: a socket client’s stream (the TUI’s preview); the web UI’s live terminal is its own WebSocket',
  }),
  'sessions.diff': op({
    title: 'changes',
    summary:
      'the session’s changes against the commit its branch started from — committed, staged, unstaged and untracked, leaving out what clauderon itself keeps in the worktree: `{"base","files":[{"path","status","additions","deletions"}],"patch","truncated"}`, the patch at most 1 MiB',
    access: 'read',
    params: byName,
    result: returns<SessionDiff>(),
    http: { method: 'GET', path: `${SESSION}/diff` },
  }),
  'sessions.events': op({
    title: 'session events',
    summary: 'the session’s recorded events: status and agentStatus changes, create steps, notes',
    access: 'read',
    params: byName,
    result: returns<SessionEvent[]>(),
    http: { method: 'GET', path: `${SESSION}/events` },
  }),
  'sessions.env': op({
    title: 'agent environment',
    summary: 'what the agent’s environment holds beyond its backend’s: proxy and hook settings, credential placeholders (never a real credential)',
    access: 'read',
    params: byName,
    result: returns<Record<string, string>>(),
    http: { method: 'GET', path: `${SESSION}/env` },
  }),
  'sessions.history': op({
    title: 'transcript',
    summary:
      'the agent’s transcript, one JSON value per line, in Claude Code’s JSONL shape for every agent (Codex’s rollout and Gemini CLI’s chat log are translated into it: `{"type":"user"|"assistant","message":{"content":[text, tool_use, tool_result, thinking blocks]}}`): `{"lines":[…]}`. Only a regular `*.jsonl` file where the agent keeps transcripts is read — Claude: `~/.claude/projects`, `$CLAUDE_CONFIG_DIR/projects` or the worktree’s `.claude/projects` (a container agent: only the worktree’s); Codex and Gemini: the session’s own config home (`sessions/ID/agent-home`); a Kubernetes session’s: read in its pod, never copied here — never a FIFO, a device, or anything a symlink leads to outside those, and at most its last 16 MiB (then the first value is `{"truncated":true,"omittedBytes":N}`)',
    access: 'read',
    params: byName,
    result: returns<{ lines: unknown[] }>(),
    http: { method: 'GET', path: `${SESSION}/history` },
  }),
  'sessions.files': op({
    title: 'worktree files',
    summary:
      'the session’s worktree as a tree, depth first: `{"entries":[{"path","type","changed"}],"truncated"}` — paths relative, `type` `file` or `dir` (a symbolic link is a `file`, never followed), `changed` against the commit the session started from (a directory: something under it), `.git` left out, at most 5000 entries',
    access: 'read',
    params: byName,
    result: returns<WorktreeListing>(),
    http: { method: 'GET', path: `${SESSION}/files` },
  }),
  'sessions.file': op({
    title: 'read a worktree file',
    summary:
      'one file of the worktree, read-only: `{"path","content","binary","truncated"}` (at most 1 MiB; a binary file’s content is empty). `path` is relative to the worktree: an absolute one, a `..` segment, a symbolic link leading out of the worktree, `.git`, a FIFO or a device are refused (`invalid_input`, field `path`)',
    access: 'read',
    params: z.object({ name: sessionName, path: z.string().max(4096) }).strict(),
    result: returns<WorktreeFile>(),
    http: { method: 'GET', path: `${SESSION}/file`, query: { path: { as: 'string' } } },
  }),
  'sessions.audit': op({
    title: 'proxy audit',
    summary:
      'the session’s audit lines (what its proxy did: host, method, path with query values redacted, credential name injected — never a value —, status, duration, why a request was blocked), newest first, `limit` 1–1000 (default 200; over HTTP an invalid one is 200); new ones are pushed as `proxy.audit` events',
    access: 'read',
    params: z.object({ name: sessionName, limit: z.number().int().min(1).max(1000).default(200) }).strict(),
    result: returns<AuditEntry[]>(),
    http: { method: 'GET', path: `${SESSION}/audit`, query: { limit: { as: 'number', lenient: true } } },
  }),
  'sessions.egress': op({
    title: 'egress policy',
    summary:
      'the session’s egress policy: `{"session","policy","allow","agentHosts","blocked":[{"host","port","kind","count","firstAt","lastAt","allow"}],"live"}` — `policy` `open`, `allow-list` or `locked`, `allow` its own rules, `agentHosts` what the agent itself needs (always allowed), `blocked` the targets refused since its proxy started (most recent first, at most 200; each with the command that allows it); new blocks are pushed as `proxy.blocked` events',
    access: 'read',
    params: byName,
    result: returns<EgressReport>(),
    http: { method: 'GET', path: `${SESSION}/egress` },
  }),
  'sessions.egressAllow': op({
    title: 'change the egress policy',
    summary:
      'allow `host` (a host, `*.suffix`, `host:port`, `[IPv6]:port` or a preset; `port` replaces its port), or with `remove` take that rule away, and/or set `policy`: applied by the running proxy to the very next request (no restart) and stored with the session; a blocked target that is now allowed leaves `blocked`. The report, with `note` saying what changed',
    access: 'write',
    params: z
      .object({
        name: sessionName,
        host: egressRuleParam.optional(),
        port: z.number().int().min(1).max(65535).optional(),
        remove: z.boolean().default(false),
        policy: z.enum(EGRESS_POLICIES).optional(),
      })
      .strict()
      .refine((p) => p.host !== undefined || p.policy !== undefined, 'give a host to allow (or remove), or a policy')
      .refine((p) => p.port === undefined || p.host !== undefined, { message: 'port goes with host', path: ['port'] }),
    result: returns<EgressChange>(),
    http: { method: 'POST', path: `${SESSION}/egress` },
  }),
  'sessions.upload': op({
    title: 'attach an image',
    summary:
      'stores an image for the agent in `uploads/<session id>/` and answers where the agent reads it: `{"file","path","hostPath","type","size","sha256","sent","sendError"}` — `path` is the host path for host agents (tmux, zellij), `/workspace/.clauderon/uploads/<id>/NAME` in a Docker container, and in a Kubernetes pod (copied there over exec; refused, keeping nothing, when the pod is not running). Only PNG, JPEG, GIF and WebP, recognised by their bytes (a declared `type` must match), at most 10 MiB (HTTP: the raw bytes with `Content-Type: image/…`; the socket: `data` in base64 within its 1 MiB line, or `path`, a file on the daemon’s host); at most 50 files and 100 MiB per session; the name is cleaned to letters, digits, `.`, `_`, `-` (`-N` added when taken). `message` and/or `send`: the path (after `message`) is then typed into the agent, then Enter. Anything refused writes nothing',
    access: 'write',
    params: z
      .object({
        name: sessionName,
        filename: z.string().min(1).max(1000).optional(),
        type: z.string().max(200).optional(),
        data: z.string().max(Math.ceil(MAX_IMAGE_BYTES / 3) * 4).optional(),
        path: z.string().min(1).max(4096).optional(),
        message: z.string().max(2000).optional(),
        send: z.boolean().default(false),
      })
      .strict(),
    result: returns<UploadResult>(),
    http: { method: 'POST', path: `${SESSION}/uploads`, status: 201, query: { filename: { as: 'string' } }, raw: { param: 'data', typeParam: 'type', types: IMAGE_TYPES, limit: MAX_IMAGE_BYTES } },
  }),
  reconcile: op({
    title: 'reconcile',
    summary: 'what [Reconcile](#reconcile) found and did',
    access: 'write',
    params: none,
    result: returns<ReconcileItem[]>(),
    http: { method: 'POST', path: '/api/reconcile' },
  }),
  'repos.recent': op({
    title: 'recent repositories',
    summary: 'recently used repositories, `limit` 1–200 (default 20; over HTTP an invalid one is 20)',
    access: 'read',
    params: z.object({ limit: z.number().int().min(1).max(200).default(20) }).strict(),
    result: returns<RecentRepo[]>(),
    http: { method: 'GET', path: '/api/recent-repos', query: { limit: { as: 'number', lenient: true } } },
  }),
  'catalog.get': op({
    title: 'create catalog',
    summary: 'what a create form offers: `{"backends":[{"name","options"}],"agents":[{"name"}],"defaults":{"backend","agent"}}`, from the backend and agent registries and config.toml',
    access: 'read',
    params: none,
    result: returns<Catalog>(),
    http: { method: 'GET', path: '/api/catalog' },
  }),
  'directories.browse': op({
    title: 'browse directories',
    summary:
      'one directory’s subdirectories on the daemon’s host, for picking a repository: `{"path","parent","repoRoot","entries":[{"name","repo"}],"error"}` — `~` and paths relative to the home directory allowed, hidden directories left out, git repositories marked, what cannot be read said in `error`; the clauderon home is never listed (a path inside it lists the directory that holds it). A read sent as a POST: the path stays out of URLs and logs',
    access: 'read',
    params: z.object({ path: z.string().max(4096).refine((p) => !p.includes('\0'), 'path may not hold a NUL byte') }).strict(),
    result: returns<DirectoryListing>(),
    http: { method: 'POST', path: '/api/browse-directory' },
  }),
  'config.show': op({
    title: 'configuration',
    summary: 'the `config.toml` in effect, with defaults: `{"path","config"}`',
    access: 'read',
    params: none,
    result: returns<ConfigShow>(),
    http: { method: 'GET', path: '/api/config' },
  }),
  'credentials.describe': op({
    title: 'credentials',
    summary: 'which credentials the daemon holds and where each came from, never a value: `{"credentials","error"}`',
    access: 'read',
    params: none,
    result: returns<CredentialsReport>(),
    http: { method: 'GET', path: '/api/credentials' },
  }),
  'ca.show': op({
    title: 'proxy CA',
    summary: 'the CA’s certificate and key paths and SHA-256 fingerprint',
    access: 'read',
    params: none,
    result: returns<CaInfo>(),
    http: { method: 'GET', path: '/api/ca' },
  }),
  'ca.rotate': op({
    title: 'rotate the proxy CA',
    summary: 'a new CA; `restart`: the live sessions whose agents still trust the old one',
    access: 'write',
    params: none,
    result: returns<CaInfo>(),
    http: { method: 'POST', path: '/api/ca/rotate' },
  }),
  'auth.register': op({
    title: 'passkey registration code',
    summary: 'a one-time code (valid 10 minutes, single use) and the link `ORIGIN/signin#register=CODE` that registers a passkey with it: `{"code","url","expiresAt"}`',
    access: 'write',
    params: none,
    result: returns<RegistrationCode>(),
    http: null,
    local: 'a registration code is what lets a new device in: only the host mints one',
  }),
  'auth.list': op({
    title: 'passkeys',
    summary: 'the registered passkeys: `[{"id","name","createdAt","lastUsedAt","transports","sessions"}]`',
    access: 'read',
    params: none,
    result: returns<PasskeyInfo[]>(),
    http: null,
    local: 'passkeys are managed on the host',
  }),
  'auth.revoke': op({
    title: 'revoke a passkey',
    summary: 'removes the passkey `id` and ends its sign-in sessions at once: `{"revoked","sessionsEnded"}`',
    access: 'write',
    params: z.object({ id: z.string().min(1).max(1024) }).strict(),
    result: returns<RevokeResult>(),
    http: null,
    local: 'passkeys are managed on the host (a stolen sign-in must not be able to lock the owner out)',
  }),
  'push.key': op({
    title: 'Web Push key',
    summary: 'the daemon’s VAPID public key (base64url), the `applicationServerKey` a browser subscribes with: `{"publicKey"}`',
    access: 'read',
    params: none,
    result: returns<{ publicKey: string }>(),
    http: { method: 'GET', path: '/api/push/key' },
  }),
  'push.subscribe': op({
    title: 'Web Push subscribe',
    summary:
      'store a browser’s PushSubscription (its `toJSON()`: `endpoint` an https URL, `keys.p256dh`, `keys.auth`) to get a push when an agent waits for input or approval or a session fails, with the page closed; the same endpoint again replaces it; kept with the passkey the request is signed in with (revoking it removes them), at most 50 (the oldest goes): `{"subscribed":true}` (HTTP: 201)',
    access: 'write',
    params: pushSubscribeParams,
    result: returns<{ subscribed: true }>(),
    http: { method: 'POST', path: '/api/push/subscriptions', status: 201 },
  }),
  'push.unsubscribe': op({
    title: 'Web Push unsubscribe',
    summary: 'forget the subscription with this `endpoint`: `{"unsubscribed"}` (false: there was none)',
    access: 'write',
    params: z.object({ endpoint: z.string().min(1).max(2048) }).strict(),
    result: returns<{ unsubscribed: boolean }>(),
    http: { method: 'DELETE', path: '/api/push/subscriptions' },
  }),
} as const;

export type Method = keyof typeof operations;
/** What a client sends (defaults may be left out). */
export type Params<M extends Method> = z.input<(typeof operations)[M]['params']>;
/** What a handler receives: validated, defaults filled in. */
export type ParsedParams<M extends Method> = z.output<(typeof operations)[M]['params']>;
export type Result<M extends Method> = (typeof operations)[M]['result'] extends Returns<infer T> ? T : never;

/** Agents' hook events: an endpoint of its own, not an operation (see the top of this file). */
export const HOOKS_PATH = '/api/hooks';
/** The web UI's live terminal, `${CONSOLE_PATH}/:name` (src/daemon/console.ts): a WebSocket of its own, not an operation. */
export const CONSOLE_PATH = '/ws/console';

export const METHODS = Object.keys(operations) as Method[];

export function isMethod(name: string): name is Method {
  return Object.hasOwn(operations, name);
}

/** Validate `raw` as the params of `method` (defaults filled in). */
export function parseParams<M extends Method>(method: M, raw: unknown): { ok: true; params: ParsedParams<M> } | { ok: false; issue: z.core.$ZodIssue | undefined } {
  const r = operations[method].params.safeParse(raw);
  // (one schema per method: its output is that method's params)
  return r.success ? { ok: true, params: r.data as ParsedParams<M> } : { ok: false, issue: r.error.issues[0] };
}

/** `invalid lines: Too small…`: an issue as one line. */
export function issueText(issue: z.core.$ZodIssue | undefined, whole = 'params'): string {
  return `${issue?.path.join('.') || whole}: ${issue?.message ?? 'invalid'}`;
}

/**
 * The input a params issue belongs to, as ClauderonError's `field` (`{ field }`, or nothing): the
 * param's own name, but `repo` for repoPath, `accessMode` for a mode, `option:<key>` for a backend
 * option.
 */
export function issueField(issue: z.core.$ZodIssue | undefined): { field: string } | undefined {
  const [head, key] = issue?.path ?? [];
  if (typeof head !== 'string') return undefined;
  if (head === 'backendRequest') return typeof key === 'string' ? { field: `option:${key}` } : undefined;
  return { field: ({ repoPath: 'repo', mode: 'accessMode' } as Record<string, string>)[head] ?? head };
}

// ---------------------------------------------------------------- HTTP

/** The parts of an operation's params over HTTP: path segments, query, body. */
export interface HttpParts {
  path: string[];
  query: string[];
  body: string[];
}

export function httpParts(method: Method): HttpParts {
  const o: Operation = operations[method];
  const path = (o.http?.path ?? '').split('/').filter((s) => s.startsWith(':')).map((s) => s.slice(1));
  const query = Object.keys(o.http?.query ?? {});
  const body = Object.keys(o.params.shape).filter((k) => !path.includes(k) && !query.includes(k));
  return { path, query, body };
}

/** The HTTP request that runs `method` with `params` (for clients of the HTTP API, and tests). */
export function httpRequestFor<M extends Method>(method: M, params: Params<M>): { method: HttpRoute['method']; path: string; body?: Record<string, unknown> } {
  const route = operations[method].http;
  if (!route || route.stream) throw new Error(`${method} has no HTTP route that answers once`);
  if (route.raw) throw new Error(`${method}'s HTTP body is raw bytes (${route.raw.types.join(', ')}), not JSON`);
  const values = new Map<string, unknown>(Object.entries(params));
  const text = (k: string): string => {
    const v = values.get(k);
    return typeof v === 'string' ? v : JSON.stringify(v ?? '');
  };
  const path = route.path.replace(/:(\w+)/g, (_m, k: string) => encodeURIComponent(text(k)));
  const parts = httpParts(method);
  const query = new URLSearchParams();
  for (const k of parts.query) if (values.has(k)) query.set(k, text(k));
  // (anything else is the body's, also a key no param has: the server refuses it, as the socket does)
  const rest = [...values.keys()].filter((k) => !parts.path.includes(k) && !parts.query.includes(k));
  const body = Object.fromEntries(rest.map((k) => [k, values.get(k)]));
  const q = query.toString();
  return { method: route.method, path: q ? `${path}?${q}` : path, ...(rest.length > 0 && route.method !== 'GET' ? { body } : {}) };
}

// ---------------------------------------------------------------- README

const optional = (schema: z.ZodType): boolean => schema.safeParse(undefined).success;

function paramList(o: Operation, keys: readonly string[]): string[] {
  const shape = o.params.shape as Record<string, z.ZodType>;
  return keys.map((k) => `${k}${shape[k] && optional(shape[k]) ? '?' : ''}`);
}

function routeText(m: Method): string {
  const o: Operation = operations[m];
  if (!o.http) return '— (socket only)';
  const parts = httpParts(m);
  const query = Object.entries(o.http.query ?? {}).map(([k, q]) => (q.as === 'flag' ? `${k}=true` : `${k}=…`));
  const target = `${o.http.method} ${o.http.path}${query.length ? `[?${query.join('&')}]` : ''}`;
  const raw = o.http.raw ? ` body: the raw bytes, \`Content-Type\` ${o.http.raw.types.map((t) => `\`${t}\``).join(' / ')}` : '';
  const body = raw || (o.http.method !== 'GET' && parts.body.length ? ` \`{${paramList(o, parts.body).map((k) => `"${k}"`).join(',')}}\`` : '');
  return `\`${target}\`${o.http.stream ? ' (WebSocket)' : ''}${body}`;
}

/** README's API table (between the `api` markers). */
export function markdownApiTable(): string {
  const rows = METHODS.map((m) => {
    const o: Operation = operations[m];
    const params = paramList(o, Object.keys(o.params.shape));
    const socket = `\`${m}\`${params.length ? ` ${params.map((p) => `\`${p}\``).join(', ')}` : ''}`;
    const summary = o.local ? `${o.summary}. Socket only: ${o.local}` : o.summary;
    return `| ${o.title} | ${socket} | ${routeText(m)} | ${o.access} | ${summary.replaceAll('|', '\\|')} |`;
  });
  return [
    '| operation | socket method (params) | HTTP route | read/write | what it does |',
    '|---|---|---|---|---|',
    ...rows,
    '',
    `Not an operation: \`POST ${HOOKS_PATH}?session=ID\` takes an agent's hook event or exit report, with \`Authorization: Bearer <hook token>\` (the session's own; a wrong token or an unknown session gets 404). Over HTTP, \`:name\` is a session's id or name, the params not in the path or the query are the JSON body, and an operation's answer is its socket result.`,
    '',
    `Not an operation either: \`GET ${CONSOLE_PATH}/:name\` (a WebSocket; browser-only: the web UI's terminal tab) attaches to the session's agent — the backend's attach command in a PTY of the daemon's — behind the same gate as \`/ws/events\` (Host, Origin, auth on a non-loopback bind). Its frames are JSON text: server → client \`{"type":"output","data":"<base64>"}\`, \`{"type":"exit","code":N}\`, \`{"type":"error","message":"…"}\`; client → server \`{"type":"input","data":"<base64>"}\`, \`{"type":"resize","rows":R,"cols":C}\` (integers 1–1000; the first one sizes the PTY, else 80×24). A bad frame gets an error frame and changes nothing; an unknown session, or one not running, gets an error frame and then close 4404 or 4409. Closing the WebSocket detaches (ends that attach process), never the agent; several may watch one session.`,
    '',
    'Nor `GET /ws/history/:name` (a WebSocket; browser-only: the web UI\'s chat tab): it follows the session\'s transcript — the file `sessions.history` reads, under the same confinement — behind the same gate. Server → client JSON text frames: `{"type":"history","lines":[…],"omittedBytes":N}` (everything so far, at most the last 16 MiB; sent again when the transcript is replaced), `{"type":"append","lines":[…]}` (each line added), `{"type":"error","message":"…"}` then close 4404 (an unknown or deleted session); 1013 when 64 are open, 1008 for a client that stops reading; client frames are ignored. The daemon watches the file (no polling) only while a client is connected.',
  ].join('\n');
}
