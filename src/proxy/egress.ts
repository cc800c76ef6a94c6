// Where a session's proxy may connect. An agent must not use its own proxy as a door into the
// host: the daemon's HTTP API trusts loopback, other local services trust the LAN. So every
// connection the proxy makes is checked on the address it actually connects to — after name
// resolution, in every spelling (127.1, 2130706433, [::ffff:127.0.0.1], NAT64, 6to4…) — and
// loopback, link-local, private, shared (CGNAT), unspecified, multicast and reserved addresses,
// and the host's own addresses, are refused. A user who needs a local service opens it per
// host:port (`[proxy] allow_local` in config.toml); the daemon's own ports are never opened.
import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions, type LookupOneOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { canonicalHost, parseConnectTarget } from './target.js';

/** Resolves a host name to every address it has (injectable: tests map names to loopback). */
export type Resolver = (host: string) => Promise<LookupAddress[]>;

export const systemResolver: Resolver = (host) =>
  new Promise((resolve, reject) => dnsLookup(host, { all: true, verbatim: true }, (e, addrs) => (e ? reject(e) : resolve(addrs))));

const LOCAL_RANGES: readonly [string, number, 'ipv4' | 'ipv6'][] = [
  ['0.0.0.0', 8, 'ipv4'], // "this network"; connecting to 0.0.0.0 reaches loopback
  ['10.0.0.0', 8, 'ipv4'],
  ['100.64.0.0', 10, 'ipv4'], // shared address space (CGNAT, tailnets)
  ['127.0.0.0', 8, 'ipv4'],
  ['169.254.0.0', 16, 'ipv4'], // link-local, cloud metadata services
  ['172.16.0.0', 12, 'ipv4'], // includes Docker's bridges
  ['192.0.0.0', 24, 'ipv4'],
  ['192.0.2.0', 24, 'ipv4'],
  ['192.168.0.0', 16, 'ipv4'],
  ['198.18.0.0', 15, 'ipv4'],
  ['198.51.100.0', 24, 'ipv4'],
  ['203.0.113.0', 24, 'ipv4'],
  ['224.0.0.0', 4, 'ipv4'], // multicast
  ['240.0.0.0', 4, 'ipv4'], // reserved, broadcast
  ['::', 128, 'ipv6'],
  ['::1', 128, 'ipv6'],
  ['fe80::', 10, 'ipv6'],
  ['fec0::', 10, 'ipv6'],
  ['fc00::', 7, 'ipv6'],
  ['ff00::', 8, 'ipv6'],
  ['2001::', 32, 'ipv6'], // Teredo (the embedded address is obfuscated)
  ['2001:db8::', 32, 'ipv6'],
  ['100::', 64, 'ipv6'], // discard-only
];

const blocked = new BlockList();
for (const [net, prefix, type] of LOCAL_RANGES) blocked.addSubnet(net, prefix, type);

/** The IPv4 address an IPv6 address carries (mapped, compatible, NAT64, 6to4), if any. */
export function embeddedIpv4(ip6: string): string | null {
  const words = expandIpv6(ip6);
  if (!words) return null;
  const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
  const zero = (from: number, to: number) => words.slice(from, to).every((w) => w === 0);
  if (zero(0, 5) && (words[5] === 0xffff || words[5] === 0)) return v4(words[6]!, words[7]!); // ::ffff:a.b.c.d, ::a.b.c.d
  if (words[0] === 0x64 && words[1] === 0xff9b && zero(2, 6)) return v4(words[6]!, words[7]!); // NAT64 64:ff9b::/96
  if (words[0] === 0x2002) return v4(words[1]!, words[2]!); // 6to4 2002:AABB:CCDD::/48
  return null;
}

function expandIpv6(ip: string): number[] | null {
  if (isIP(ip) !== 6) return null;
  let s = ip.toLowerCase();
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (dotted) {
    const o = dotted[1]!.split('.').map(Number);
    s = `${s.slice(0, -dotted[1]!.length)}${((o[0]! << 8) | o[1]!).toString(16)}:${((o[2]! << 8) | o[3]!).toString(16)}`;
  }
  const [head = '', tail] = s.split('::');
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const fill = tail !== undefined ? new Array<string>(8 - h.length - t.length).fill('0') : [];
  const all = [...h, ...fill, ...t].map((x) => parseInt(x, 16));
  return all.length === 8 && all.every((n) => Number.isInteger(n) && n >= 0 && n <= 0xffff) ? all : null;
}

let ownCache: { at: number; addrs: Set<string> } | null = null;

