// The session page's light tabs: Files, Proxy, Chat, Info. Everything from the agent or its files
// is rendered as React text.
import { useEffect, useState } from 'react';
import type { Session } from '../shared/types.js';
import { api, errorText, type AuditEntry, type FileContent, type FileList } from './api';
import { sendPrompt } from './console';
import { onEvent, upsert } from './store';

function useLoad<T>(load: () => Promise<T>, deps: unknown[]): { data: T | null; error: string | null } {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let on = true;
    load().then(
      (d) => on && (setData(d), setError(null)),
      (e: unknown) => on && setError(errorText(e)),
    );
    return () => {
      on = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  return { data, error };
}

// ---------------------------------------------------------------- Files

export function Files({ session }: { session: Session }) {
  const [n, setN] = useState(0);
  const { data, error } = useLoad<FileList>(() => api.files(session.name), [session.name, n]);
  const [open, setOpen] = useState<string | null>(null);
  const [file, setFile] = useState<FileContent | null>(null);
  const [fileError, setFileError] = useState<string | null>(null);
  const [collapsed, setCollapsed] = useState<Set<string>>(new Set());

  const show = (path: string) => {
    setOpen(path);
    setFile(null);
    setFileError(null);
    api.file(session.name, path).then(setFile, (e: unknown) => setFileError(errorText(e)));
  };
  if (error) return <p className="error">{error}</p>;
  if (!data) return <p className="muted">Loading…</p>;
  const hidden = (p: string) => [...collapsed].some((d) => p.startsWith(`${d}/`));
  return (
    <div className="split">
      <ul className="tree" data-testid="file-tree">
        <li className="inline">
          <span className="muted small">{data.entries.length} entries{data.truncated ? ' (cut short)' : ''}</span>
          <span className="spacer" />
          <button onClick={() => setN((x) => x + 1)}>Refresh</button>
        </li>
        {data.entries
          .filter((e) => !hidden(e.path))
          .map((e) => {
            const depth = e.path.split('/').length - 1;
            const base = e.path.split('/').pop() ?? e.path;
            return (
              <li key={e.path} style={{ paddingLeft: `${depth * 14}px` }}>
                {e.type === 'dir' ? (
                  <button
                    className="link dir"
                    onClick={() =>
                      setCollapsed((c) => {
                        const next = new Set(c);
                        if (next.has(e.path)) next.delete(e.path);
                        else next.add(e.path);
                        return next;
                      })
                    }
                  >
                    {collapsed.has(e.path) ? '▸' : '▾'} {base}/
                  </button>
                ) : (
                  <button className={`link${open === e.path ? ' on' : ''}`} onClick={() => show(e.path)} data-path={e.path}>
                    {base}
                  </button>
                )}
                {e.changed && <span className="changed" title="changed"> ●</span>}
              </li>
            );
          })}
      </ul>
      <div className="viewer">
        {!open && <p className="muted">Pick a file (read-only).</p>}
        {fileError && <p className="error" data-testid="file-error">{fileError}</p>}
        {file && (
          <>
            <div className="muted small">{file.path}{file.truncated ? ' — cut short' : ''}</div>
            {file.binary ? <p className="muted">Binary file: not shown.</p> : <pre className="code" data-testid="file-content">{file.content}</pre>}
          </>
        )}
      </div>
    </div>
  );
}

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

// ---------------------------------------------------------------- Chat

interface Message {
  role: 'user' | 'assistant' | 'tool' | 'note';
  text: string;
  /** A tool call or result: folded. */
  fold?: string;
}

function textOf(v: unknown): string {
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v.map(textOf).join('\n');
  if (v && typeof v === 'object' && 'text' in v && typeof v.text === 'string') return v.text;
  return v === undefined ? '' : JSON.stringify(v, null, 2);
}

/** Claude Code's transcript lines as messages (other lines left out). */
export function messagesOf(lines: readonly unknown[]): Message[] {
  const out: Message[] = [];
  for (const raw of lines) {
    if (!raw || typeof raw !== 'object') continue;
    const line = raw as { type?: string; truncated?: boolean; omittedBytes?: number; message?: { role?: string; content?: unknown } };
    if (line.truncated) {
      out.push({ role: 'note', text: `the transcript’s first ${line.omittedBytes ?? '?'} bytes are left out` });
      continue;
    }
    if (line.type !== 'user' && line.type !== 'assistant') continue;
    const content = line.message?.content;
    const role = line.type;
    if (typeof content === 'string') {
      out.push({ role, text: content });
      continue;
    }
    if (!Array.isArray(content)) continue;
    for (const b of content as { type?: string; text?: string; name?: string; input?: unknown; content?: unknown; thinking?: string }[]) {
      if (b.type === 'text' && b.text) out.push({ role, text: b.text });
      else if (b.type === 'tool_use') out.push({ role: 'tool', text: `tool: ${b.name ?? '?'}`, fold: JSON.stringify(b.input, null, 2) });
      else if (b.type === 'tool_result') out.push({ role: 'tool', text: 'tool result', fold: textOf(b.content) });
      else if (b.type === 'thinking' && b.thinking) out.push({ role: 'tool', text: 'thinking', fold: b.thinking });
    }
  }
  return out;
}

export function Chat({ session }: { session: Session }) {
  const [n, setN] = useState(0);
  // (read again when the agent's state changes — pushed — or on Refresh; never on a timer)
  const { data, error } = useLoad(() => api.history(session.name), [session.name, session.agentStatus, n]);
  if (error) return <p className="error">{error}</p>;
  if (!data) return <p className="muted">Loading…</p>;
  const messages = messagesOf(data.lines);
  return (
    <div className="chat" data-testid="chat">
      <div className="inline">
        <span className="muted small">{messages.length} messages</span>
        <span className="spacer" />
        <button onClick={() => setN((x) => x + 1)}>Refresh</button>
      </div>
      {messages.length === 0 && <p className="muted">No transcript yet.</p>}
      {messages.map((m, i) =>
        m.fold !== undefined ? (
          <details key={i} className="msg tool">
            <summary>{m.text}</summary>
            <pre>{m.fold}</pre>
          </details>
        ) : (
          <div key={i} className={`msg ${m.role}`}>
            <div className="who">{m.role}</div>
            <div className="text">{m.text}</div>
          </div>
        ),
      )}
      <PromptBox name={session.name} />
    </div>
  );
}

/** A message to the agent: typed into its terminal (then Enter). */
function PromptBox({ name }: { name: string }) {
  const [text, setText] = useState('');
  const [state, setState] = useState<string | null>(null);
  const send = (e: { preventDefault(): void }) => {
    e.preventDefault();
    if (!text.trim()) return;
    setState('sending…');
    sendPrompt(name, text).then(
      () => (setText(''), setState('sent to the agent’s terminal')),
      (err: unknown) => setState(errorText(err)),
    );
  };
  return (
    <form className="prompt-box" onSubmit={send}>
      <textarea aria-label="Message to the agent" rows={3} value={text} onChange={(e) => setText(e.target.value)} placeholder="Message to the agent…" data-testid="chat-input" />
      <div className="inline">
        <button type="submit" className="primary" disabled={!text.trim()}>Send</button>
        {state && <span className="muted small" data-testid="chat-send-state">{state}</span>}
      </div>
    </form>
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
