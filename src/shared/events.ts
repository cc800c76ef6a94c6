// Events the daemon pushes to subscribed clients (socket) — never polled.
import type { CreateStep, Session } from './types.js';

/** `warning`: something the user should know before the agent starts (the message says what); the step goes on. */
export type StepState = 'started' | 'done' | 'failed' | 'rolled_back' | 'warning';

export interface ProgressEvent {
  type: 'create.progress';
  name: string;
  step: CreateStep;
  state: StepState;
  message: string | null;
  /** Milliseconds the step took (done/failed only). */
  ms: number | null;
}

/**
 * One line of audit.jsonl (src/proxy/audit.ts writes it): one proxied request, allowed, blocked or
 * failed. Never a secret: the credential's name only, the path with its query values redacted.
 */
export interface AuditEntry {
  ts: string;
  /** The session's name. */
  session: string;
  host: string;
  method: string;
  path: string;
  /** The credential injected (its name), or null. */
  credential: string | null;
  status: number | null;
  durationMs: number;
  /** Why the proxy refused the request, or null; `egress` when the session's egress policy did (see `policy`). */
  blocked: string | null;
  /** The egress policy that blocked it (`blocked: "egress"` only). */
  policy?: 'allow-list' | 'locked';
  error?: string | null;
  /** A tunnel the proxy did not open ("pass": a name on 443; "raw": an IP literal or other port), audited once when it closes. */
  tunnel?: 'pass' | 'raw';
  /** Bytes client → upstream and upstream → client (tunnels; counted at close). */
  bytesUp?: number;
  bytesDown?: number;
}

/** A target a session's egress policy refused (src/proxy/egress-policy.ts BlockedHost). */
export interface BlockedTarget {
  /** The canonical host (an IPv6 literal without brackets). */
  host: string;
  port: number;
  kind: 'name' | 'ip';
  count: number;
  firstAt: string;
  lastAt: string;
  /** The CLI command that allows it. */
  allow: string;
}

export type DaemonEvent =
  | { type: 'session.created'; session: Session }
  | { type: 'session.updated'; session: Session }
  | { type: 'session.deleted'; session: Session }
  | ProgressEvent
  /** A session's proxy wrote an audit line (exactly as written to audit.jsonl). */
  | { type: 'proxy.audit'; sessionId: string; entry: AuditEntry }
  /**
   * A session's egress policy blocked a target (each time; `blocked.count` counts them): what a UI
   * marks, and offers to allow with sessions.egressAllow `{ name, host, port }` (`blocked.allow` is
   * the CLI command that does it).
   */
  | { type: 'proxy.blocked'; sessionId: string; name: string; policy: 'allow-list' | 'locked'; blocked: BlockedTarget }
  /** What is wrong with the daemon's setup changed (sent when either value changes; see DaemonInfo). */
  | { type: 'daemon.notes'; configError: string | null; httpError: string | null }
  /**
   * The daemon is about to stop: `user` (`clauderon daemon stop`), `signal`, or `replaced` (a client
   * of another version stops it to start its own). A client does not start a daemon the user stopped.
   */
  | { type: 'daemon.stopping'; reason: 'user' | 'signal' | 'replaced' };
