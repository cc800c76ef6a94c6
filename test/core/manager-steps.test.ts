// The step runner create uses (src/core/steps.ts), on its own: order, skipped steps, the undo of
// a half-run step, and an undo that fails.
import { describe, expect, it } from 'vitest';
import { runSteps, type Step, type StepEvents } from '../../src/core/steps.js';
import type { CreateStep } from '../../src/shared/types.js';

function recorder(): { log: string[]; problems: string[][]; on: StepEvents } {
  const log: string[] = [];
  const problems: string[][] = [];
  return {
    log,
    problems,
    on: {
      start: (s) => Promise.resolve(void log.push(`start ${s}`)),
      done: (s, ms) => void log.push(`done ${s}${ms >= 0 ? '' : ' (negative time)'}`),
      failed: (s, e) => void log.push(`failed ${s}: ${(e as Error).message}`),
      rolledBack: (s) => void log.push(`rolled back ${s}`),
      afterRollback: (p) => void problems.push(p),
    },
  };
}

const step = (name: CreateStep, log: string[], over: Partial<Step> = {}): Step => ({
  name,
  run: () => void log.push(`run ${name}`),
  undo: () => void log.push(`undo ${name}`),
  ...over,
});

describe('runSteps', () => {
  it('runs the steps in order; one whose when() is false gets no events at all', async () => {
    const r = recorder();
    await runSteps([step('validate', r.log, { startedAt: performance.now() }), step('proxy', r.log, { when: () => false }), step('backend', r.log)], r.on);
    expect(r.log).toEqual(['run validate', 'done validate', 'start backend', 'run backend', 'done backend']);
    expect(r.problems).toEqual([]);
  });

  it('undoes the done steps in reverse, the failed one only when it may have half-run, and throws its error', async () => {
    const r = recorder();
    const boom = new Error('boom');
    const steps = [
      step('worktree', r.log),
      step('hooks', r.log, { undo: undefined }), // nothing to undo: no rolled-back event
      step('backend', r.log, { undoAfterFailure: true, run: () => Promise.reject(boom) }),
      step('finalize', r.log),
    ];
    await expect(runSteps(steps, r.on)).rejects.toBe(boom);
    expect(r.log).toEqual([
      'start worktree', 'run worktree', 'done worktree',
      'start hooks', 'run hooks', 'done hooks',
      'start backend', 'failed backend: boom',
      'undo backend', 'rolled back backend', 'undo worktree', 'rolled back worktree',
    ]);
  });

  it('goes on past an undo that fails, and hands on what it could not undo', async () => {
    const r = recorder();
    const steps = [
      step('worktree', r.log, { undo: (report) => report('kept branch b') }),
      step('proxy', r.log, { undo: () => Promise.reject(new Error('still listening')) }),
      step('backend', r.log, { run: () => Promise.reject(new Error('no')) }),
    ];
    await expect(runSteps(steps, r.on)).rejects.toThrow('no');
    expect(r.log.slice(-2)).toEqual(['failed backend: no', 'rolled back worktree']);
    expect(r.problems).toEqual([['proxy: still listening', 'kept branch b']]);
  });
});
