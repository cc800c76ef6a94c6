// The canonical target of a proxied request. Credentials are chosen from this alone — never
// from a Host header or SNI — so every form that could confuse the choice is either refused or
// reduced to one spelling: numeric IPv4 variants (127.1, 0x7f.0.0.1, 2130706433), IPv4-mapped
// IPv6, zone ids, trailing dots, upper case, CR/LF and other control bytes, userinfo, paths.
import { isIP } from 'node:net';
import { canonicalHost, type Target } from '../shared/host.js';

// (canonicalHost is in src/shared: the egress rules of config and the API spell hosts the same way)
export { canonicalHost, type Target };

/** Parse a CONNECT request-target ("host:port", IPv6 in brackets). */
export function parseConnectTarget(raw: string): Target {
  if (raw.length === 0 || raw.length > 300) return { ok: false, reason: 'empty or oversized target' };
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0020\u007f]/.test(raw)) return { ok: false, reason: 'control character or space in target' };
  if (/[@/?#\\]/.test(raw)) return { ok: false, reason: 'userinfo, path or query in a CONNECT target' };
  let hostPart: string;
  let portPart: string;
  if (raw.startsWith('[')) {
    const end = raw.indexOf(']');
    if (end < 0 || raw[end + 1] !== ':') return { ok: false, reason: 'malformed IPv6 target' };
    hostPart = raw.slice(1, end);
    portPart = raw.slice(end + 2);
    if (hostPart.includes('%')) return { ok: false, reason: 'IPv6 zone ids are not allowed' };
    if (isIP(hostPart) !== 6) return { ok: false, reason: 'malformed IPv6 address' };
  } else {
    const colon = raw.lastIndexOf(':');
    if (colon <= 0 || raw.indexOf(':') !== colon) return { ok: false, reason: 'a CONNECT target needs host:port' };
    hostPart = raw.slice(0, colon);
    portPart = raw.slice(colon + 1);
  }
  if (!/^[0-9]{1,5}$/.test(portPart)) return { ok: false, reason: 'invalid port' };
  const port = Number(portPart);
  if (port < 1 || port > 65535) return { ok: false, reason: 'invalid port' };
  return canonicalHost(hostPart, port);
}

/** The host of a Host header or SNI name, for comparison with the canonical target. */
export function hostOfHeader(value: string | undefined, defaultPort: number): Target | null {
  if (value === undefined) return null;
  const v = value.trim();
  if (v.startsWith('[')) return parseConnectTarget(v.includes(']:') ? v : `${v}:${defaultPort}`);
  const parts = v.split(':');
  if (parts.length > 2) return { ok: false, reason: 'malformed Host header' };
  return parseConnectTarget(parts.length === 2 ? v : `${v}:${defaultPort}`);
}
