// The sign-in page (shown when the daemon answers 401, or at /signin): "Sign in with a passkey",
// and with `#register=CODE` in the address (the link `clauderon auth register` prints) "Register
// this device" with a device name. The ceremonies are @simplewebauthn/browser's; the daemon checks
// the origin, the RP ID and the single-use challenge, and sets the HttpOnly cookie. After either,
// the app starts again from / (its event stream connects with the cookie).
import { startAuthentication, startRegistration } from '@simplewebauthn/browser';
import { useState, type FormEvent } from 'react';
import { authCall, registrationCode, signOut, useAuth } from './auth';

type RegisterOptions = Parameters<typeof startRegistration>[0]['optionsJSON'];
type LoginOptions = Parameters<typeof startAuthentication>[0]['optionsJSON'];

const why = (e: unknown): string => {
  if (e instanceof Error && e.name === 'NotAllowedError') return 'the passkey dialog was cancelled or timed out — try again';
  return e instanceof Error ? e.message : String(e);
};

export function SignIn() {
  // from the link's #register=CODE, or typed in below
  const [code, setCode] = useState(registrationCode);
  const [typed, setTyped] = useState('');
  const [name, setName] = useState('');
  const { available } = useAuth();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const run = async (what: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await what();
      location.replace('/');
    } catch (e) {
      setError(why(e));
      setBusy(false);
    }
  };

  const signIn = () =>
    run(async () => {
      const { challengeId, options } = await authCall<{ challengeId: string; options: LoginOptions }>('login/options', {});
      const response = await startAuthentication({ optionsJSON: options });
      await authCall('login/verify', { challengeId, response });
    });

  const register = (e: FormEvent) => {
    e.preventDefault();
    if (!code) return;
    void run(async () => {
      const { challengeId, options } = await authCall<{ challengeId: string; options: RegisterOptions }>('register/options', { code, name: name.trim() });
      const response = await startRegistration({ optionsJSON: options });
      await authCall('register/verify', { challengeId, response });
    });
  };

  return (
    <main className="signin" data-testid="signin">
      <h1>Sign in to clauderon</h1>
      {!window.isSecureContext && (
        <p className="banner warn" role="alert">
          This page is not a secure context (https, or http://localhost): browsers offer passkeys only on one. Serve the API over TLS ([http] tls_cert) and open it at CLAUDERON_ORIGIN.
        </p>
      )}
      {!available && (
        <p className="banner warn" role="status">
          Passkey sign-in is not set up on this daemon (it has no CLAUDERON_ORIGIN): scripts use the [http] token; see README “Remote access and phone”.
        </p>
      )}
      {code ? (
        <form onSubmit={register}>
          <p>Register a passkey on this device with the code from <code>clauderon auth register</code>.</p>
          <label>
            Device name{' '}
            <input data-testid="device-name" value={name} maxLength={60} required placeholder="phone" onChange={(e) => setName(e.target.value)} />
          </label>{' '}
          <button className="button primary" type="submit" disabled={busy || name.trim() === ''} data-testid="register">
            Register this device
          </button>
        </form>
      ) : (
        <p>
          <button className="button primary" type="button" disabled={busy} onClick={() => void signIn()} data-testid="signin-button">
            Sign in with a passkey
          </button>
        </p>
      )}
      {error && (
        <p className="banner" role="alert" data-testid="signin-error">
          {error}
        </p>
      )}
      {!code && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            setCode(typed.trim());
          }}
        >
          <p className="muted">
            A new device needs a registration link or code: run <code>clauderon auth register</code> on the daemon’s host.
          </p>
          <label>
            Registration code <input data-testid="code-input" value={typed} pattern="[A-Za-z0-9_\-]{16,100}" required onChange={(e) => setTyped(e.target.value)} />
          </label>{' '}
          <button className="button" type="submit" disabled={typed.trim() === ''}>
            Use this code
          </button>
        </form>
      )}
    </main>
  );
}

/** The header's sign-out button, only when signed in with a passkey. */
export function SignOutButton() {
  const { signedIn } = useAuth();
  if (!signedIn) return null;
  return (
    <button className="button" type="button" data-testid="signout" onClick={() => void signOut()}>
      Sign out
    </button>
  );
}
