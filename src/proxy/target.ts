// The canonical target of a proxied request. Credentials are chosen from this alone — never
// from a Host header or SNI — so every form that could confuse the choice is either refused or
// reduced to one spelling: numeric IPv4 variants (127.1, 0x7f.0.0.1, 2130706433), IPv4-mapped
// IPv6, zone ids, trailing dots, upper case, CR/LF and other control bytes, userinfo, paths.
import { isIP } from 'node:net';

export type Target =
  | { ok: true; host: string; port: number; kind: 'name' | 'ip' }
  | { ok: false; reason: string };

const HOSTNAME_RE = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

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

/** Canonicalise a host (no port) the way a resolver would see it. */
export function canonicalHost(host: string, port: number): Target {
  if (isIP(host) === 6) return { ok: true, host: normaliseIpv6(host), port, kind: 'ip' };
  let h = host.toLowerCase();
  if (h.endsWith('.')) h = h.slice(0, -1); // "api.github.com." is api.github.com
  if (h.endsWith('.')) return { ok: false, reason: 'more than one trailing dot' };
  // WHATWG URL parsing turns every numeric IPv4 spelling into dotted-quad and IDNs into punycode.
  let parsed: string;
  try {
    parsed = new URL(`http://${h}/`).hostname;
  } catch {
    return { ok: false, reason: 'invalid host name' };
  }
  if (isIP(parsed) === 4) return { ok: true, host: parsed, port, kind: 'ip' };
  if (parsed !== h) return { ok: false, reason: 'host name is not in canonical form' };
  if (!HOSTNAME_RE.test(parsed)) return { ok: false, reason: 'invalid host name' };
  return { ok: true, host: parsed, port, kind: 'name' };
}

function normaliseIpv6(ip: string): string {
  try {
    return new URL(`http://[${ip}]/`).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return ip.toLowerCase();
  }
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
