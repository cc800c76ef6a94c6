// Passkey sign-in (WebAuthn, with @simplewebauthn/server): the one-time registration codes
// `clauderon auth register` mints on the host, the ceremonies' challenges, the registered passkeys
// and the sign-in sessions their cookies name. Codes: 160 random bits, valid 10 minutes, single use
// (consumed atomically once a registration verifies), stored hashed. Challenges: kept here in
// memory, single use (taken out before they are checked), 2 minutes. Sessions: the cookie's value
// hashed in the store, 30 days from sign-in (cookie.ts). Revoking a passkey ends its sessions at
// once: every request looks its session up. The library is loaded at the first ceremony.
import { randomBytes } from 'node:crypto';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { ClauderonError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import type { PasskeyInfo, RegistrationCode, RevokeResult } from '../../protocol/operations.js';
import type { PasskeyRecord } from '../../store/auth.js';
import type { Store } from '../../store/store.js';
import { httpError } from '../http-guard.js';
import { randomToken, sha256, SESSION_TTL_MS } from './cookie.js';
import type { RelyingParty } from './settings.js';

/** How long a registration code is good for. */
export const CODE_TTL_MS = 10 * 60 * 1000;
const CHALLENGE_TTL_MS = 2 * 60 * 1000;
const MAX_CHALLENGES = 256;
/** Where `clauderon auth register`'s link leads (the web UI's sign-in page). */
export const SIGNIN_PATH = '/signin';

interface Challenge {
  kind: 'register' | 'login';
  challenge: string;
  expires: number;
  /** A registration's code (hashed) and device name. */
  codeHash?: string;
  name?: string;
}

/** A live sign-in: its passkey and the stored hash of its cookie. */
export interface SignInSession {
  passkey: string;
  session: string;
}

/** A sign-in ended: a passkey revoked (all its sessions) or one session signed out. */
export type SignInEnded = { passkey: string } | { session: string };

export interface SignedIn {
  /** The cookie's value (never stored). */
  token: string;
  expires: Date;
  passkey: PasskeyInfo;
}

const iso = (t: number): string => new Date(t).toISOString();

export class PasskeyAuth {
  private readonly challenges = new Map<string, Challenge>();
  private readonly ended = new Set<(e: SignInEnded) => void>();

  constructor(
    private readonly store: Store,
    readonly rp: RelyingParty | null,
    private readonly log: Logger,
    private readonly opts: { now?: () => number } = {},
  ) {}

  private now(): number {
    return this.opts.now?.() ?? Date.now();
  }

  private relyingParty(): RelyingParty {
    if (!this.rp) throw new ClauderonError('config', 'passkey sign-in is off: set CLAUDERON_ORIGIN to the address browsers open the HTTP API at (e.g. https://box.tailnet.ts.net:3030) and restart the daemon (clauderon daemon stop)');
    return this.rp;
  }

  // ---- the host's side (auth.* operations, over the daemon socket only) ----

  /** A one-time code and the sign-in page's link that registers a passkey with it. */
  mintCode(): RegistrationCode {
    const rp = this.relyingParty();
    const code = randomToken(20);
    const t = this.now();
    const expiresAt = iso(t + CODE_TTL_MS);
    this.store.auth.insertCode(sha256(code), iso(t), expiresAt);
    this.log.info('passkey registration code minted', { expiresAt });
    return { code, url: `${rp.origin}${SIGNIN_PATH}#register=${code}`, expiresAt };
  }

  list(): PasskeyInfo[] {
    const counts = this.store.auth.sessionCounts(iso(this.now()));
    return this.store.auth.listPasskeys().map((p) => info(p, counts.get(p.id) ?? 0));
  }

  /** Remove a passkey (by its id, or its credential id) and end its sign-in sessions. */
  revoke(id: string): RevokeResult {
    const p = this.store.auth.passkeyById(id) ?? this.store.auth.passkeyByCredential(id);
    if (!p) throw new ClauderonError('not_found', `no passkey "${id}" — clauderon auth list shows the registered ones`);
    const sessionsEnded = this.store.auth.deletePasskey(p.id);
    this.log.info('passkey revoked', { id: p.id, name: p.name, sessionsEnded });
    this.emitEnded({ passkey: p.id });
    return { revoked: info(p, 0), sessionsEnded };
  }

  // ---- the browser's side (the sign-in endpoints, routes.ts) ----

  /** The live sign-in a cookie's value names (while its session lives and its passkey is registered); else null. */
  sessionOf(token: string | null): SignInSession | null {
    if (!token) return null;
    const session = sha256(token);
    return this.stillLive(session);
  }

  /** The sign-in whose cookie hashes to `session`, if it still lives. */
  stillLive(session: string): SignInSession | null {
    const passkey = this.store.auth.sessionPasskey(session, iso(this.now()));
    return passkey === null ? null : { passkey, session };
  }

  signOut(token: string | null): void {
    if (!token) return;
    const session = sha256(token);
    this.store.auth.deleteSession(session);
    this.emitEnded({ session });
  }

  /** Hear of every sign-in that ends (revoke, sign-out): open WebSockets of it are closed. Returns the unsubscribe. */
  onEnded(l: (e: SignInEnded) => void): () => void {
    this.ended.add(l);
    return () => this.ended.delete(l);
  }

  private emitEnded(e: SignInEnded): void {
    for (const l of this.ended) {
      try {
        l(e);
      } catch (err) {
        this.log.error('sign-in end listener failed', { error: err instanceof Error ? err.message : String(err) });
      }
    }
  }

  async registrationOptions(code: string, name: string): Promise<{ challengeId: string; options: unknown }> {
    const rp = this.relyingParty();
    if (!this.store.auth.codeUsable(sha256(code), iso(this.now()))) throw badCode();
    const { generateRegistrationOptions } = await import('@simplewebauthn/server');
    const options = await generateRegistrationOptions({
      rpName: rp.name,
      rpID: rp.id,
      userName: `clauderon (${name})`,
      userDisplayName: name,
      userID: randomBytes(16),
      attestationType: 'none',
      // discoverable: signing in asks for no user name
      authenticatorSelection: { residentKey: 'required', userVerification: 'preferred' },
      excludeCredentials: this.store.auth.listPasskeys().map((p) => ({ id: p.credentialId, transports: p.transports })),
    });
    return { challengeId: this.keep({ kind: 'register', challenge: options.challenge, codeHash: sha256(code), name }), options };
  }

  async verifyRegistration(challengeId: string, response: RegistrationResponseJSON): Promise<SignedIn> {
    const rp = this.relyingParty();
    const c = this.take(challengeId, 'register');
    const { verifyRegistrationResponse } = await import('@simplewebauthn/server');
    const result = await verifyRegistrationResponse({ response, expectedChallenge: c.challenge, expectedOrigin: rp.origin, expectedRPID: rp.id, requireUserVerification: false }).catch((e: unknown) => {
      throw refused('registration', e);
    });
    if (!result.verified) throw refused('registration', null);
    // only now, and atomically: a code serves exactly one registration, however many raced for it
    if (!c.codeHash || !this.store.auth.consumeCode(c.codeHash, iso(this.now()))) throw badCode();
    const { credential } = result.registrationInfo;
    const t = iso(this.now());
    const record: PasskeyRecord = {
      id: randomBytes(5).toString('hex'),
      credentialId: credential.id,
      name: c.name ?? 'passkey',
      publicKey: credential.publicKey,
      counter: credential.counter,
      transports: credential.transports ?? response.response.transports ?? [],
      createdAt: t,
      lastUsedAt: t,
    };
    if (this.store.auth.passkeyByCredential(record.credentialId)) throw httpError(409, 'conflict', 'this passkey is registered already: sign in with it');
    this.store.auth.insertPasskey(record);
    this.log.info('passkey registered', { id: record.id, name: record.name });
    return this.signIn(record);
  }

  async authenticationOptions(): Promise<{ challengeId: string; options: unknown }> {
    const rp = this.relyingParty();
    const { generateAuthenticationOptions } = await import('@simplewebauthn/server');
    const options = await generateAuthenticationOptions({ rpID: rp.id, userVerification: 'preferred', allowCredentials: [] });
    return { challengeId: this.keep({ kind: 'login', challenge: options.challenge }), options };
  }

  async verifyAuthentication(challengeId: string, response: AuthenticationResponseJSON): Promise<SignedIn> {
    const rp = this.relyingParty();
    const c = this.take(challengeId, 'login');
    const p = this.store.auth.passkeyByCredential(response.id);
    if (!p) throw httpError(401, 'invalid_input', 'this passkey is not registered here (or was revoked): register it again with a code from `clauderon auth register` on the host');
    const { verifyAuthenticationResponse } = await import('@simplewebauthn/server');
    const result = await verifyAuthenticationResponse({
      response,
      expectedChallenge: c.challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      credential: { id: p.credentialId, publicKey: new Uint8Array(p.publicKey), counter: p.counter, transports: p.transports },
      requireUserVerification: false,
    }).catch((e: unknown) => {
      throw refused('sign-in', e);
    });
    if (!result.verified) throw refused('sign-in', null);
    // (revoked while the ceremony ran: no session for it)
    if (!this.store.auth.passkeyById(p.id)) throw httpError(401, 'invalid_input', 'this passkey was revoked');
    this.store.auth.markUsed(p.id, result.authenticationInfo.newCounter, iso(this.now()));
    return this.signIn(p);
  }

  private signIn(p: PasskeyRecord): SignedIn {
    const token = randomToken(32);
    const t = this.now();
    const expires = new Date(t + SESSION_TTL_MS);
    this.store.auth.insertSession(sha256(token), p.id, iso(t), expires.toISOString());
    this.log.info('signed in with a passkey', { passkey: p.id, name: p.name });
    return { token, expires, passkey: info(p, 1) };
  }

  private keep(c: Omit<Challenge, 'expires'>): string {
    const t = this.now();
    for (const [k, v] of this.challenges) if (v.expires <= t) this.challenges.delete(k);
    while (this.challenges.size >= MAX_CHALLENGES) {
      const oldest = this.challenges.keys().next().value;
      if (oldest === undefined) break;
      this.challenges.delete(oldest);
    }
    const id = randomToken(16);
    this.challenges.set(id, { ...c, expires: t + CHALLENGE_TTL_MS });
    return id;
  }

  /** A challenge, taken out (single use); unknown, used, expired or of the other ceremony: 400. */
  private take(id: string, kind: Challenge['kind']): Challenge {
    const c = this.challenges.get(id);
    this.challenges.delete(id);
    if (!c || c.kind !== kind || c.expires <= this.now()) throw httpError(400, 'invalid_input', `this ${kind === 'login' ? 'sign-in' : 'registration'} attempt is unknown or expired (a challenge serves one attempt for 2 minutes): start again`);
    return c;
  }
}

function info(p: PasskeyRecord, sessions: number): PasskeyInfo {
  return { id: p.id, name: p.name, createdAt: p.createdAt, lastUsedAt: p.lastUsedAt, transports: p.transports, sessions };
}

const badCode = () => httpError(403, 'invalid_input', 'this registration code is unknown, used or expired (a code serves one registration within 10 minutes): run `clauderon auth register` on the host for a new one');

/** The library's reason (wrong origin, RP ID, challenge, signature…), said to the user. */
function refused(what: string, e: unknown) {
  const why = e instanceof Error ? e.message : 'the response did not verify';
  return httpError(401, 'invalid_input', `passkey ${what} refused: ${why}`);
}
