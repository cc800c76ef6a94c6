// Small text helpers of the page.
import type { AgentStatus, Session } from '../shared/types.js';

export function age(iso: string, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

export const AGENT_TEXT: Record<AgentStatus, string> = {
  unknown: '—',
  working: 'working',
  waiting_approval: 'waiting for you (approval)',
  waiting_input: 'waiting for you',
  idle: 'idle',
};

export function repoName(s: Session): string {
  const base = s.repoPath.split('/').filter(Boolean).pop() ?? s.repoPath;
  return s.subdirectory ? `${base}/${s.subdirectory}` : base;
}
