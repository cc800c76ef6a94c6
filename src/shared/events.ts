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

export type DaemonEvent =
  | { type: 'session.created'; session: Session }
  | { type: 'session.updated'; session: Session }
  | { type: 'session.deleted'; session: Session }
  | ProgressEvent
  /** What is wrong with the daemon's setup changed (sent when either value changes; see DaemonInfo). */
  | { type: 'daemon.notes'; configError: string | null; httpError: string | null }
  /**
   * The daemon is about to stop: `user` (`clauderon daemon stop`), `signal`, or `replaced` (a client
   * of another version stops it to start its own). A client does not start a daemon the user stopped.
   */
  | { type: 'daemon.stopping'; reason: 'user' | 'signal' | 'replaced' };
