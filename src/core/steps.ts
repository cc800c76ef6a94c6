// A sequence of recorded steps with a generic rollback (create's: validate → worktree → proxy →
// backend → hooks → finalize). Each step is {name, run, undo}; the runner says when each starts,
// is done (with its time) or fails, and on a failure undoes, in reverse, exactly the steps that
// were done — plus the failed one when it may have half-run (undoAfterFailure) — saying which
// were rolled back. It knows nothing of what the steps do.
import { errorMessage } from '../shared/errors.js';
import type { CreateStep } from '../shared/types.js';

export interface Step {
  name: CreateStep;
  /** Asked when the step is reached: false skips it (no progress for it at all). */
  when?: () => boolean;
  run(): Promise<void> | void;
  /**
   * Undo what run did. A problem that leaves something behind without stopping the rollback is
   * reported (`report`); a throw is one too, and then the step is not said to be rolled back.
   */
  undo?: (report: (problem: string) => void) => Promise<void> | void;
  /** Undo it also when its run failed: it may have half-run (the undo must cope with either). */
  undoAfterFailure?: boolean;
  /** It began before the runner did (validate's checks), at this time: no start for it. */
  startedAt?: number;
}

export interface StepEvents {
  /** Before a step runs (not for one with startedAt). */
  start(step: CreateStep): Promise<void>;
  done(step: CreateStep, ms: number): void;
  failed(step: CreateStep, error: unknown, ms: number): void;
  rolledBack(step: CreateStep): void;
  /** After the undos (with what they could not undo), before the error is thrown on. */
  afterRollback(problems: string[]): Promise<void> | void;
}

/** Run the steps in order; on a failure, roll back and throw the step's error. */
export async function runSteps(steps: readonly Step[], on: StepEvents): Promise<void> {
  const done: Step[] = [];
  let current: Step | undefined;
  let t0 = performance.now();
  try {
    for (const step of steps) {
      current = step;
      if (step.when && !step.when()) continue;
      if (step.startedAt !== undefined) {
        t0 = step.startedAt;
      } else {
        t0 = performance.now();
        await on.start(step.name);
        t0 = performance.now();
      }
      await step.run();
      done.push(step);
      on.done(step.name, performance.now() - t0);
    }
  } catch (e) {
    // (a step whose run failed after it counted as done, e.g. while recording it, is undone once)
    const halfRun = current && current.undoAfterFailure && !done.includes(current) ? [current] : [];
    if (current) on.failed(current.name, e, performance.now() - t0);
    await on.afterRollback(await undo([...done, ...halfRun].reverse(), on));
    throw e;
  }
}

async function undo(steps: readonly Step[], on: StepEvents): Promise<string[]> {
  const problems: string[] = [];
  for (const step of steps) {
    if (!step.undo) continue;
    try {
      await step.undo((p) => problems.push(p));
      on.rolledBack(step.name);
    } catch (e) {
      problems.push(`${step.name}: ${errorMessage(e)}`);
    }
  }
  return problems;
}
