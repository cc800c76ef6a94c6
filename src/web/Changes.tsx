// The Changes tab (its own chunk): files changed against the commit the session started from,
// and each file's unified diff — lines as text, coloured by their first character.
import { useEffect, useMemo, useState } from 'react';
import type { Session, SessionDiff } from '../shared/types.js';
import { api, errorText } from './api';

/** The patch cut into one piece per file (`diff --git a/X b/Y`), keyed by the new path. */
export function splitPatch(patch: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let cur: string[] | null = null;
  for (const line of patch.split('\n')) {
    const m = /^diff --git a\/.* b\/(.*)$/.exec(line);
    if (m) {
      cur = [];
      out.set(m[1] ?? '', cur);
    }
    cur?.push(line);
  }
  return out;
}

function lineClass(l: string): string {
  if (l.startsWith('+++') || l.startsWith('---') || l.startsWith('diff ') || l.startsWith('index ')) return 'd-meta';
  if (l.startsWith('@@')) return 'd-hunk';
  if (l.startsWith('+')) return 'd-add';
  if (l.startsWith('-')) return 'd-del';
  return '';
}

export default function Changes({ session }: { session: Session }) {
  const [diff, setDiff] = useState<SessionDiff | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const [n, setN] = useState(0);

  useEffect(() => {
    let on = true;
    api.diff(session.name).then(
      (d) => on && (setDiff(d), setError(null)),
      (e: unknown) => on && setError(errorText(e)),
    );
    return () => {
      on = false;
    };
    // (again when the agent's state changes: it may have written something)
  }, [session.name, session.agentStatus, session.status, n]);

  const pieces = useMemo(() => splitPatch(diff?.patch ?? ''), [diff]);
  if (error) return <p className="error">{error}</p>;
  if (!diff) return <p className="muted">Loading…</p>;
  return (
    <div className="changes">
      <div className="inline">
        <span className="muted small">against {diff.base.slice(0, 12)}{diff.truncated ? ' — the patch is cut at 1 MiB' : ''}</span>
        <span className="spacer" />
        <button onClick={() => setN((x) => x + 1)}>Refresh</button>
      </div>
      {diff.files.length === 0 ? (
        <p className="muted">No changes.</p>
      ) : (
        <ul className="files" data-testid="changed-files">
          {diff.files.map((f) => (
            <li key={f.path}>
              <button className="file-row" onClick={() => setOpen(open === f.path ? null : f.path)} aria-expanded={open === f.path}>
                <span className={`fstat fs-${f.status}`}>{f.status}</span>
                <span className="fpath">{f.path}</span>
                <span className="d-add">{f.additions === null ? 'bin' : `+${f.additions}`}</span>
                <span className="d-del">{f.deletions === null ? '' : `−${f.deletions}`}</span>
              </button>
              {open === f.path && (
                <pre className="diff" data-testid="diff">
                  {(pieces.get(f.path) ?? ['(no patch for this file)']).map((l, i) => (
                    <div key={i} className={lineClass(l)}>{l || ' '}</div>
                  ))}
                </pre>
              )}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
