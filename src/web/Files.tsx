// The Files tab (its own chunk, with the highlighter): the session's worktree as a tree (changed
// files marked, directories fold), and one file read-only, highlighted by its extension. What the
// daemon sends is confined to the worktree; what it contains is the agent's, drawn as React text.
import { useEffect, useMemo, useRef, useState } from 'react';
import type { WorktreeFile, WorktreeListing } from '../shared/results.js';
import type { Session } from '../shared/types.js';
import { api, errorText } from './api';
import { highlight, languageOf, MAX_HIGHLIGHT } from './highlight';

function Viewer({ file }: { file: WorktreeFile }) {
  const lang = languageOf(file.path);
  const big = file.content.length > MAX_HIGHLIGHT;
  const body = useMemo(() => highlight(file.content, big ? null : lang), [file, lang, big]);
  return (
    <>
      <div className="muted small">
        {file.path}
        {file.truncated ? ' — cut short' : ''}
        {lang && big ? ' — too big to highlight' : ''}
      </div>
      {file.binary ? (
        <p className="muted">Binary file: not shown.</p>
      ) : (
        <pre className="code" data-testid="file-content" data-lang={lang && !big ? lang : 'plain'}>
          <code>{body}</code>
        </pre>
      )}
    </>
  );
}

export default function Files({ session }: { session: Session }) {
  const [n, setN] = useState(0);
  const [data, setData] = useState<WorktreeListing | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const [file, setFile] = useState<WorktreeFile | null>(null);
  const [fileError, setFileError] = useState<string | null>(null);
  const [collapsed, setCollapsed] = useState<Set<string>>(new Set());
  /** The file last asked for: a slower answer for an earlier one is dropped. */
  const wanted = useRef<string | null>(null);

  useEffect(() => {
    let on = true;
    api.files(session.name).then(
      (d) => on && (setData(d), setError(null)),
      (e: unknown) => on && setError(errorText(e)),
    );
    return () => {
      on = false;
    };
  }, [session.name, n]);

  const show = (path: string) => {
    wanted.current = path;
    setOpen(path);
    setFile(null);
    setFileError(null);
    api.file(session.name, path).then(
      (f) => wanted.current === path && setFile(f),
      (e: unknown) => wanted.current === path && setFileError(errorText(e)),
    );
  };
  if (error) return <p className="error">{error}</p>;
  if (!data) return <p className="muted">Loading…</p>;
  const hidden = (p: string) => [...collapsed].some((d) => p.startsWith(`${d}/`));
  const toggle = (path: string) =>
    setCollapsed((c) => {
      const next = new Set(c);
      if (next.has(path)) next.delete(path);
      else next.add(path);
      return next;
    });
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
                  <button className="link dir" onClick={() => toggle(e.path)} aria-expanded={!collapsed.has(e.path)}>
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
        {file && <Viewer file={file} />}
      </div>
    </div>
  );
}
