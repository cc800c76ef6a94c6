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
  /** Why the proxy refused the request, or null. */
  blocked: string | null;
  error?: string | null;
}

export type DaemonEvent =
  | { type: 'session.created'; session: Session }
  | { type: 'session.updated'; session: Session }
  | { type: 'session.deleted'; session: Session }
  | ProgressEvent
  /** A session's proxy wrote an audit line (exactly as written to audit.jsonl). */
  | { type: 'proxy.audit'; sessionId: string; entry: AuditEntry }
  /** What is wrong with the daemon's setup changed (sent when either value changes; see DaemonInfo). */
  | { type: 'daemon.notes'; configError: string | null; httpError: string | null }
  /**
   * The daemon is about to stop: `user` (`clauderon daemon stop`), `signal`, or `replaced` (a client
   * of another version stops it to start its own). A client does not start a daemon the user stopped.
   */
  | { type: 'daemon.stopping'; reason: 'user' | 'signal' | 'replaced' };
