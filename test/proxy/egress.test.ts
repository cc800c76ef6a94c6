// The egress policy on its own: which addresses a session proxy refuses to connect to, in every
// spelling, and what a user can open. Nothing here connects anywhere (names resolve through an
// injected resolver), so addresses off this machine can be named safely.
import { describe, expect, it } from 'vitest';
import { networkInterfaces } from 'node:os';
import { PLACEHOLDERS } from '../../src/agents/proxy-env.js';
import { auditTarget } from '../../src/proxy/audit.js';
import { EgressPolicy, EgressRefused, embeddedIpv4, localAddressReason, type Resolver } from '../../src/proxy/egress.js';
import { PLACEHOLDER_MARK, placeholderIn } from '../../src/proxy/placeholders.js';
import { parseConnectTarget } from '../../src/proxy/target.js';

/** The canonical address a CONNECT target spelling reaches (what the proxy connects to). */
function addressOf(spelled: string): string {
  const t = parseConnectTarget(`${spelled}:80`);
  if (!t.ok) throw new Error(`${spelled}: ${t.reason}`);
  return t.host;
}

describe('local addresses', () => {
  it('refuses loopback, unspecified, private, link-local, shared, multicast and reserved addresses in every spelling', () => {
    const local = [
      '127.0.0.1', '127.1', '0x7f.0.0.1', '0177.0.0.1', '2130706433', '127.255.255.254', '0.0.0.0', '0',
      '10.1.2.3', '172.16.0.1', '172.17.0.1', '192.168.1.1', '169.254.169.254', '100.64.1.1', '224.0.0.1', '255.255.255.255',
      '[::1]', '[::]', '[::ffff:127.0.0.1]', '[::ffff:7f00:1]', '[::127.0.0.1]', '[64:ff9b::7f00:1]', '[2002:7f00:1::]', '[2002:a9fe:a9fe::1]',
      '[fe80::1]', '[fc00::1]', '[fd12:3456::1]', '[ff02::1]', '[::ffff:169.254.169.254]', '[0:0:0:0:0:ffff:10.0.0.1]',
    ];
    for (const spelled of local) expect(localAddressReason(addressOf(spelled)), spelled).not.toBeNull();
  });

  it('allows public addresses (IPv4, IPv6, NAT64 and 6to4 of public IPv4)', () => {
    for (const spelled of ['93.184.216.34', '140.82.112.6', '[2606:4700::6810:84e5]', '[64:ff9b::5db8:d822]', '[2002:5db8:d822::1]', '8.8.8.8']) {
      expect(localAddressReason(addressOf(spelled)), spelled).toBeNull();
    }
  });

  it('refuses the host’s own interface addresses', () => {
    const own = Object.values(networkInterfaces()).flatMap((l) => l ?? []).map((a) => a.address.split('%')[0] ?? '');
    expect(own.length).toBeGreaterThan(0);
    for (const a of own) expect(localAddressReason(a), a).not.toBeNull();
  });

  it('finds IPv4 inside IPv6 (mapped, compatible, NAT64, 6to4)', () => {
    expect(embeddedIpv4('::ffff:7f00:1')).toBe('127.0.0.1');
    expect(embeddedIpv4('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(embeddedIpv4('64:ff9b::a9fe:a9fe')).toBe('169.254.169.254');
    expect(embeddedIpv4('2002:c0a8:101::1')).toBe('192.168.1.1');
    expect(embeddedIpv4('2606:4700::1')).toBeNull();
  });
});

describe('EgressPolicy', () => {
  const resolver =
    (map: Record<string, string[]>): Resolver =>
    (host) =>
      Promise.resolve((map[host] ?? []).map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));

  it('checks every address a name resolves to (a rebinding name with one local record is refused)', async () => {
    const p = new EgressPolicy({ resolver: resolver({ 'public.test': ['93.184.216.34'], 'rebind.test': ['93.184.216.34', '127.0.0.1'], 'meta.test': ['169.254.169.254'] }) });
    await expect(p.resolve('public.test', 443)).resolves.toMatchObject({ address: '93.184.216.34' });
    await expect(p.resolve('rebind.test', 443)).rejects.toBeInstanceOf(EgressRefused);
    await expect(p.resolve('meta.test', 80)).rejects.toThrow(/169\.254\.169\.254 is a loopback, private, link-local or reserved address/);
    await expect(p.resolve('localhost', 3030)).rejects.toThrow(/allow_local/);
    await expect(p.resolve('sub.localhost', 3030)).rejects.toBeInstanceOf(EgressRefused);
  });

  it('opens exactly the host:port entries of allow_local, in any spelling of the address, and never the daemon’s own ports', async () => {
    const p = new EgressPolicy({
      allowLocal: ['127.0.0.1:5432', 'localhost:6379', 'db.lan:5433', '127.0.0.1:3030'],
      ownPorts: (port) => port === 3030,
      resolver: resolver({ 'db.lan': ['192.168.1.20'] }),
    });
    await expect(p.resolve('127.0.0.1', 5432)).resolves.toMatchObject({ address: '127.0.0.1' });
    await expect(p.resolve('::ffff:7f00:1', 5432)).resolves.toBeTruthy();
    await expect(p.resolve('localhost', 5432)).resolves.toMatchObject({ address: '127.0.0.1' }); // the address is what was opened
    await expect(p.resolve('localhost', 6379)).resolves.toBeTruthy();
    await expect(p.resolve('db.lan', 5433)).resolves.toMatchObject({ address: '192.168.1.20' });
    await expect(p.resolve('127.0.0.1', 5433)).rejects.toBeInstanceOf(EgressRefused);
    await expect(p.resolve('db.lan', 5432)).rejects.toBeInstanceOf(EgressRefused);
    await expect(p.resolve('127.0.0.1', 3030)).rejects.toThrow(/port 3030 is clauderon's own/);
  });

  it('is a `lookup` for net/http: the refusal reaches the socket as its error', async () => {
    const p = new EgressPolicy({ resolver: resolver({ 'rebind.test': ['127.0.0.1'] }) });
    const err = await new Promise<unknown>((resolve) => p.lookup(443)('rebind.test', { all: true }, (e) => resolve(e)));
    expect(err).toBeInstanceOf(EgressRefused);
  });
});

describe('placeholders and audit targets', () => {
  it('every placeholder an agent gets carries the mark the proxy looks for', () => {
    for (const [k, v] of Object.entries(PLACEHOLDERS)) expect(PLACEHOLDER_MARK.test(v), k).toBe(true);
  });

  it('finds a placeholder in a header, inside Basic credentials, and in the URL', () => {
    expect(placeholderIn({ authorization: `Bearer ${PLACEHOLDERS.anthropicOauth}` }, '/v1/messages')).toBe('the authorization header');
    const basic = `Basic ${Buffer.from(`x-access-token:${PLACEHOLDERS.github}`).toString('base64')}`;
    expect(placeholderIn({ authorization: basic }, '/o/r.git/info/refs')).toBe('the authorization header');
    expect(placeholderIn({}, `/v1beta/models?key=${encodeURIComponent(PLACEHOLDERS.gemini)}`)).toBe('the URL');
    expect(placeholderIn({ authorization: 'Bearer ghp_real_looking' }, '/x')).toBeNull();
  });

  it('keeps only the host of a malformed target: no userinfo, path or query', () => {
    expect(auditTarget('api.anthropic.com:443?token=SECRET1')).toBe('api.anthropic.com:443');
    expect(auditTarget('user:SECRET2@api.github.com:443')).toBe('api.github.com:443');
    expect(auditTarget('http://u:SECRET3@example.test/p?q=SECRET4')).toBe('example.test');
    expect(auditTarget('host:443/SECRET5#x')).toBe('host:443');
    expect(auditTarget('a'.repeat(500)).length).toBeLessThanOrEqual(121);
  });
});
