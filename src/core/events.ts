// Events the daemon pushes to subscribed clients (socket) — never polled.
import type { CreateStep, Session } from './types.js';

export type StepState = 'started' | 'done' | 'failed' | 'rolled_back';

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
  | ProgressEvent;
