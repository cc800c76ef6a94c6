// What the agents say about themselves: their hook events (Claude Code), their screens (agents
// without hooks), their exit report — each change one store update, one event row, one pushed
// event — and their transcripts (history), whose paths the hooks tell.
import { join } from 'node:path';
import { agentSpec } from '../agents/registry.js';
import { backendSpec } from '../backends/registry.js';
import { ClauderonError } from '../shared/errors.js';
import type { AgentStatus, Session } from '../shared/types.js';
import type { ManagerContext } from './context.js';
import { AGENT_EXIT, agentStatusForScreen, approvalAsked, hookFields, type HookPayload } from './hooks.js';
import { fromTail, locateTranscript, MAX_TRANSCRIPT_BYTES, readTranscript, remoteTranscriptRoots, transcriptRoots, type Transcript } from './transcripts.js';

/** After a hook event, the agent's screen is not read for its status for this long. */
const HOOK_GRACE_MS = 3000;

/** Most of an agent's screen looked at for its status (a container's "line" may be huge). */
const MAX_SCREEN_CHARS = 64 * 1024;

export class AgentStatuses {
  /** Where each session's transcript is (from its hooks), for history. */
  private readonly transcripts = new Map<string, string>();
  /** Last screens of the agents watched by their output (no hooks), to see changes. */
  private readonly screens = new Map<string, string>();
  /** When each session's agent last said something through its hooks (its screen yields to that for a moment). */
  private readonly lastHook = new Map<string, number>();
  /** Whether each watched screen changed at the previous look. */
  private readonly changedLast = new Map<string, boolean>();

  constructor(private readonly c: ManagerContext) {}

  /**
   * A hook event from an agent. Refused (not_found) unless the token is the session's own; maps
   * the event to an agentStatus and records a change (store row, event row, pushed event) — O(1).
   */
  recordHook(sessionId: string, token: string, payload: unknown): { agentStatus: AgentStatus; changed: boolean } {
    const { c } = this;
    const s = sessionId ? c.store.getSession(sessionId) : undefined;
    // one answer for an unknown session and a wrong token: no oracle for session ids
    if (!s || !c.d.hooks?.tokens.verify(s.id, token)) throw new ClauderonError('not_found', 'unknown session or wrong hook token');
    const p = (typeof payload === 'object' && payload !== null ? payload : {}) as HookPayload;
    this.lastHook.set(s.id, Date.now());
    const { transcriptPath, exitStatus } = hookFields(p);
    if (transcriptPath !== null) this.transcripts.set(s.id, transcriptPath);
    if (p.hook_event_name === AGENT_EXIT) {
      return { agentStatus: agentExited(c, s, exitStatus, 'its exit report').agentStatus, changed: true };
    }
    const status = agentSpec(s.agent).status;
    const next = status.fromHook?.(p) ?? null;
    if (next === null || next === s.agentStatus) return { agentStatus: s.agentStatus, changed: false };
    setAgentStatus(c, s, next, String(p.hook_event_name));
    return { agentStatus: next, changed: true };
  }

  /**
   * The fallback for agents without hooks (codex, gemini): read the last lines of their screen and
   * recognise an approval question or an input prompt; a changed screen without either is work.
   * Only sessions of those agents are read; returns how many were.
   */
  async watchScreens(): Promise<number> {
    const { c } = this;
    const watched = c.store.listSessions().filter((s) => (s.status === 'running' || s.status === 'idle') && agentSpec(s.agent).status.screen && !c.busy.has(s.name));
    if (watched.length === 0) return 0;
    const backends = c.d.backends(await c.d.loadConfig());
    for (const s of watched) {
      const backend = backends[s.backend];
      if (backend.unavailableReason()) continue;
      let screen: string;
      try {
        // the agent writes it: only its tail is looked at
        screen = (await backend.output(s.backendId ?? backend.idFor(s.name), 30)).slice(-MAX_SCREEN_CHARS);
      } catch {
        continue; // gone: reconcile's business
      }
      const before = this.screens.get(s.id);
      this.screens.set(s.id, screen);
      const changed = before !== screen && screen.trim() !== '';
      const changedAlso = this.changedLast.get(s.id) ?? false;
      this.changedLast.set(s.id, changed);
      const current = c.store.getSession(s.id);
      // what its hooks said a moment ago stands: its screen is still being drawn (a dialog opening,
      // a turn's last lines) and would be read half-way
      if (Date.now() - (this.lastHook.get(s.id) ?? 0) < HOOK_GRACE_MS) continue;
      // the first look at a screen with something on it counts as a change: the agent has started
      // (an agent whose hooks said its turn is over is at work again only when its screen keeps
      // changing — two looks in a row — not at a last redraw of the finished turn)
      const spec = agentSpec(s.agent).status;
      const working = spec.fromHook ? changed && changedAlso : changed;
      const next = spec.screen === 'approvals' ? approvalOnScreen(screen, current?.agentStatus ?? null) : agentStatusForScreen(screen, working);
      if (next && current && next !== current.agentStatus) setAgentStatus(c, current, next, 'screen');
    }
    return watched.length;
  }

