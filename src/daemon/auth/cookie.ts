// The sign-in cookie: `clauderon_session`, 32 random bytes (base64url), HttpOnly (no script reads
// it), SameSite=Strict (no other site's page or link sends it), Path=/, Secure on an https origin,
// and an expiry (fixed at sign-in: SESSION_TTL_MS). Only its SHA-256 is stored.
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const COOKIE = 'clauderon_session';
/** A sign-in lasts 30 days from the moment it was made (not sliding), or until sign-out / revoke. */
export const SESSION_TTL_MS = 30 * 24 * 3600 * 1000;

export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** A new random token: 32 bytes as base64url (256 bits). */
export const randomToken = (bytes = 32): string => randomBytes(bytes).toString('base64url');

/** The sign-in cookie's value in a request (the first one; a malformed header: none). */
export function readCookie(req: IncomingMessage): string | null {
  const header = req.headers.cookie;
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== COOKIE) continue;
    const value = part.slice(eq + 1).trim();
    return /^[A-Za-z0-9_-]{16,200}$/.test(value) ? value : null;
  }
  return null;
}

/** Set-Cookie for a new sign-in (`value`) or, with null, the one that clears it. */
export function cookieHeader(value: string | null, secure: boolean, expires?: Date): string {
  const attrs = ['HttpOnly', 'SameSite=Strict', 'Path=/', ...(secure ? ['Secure'] : [])];
  if (value === null) return [`${COOKIE}=`, ...attrs, 'Max-Age=0', 'Expires=Thu, 01 Jan 1970 00:00:00 GMT'].join('; ');
  return [`${COOKIE}=${value}`, ...attrs, `Expires=${(expires ?? new Date(Date.now() + SESSION_TTL_MS)).toUTCString()}`].join('; ');
}
