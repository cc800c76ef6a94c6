import { describe, expect, it } from 'vitest';
import { hostOfHeader, parseConnectTarget } from '../../src/proxy/target.js';

describe('canonical CONNECT targets', () => {
  it('accepts and canonicalises host names', () => {
    expect(parseConnectTarget('api.github.com:443')).toEqual({ ok: true, host: 'api.github.com', port: 443, kind: 'name' });
    expect(parseConnectTarget('API.GitHub.COM:443')).toEqual({ ok: true, host: 'api.github.com', port: 443, kind: 'name' });
    expect(parseConnectTarget('api.github.com.:443')).toEqual({ ok: true, host: 'api.github.com', port: 443, kind: 'name' });
    expect(parseConnectTarget('localhost:8080')).toEqual({ ok: true, host: 'localhost', port: 8080, kind: 'name' });
  });

  it('recognises every numeric IPv4 spelling as an IP literal', () => {
    for (const spelled of ['127.0.0.1', '127.1', '0x7f.0.0.1', '0177.0.0.1', '2130706433', '0x7f000001', '127.0.1']) {
      expect(parseConnectTarget(`${spelled}:443`), spelled).toEqual({ ok: true, host: '127.0.0.1', port: 443, kind: 'ip' });
    }
    expect(parseConnectTarget('[::1]:443')).toEqual({ ok: true, host: '::1', port: 443, kind: 'ip' });
    expect(parseConnectTarget('[::ffff:127.0.0.1]:443')).toMatchObject({ ok: true, kind: 'ip' });
    expect(parseConnectTarget('[::FFFF:7f00:1]:443')).toMatchObject({ ok: true, kind: 'ip' });
  });

  it('refuses confusing or malformed targets', () => {
    const bad = [
      'api.github.com', // no port
      'api.github.com:', // empty port
      'api.github.com:0',
      'api.github.com:65536',
      'api.github.com:443\r\nHost: evil',
      'api.github.com :443',
      'user@api.github.com:443',
      'api.github.com/path:443',
      '[fe80::1%25eth0]:443',
      '[fe80::1%eth0]:443',
      '[::1:443',
      'api.github.com..:443',
      'a:b:443',
      '-bad-.example:443',
      '',
    ];
    for (const t of bad) expect(parseConnectTarget(t).ok, JSON.stringify(t)).toBe(false);
  });

  it('turns internationalised names into a canonical form or refuses them', () => {
    const r = parseConnectTarget('аpi.github.com:443'); // Cyrillic "а"
    expect(r.ok).toBe(false);
  });

  it('reads Host headers and SNI names with the default port', () => {
    expect(hostOfHeader('api.github.com', 443)).toEqual({ ok: true, host: 'api.github.com', port: 443, kind: 'name' });
    expect(hostOfHeader('api.github.com:8443', 443)).toEqual({ ok: true, host: 'api.github.com', port: 8443, kind: 'name' });
    expect(hostOfHeader('[::1]', 443)).toMatchObject({ ok: true, host: '::1', kind: 'ip' });
    expect(hostOfHeader(undefined, 443)).toBeNull();
  });
});
