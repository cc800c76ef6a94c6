// The page's frame: header, the connection banner, the document title (waiting count), the route.
import { useEffect } from 'react';
import { CreateForm } from './CreateForm';
import { SessionList } from './SessionList';
import { SessionPage } from './SessionPage';
import { follow, useRoute } from './router';
import { useStore, WAITING } from './store';

export function App() {
  const route = useRoute();
  const { sessions, connection, configError } = useStore();
  const waiting = sessions.filter((s) => WAITING.has(s.agentStatus) && s.status !== 'archived').length;

  useEffect(() => {
    document.title = waiting > 0 ? `(${waiting}) waiting — clauderon` : 'clauderon';
  }, [waiting]);

  return (
    <>
      <header className="top">
        <a className="brand" href="/" onClick={follow}>clauderon</a>
        {waiting > 0 && <span className="pill waiting" data-testid="waiting-count">{waiting} waiting for you</span>}
        <span className="spacer" />
        <a className="button primary" href="/new" onClick={follow}>New session</a>
      </header>
      {connection.state === 'down' && (
        <div className="banner" role="alert" data-testid="banner">
          The daemon is unreachable — reconnecting (attempt {connection.attempts}, next in {Math.round(connection.retryInMs / 100) / 10} s)…
        </div>
      )}
      {configError && <div className="banner warn" role="status">config.toml: {configError}</div>}
      <main>
        {route.page === 'list' && <SessionList />}
        {route.page === 'new' && <CreateForm />}
        {route.page === 'session' && <SessionPage name={route.name} tab={route.tab} />}
      </main>
    </>
  );
}
