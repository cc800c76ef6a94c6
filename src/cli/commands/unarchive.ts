// clauderon unarchive NAME: bring an archived session back and restart its agent.
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { addSessionAction } from './session-action.js';

export function addUnarchiveCommand(program: Command, ctx: CliContext): void {
  addSessionAction(program, ctx, {
    command: 'unarchive',
    method: 'sessions.unarchive',
    description: 'bring an archived session back (the agent is restarted; Claude resumes its conversation)',
    done: 'Unarchived',
  });
}