/** The host's own interface addresses (refreshed every few seconds: interfaces come and go). */
function ownAddresses(): Set<string> {
  const now = Date.now();
  if (!ownCache || now - ownCache.at > 5000) {
    const addrs = new Set<string>();
    for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) addrs.add(normalise(a.address.split('%')[0] ?? a.address));
    ownCache = { at: now, addrs };
  }
  return ownCache.addrs;
}

function normalise(ip: string): string {
  const t = canonicalHost(ip, 1);
  return t.ok ? t.host : ip.toLowerCase();
}

/** Why an address may not be connected to, or null when it may. */
export function localAddressReason(address: string): string | null {
  const family = isIP(address);
  if (family === 0) return 'not an IP address';
  const ip = normalise(address);
  if (family === 6) {
    const v4 = embeddedIpv4(ip);
    if (v4 !== null) {
      const inner = localAddressReason(v4);
      if (inner) return `${inner} (embedded in ${ip})`;
    }
  }
  if (blocked.check(ip, family === 4 ? 'ipv4' : 'ipv6')) return `${ip} is a loopback, private, link-local or reserved address`;
  if (ownAddresses().has(ip)) return `${ip} is one of this host's own addresses`;
  return null;
}

/** A connection the egress policy refused; the proxy answers it 403 and audits it. */
export class EgressRefused extends Error {
  readonly code = 'ECLAUDERON_EGRESS';
  constructor(
    readonly target: string,
    readonly reason: string,
  ) {
    super(`clauderon proxy: connections to ${target} are refused: ${reason} — a local service can be opened per host:port with [proxy] allow_local in config.toml`);
  }
}

export interface EgressPolicyOptions {
  /** "host:port" entries the user opened (config.toml [proxy] allow_local). */
  allowLocal?: readonly string[];
  /** Ports never opened, whatever allow_local says (the daemon's API and proxies). */
  ownPorts?: (port: number) => boolean;
  resolver?: Resolver;
}

export class EgressPolicy {
  private readonly allowed = new Set<string>();
  private readonly resolver: Resolver;

  constructor(private readonly o: EgressPolicyOptions = {}) {
    this.resolver = o.resolver ?? systemResolver;
    for (const entry of o.allowLocal ?? []) {
      const t = parseConnectTarget(entry.trim());
      if (t.ok) this.allowed.add(`${t.host}:${t.port}`);
    }
  }

  /** Whether the user opened host:port (the daemon's own ports never count as opened). */
  private opened(host: string, port: number): boolean {
    return this.allowed.has(`${host}:${port}`) && !(this.o.ownPorts?.(port) ?? false);
  }

  /** Refuse a local address unless (name or address):port was opened. Throws EgressRefused. */
  check(name: string, address: string, port: number): void {
    const reason = localAddressReason(address);
    if (reason === null) return;
    const ip = normalise(address);
    // ::ffff:127.0.0.1 is 127.0.0.1 for what the user opened, too
    const mapped = /^::ffff:/.test(ip) ? embeddedIpv4(ip) : null;
    if (this.opened(name, port) || this.opened(ip, port) || (mapped !== null && this.opened(mapped, port))) return;
    const listed = [name, ip, mapped].some((h) => h !== null && this.allowed.has(`${h}:${port}`));
    throw new EgressRefused(
      name === address || name === ip ? `${ip.includes(':') ? `[${ip}]` : ip}:${port}` : `${name}:${port} (${ip})`,
      listed ? `${reason}; port ${port} is clauderon's own and is never opened to agents` : reason,
    );
  }

  /** A name that is local by definition (RFC 6761): it is loopback, whatever a resolver says. */
  static isLocalName(host: string): boolean {
    return host === 'localhost' || host.endsWith('.localhost');
  }

  /** Resolve `host` and check every address it has; the first is returned (all are allowed). */
  async resolve(host: string, port: number): Promise<LookupAddress> {
    if (isIP(host)) {
      this.check(host, host, port);
      return { address: host, family: isIP(host) };
    }
    const addrs = EgressPolicy.isLocalName(host) ? [{ address: '127.0.0.1', family: 4 }] : await this.resolver(host);
    if (addrs.length === 0) throw new Error(`${host} has no address`);
    // every address is checked: a name with one public and one local record is not a way in
    for (const a of addrs) this.check(host, a.address, port);
    return addrs[0]!;
  }

  /** A `lookup` for net/tls/http(s) that applies this policy to what the socket connects to. */
  lookup(port: number): (host: string, options: LookupOneOptions | LookupAllOptions, cb: (e: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void) => void {
    return (host, options, cb) => {
      this.resolve(host, port).then(
        (a) => (options.all ? cb(null, [a]) : cb(null, a.address, a.family)),
        (e: unknown) => cb(e as NodeJS.ErrnoException, ''),
      );
    };
  }
}
