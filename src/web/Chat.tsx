// The Chat tab (a chunk of its own, loaded on first use): the agent's transcript, pushed over
// /ws/history/:name as it grows (the daemon watches the file; nothing here polls) — user and
// assistant messages as Markdown (markdown.tsx: React elements, never HTML from the transcript),
// tool calls and their results folded, plan-mode plans (Claude Code's ExitPlanMode) shown as
// plans — and a box that types a message into the agent's terminal.
import { memo, useEffect, useMemo, useRef, useState } from 'react';
import type { Session } from '../shared/types.js';
import { errorText } from './api';
import { sendPrompt } from './console';
import { chatItems, lineItems, type ChatItem } from '../shared/chat-items.js';
import { Markdown } from './markdown';
import './chat.css';

export function historyUrl(name: string): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws/history/${encodeURIComponent(name)}`;
}

/** Each line's items, made once: the lines already shown keep their objects (and Item its rendering). */
const itemCache = new WeakMap<object, readonly ChatItem[]>();
function cachedItems(line: unknown): readonly ChatItem[] {
  if (!line || typeof line !== 'object') return [];
  let got = itemCache.get(line);
  if (!got) itemCache.set(line, (got = lineItems(line)));
  return got;
}

type Live = 'connecting' | 'live' | 'reconnecting';

/** The transcript, pushed: the lines so far, then each appended one; reconnects by itself. */
function useHistory(name: string): { lines: unknown[]; omittedBytes: number; live: Live; error: string | null } {
  const [state, setState] = useState<{ lines: unknown[]; omittedBytes: number; live: Live; error: string | null }>({ lines: [], omittedBytes: 0, live: 'connecting', error: null });
  useEffect(() => {
    let ws: WebSocket | null = null;
    let timer: ReturnType<typeof setTimeout> | null = null;
    let delay = 500;
    let on = true;
    const connect = () => {
      const socket = new WebSocket(historyUrl(name));
      ws = socket;
      socket.onmessage = (m: MessageEvent<string>) => {
        let f: { type?: string; lines?: unknown[]; omittedBytes?: number; message?: string };
        try {
          f = JSON.parse(m.data) as typeof f;
        } catch {
          return;
        }
        if (f.type === 'history') {
          delay = 500;
          setState({ lines: Array.isArray(f.lines) ? f.lines : [], omittedBytes: f.omittedBytes ?? 0, live: 'live', error: null });
        } else if (f.type === 'append' && Array.isArray(f.lines)) {
          const more = f.lines;
          setState((s) => ({ ...s, lines: [...s.lines, ...more] }));
        } else if (f.type === 'error') setState((s) => ({ ...s, error: f.message ?? 'error' }));
      };
      socket.onclose = (e) => {
        if (!on || ws !== socket) return;
        ws = null;
        // an unknown (deleted) session: said once, not retried
        if (e.code === 4404) return setState((s) => ({ ...s, live: 'reconnecting', error: s.error ?? 'no such session' }));
        setState((s) => ({ ...s, live: 'reconnecting' }));
        timer = setTimeout(connect, delay);
        delay = Math.min(delay * 2, 5000);
      };
    };
    connect();
    return () => {
      on = false;
      if (timer) clearTimeout(timer);
      ws?.close();
    };
  }, [name]);
  return state;
}

/** One item; memoised, so an appended line renders (and lexes) only what is new. */
const Item = memo(function Item({ item }: { item: ChatItem }) {
  switch (item.kind) {
    case 'note':
      return <div className="msg note">{item.text}</div>;
    case 'message':
      return (
        <div className={`msg ${item.role}`} data-role={item.role}>
          <div className="who">{item.role}</div>
          <Markdown text={item.text} />
        </div>
      );
    case 'plan':
      return (
        <section className="msg plan" data-testid="chat-plan">
          <div className="who">plan</div>
          <Markdown text={item.text} />
        </section>
      );
    case 'tool':
      return (
        <details className="msg tool">
          <summary>
            <span className="tool-name">{item.name}</span> {item.summary && <code className="tool-summary">{item.summary}</code>}
          </summary>
          <pre>{item.body}</pre>
        </details>
      );
    case 'result':
      return (
        <details className={`msg tool${item.error ? ' tool-error' : ''}`}>
          <summary>{item.error ? 'tool error' : 'tool result'} <span className="muted small">{item.body.split('\n', 1)[0]?.slice(0, 80)}</span></summary>
          <pre>{item.body}</pre>
        </details>
      );
    case 'thinking':
      return (
        <details className="msg tool">
          <summary>thinking</summary>
          <pre>{item.body}</pre>
        </details>
      );
  }
});

export default function Chat({ session }: { session: Session }) {
  const { lines, omittedBytes, live, error } = useHistory(session.name);
  const items = useMemo(() => chatItems(lines, omittedBytes, cachedItems), [lines, omittedBytes]);
  const end = useRef<HTMLDivElement>(null);
  const atEnd = useRef(true);
  useEffect(() => {
    const onScroll = () => {
      atEnd.current = window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 80;
    };
    window.addEventListener('scroll', onScroll, { passive: true });
    return () => window.removeEventListener('scroll', onScroll);
  }, []);
  // new entries: followed when the page was at its end
  useEffect(() => {
    if (atEnd.current && items.length > 0) end.current?.scrollIntoView?.({ block: 'end' });
  }, [items.length]);
  return (
    <div className="chat" data-testid="chat" data-live={live}>
      <div className="inline">
        <span className="muted small" data-testid="chat-count">{items.filter((i) => i.kind === 'message' || i.kind === 'plan').length} messages</span>
        <span className="spacer" />
        <span className={`muted small live-${live}`}>{live === 'live' ? '● live' : live === 'connecting' ? 'connecting…' : 'reconnecting…'}</span>
      </div>
      {error && <p className="error" data-testid="chat-error">{error}</p>}
      {live === 'live' && items.length === 0 && <p className="muted">No transcript yet.</p>}
      {items.map((m, i) => (
        <Item key={i} item={m} />
      ))}
      <div ref={end} />
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
