// The live session list: filters (status, text), and each session's actions.
import { useEffect, useState } from 'react';
import type { Session } from '../shared/types.js';
import { api, errorText } from './api';
import { AGENT_TEXT, age, repoName } from './format';
import { follow, href } from './router';
import { upsert, useStore, WAITING } from './store';

const FILTERS = ['active', 'all', 'archived', 'waiting', 'running', 'idle', 'completed', 'failed'] as const;
type Filter = (typeof FILTERS)[number];

function matches(s: Session, f: Filter, text: string): boolean {
  const byStatus =
    f === 'all' ? true : f === 'active' ? s.status !== 'archived' : f === 'waiting' ? WAITING.has(s.agentStatus) : s.status === f;
  if (!byStatus) return false;
  const t = text.trim().toLowerCase();
  return !t || [s.name, s.repoPath, s.prompt, s.branchName, s.backend, s.agent].some((v) => v.toLowerCase().includes(t));
}

/** Re-render every 30 s so the ages move (no request: only the clock). */
function useNow(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(t);
  }, []);
  return now;
}

export function SessionList() {
  const { sessions, loaded, blocked } = useStore();
  const [filter, setFilter] = useState<Filter>('active');
  const [text, setText] = useState('');
  const now = useNow();
  const shown = sessions.filter((s) => matches(s, filter, text));

  return (
    <section>
      <div className="toolbar">
        <h1>Sessions</h1>
        <select aria-label="Filter by status" value={filter} onChange={(e) => setFilter(e.target.value as Filter)} data-testid="status-filter">
          {FILTERS.map((f) => (
            <option key={f} value={f}>{f}</option>
          ))}
        </select>
        <input type="search" placeholder="Filter…" aria-label="Filter by text" value={text} onChange={(e) => setText(e.target.value)} data-testid="text-filter" />
      </div>
      {!loaded ? (
        <p className="muted">Loading…</p>
      ) : shown.length === 0 ? (
        <p className="muted" data-testid="empty">{sessions.length === 0 ? 'No sessions yet.' : 'No session matches.'} <a href="/new" onClick={follow}>Create one</a></p>
      ) : (
        <ul className="sessions" data-testid="sessions">
          <li className="row head" aria-hidden="true">
            <span>name</span><span>repository</span><span>status</span><span>agent status</span><span>backend</span><span>agent</span><span>age</span><span />
          </li>
          {shown.map((s) => (
            <SessionRow key={s.id} s={s} now={now} blocked={blocked[s.id]?.length ?? 0} />
          ))}
        </ul>
      )}
    </section>
  );
}

/** `blocked`: how many targets its egress policy blocked (pushed live; the Proxy tab allows them). */
function SessionRow({ s, now, blocked }: { s: Session; now: number; blocked: number }) {
  const [busy, setBusy] = useState(false);
  const [confirm, setConfirm] = useState<null | 'ask' | { refused: string }>(null);
  const [error, setError] = useState<string | null>(null);
  const waiting = WAITING.has(s.agentStatus);

  const run = async (f: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await f();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  const remove = async (force: boolean) => {
    setBusy(true);
    setError(null);
    try {
      await api.remove(s.name, force);
      setConfirm(null);
    } catch (e) {
      // (uncommitted work: the daemon refuses unless forced, and says why)
      setConfirm({ refused: errorText(e) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <li className={`row${waiting ? ' is-waiting' : ''}${blocked > 0 ? ' has-blocked' : ''}`} data-testid="session-row" data-name={s.name}>
      <a className="name" href={href({ page: 'session', name: s.name, tab: 'terminal' })} onClick={follow}>{s.name}</a>
      <span className="repo" title={s.repoPath}>{repoName(s)}</span>
      <span className={`status st-${s.status}`} data-testid="status">{s.status}</span>
      <span className={`agent-status${waiting ? ' waiting' : ''}`} data-testid="agent-status">
        {blocked > 0 && (
          <a className="blocked-mark" href={href({ page: 'session', name: s.name, tab: 'proxy' })} onClick={follow} title="Its egress policy blocked a host: allow it in the Proxy tab" data-testid="blocked-mark">
            ⊘ {blocked} blocked
          </a>
        )}
        {blocked > 0 ? ' ' : ''}
        {AGENT_TEXT[s.agentStatus]}
      </span>
      <span className="meta">
        <span className="muted small">{s.backend}</span>
        <span className="muted small">{s.agent}</span>
        <span className="muted small" title={s.createdAt}>{age(s.createdAt, now)}</span>
      </span>
      <span className="actions">
        {s.status === 'archived' ? (
          <button disabled={busy} onClick={() => void run(async () => upsert((await api.unarchive(s.name)).session))}>Unarchive</button>
        ) : (
          <button disabled={busy || s.status === 'creating' || s.status === 'deleting'} onClick={() => void run(async () => upsert(await api.archive(s.name)))}>Archive</button>
        )}
        <button className="danger" disabled={busy || s.status === 'deleting'} onClick={() => setConfirm('ask')}>Delete</button>
      </span>
      {confirm && (
        <div className="confirm" role="alertdialog" data-testid="confirm-delete">
          {confirm === 'ask' ? (
            <>
              <span>Delete {s.name}? Its worktree and branch are removed (a branch with commits of its own is kept; uncommitted work refuses the delete).</span>
              <button className="danger" disabled={busy} onClick={() => void remove(false)}>Delete</button>
            </>
          ) : (
            <>
              <span className="error" data-testid="delete-refused">{confirm.refused}</span>
              <button className="danger" disabled={busy} onClick={() => void remove(true)}>Delete anyway</button>
            </>
          )}
          <button disabled={busy} onClick={() => setConfirm(null)}>Cancel</button>
        </div>
      )}
      {error && <div className="error full" role="alert">{error}</div>}
    </li>
  );
}
