// Plain-text output helpers for the CLI: tables that truncate with "…", colour only on a TTY
// without NO_COLOR, relative ages.
import { age, shortenHome, truncate } from '../shared/format.js';
import type { Session, SessionStatus } from '../shared/types.js';

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
