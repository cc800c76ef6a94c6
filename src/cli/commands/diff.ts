// clauderon diff NAME: the session's changes against the commit its branch started from.
import type { Command } from 'commander';
import { printable } from '../../shared/printable.js';
import type { DiffFile, SessionDiff } from '../../shared/types.js';
import type { CliContext } from '../context.js';
import { useColor } from '../format.js';
import { printJson } from '../output.js';

const C = { red: '\x1b[31m', green: '\x1b[32m', cyan: '\x1b[36m', bold: '\x1b[1m', dim: '\x1b[2m', off: '\x1b[0m' };

function counts(f: DiffFile): string {
  return f.additions === null ? 'binary' : `+${f.additions} -${f.deletions ?? 0}`;
}

/** The file list: one line per file, `M  path  +3 -1`, then a total. */
export function statText(d: SessionDiff, color: boolean): string {
  if (d.files.length === 0) return `no changes since ${d.base.slice(0, 12)}\n`;
  const paint = (c: string, s: string) => (color ? `${c}${s}${C.off}` : s);
  const width = Math.max(...d.files.map((f) => f.path.length));
  const lines = d.files.map((f) => `${paint(f.status === 'D' ? C.red : f.status === 'A' ? C.green : C.cyan, f.status)}  ${printable(f.path).padEnd(width)}  ${counts(f)}`);
  const add = d.files.reduce((n, f) => n + (f.additions ?? 0), 0);
  const del = d.files.reduce((n, f) => n + (f.deletions ?? 0), 0);
  lines.push(`${d.files.length} file${d.files.length === 1 ? '' : 's'} changed since ${d.base.slice(0, 12)}, +${add} -${del}`);
  return `${lines.join('\n')}\n`;
}

/** The unified diff, coloured for a terminal (and shown printable there: it is the agent's text). */
export function patchText(d: SessionDiff, color: boolean): string {
  const shown = printable(d.patch);
  if (!color) return shown;
  return shown
    .split('\n')
    .map((l) => {
      if (/^(diff --git|index |--- |\+\+\+ |new file|deleted file|similarity|rename |old mode|new mode)/.test(l)) return `${C.bold}${l}${C.off}`;
      if (l.startsWith('@@')) return `${C.cyan}${l}${C.off}`;
      if (l.startsWith('+')) return `${C.green}${l}${C.off}`;
      if (l.startsWith('-')) return `${C.red}${l}${C.off}`;
      return l;
    })
    .join('\n');
}

export function addDiffCommand(program: Command, ctx: CliContext): void {
  program
    .command('diff')
    .description("show a session's changes since its branch started: committed, staged, unstaged and untracked")
    .argument('<name>', 'session name or id')
    .option('--stat', 'only the changed files and their line counts')
    .option('--json', 'print JSON ({"base","files","patch","truncated"})')
    .addHelpText(
      'after',
      '\nPiped, the patch is printed as git prints it (so `clauderon diff NAME | git apply` works); on a terminal it is coloured and\ncontrol characters from the agent\'s files are shown as ^X rather than sent to the terminal.',
    )
    .action(async (name: string, o: { stat?: boolean; json?: boolean }) => {
      const d = await ctx.withClient((c) => c.call('sessions.diff', { name }));
      if (o.json) return printJson(d);
      const color = useColor(process.stdout);
      const tty = Boolean(process.stdout.isTTY);
      if (o.stat || tty) process.stdout.write(statText(d, color));
      if (!o.stat && d.patch) {
        if (tty) process.stdout.write('\n');
        process.stdout.write(tty ? patchText(d, color) : d.patch);
        if (tty && !d.patch.endsWith('\n')) process.stdout.write('\n');
      }
      if (d.truncated) process.stderr.write('note: the patch was cut at 1 MiB: see the rest with git in the worktree (clauderon show NAME)\n');
    });
}
