// The session table: fixed-width columns that truncate with "…", a window of rows around the
// selection, and columns given up by priority (branch, then backend, then the agent's name, then
// the repository) when the table is narrow — the terminal is, or the preview pane takes half.
import { Box, Text } from 'ink';
import { memo, useMemo } from 'react';
import { age } from '../../shared/format.js';
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

const STATUS_W = 9;
const AGE_W = 4;
const BACKEND_W = 7;
const AGENT_W = 6;

/** Widths for a table `width` columns wide. Zero means the column is hidden. */
export function layoutColumns(width: number): Columns {
  const backend = width >= 70 ? BACKEND_W : 0;
  const agent = width >= 56 ? AGENT_W : 0;
  // marker (2), the agent mark and the egress mark (2), and one space after every column but the last
  let rest = width - 2 - STATUS_W - 1 - 2 - 1 - AGE_W - (backend ? backend + 1 : 0) - (agent ? agent + 1 : 0);
  // The branch is "clauderon/<name>": worth its room only on wide tables.
  let branch = 0;
  if (width >= 130) {
    branch = Math.min(40, Math.floor(rest * 0.3));
    rest -= branch + 1;
  }
  // Narrower than the name and the repository need: the repository goes.
  if (rest < 8 + 2 + 6) return { name: Math.max(4, rest - 1), repo: 0, status: STATUS_W, backend, agent, branch, age: AGE_W };
  rest -= 2;
  const name = Math.max(8, Math.min(36, Math.floor(rest * 0.55)));
  const repo = Math.max(6, rest - name);
  return { name, repo, status: STATUS_W, backend, agent, branch, age: AGE_W };
}

/**
 * What the REPOSITORY column says for each repository path: its last component (and the
 * session's subdirectory), with the parent's name added where two repositories share a name.
 */
export function repoLabels(sessions: readonly Session[]): Map<string, string> {
  const base = (p: string) => p.replace(/\/+$/, '').split('/').pop() || p;
  const byBase = new Map<string, Set<string>>();
  for (const s of sessions) {
    const b = base(s.repoPath);
    let set = byBase.get(b);
    if (!set) byBase.set(b, (set = new Set()));
    set.add(s.repoPath);
  }
  const out = new Map<string, string>();
  for (const s of sessions) {
    const b = base(s.repoPath);
    const clash = (byBase.get(b)?.size ?? 0) > 1;
    const parts = s.repoPath.replace(/\/+$/, '').split('/');
    const label = clash && parts.length > 1 ? `${parts.at(-2) ?? ''}/${b}` : b;
    out.set(s.id, s.subdirectory ? `${label}/${s.subdirectory}` : label);
  }
  return out;
}

export function TableHead({ cols }: { cols: Columns }) {
  return (
    <Text bold wrap="truncate">
      {'  '}
      {fit('NAME', cols.name)} {cols.repo ? `${fit('REPOSITORY', cols.repo)} ` : ''}
      {fit('STATUS', cols.status)} {cols.backend ? `${fit('BACKEND', cols.backend)} ` : ''}
      {cols.agent ? `${fit('AGENT', cols.agent)} ` : ''}
      {'   '}
      {cols.branch ? `${fit('BRANCH', cols.branch)} ` : ''}
      {fit('AGE', cols.age)}
    </Text>
  );
}

interface RowProps {
  s: Session;
  repo: string;
  selected: boolean;
  cols: Columns;
  /** The spinner's frame; only rows that draw a spinner get a changing value. */
  frame: number;
  progress: ProgressEvent | undefined;
  /** The AGE cell's text (a string, so a row re-renders only when its own age changes). */
  ageText: string;
  /** Its egress policy blocked a target not yet handled (the e key allows it). */
  blocked: boolean;
}

/** The mark beside the agent's of a session whose egress policy blocked a target (the status line says which). */
export const BLOCKED_MARK = '✗';

export const SessionRow = memo(function SessionRow({ s, repo, selected, cols, frame, progress, ageText, blocked }: RowProps) {
  const creating = s.status === 'creating';
  const statusText = creating && progress ? `${progress.step}…` : s.status;
  const mark = creating ? { mark: '⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏'[frame % 10] ?? '⠋', color: color('yellow') } : agentMark(s.agentStatus, frame);
  return (
    <Text inverse={selected} wrap="truncate">
      {selected ? '› ' : '  '}
      {fit(s.name, cols.name)} {cols.repo ? `${fit(repo, cols.repo)} ` : ''}
      <Text color={color(STATUS_COLORS[s.status])}>{fit(statusText, cols.status)}</Text> {cols.backend ? `${fit(s.backend, cols.backend)} ` : ''}
      {cols.agent ? `${fit(s.agent, cols.agent)} ` : ''}
      <Text color={mark.color}>{mark.mark}</Text>
      {blocked ? <Text color={color('red')}>{BLOCKED_MARK}</Text> : ' '} {cols.branch ? `${fit(s.branchName, cols.branch)} ` : ''}
      {fit(ageText, cols.age)}
    </Text>
  );
});

const animated = (s: Session) => s.status === 'creating' || s.agentStatus === 'working';

export function SessionTable(props: {
  sessions: Session[];
  selected: number;
  height: number;
  width: number;
  frame: number;
  progress: Record<string, ProgressEvent>;
  /** Blocked targets not yet handled, by session id (TuiState.blocked). */
  blocked: Record<string, readonly unknown[]>;
  /** The time ages are measured from (the app refreshes it when a shown age would change). */
  now: number;
}) {
  const { sessions, selected, height, width, frame, progress, blocked, now } = props;
  const cols = useMemo(() => layoutColumns(width), [width]);
  const labels = useMemo(() => repoLabels(sessions), [sessions]);
  // Keep the selection in view: a window of `height` rows.
  const start = Math.max(0, Math.min(selected - Math.floor(height / 2), sessions.length - height));
  const rows = sessions.slice(start, start + height);
  return (
    <Box flexDirection="column" height={height + 1} width={width} flexShrink={0}>
      <TableHead cols={cols} />
      {rows.map((s, i) => (
        <SessionRow
          key={s.id}
          s={s}
          repo={labels.get(s.id) ?? ''}
          selected={start + i === selected}
          cols={cols}
          frame={animated(s) ? frame : 0}
          progress={progress[s.name]}
          ageText={age(s.createdAt, now)}
          blocked={(blocked[s.id]?.length ?? 0) > 0}
        />
      ))}
    </Box>
  );
}

/** When the AGE of one of `sessions` next changes (ms since the epoch): the next second, minute… */
export function nextAgeChange(sessions: readonly Session[], now: number): number | null {
  let next: number | null = null;
  for (const s of sessions) {
    const created = Date.parse(s.createdAt);
    if (!Number.isFinite(created)) continue;
    const secs = Math.max(0, Math.floor((now - created) / 1000));
    const unit = secs < 60 ? 1 : secs < 3600 ? 60 : secs < 86_400 ? 3600 : 86_400;
    const at = created + (Math.floor(secs / unit) + 1) * unit * 1000;
    if (next === null || at < next) next = at;
  }
  return next;
}
