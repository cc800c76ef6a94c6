// Colours for the TUI. NO_COLOR (any value) turns every colour off; inverse/bold stay, since
// they are attributes, not colours.
import type { AgentStatus, SessionStatus } from '../../shared/types.js';

export const COLOR = !('NO_COLOR' in process.env);

export function color(c: string): string | undefined {
  return COLOR ? c : undefined;
}

export const STATUS_COLORS: Record<SessionStatus, string> = {
  creating: 'yellow',
  running: 'green',
  idle: 'cyan',
  completed: 'blue',
  failed: 'red',
  archived: 'gray',
  deleting: 'magenta',
};

export const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'] as const;

/** The agent status mark: a spinner while working, distinct marks for the waiting states. */
export function agentMark(s: AgentStatus, frame: number): { mark: string; color: string | undefined } {
  switch (s) {
    case 'working':
      return { mark: SPINNER[frame % SPINNER.length] ?? '⠋', color: color('green') };
    case 'waiting_approval':
      return { mark: '!', color: color('yellow') };
    case 'waiting_input':
      return { mark: '?', color: color('magenta') };
    case 'idle':
      return { mark: '·', color: color('gray') };
    case 'unknown':
      return { mark: ' ', color: undefined };
  }
}

export function truncate(s: string, width: number): string {
  if (width <= 0) return '';
  const flat = s.replace(/\s+/g, ' ');
  if (flat.length <= width) return flat;
  return width === 1 ? '…' : `${flat.slice(0, width - 1)}…`;
}

export function fit(s: string, width: number): string {
  return truncate(s, width).padEnd(width);
}
