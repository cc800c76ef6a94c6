// The Terminal tab (its own chunk, with xterm): the agent's terminal over /ws/console/:name —
// JSON text frames, bytes in base64; typed keys go back as `input`, the fitted size as `resize`.
// Closing the tab closes the WebSocket, which detaches and never stops the agent.
// On a phone (narrow or touch screens, by CSS) a row of keys a soft keyboard lacks — Esc, Tab,
// Ctrl-C, the arrows, Enter — sends them as `input` too, the bytes a keyboard would send (the
// arrows in the application-cursor form when the agent asked for it), without taking the focus.
import { FitAddon } from '@xterm/addon-fit';
import { Terminal as XTerm } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import { useEffect, useRef, useState, type PointerEvent } from 'react';
import type { Session } from '../shared/types.js';
import { consoleUrl, fromBase64, toBase64 } from './console';

/** The on-screen keys: label, accessible name, and the bytes (arrows: normal / application cursor). */
const KEYS: readonly { label: string; name: string; seq: string; app?: string }[] = [
  { label: 'Esc', name: 'Esc', seq: '\x1b' },
  { label: 'Tab', name: 'Tab', seq: '\t' },
  { label: 'Ctrl‑C', name: 'Ctrl-C', seq: '\x03' },
  { label: '↑', name: 'Up', seq: '\x1b[A', app: '\x1bOA' },
  { label: '↓', name: 'Down', seq: '\x1b[B', app: '\x1bOB' },
  { label: '←', name: 'Left', seq: '\x1b[D', app: '\x1bOD' },
  { label: '→', name: 'Right', seq: '\x1b[C', app: '\x1bOC' },
  { label: 'Enter', name: 'Enter', seq: '\r' },
];

const dark = () => window.matchMedia('(prefers-color-scheme: dark)').matches;

export default function Terminal({ session }: { session: Session }) {
  const box = useRef<HTMLDivElement>(null);
  const [state, setState] = useState<string>('connecting…');
  /** Sends a key of the row (set while the terminal is open). */
  const sendKey = useRef<(k: (typeof KEYS)[number]) => void>(() => undefined);
  /** The terminal had the focus when a key of the row was touched (the soft keyboard was up). */
  const typing = useRef(false);

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
    sendKey.current = (k) => {
      send({ type: 'input', data: toBase64(enc.encode(k.app && term.modes.applicationCursorKeysMode ? k.app : k.seq)) });
      // (a tap may still move the focus to the button: give it back, the soft keyboard stays open)
      if (typing.current) term.focus();
    };
    const onBinary = term.onBinary((d) => send({ type: 'input', data: btoa(d) }));
    const onResize = term.onResize(sendSize);
    const ro = new ResizeObserver(refit);
    ro.observe(el);
    return () => {
      ro.disconnect();
      sendKey.current = () => undefined;
      onData.dispose();
      onBinary.dispose();
      onResize.dispose();
      ws.onclose = null;
      ws.close();
      term.dispose();
    };
  }, [session.name]);

  // (pointerdown's default would move the focus off the terminal and close the soft keyboard)
  const hold = (e: PointerEvent<HTMLButtonElement>) => {
    typing.current = !!box.current?.contains(document.activeElement);
    e.preventDefault();
  };

  return (
    <div className="terminal-wrap">
      <div className="muted small" data-testid="terminal-state">{state}</div>
      <div className="terminal" ref={box} data-testid="terminal" />
      <div className="keyrow" role="toolbar" aria-label="Terminal keys" data-testid="key-row">
        {KEYS.map((k) => (
          <button key={k.name} type="button" aria-label={k.name} data-key={k.name} onPointerDown={hold} onClick={() => sendKey.current(k)}>
            {k.label}
          </button>
        ))}
      </div>
    </div>
  );
}
