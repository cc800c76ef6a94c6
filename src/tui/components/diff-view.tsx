// The diff view: the selected session's changes (sessions.diff) — the files with their status and
// +/- counts, then the unified patch, coloured and scrolled by the `diff` context's keys (the
// footer lists them); Tab and Enter jump from file to file. The patch is the agent's work, so
// untrusted: control sequences are stripped from every line before it is drawn.
import { Box, Text } from 'ink';
import { memo } from 'react';
import type { SessionDiff } from '../../shared/types.js';
import type { CommandId } from '../keymap.js';
import { sanitizeScreen } from './preview.js';
import { color, truncate } from './theme.js';

export interface DiffModel {
  /** The patch, one entry per line, safe to draw. */
  lines: string[];
  /** The line each file's section starts on ("diff --git …"), in the order of `files`. */
  fileStarts: number[];
}

const models = new WeakMap<SessionDiff, DiffModel>();

export function diffModel(diff: SessionDiff): DiffModel {
  const cached = models.get(diff);
  if (cached) return cached;
  const lines = sanitizeScreen(diff.patch.replace(/\n$/, ''));
  if (diff.truncated) lines.push('', '… the patch is cut here (too large to show whole)');
  const fileStarts: number[] = [];
  lines.forEach((l, i) => {
    if (l.startsWith('diff --git ')) fileStarts.push(i);
  });
  const model = { lines: diff.patch ? lines : [], fileStarts };
  models.set(diff, model);
  return model;
}

/** Rows the view gives the file list and the patch inside `height` (border, title and rule aside). */
export function diffLayout(diff: SessionDiff | null, height: number): { listRows: number; visible: number } {
  const inner = Math.max(2, height - 3);
  const files = diff?.files.length ?? 0;
  const listRows = Math.min(files, Math.max(1, Math.floor(inner / 3)));
  return { listRows, visible: Math.max(1, inner - listRows - (listRows > 0 ? 1 : 0)) };
}

/** The file whose section holds line `scroll` (-1 before the first). */
export function currentFile(model: DiffModel, scroll: number): number {
  let f = -1;
  for (let i = 0; i < model.fileStarts.length; i++) if ((model.fileStarts[i] ?? 0) <= scroll) f = i;
  return f;
}

/** The furthest the patch scrolls: its end at the bottom, or the last file's start at the top. */
export function maxDiffScroll(model: DiffModel, visible: number): number {
  return Math.max(0, model.lines.length - visible, model.fileStarts.at(-1) ?? 0);
}

/** Where a diff command takes the scroll offset (clamped). */
export function diffScroll(cmd: CommandId, scroll: number, model: DiffModel, visible: number): number {
  const page = Math.max(1, visible - 1);
  const max = maxDiffScroll(model, visible);
  const to = (() => {
    switch (cmd) {
      case 'diff.down':
        return scroll + 1;
      case 'diff.up':
        return scroll - 1;
      case 'diff.pageDown':
        return scroll + page;
      case 'diff.pageUp':
        return scroll - page;
      case 'diff.top':
        return 0;
      case 'diff.bottom':
        return max;
      case 'diff.nextFile':
        return model.fileStarts.find((s) => s > scroll) ?? scroll;
      case 'diff.prevFile': {
        const before = model.fileStarts.filter((s) => s < scroll);
        return before.at(-1) ?? 0;
      }
      default:
        return scroll;
    }
  })();
  return Math.max(0, Math.min(max, to));
}

function lineColor(l: string): string | undefined {
  if (l.startsWith('+++') || l.startsWith('---')) return undefined;
  if (l.startsWith('+')) return color('green');
  if (l.startsWith('-')) return color('red');
  if (l.startsWith('@@')) return color('cyan');
  return undefined;
}

const isHeader = (l: string) => /^(diff --git |index |--- |\+\+\+ |new file mode|deleted file mode|similarity index|rename (from|to) |old mode|new mode|Binary files )/.test(l);

export interface DiffViewProps {
  name: string;
  diff: SessionDiff | null;
  error: string | null;
  scroll: number;
  width: number;
  height: number;
}

export const DiffView = memo(function DiffView({ name, diff, error, scroll, width, height }: DiffViewProps) {
  const inner = Math.max(10, width - 4);
  const title = `Changes: ${name}`;
  let body: React.ReactNode;
  let where = '';
  if (error) body = <Text color={color('red')} wrap="wrap">{error}</Text>;
  else if (!diff) body = <Text dimColor>Loading the changes…</Text>;
  else if (diff.files.length === 0) body = <Text dimColor>No changes against {diff.base.slice(0, 12)} yet.</Text>;
  else {
    const model = diffModel(diff);
    const { listRows, visible } = diffLayout(diff, height);
    const max = maxDiffScroll(model, visible);
    const top = Math.min(scroll, max);
    const cur = currentFile(model, top);
    // the file list scrolls to keep the current file in it
    const listStart = Math.max(0, Math.min(cur - Math.floor(listRows / 2), diff.files.length - listRows));
    const adds = diff.files.reduce((n, f) => n + (f.additions ?? 0), 0);
    const dels = diff.files.reduce((n, f) => n + (f.deletions ?? 0), 0);
    where = `  ${diff.files.length} file${diff.files.length === 1 ? '' : 's'} +${adds} -${dels}${max > 0 ? `  ${top + 1}–${Math.min(model.lines.length, top + visible)}/${model.lines.length}` : ''}`;
    const pathW = Math.max(4, inner - 2 - 14);
    body = (
      <>
        {diff.files.slice(listStart, listStart + listRows).map((f, i) => {
          const counts = f.additions === null ? 'binary' : `+${f.additions} -${f.deletions ?? 0}`;
          const here = listStart + i === cur;
          return (
            <Text key={f.path} wrap="truncate" inverse={here}>
              <Text color={color(f.status === 'A' ? 'green' : f.status === 'D' ? 'red' : 'yellow')}>{f.status}</Text> {truncate(f.path, pathW).padEnd(pathW)} <Text dimColor={!here}>{counts.padStart(12)}</Text>
            </Text>
          );
        })}
        <Text dimColor>{'─'.repeat(inner)}</Text>
        {model.lines.slice(top, top + visible).map((l, i) => (
          <Text key={top + i} wrap="truncate" color={lineColor(l)} bold={isHeader(l)}>
            {l || ' '}
          </Text>
        ))}
      </>
    );
  }
  return (
    <Box borderStyle="round" borderColor={color('cyan')} flexDirection="column" paddingX={1} width={width} height={height} overflow="hidden">
      <Text wrap="truncate">
        <Text bold>{truncate(title, Math.max(8, inner - where.length))}</Text>
        <Text dimColor>{where}</Text>
      </Text>
      {body}
    </Box>
  );
});
