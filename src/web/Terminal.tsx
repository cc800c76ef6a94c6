// The Terminal tab (its own chunk, with xterm): the agent's terminal over /ws/console/:name —
// JSON text frames, bytes in base64; typed keys go back as `input`, the fitted size as `resize`.
// Closing the tab closes the WebSocket, which detaches and never stops the agent.
import { FitAddon } from '@xterm/addon-fit';
import { Terminal as XTerm } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import { useEffect, useRef, useState } from 'react';
import type { Session } from '../shared/types.js';
import { consoleUrl, fromBase64, toBase64 } from './console';

const dark = () => window.matchMedia('(prefers-color-scheme: dark)').matches;

export default function Terminal({ session }: { session: Session }) {
  const box = useRef<HTMLDivElement>(null);
  const [state, setState] = useState<string>('connecting…');

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const term = new XTerm({
      cursorBlink: true,
      fontSize: 13,
      fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace',
      scrollback: 5000,
      theme: dark() ? { background: '#111418', foreground: '#d8dee4' } : { background: '#fbfbfc', foreground: '#1f2328', cursor: '#1f2328', selectionBackground: '#b6d4fe' },
    });
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.open(el);
    const ws = new WebSocket(consoleUrl(session.name));
    const enc = new TextEncoder();
    const send = (m: object) => ws.readyState === WebSocket.OPEN && ws.send(JSON.stringify(m));
    const sendSize = () => send({ type: 'resize', rows: term.rows, cols: term.cols });
    const refit = () => {
      try {
        fit.fit();
      } catch {
        // (not laid out yet)
      }
    };
    refit();
    ws.onopen = () => {
      setState('connected');
      sendSize();
      term.focus();
    };
    ws.onmessage = (m: MessageEvent<string>) => {
      let f: { type?: string; data?: string; code?: number; message?: string };
      try {
        f = JSON.parse(m.data) as typeof f;
      } catch {
        return;
      }
      if (f.type === 'output' && typeof f.data === 'string') term.write(fromBase64(f.data));
      else if (f.type === 'exit') setState(`the agent's terminal ended (exit ${f.code ?? '?'})`);
      else if (f.type === 'error') setState(`error: ${f.message ?? 'unknown'}`);
    };
    ws.onclose = (e) => setState((s) => (s === 'connected' || s === 'connecting…' ? `disconnected${e.code === 1000 ? '' : ` (${e.code})`} — reopen the tab to attach again` : s));
    const onData = term.onData((d) => send({ type: 'input', data: toBase64(enc.encode(d)) }));
    const onBinary = term.onBinary((d) => send({ type: 'input', data: btoa(d) }));
    const onResize = term.onResize(sendSize);
    const ro = new ResizeObserver(refit);
    ro.observe(el);
    return () => {
      ro.disconnect();
      onData.dispose();
      onBinary.dispose();
      onResize.dispose();
      ws.onclose = null;
      ws.close();
      term.dispose();
    };
  }, [session.name]);

  return (
    <div className="terminal-wrap">
      <div className="muted small" data-testid="terminal-state">{state}</div>
      <div className="terminal" ref={box} data-testid="terminal" />
    </div>
  );
}