  /**
   * The agent's transcript (Claude Code's JSONL), one parsed line each; [] when there is none yet.
   * Only a regular file where transcripts live is read (see transcripts.ts), at most its last
   * 16 MiB: then the first value is `{"truncated":true,"omittedBytes":N}`.
   */
  async history(nameOrId: string): Promise<unknown[]> {
    const t = (await this.remoteTranscript(nameOrId)) ?? (await readTranscript(this.transcriptQuery(nameOrId)));
    if (!t) return [];
    const lines = this.transcriptShape(nameOrId)(t.lines);
    return t.omittedBytes > 0 ? [{ truncated: true, omittedBytes: t.omittedBytes }, ...lines] : lines;
  }

  /**
   * A remote runtime's transcript (Kubernetes: in the pod), read there through its backend;
   * undefined for a session whose agent's files are on this host.
   */
  private async remoteTranscript(nameOrId: string): Promise<Transcript | null | undefined> {
    const s = this.c.get(nameOrId);
    const caps = backendSpec(s.backend).capabilities;
    if (!caps.remote || !s.backendId) return undefined;
    const backend = await this.c.backendOf(s);
    if (!backend.readTranscript) return undefined;
    const agent = agentSpec(s.agent);
    const workspace = caps.workspace ?? s.worktreePath;
    const configHome = backend.configHomePath ? backend.configHomePath(join(this.c.d.paths.sessions, s.id, 'agent-home')) : null;
    const roots = remoteTranscriptRoots(agent, workspace, configHome);
    if (roots.length === 0) return null;
    const got = await backend.readTranscript(s.backendId, { roots, sessionId: s.id, hinted: this.transcripts.get(s.id) ?? null, find: agent.transcripts?.find ?? 'session-id', maxBytes: MAX_TRANSCRIPT_BYTES });
    return got && fromTail(got.text, Math.max(0, got.size - MAX_TRANSCRIPT_BYTES));
  }

  /** The session's agent's lines in history's one shape (Claude Code's): each agent's spec says how. */
  transcriptShape(nameOrId: string): (lines: readonly unknown[]) => unknown[] {
    const normalize = agentSpec(this.c.get(nameOrId).agent).transcripts?.normalize;
    return normalize ? (lines) => lines.flatMap((l) => normalize(l)) : (lines) => [...lines];
  }

  /** Where history reads (the real path, or null when there is none yet) and the real roots it must stay in — for a watcher. */
  async transcriptLocation(nameOrId: string): Promise<{ file: string | null; roots: string[]; shape: (lines: readonly unknown[]) => unknown[] }> {
    return { ...(await locateTranscript(this.transcriptQuery(nameOrId))), shape: this.transcriptShape(nameOrId) };
  }

  private transcriptQuery(nameOrId: string): Parameters<typeof readTranscript>[0] {
    const s = this.c.get(nameOrId);
    const caps = backendSpec(s.backend).capabilities;
    return {
      sessionId: s.id,
      worktreePath: s.worktreePath,
      hinted: this.transcripts.get(s.id) ?? null,
      workspace: caps.workspace,
      roots: transcriptRoots(agentSpec(s.agent), s.worktreePath, { container: caps.container, configHome: join(this.c.d.paths.sessions, s.id, 'agent-home') }),
      find: agentSpec(s.agent).transcripts?.find ?? 'session-id',
    };
  }
}

/**
 * For agents whose hooks tell the rest: an approval question on screen is waiting_approval; one that
 * went away while the status still says so, with no hook since, was declined (a granted one fires
 * its tool's hook) — the prompt is the user's again.
 */
function approvalOnScreen(screen: string, current: AgentStatus | null): AgentStatus | null {
  if (approvalAsked(screen)) return 'waiting_approval';
  return current === 'waiting_approval' ? 'waiting_input' : null;
}

/** One agentStatus change: the row, an event row, a pushed event. */
function setAgentStatus(c: ManagerContext, s: Session, next: AgentStatus, why: string): void {
  c.update(s, { agentStatus: next }, { kind: 'agent', detail: `${s.agentStatus} → ${next} (${why})` });
}

/** The agent process has ended: the session is completed (an error says how it ended if not 0). */
export function agentExited(c: ManagerContext, s: Session, code: number | null, how: string): Session {
  // archive and delete end agents too: those are not completions
  if (s.status !== 'running' && s.status !== 'idle') return s;
  return c.transition(s, 'completed', {
    patch: { agentStatus: 'idle' },
    detail: `agent exited with status ${code ?? 'unknown'} (${how})`,
    // an exit status nobody could read is not reported as a failure (the event row says "unknown")
    error: code === 0 || code === null ? null : `the agent exited with status ${code} — archive and unarchive to restart it`,
  });
}
