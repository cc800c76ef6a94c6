// Plain-text output helpers for the CLI: tables that truncate with "…", colour only on a TTY
// without NO_COLOR, relative ages.
import type { Session, SessionStatus } from '../core/types.js';

export function useColor(stream: NodeJS.WriteStream): boolean {
  return Boolean(stream.isTTY) && !('NO_COLOR' in process.env) && process.env.TERM !== 'dumb';
}

const STATUS_COLOR: Record<SessionStatus, number> = {
  creating: 33, // yellow
  running: 32, // green
  idle: 36, // cyan
  completed: 34, // blue
  failed: 31, // red
  archived: 90, // grey
  deleting: 35, // magenta
};

export function colorStatus(status: SessionStatus, color: boolean): string {
  return color ? `\u001b[${STATUS_COLOR[status]}m${status}\u001b[0m` : status;
}

export function truncate(s: string, width: number): string {
  if (width <= 0) return '';
  if (s.length <= width) return s;
  return width === 1 ? '…' : `${s.slice(0, width - 1)}…`;
}

export function age(iso: string, now = Date.now()): string {
  const s = Math.max(0, Math.floor((now - Date.parse(iso)) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

export function shortenHome(p: string): string {
  const home = process.env.HOME;
  return home && (p === home || p.startsWith(`${home}/`)) ? `~${p.slice(home.length)}` : p;
}

/** A fixed-width table: the last column takes what is left of `width`. */
export function sessionTable(sessions: Session[], width: number, color: boolean): string {
  const rows = sessions.map((s) => ({
    name: s.name,
    status: s.status,
    agent: s.agent,
    backend: s.backend,
    age: age(s.createdAt),
    repo: shortenHome(s.subdirectory ? `${s.repoPath}/${s.subdirectory}` : s.repoPath),
  }));
  const w = {
    name: Math.min(40, Math.max(4, ...rows.map((r) => r.name.length))),
    status: 9,
    agent: 6,
    backend: 7,
    age: 4,
  };
  const fixed = w.name + w.status + w.agent + w.backend + w.age + 5 * 2;
  const repoW = Math.max(8, width - fixed);
  const pad = (s: string, n: number) => truncate(s, n).padEnd(n);
  const lines = [
    [pad('NAME', w.name), pad('STATUS', w.status), pad('AGENT', w.agent), pad('BACKEND', w.backend), pad('AGE', w.age), 'REPOSITORY'].join('  '),
  ];
  for (const r of rows) {
    const status = pad(r.status, w.status);
    lines.push(
      [
        pad(r.name, w.name),
        color ? status.replace(r.status, colorStatus(r.status, true)) : status,
        pad(r.agent, w.agent),
        pad(r.backend, w.backend),
        pad(r.age, w.age),
        truncate(r.repo, repoW),
      ].join('  '),
    );
  }
  return lines.join('\n');
}
