// The session table: fixed-width columns that truncate with "…", a window of rows around the
// selection, and columns dropped (branch, then backend) when the terminal is narrow.
import { Box, Text } from 'ink';
import { memo } from 'react';
import { age, shortenHome } from '../../shared/format.js';
import type { ProgressEvent } from '../../shared/events.js';
import type { Session } from '../../shared/types.js';
import { agentMark, color, fit, STATUS_COLORS } from './theme.js';

export interface Columns {
  name: number;
  repo: number;
  status: number;
  backend: number;
  agent: number;
  branch: number;
  age: number;
}

/** Widths for a terminal `width` columns wide. Zero means the column is hidden. */
export function layoutColumns(width: number): Columns {
  const status = 9;
  const agent = 6;
  const ageW = 4;
  const backend = width >= 70 ? 7 : 0;
  const gap = 1;
  // marker (2) + agent mark (2) + gaps between the visible columns
  let rest = width - 2 - 2 - status - agent - ageW - (backend ? backend + gap : 0) - 5 * gap;
  // The branch is "clauderon/<name>": worth its room only on wide terminals.
  let branch = 0;
  if (width >= 130) {
    branch = Math.min(40, Math.floor(rest * 0.3));
    rest -= branch + gap;
  }
  const name = Math.max(8, Math.min(30, Math.floor(rest * 0.5)));
  const repo = Math.max(6, rest - name);
  return { name, repo, status, backend, agent, branch, age: ageW };
}

export function TableHead({ cols }: { cols: Columns }) {
  return (
    <Text bold>
      {'  '}
      {fit('NAME', cols.name)} {fit('REPOSITORY', cols.repo)} {fit('STATUS', cols.status)}
      {cols.backend ? ` ${fit('BACKEND', cols.backend)}` : ''} {fit('AGENT', cols.agent)} {'  '}
      {cols.branch ? ` ${fit('BRANCH', cols.branch)}` : ''} {fit('AGE', cols.age)}
    </Text>
  );
}

interface RowProps {
  s: Session;
  selected: boolean;
  cols: Columns;
  frame: number;
  progress: ProgressEvent | undefined;
  now: number;
}

export const SessionRow = memo(function SessionRow({ s, selected, cols, frame, progress, now }: RowProps) {
  const repo = shortenHome(s.subdirectory ? `${s.repoPath}/${s.subdirectory}` : s.repoPath);
  const creating = s.status === 'creating';
  const statusText = creating && progress ? `${progress.step}…` : s.status;
  const mark = creating ? { mark: '⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏'[frame % 10] ?? '⠋', color: color('yellow') } : agentMark(s.agentStatus, frame);
  return (
    <Text inverse={selected} wrap="truncate">
      {selected ? '› ' : '  '}
      {fit(s.name, cols.name)} {fit(repo, cols.repo)} <Text color={color(STATUS_COLORS[s.status])}>{fit(statusText, cols.status)}</Text>
      {cols.backend ? ` ${fit(s.backend, cols.backend)}` : ''} {fit(s.agent, cols.agent)} <Text color={mark.color}>{mark.mark}</Text>{' '}
      {cols.branch ? ` ${fit(s.branchName, cols.branch)}` : ''} {fit(age(s.createdAt, now), cols.age)}
    </Text>
  );
});

export function SessionTable(props: {
  sessions: Session[];
  selected: number;
  height: number;
  width: number;
  frame: number;
  progress: Record<string, ProgressEvent>;
  /** The time ages are measured from (the app refreshes it twice a minute). */
  now: number;
}) {
  const { sessions, selected, height, width, frame, progress, now } = props;
  const cols = layoutColumns(width);
  // Keep the selection in view: a window of `height` rows.
  const start = Math.max(0, Math.min(selected - Math.floor(height / 2), sessions.length - height));
  const rows = sessions.slice(start, start + height);
  return (
    <Box flexDirection="column" height={height + 1}>
      <TableHead cols={cols} />
      {rows.map((s, i) => (
        <SessionRow key={s.id} s={s} selected={start + i === selected} cols={cols} frame={frame} progress={progress[s.name]} now={now} />
      ))}
    </Box>
  );
}
