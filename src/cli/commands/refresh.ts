// clauderon refresh NAME: Docker — pull the image again and re-create the container.
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { addSessionAction } from './session-action.js';

export function addRefreshCommand(program: Command, ctx: CliContext): void {
  addSessionAction(program, ctx, {
    command: 'refresh',
    method: 'sessions.refresh',
    description: 'docker: pull the image again and re-create the container (worktree and conversation kept)',
    done: 'Refreshed',
  });
}
