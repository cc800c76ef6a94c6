// The sign-in page's endpoints, /api/auth/* — the only API routes that answer without a signed-in
// session or the Bearer token (behind the same Host / Origin / Sec-Fetch-Site / JSON gate as every
// request, http-guard.ts):
//   GET  /api/auth/state             {required, mode, signedIn, available}
//   POST /api/auth/register/options  {code, name}           → {challengeId, options}
//   POST /api/auth/register/verify   {challengeId, response} → {passkey} + the sign-in cookie
//   POST /api/auth/login/options     {}                      → {challengeId, options}
//   POST /api/auth/login/verify      {challengeId, response} → {passkey} + the sign-in cookie
//   POST /api/auth/logout            {}                      → {signedOut} + a clearing cookie
// The four ceremony endpoints are rate-limited per remote address (a token bucket) and their bodies
// are limited to AUTH_MAX_BODY.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { httpError, readJson, sendJson } from '../http-guard.js';
import { cookieHeader, readCookie } from './cookie.js';
import type { PasskeyAuth, SignInSession } from './passkeys.js';
import { RateLimiter } from './rate-limit.js';
import type { AuthSettings } from './settings.js';

export const AUTH_PREFIX = '/api/auth';
/** A WebAuthn response is a few KiB; nothing on these routes needs more. */
export const AUTH_MAX_BODY = 64 * 1024;

const code = z.string().regex(/^[A-Za-z0-9_-]{16,100}$/, 'a registration code from `clauderon auth register`');
const name = z.string().trim().min(1, 'name this device (e.g. "phone")').max(60).refine((s) => !/\p{Cc}/u.test(s), 'no control characters');
// (the response's own shape is checked by the WebAuthn library; here: an object with an id)
const response = z.looseObject({ id: z.string().min(1).max(1024), type: z.literal('public-key'), response: z.looseObject({}) });
const challenge = z.strictObject({ challengeId: z.string().min(1).max(100), response });

const BODIES = {
  'register/options': z.strictObject({ code, name }),
  'register/verify': challenge,
  'login/options': z.strictObject({}),
  'login/verify': challenge,
  logout: z.strictObject({}),
} as const;
type Endpoint = keyof typeof BODIES;

/** The /api/auth routes of one HTTP API. */
export class AuthRoutes {
  private readonly limiter = new RateLimiter();

  constructor(
    private readonly passkeys: PasskeyAuth,
    private readonly settings: AuthSettings,
  ) {}

  /** Passkey sign-in works here (CLAUDERON_ORIGIN is set). */
  get available(): boolean {
    return this.settings.rp !== null;
  }

  /** The live sign-in a request's cookie names, or null. */
  signedIn(req: IncomingMessage): SignInSession | null {
    return this.passkeys.sessionOf(readCookie(req));
  }

  /** Answer a request to AUTH_PREFIX/… (`rest`: the segments after it). */
  async handle(req: IncomingMessage, res: ServerResponse, rest: readonly string[]): Promise<void> {
    const method = req.method ?? 'GET';
    const path = rest.join('/');
    if (path === 'state') {
      if (method !== 'GET') throw httpError(405, 'invalid_input', 'GET only');
      return sendJson(req, res, 200, { required: this.settings.required, mode: this.settings.mode, available: this.settings.rp !== null, signedIn: this.signedIn(req) !== null });
    }
    if (!Object.hasOwn(BODIES, path)) throw httpError(404, 'not_found', `no such endpoint ${method} ${AUTH_PREFIX}/${path}`);
    const endpoint = path as Endpoint;
    if (method !== 'POST') throw httpError(405, 'invalid_input', 'POST only');
    const secure = this.settings.rp?.secure ?? false;
    if (endpoint === 'logout') {
      await readJson(req, res, AUTH_MAX_BODY);
      this.passkeys.signOut(readCookie(req));
      res.setHeader('set-cookie', cookieHeader(null, secure));
      return sendJson(req, res, 200, { signedOut: true });
    }
    const who = req.socket.remoteAddress ?? '?';
    if (!this.limiter.take(who)) {
      res.setHeader('retry-after', String(this.limiter.retryAfter(who)));
      throw httpError(429, 'limit', 'too many sign-in attempts from this address: wait a little and try again');
    }
    if (!this.settings.rp) throw httpError(404, 'not_found', 'passkey sign-in is off on this daemon (no CLAUDERON_ORIGIN)');
    const parsed = BODIES[endpoint].safeParse(await readJson(req, res, AUTH_MAX_BODY));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw httpError(400, 'invalid_input', `invalid request body${issue ? `: ${issue.path.join('.') || '(body)'}: ${issue.message}` : ''}`);
    }
    const body = parsed.data as Record<string, unknown>;
    switch (endpoint) {
      case 'register/options':
        return sendJson(req, res, 200, await this.passkeys.registrationOptions(String(body.code), String(body.name)));
      case 'login/options':
        return sendJson(req, res, 200, await this.passkeys.authenticationOptions());
      case 'register/verify':
      case 'login/verify': {
        const { challengeId, response: r } = parsed.data as z.infer<typeof challenge>;
        const done =
          endpoint === 'register/verify'
            ? await this.passkeys.verifyRegistration(challengeId, r as unknown as Parameters<PasskeyAuth['verifyRegistration']>[1])
            : await this.passkeys.verifyAuthentication(challengeId, r as unknown as Parameters<PasskeyAuth['verifyAuthentication']>[1]);
        res.setHeader('set-cookie', cookieHeader(done.token, secure, done.expires));
        return sendJson(req, res, 200, { passkey: done.passkey, expires: done.expires.toISOString() });
      }
    }
  }
}
