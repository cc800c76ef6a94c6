// One session: a header and its tabs. Terminal, Changes, Files and Chat are separate chunks, loaded on first use.
import { lazy, Suspense, useEffect, useState } from 'react';
import type { Session } from '../shared/types.js';
import { api, errorText } from './api';
import { AGENT_TEXT } from './format';
import { follow, href } from './router';
import { findSession, dismissFlash, flashFor, upsert, useStore, WAITING } from './store';
import { Info, Proxy } from './tabs';
import { Attach } from './Attach';

const Terminal = lazy(() => import('./Terminal'));
const Changes = lazy(() => import('./Changes'));
const Chat = lazy(() => import('./Chat'));
const Files = lazy(() => import('./Files'));

const TABS = ['terminal', 'changes', 'files', 'proxy', 'chat', 'info'] as const;

export function SessionPage({ name, tab }: { name: string; tab: string }) {
  const { sessions, loaded } = useStore();
  const live = findSession(sessions, name);
  const [fetched, setFetched] = useState<Session | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [, setDismissed] = useState(0);

  useEffect(() => {
    // (a direct link, before the list has arrived; afterwards the events keep it fresh)
    let on = true;
    api.session(name).then(
      (s) => {
        if (!on) return;
        setFetched(s);
        upsert(s);
      },
      (e: unknown) => on && setError(errorText(e)),
    );
    return () => {
      on = false;
    };
  }, [name]);

  const s = live ?? (loaded && fetched && !sessions.some((x) => x.id === fetched.id) ? null : fetched);
  if (!s) {
    return (
      <section>
        <p className={error || loaded ? 'error' : 'muted'}>{error ?? (loaded && fetched ? `${name} was deleted.` : 'Loading…')}</p>
        <a href="/" onClick={follow}>← Sessions</a>
      </section>
    );
  }
  const current = (TABS as readonly string[]).includes(tab) ? tab : 'terminal';
  const waiting = WAITING.has(s.agentStatus);
  const warnings = flashFor(s.id);
  return (
    <section className="session">
      <div className="session-head">
        <a href="/" onClick={follow} className="back" aria-label="Back to sessions">←</a>
        <h1 data-testid="session-name">{s.name}</h1>
        <span className={`status st-${s.status}`} data-testid="session-status">{s.status}</span>
        {s.agentStatus !== 'unknown' && <span className={`agent-status${waiting ? ' waiting' : ''}`}>{AGENT_TEXT[s.agentStatus]}</span>}
      </div>
      {s.status !== 'deleting' && s.status !== 'creating' && <Attach key={s.id} session={s} />}
      {warnings.length > 0 && (
        <div className="notice" role="status" data-testid="create-warnings">
          {warnings.map((w) => (
            <div key={w}>{w}</div>
          ))}
          <button onClick={() => (dismissFlash(s.id), setDismissed((n) => n + 1))}>Dismiss</button>
        </div>
      )}
      <nav className="tabs" role="tablist">
        {TABS.map((t) => (
          <a key={t} role="tab" aria-selected={t === current} className={t === current ? 'tab on' : 'tab'} href={href({ page: 'session', name: s.name, tab: t })} onClick={follow}>
            {t}
          </a>
        ))}
      </nav>
      <div className="tab-body" role="tabpanel">
        <Suspense fallback={<p className="muted">Loading…</p>}>
          {current === 'terminal' && <Terminal key={s.id} session={s} />}
          {current === 'changes' && <Changes session={s} />}
          {current === 'files' && <Files session={s} />}
          {current === 'proxy' && <Proxy session={s} />}
          {current === 'chat' && <Chat key={s.id} session={s} />}
          {current === 'info' && <Info session={s} />}
        </Suspense>
      </div>
    </section>
  );
}
