// The canonical spelling of a host (no port): lower case, no trailing dot, every numeric IPv4
// spelling (127.1, 0x7f.0.0.1, 2130706433) as dotted quad, IPv6 normalised, IDNs only as
// punycode. The proxy's targets (src/proxy/target.ts) and the egress rules of config and the API
// (egress-rules.ts) are spelled by this one function, so a rule and a target compare as strings.
import { isIP } from 'node:net';

export type Target =
  | { ok: true; host: string; port: number; kind: 'name' | 'ip' }
  | { ok: false; reason: string };

const HOSTNAME_RE = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

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
