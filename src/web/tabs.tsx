// The session page's light tabs: Proxy and Info (Files, Chat, Changes and Terminal are chunks of their own). Everything
// from the agent or its files is rendered as React text.
import { useEffect, useState } from 'react';
import type { Session } from '../shared/types.js';
import type { AuditEntry } from '../shared/events.js';
import { api, errorText } from './api';
import { onEvent, upsert } from './store';

// ---------------------------------------------------------------- Proxy

export function Proxy({ session }: { session: Session }) {
  const [entries, setEntries] = useState<AuditEntry[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let on = true;
    const early: AuditEntry[] = [];
    let loaded = false;
    const off = onEvent((e) => {
      if (e.type !== 'proxy.audit' || e.sessionId !== session.id) return;
      const entry = e.entry as AuditEntry;
      if (!loaded) early.unshift(entry);
      else setEntries((list) => [entry, ...(list ?? [])].slice(0, 1000));
    });
    api.audit(session.name).then(
      (r) => {
        if (!on) return;
        loaded = true;
        const list = Array.isArray(r) ? r : r.entries;
        // (lines that arrived while the list was read, unless it already has them)
        const fresh = early.filter((x) => !list.some((y) => y.ts === x.ts && y.path === x.path && y.host === x.host));
        setEntries([...fresh, ...list]);
      },
      (e: unknown) => on && setError(errorText(e)),
    );
    return () => {
      on = false;
      off();
    };
  }, [session.id, session.name]);
  if (error) return <p className="error">{error}</p>;
  if (!entries) return <p className="muted">Loading…</p>;
  if (entries.length === 0) return <p className="muted">No request through this session’s proxy yet.</p>;
  return (
    <div className="audit-wrap">
      <table className="audit" data-testid="audit">
        <thead>
          <tr><th>time</th><th>method</th><th>host</th><th>path</th><th>credential</th><th>status</th><th>ms</th></tr>
        </thead>
        <tbody>
          {entries.map((e, i) => (
            <tr key={`${e.ts}-${i}`} className={e.blocked ? 'blocked' : ''}>
              <td className="muted">{new Date(e.ts).toLocaleTimeString()}</td>
              <td>{e.method}</td>
              <td>{e.host}</td>
              <td className="path">{e.path}</td>
              <td>{e.credential ?? '—'}</td>
              <td>{e.blocked ? <span className="error">blocked: {e.blocked}</span> : e.error ? <span className="error">{e.error}</span> : (e.status ?? '—')}</td>
              <td className="muted">{e.durationMs}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

// ---------------------------------------------------------------- Info

const FIELDS: (keyof Session)[] = ['id', 'name', 'status', 'agentStatus', 'repoPath', 'subdirectory', 'worktreePath', 'branchName', 'backend', 'backendId', 'agent', 'model', 'accessMode', 'planMode', 'skipChecks', 'proxyPort', 'error', 'createdAt', 'updatedAt', 'prompt'];

export function Info({ session }: { session: Session }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const next = session.accessMode === 'read-only' ? 'read-write' : 'read-only';
  const switchMode = () => {
    setBusy(true);
    setError(null);
    api.setAccessMode(session.name, next).then(
      (s) => (upsert(s), setBusy(false)),
      (e: unknown) => (setError(errorText(e)), setBusy(false)),
    );
  };
  return (
    <div className="info">
      <div className="inline access">
        <span>Access mode: <strong data-testid="access-mode">{session.accessMode}</strong></span>
        <button onClick={switchMode} disabled={busy}>Switch to {next}</button>
        {error && <span className="error">{error}</span>}
      </div>
      <p className="small muted">The proxy applies the mode at once: read-only blocks writes to remote services.</p>
      <div className="attach">
        <span className="small muted">Attach from a terminal on this machine:</span>
        <code data-testid="attach-command">clauderon attach {session.name}</code>
      </div>
      <dl className="fields">
        {FIELDS.map((k) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd>{session[k] === null ? '—' : String(session[k])}</dd>
          </div>
        ))}
      </dl>
    </div>
  );
}
