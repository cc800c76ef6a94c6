// Whether the HTTP API asks for a signed-in passkey session (or the [http] token), and the WebAuthn
// relying party it signs in with. Sign-in is on whenever the API is bound beyond loopback (or
// `[http] require_auth = true` / CLAUDERON_REQUIRE_AUTH=1 asks for it on loopback — tests do), and
// then needs CLAUDERON_ORIGIN: the origin browsers open the API at, which passkeys are bound to
// (its host name is the RP ID unless CLAUDERON_RP_ID says another) — or, for scripts only, [http] token. CLAUDERON_DISABLE_AUTH=true turns
// it off, loudly. Read once at start: the daemon refuses to start on a setting that cannot work.
import { ClauderonError } from '../../shared/errors.js';
import { isLoopback, parseRemoteOrigin, type RemoteOrigin } from '../http-guard.js';

export interface RelyingParty {
  /** CLAUDERON_ORIGIN, as browsers send it (`https://host[:port]`). */
  origin: string;
  /** The RP ID: CLAUDERON_RP_ID, else the origin's host name. */
  id: string;
  /** Shown by the browser's passkey dialog. */
  name: string;
  /** The origin is https: the sign-in cookie is Secure. */
  secure: boolean;
}

/** How the HTTP API is protected: `loopback` (this machine's user, no sign-in), `passkeys`, or `disabled` (CLAUDERON_DISABLE_AUTH=true where sign-in would be on). */
export type HttpAuthMode = 'loopback' | 'passkeys' | 'disabled';

export interface AuthSettings {
  mode: HttpAuthMode;
  /** Requests (but the open ones) need a signed-in session or the Bearer token. */
  required: boolean;
  /** The relying party, whenever CLAUDERON_ORIGIN is set (sign-in works then, required or not). */
  rp: RelyingParty | null;
  remote: RemoteOrigin | null;
}

const truthy = (v: string | undefined): boolean => v === '1' || v === 'true';

/**
 * The API's auth from its bind address, `[http] require_auth` and the environment. Throws a config
 * error (the daemon refuses to start) when sign-in is on and there is no CLAUDERON_ORIGIN.
 */
export function authSettings(o: { bind: string; requireAuth: boolean; env: NodeJS.ProcessEnv; token?: boolean }): AuthSettings {
  const remote = parseRemoteOrigin(o.env.CLAUDERON_ORIGIN);
  const wanted = !isLoopback(o.bind) || o.requireAuth || truthy(o.env.CLAUDERON_REQUIRE_AUTH);
  const disabled = o.env.CLAUDERON_DISABLE_AUTH === 'true';
  const rp = remote ? relyingParty(remote.origin, o.env.CLAUDERON_RP_ID) : null;
  // ([http] token alone: scripts only, Bearer — the web UI cannot sign in without an origin)
  if (wanted && !disabled && !rp && !o.token) {
    const where = isLoopback(o.bind) ? `${o.bind} with sign-in required ([http] require_auth / CLAUDERON_REQUIRE_AUTH)` : `${o.bind}, which is not loopback`;
    throw new ClauderonError(
      'config',
      `the HTTP API would listen on ${where}: passkey sign-in needs CLAUDERON_ORIGIN, the address browsers open it at (e.g. CLAUDERON_ORIGIN=https://box.tailnet.ts.net:3030); or set [http] token in config.toml for scripts only (Authorization: Bearer TOKEN), bind 127.0.0.1, or set CLAUDERON_DISABLE_AUTH=true (then anyone who reaches the port drives the daemon)`,
    );
  }
  return { mode: !wanted ? 'loopback' : disabled ? 'disabled' : 'passkeys', required: wanted && !disabled, rp, remote };
}

function relyingParty(origin: string, rpId: string | undefined): RelyingParty {
  const url = new URL(origin);
  const id = (rpId ?? url.hostname).toLowerCase();
  if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(id) || /^[\d.]+$/.test(id)) {
    const what = rpId === undefined ? `CLAUDERON_ORIGIN=${origin} has no host name` : `CLAUDERON_RP_ID="${rpId}" is not a domain name`;
    throw new ClauderonError('config', `${what}: passkeys are bound to a host name such as box.tailnet.ts.net or localhost, never an IP address — open the API under a name (tailscale cert gives one) and set CLAUDERON_ORIGIN to it`);
  }
  return { origin, id, name: 'clauderon', secure: url.protocol === 'https:' };
}

/** Whether `rpId` may serve `origin` (the host itself or a parent domain): browsers refuse any other. */
export function rpIdFits(rp: RelyingParty): boolean {
  const host = new URL(rp.origin).hostname;
  return host === rp.id || host.endsWith(`.${rp.id}`);
}
