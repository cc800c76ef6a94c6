// The session page's light tabs: Proxy and Info (Files, Chat, Changes and Terminal are chunks of their own). Everything
// from the agent or its files is rendered as React text.
import { useEffect, useState } from 'react';
import type { Session } from '../shared/types.js';
import type { AuditEntry, BlockedTarget } from '../shared/events.js';
import { api, errorText, type EgressReport } from './api';
import { allowPort, onEvent, setBlocked, targetText, upsert, useStore } from './store';

// ---------------------------------------------------------------- Proxy

/** The blocked target (still blocked) an audit line with `blocked: "egress"` is about: its host is the name, or host:port. */
function blockFor(e: AuditEntry, blocked: readonly BlockedTarget[]): BlockedTarget | null {
  if (e.blocked !== 'egress') return null;
  return blocked.find((x) => x.host === e.host || targetText(x) === e.host) ?? null;
}

/**
 * The session's egress policy and the targets it blocked (live), each with an Allow button: the
 * daemon adds the rule and the running proxy lets the next request through; the note says what changed.
 */
function useEgress(session: Session) {
  const { blocked } = useStore();
  const [report, setReport] = useState<EgressReport | null>(null);
  const [note, setNote] = useState<{ text: string; error: boolean } | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    let on = true;
    api.egress(session.name).then(
      (r) => {
        if (!on) return;
        setReport(r);
        setBlocked(session.id, r.blocked);
      },
      () => undefined, // (an older daemon, or no proxy: the audit alone)
    );
    return () => {
      on = false;
    };
  }, [session.id, session.name]);
  const allow = (b: BlockedTarget) => {
    setBusy(true);
    setNote(null);
    api.egressAllow(session.name, b.host, allowPort(b)).then(
      (r) => {
        setReport(r);
        setBlocked(session.id, r.blocked);
        setNote({ text: `${targetText(b)}: ${r.note}`, error: false });
        setBusy(false);
      },
      (e: unknown) => (setNote({ text: errorText(e), error: true }), setBusy(false)),
    );
  };
  return { report, blocked: blocked[session.id] ?? [], note, busy, allow };
}

function EgressPanel({ egress }: { egress: ReturnType<typeof useEgress> }) {
  const { report, blocked, note, busy, allow } = egress;
  if (!report && blocked.length === 0 && !note) return null;
  return (
    <div className="egress" data-testid="egress">
      {report && (
        <p className="small muted">
          Egress policy: <strong data-testid="egress-policy">{report.policy}</strong>
          {report.allow.length > 0 ? ` — allowed: ${report.allow.join(', ')}` : ''}
        </p>
      )}
      {blocked.length > 0 && (
        <>
          <h3>Blocked hosts</h3>
          <ul className="blocked-hosts" data-testid="blocked-hosts">
            {blocked.map((b) => (
              <li key={targetText(b)} data-testid="blocked-host" data-host={b.host}>
                <code>{targetText(b)}</code> <span className="muted small">{b.count}× · last {new Date(b.lastAt).toLocaleTimeString()}</span>{' '}
                <button onClick={() => allow(b)} disabled={busy} data-testid="allow-host">
                  Allow
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
      {note && (
        <p className={note.error ? 'error' : 'ok small'} role="status" data-testid="egress-note">
          {note.text}
        </p>
      )}
    </div>
  );
}

export function Proxy({ session }: { session: Session }) {
  const egress = useEgress(session);
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
  const panel = <EgressPanel egress={egress} />;
  if (error || !entries || entries.length === 0) {
    return (
      <>
        {panel}
        {error ? <p className="error">{error}</p> : !entries ? <p className="muted">Loading…</p> : <p className="muted">No request through this session’s proxy yet.</p>}
      </>
    );
  }
  return (
    <>
      {panel}
      <div className="audit-wrap">
        <table className="audit" data-testid="audit">
          <thead>
            <tr><th>time</th><th>method</th><th>host</th><th>path</th><th>credential</th><th>status</th><th>ms</th></tr>
          </thead>
          <tbody>
            {entries.map((e, i) => {
              const block = blockFor(e, egress.blocked);
              return (
                <tr key={`${e.ts}-${i}`} className={e.blocked ? 'blocked' : ''}>
                  <td className="muted">{new Date(e.ts).toLocaleTimeString()}</td>
                  <td>{e.method}</td>
                  <td>{e.host}</td>
                  <td className="path">{e.path}</td>
                  <td>{e.credential ?? '—'}</td>
                  <td>
                    {e.blocked ? <span className="error">blocked: {e.blocked}</span> : e.error ? <span className="error">{e.error}</span> : (e.status ?? '—')}
                    {block && (
                      <>
                        {' '}
                        <button disabled={egress.busy} onClick={() => egress.allow(block)} data-testid="audit-allow" title={`Allow ${targetText(block)} for this session`}>
                          Allow
                        </button>
                      </>
                    )}
                  </td>
                  <td className="muted">{e.durationMs}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </>
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
