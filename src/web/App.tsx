// The page's frame: header, the connection banner, the document title (waiting count), the route.
import { useEffect } from 'react';
import { CreateForm } from './CreateForm';
import { NotifyToggle } from './Notify';
import { SessionList } from './SessionList';
import { SessionPage } from './SessionPage';
import { SignIn, SignOutButton } from './SignIn';
import { loadAuthState, registrationCode, useAuth } from './auth';
import { follow, useRoute } from './router';
import { useStore, WAITING } from './store';

export function App() {
  const route = useRoute();
  const { sessions, connection, configError } = useStore();
  const waiting = sessions.filter((s) => WAITING.has(s.agentStatus) && s.status !== 'archived').length;
  const auth = useAuth();

  useEffect(() => {
    document.title = waiting > 0 ? `(${waiting}) waiting — clauderon` : 'clauderon';
  }, [waiting]);
  useEffect(loadAuthState, []);

  // passkey sign-in (SignIn.tsx): the daemon answered 401, or the page is /signin or a registration link
  if (auth.needed || location.pathname === '/signin' || registrationCode() !== null) return <SignIn />;

  return (
    <>
      <header className="top">
        <a className="brand" href="/" onClick={follow}>clauderon</a>
        {waiting > 0 && <span className="pill waiting" data-testid="waiting-count">{waiting} waiting for you</span>}
        <span className="spacer" />
        <SignOutButton />
        <NotifyToggle />
        <a className="button primary" href="/new" onClick={follow}>New session</a>
      </header>
      {connection.state === 'down' && (
        <div className="banner" role="alert" data-testid="banner">
          Offline — reconnecting: the daemon is unreachable (attempt {connection.attempts}, next in {Math.round(connection.retryInMs / 100) / 10} s)…
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
