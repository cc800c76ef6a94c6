// clauderon history NAME: the agent's conversation (its transcript, in history's one shape — Claude
// Code's — for every agent), as a readable chat or, with --json, the lines themselves.
import type { Command } from 'commander';
import { chatItems } from '../../shared/chat-items.js';
import type { CliContext } from '../context.js';
import { printResult } from '../output.js';

export function addHistoryCommand(program: Command, ctx: CliContext): void {
  program
    .command('history')
    .description("print the agent's conversation: its messages, tool calls and their results")
    .argument('<name>', 'session name or id')
    .option('--json', 'print the transcript lines as JSON')
    .action(async (name: string, o: { json?: boolean }) => {
      const { lines } = await ctx.withClient((c) => c.call('sessions.history', { name }));
      printResult(
        o,
        () => lines,
        () => {
          const items = chatItems(lines);
          if (items.length === 0) return `no conversation yet for ${name}\n`;
          return items
            .map((i) => {
              switch (i.kind) {
                case 'message':
                  return `${i.role === 'user' ? 'you' : 'agent'}: ${i.text}`;
                case 'tool':
                  return `  [${i.name}] ${i.summary}`;
                case 'result':
                  return `  ${i.error ? '(error) ' : ''}→ ${i.body.split('\n').slice(0, 3).join('\n    ')}`;
                case 'plan':
                  return `plan:\n${i.text}`;
                case 'thinking':
                  return `  (thinking) ${i.body.split('\n')[0] ?? ''}`;
                default:
                  return `(${i.text})`;
              }
            })
            .join('\n')
            .concat('\n');
        },
      );
    });
}
