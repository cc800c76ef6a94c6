// clauderon archive NAME: stop the agent and hide the session; the worktree is kept.
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { addSessionAction } from './session-action.js';

export function addArchiveCommand(program: Command, ctx: CliContext): void {
  addSessionAction(program, ctx, {
    command: 'archive',
    method: 'sessions.archive',
    description: 'stop the agent and hide the session (the worktree is kept)',
    done: 'Archived',
  });
}
