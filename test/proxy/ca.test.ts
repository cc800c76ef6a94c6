// The proxy CA against real files, real openssl, real TLS (node:https) and real curl.
import { execFile, execFileSync, spawn } from 'node:child_process';
import { X509Certificate, type KeyObject } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ClauderonError } from '../../src/shared/errors.js';
import { Ca, LEAF_CACHE_SIZE, bundleWithSystemRoots, loadOrCreateCa, rotateCa, type CaPaths } from '../../src/proxy/ca.js';
import { waitFor } from '../helpers/wait.js';

// RSA 2048 key generation (0.1–0.3 s a key, two for every new CA: its own and its leaf key) was
// most of this file's time. In this process the keys come from a pool of four pairs, made once
// and handed out in turn, so any four keys in a row differ: a CA's leaf key is never its own key,
// and CAs made one after another never share one. Only the CA's exact request (RSA, 2048 bits,
// e = 65537, KeyObjects) is served from the pool; `keys.real` switches it off for the tests of
// what generation makes ("the CA certificate (openssl)"), and the two-process race generates in
// its children for real.
const keys = vi.hoisted(() => ({ real: false, handedOut: 0 }));
vi.mock('node:crypto', async (importOriginal) => {
  const crypto = await importOriginal<typeof import('node:crypto')>();
  interface Pair {
    publicKey: KeyObject;
    privateKey: KeyObject;
  }
  const realGenerate = crypto.generateKeyPair as (...args: unknown[]) => void;
  const rsa2048 = (): Promise<Pair> =>
    new Promise((resolve, reject) => {
      realGenerate('rsa', { modulusLength: 2048, publicExponent: 0x10001 }, (err: Error | null, publicKey: KeyObject, privateKey: KeyObject) => {
        if (err) reject(err);
        else resolve({ publicKey, privateKey });
      });
    });
  let pool: Promise<Pair[]> | undefined;
  const generateKeyPair = (type: unknown, options: unknown, callback: (err: Error | null, publicKey?: KeyObject, privateKey?: KeyObject) => void): void => {
    const o = (options ?? {}) as Record<string, unknown>;
    const caRequest = type === 'rsa' && o.modulusLength === 2048 && o.publicExponent === 0x10001 && Object.keys(o).length === 2;
    if (keys.real || !caRequest) {
      realGenerate(type, options, callback);
      return;
    }
    pool ??= Promise.all([rsa2048(), rsa2048(), rsa2048(), rsa2048()]);
    const i = keys.handedOut++ % 4;
    pool.then(
      (pairs) => callback(null, pairs[i]?.publicKey, pairs[i]?.privateKey),
      (err: unknown) => callback(err as Error),
    );
  };
  return { ...crypto, generateKeyPair, default: { ...crypto, generateKeyPair } };
});

// Reads of each path through node:fs/promises (the CA module's only way to read its files), so a
// test can wait for the loader to have looked.
const reads = vi.hoisted(() => new Map<string, number>());
vi.mock('node:fs/promises', async (importOriginal) => {
  const fsp = await importOriginal<typeof import('node:fs/promises')>();
  const realRead = fsp.readFile as (...args: unknown[]) => unknown;
  const readFile = ((path: unknown, ...rest: unknown[]) => {
    if (typeof path === 'string') reads.set(path, (reads.get(path) ?? 0) + 1);
    return realRead(path, ...rest);
  }) as typeof fsp.readFile;
  return { ...fsp, readFile, default: { ...fsp, readFile } };
});

const execFileP = promisify(execFile);
const DAY = 24 * 60 * 60 * 1000;
const root = mkdtempSync(join(tmpdir(), 'clrn-ca-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let dirCount = 0;
function home(): CaPaths & { dir: string } {
  const dir = join(root, `home-${++dirCount}`);
  mkdirSync(dir, { mode: 0o700 });
  return { dir, caCert: join(dir, 'proxy-ca.pem'), caKey: join(dir, 'proxy-ca-key.pem') };
}

function mode(path: string): number {
  return statSync(path).mode & 0o777;
}

function writeTemp(name: string, text: string): string {
  const p = join(root, name);
  writeFileSync(p, text);
  return p;
}

/** `openssl x509 -noout -text` of a PEM. */
function x509Text(pem: string): string {
  return execFileSync('openssl', ['x509', '-noout', '-text'], { input: pem, encoding: 'utf8' });
}

function field(text: string, re: RegExp): string {
  const m = re.exec(text);
  if (m?.[1] === undefined) throw new Error(`no match for ${String(re)} in:\n${text}`);
  return m[1].trim();
}

function validity(text: string): { notBefore: number; notAfter: number } {
  return {
    notBefore: Date.parse(field(text, /Not Before\s*:\s*(.+)/)),
    notAfter: Date.parse(field(text, /Not After\s*:\s*(.+)/)),
  };
}

function verify(caPem: string, leafPem: string): { ok: boolean; out: string } {
  const caFile = writeTemp(`verify-ca-${++dirCount}.pem`, caPem);
  const leafFile = writeTemp(`verify-leaf-${dirCount}.pem`, leafPem);
  try {
    const out = execFileSync('openssl', ['verify', '-x509_strict', '-purpose', 'sslserver', '-CAfile', caFile, leafFile], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return { ok: true, out };
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    return { ok: false, out: `${err.stdout ?? ''}${err.stderr ?? ''}` };
  }
}

function spkiOf(pem: string): string {
  return new X509Certificate(pem).publicKey.export({ type: 'spki', format: 'der' }).toString('hex');
}

describe('loadOrCreateCa: files', () => {
  it('creates the pair with modes 0644 / 0600 and loads the same CA again', async () => {
    const p = home();
    const ca = await loadOrCreateCa(p);
    expect(mode(p.caCert)).toBe(0o644);
    expect(mode(p.caKey)).toBe(0o600);
    expect(readFileSync(p.caCert, 'utf8')).toBe(ca.certPem);
    expect(readFileSync(p.caKey, 'utf8')).toBe(ca.keyPem);
    expect(ca.fingerprint256()).toBe(new X509Certificate(ca.certPem).fingerprint256);
    expect(ca.fingerprint256()).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(readdirSync(p.dir).sort()).toEqual(['proxy-ca-key.pem', 'proxy-ca.pem']);

    const again = await loadOrCreateCa(p);
    expect(again.fingerprint256()).toBe(ca.fingerprint256());
    expect(again.keyPem).toBe(ca.keyPem);
  });

  it('creates the home directory when it is missing', async () => {
    const dir = join(root, 'not-yet', 'home');
    const ca = await loadOrCreateCa({ caCert: join(dir, 'proxy-ca.pem'), caKey: join(dir, 'proxy-ca-key.pem') });
    expect(readFileSync(join(dir, 'proxy-ca.pem'), 'utf8')).toBe(ca.certPem);
  });

  it('two concurrent creations in one process end with one CA', async () => {
    const p = home();
    const [a, b, c] = await Promise.all([loadOrCreateCa(p), loadOrCreateCa(p), loadOrCreateCa(p)]);
    expect(b.fingerprint256()).toBe(a.fingerprint256());
    expect(c.fingerprint256()).toBe(a.fingerprint256());
    expect(readFileSync(p.caCert, 'utf8')).toBe(a.certPem);
    expect(readFileSync(p.caKey, 'utf8')).toBe(a.keyPem);
    expect(readdirSync(p.dir).sort()).toEqual(['proxy-ca-key.pem', 'proxy-ca.pem']);
  });

  describe('two processes', () => {
    let bundle: string;
    beforeAll(async () => {
      bundle = join(root, 'ca-bundle.cjs');
      await build({
        entryPoints: [join(import.meta.dirname, '../../src/proxy/ca.ts')],
        bundle: true,
        platform: 'node',
        format: 'cjs',
        outfile: bundle,
        logLevel: 'silent',
      });
    });

    it('racing from separate processes end with one CA both agree on', async () => {
      const p = home();
      // Each child loads the module, says "ready", and starts when its stdin says so: all three
      // are told once all three are ready.
      const script = writeTemp(
        'race.cjs',
        `const { loadOrCreateCa } = require(${JSON.stringify(bundle)});
const [cert, key] = process.argv.slice(2);
process.stdin.once('data', () => {
  process.stdin.destroy();
  loadOrCreateCa({ caCert: cert, caKey: key }).then(
    (ca) => process.stdout.write(ca.fingerprint256()),
    (e) => { console.error(e); process.exit(1); },
  );
});
process.stdout.write('ready\\n');
`,
      );
      const children = [1, 2, 3].map(() => {
        const child = spawn(process.execPath, [script, p.caCert, p.caKey], { stdio: ['pipe', 'pipe', 'pipe'] });
        const out = { stdout: '', stderr: '' };
        child.stdout.setEncoding('utf8').on('data', (c: string) => (out.stdout += c));
        child.stderr.setEncoding('utf8').on('data', (c: string) => (out.stderr += c));
        const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
        return { child, out, exited };
      });
      let codes: (number | null)[];
      try {
        await waitFor(() => children.every((c) => c.out.stdout.startsWith('ready\n')), 'the three children to be ready');
        for (const c of children) c.child.stdin.end('go\n');
        codes = await Promise.all(children.map((c) => c.exited));
      } finally {
        for (const c of children) if (c.child.exitCode === null) c.child.kill();
      }
      expect(codes, children.map((c) => c.out.stderr).join('\n')).toEqual([0, 0, 0]);
      const prints = children.map((c) => c.out.stdout.slice('ready\n'.length));
      expect(new Set(prints).size).toBe(1);
      expect(prints[0]).toBe(new X509Certificate(readFileSync(p.caCert)).fingerprint256);
      expect((await loadOrCreateCa(p)).fingerprint256()).toBe(prints[0]);
      expect(readdirSync(p.dir).sort()).toEqual(['proxy-ca-key.pem', 'proxy-ca.pem']);
    });
  });

  it('waits for a half-written pair (key first, certificate a moment later)', async () => {
    const src = home();
    const made = await loadOrCreateCa(src);
    const p = home();
    copyFileSync(src.caKey, p.caKey);
    const loading = loadOrCreateCa(p, { settleMs: 5000 });
    // a second read of the certificate: the loader found it missing and is looking again
    await waitFor(() => (reads.get(p.caCert) ?? 0) >= 2, 'the loader to look for the certificate again');
    copyFileSync(src.caCert, p.caCert);
    expect((await loading).fingerprint256()).toBe(made.fingerprint256());
  });

  it('a key that does not match the certificate is a clear config error', async () => {
    const a = home();
    const b = home();
    await loadOrCreateCa(a);
    await loadOrCreateCa(b);
    const p = home();
    copyFileSync(a.caCert, p.caCert);
    copyFileSync(b.caKey, p.caKey);
    const err = await loadOrCreateCa(p, { settleMs: 100 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClauderonError);
    expect((err as ClauderonError).code).toBe('config');
    const msg = (err as ClauderonError).message;
    expect(msg).toContain(p.caCert);
    expect(msg).toContain(p.caKey);
    expect(msg).toMatch(/do not match/);
    expect(msg).toContain('clauderon config ca --rotate');
    // the files are left alone
    expect(readFileSync(p.caCert, 'utf8')).toBe(readFileSync(a.caCert, 'utf8'));
  });

  it('a certificate without its key, or garbage, is a config error too (nothing is overwritten)', async () => {
    const a = home();
    await loadOrCreateCa(a);
    const p = home();
    copyFileSync(a.caCert, p.caCert);
    await expect(loadOrCreateCa(p, { settleMs: 100 })).rejects.toThrow(/key is missing.*clauderon config ca --rotate/);
    expect(readdirSync(p.dir)).toEqual(['proxy-ca.pem']);

    const q = home();
    writeFileSync(q.caCert, 'not a certificate\n');
    writeFileSync(q.caKey, 'not a key\n', { mode: 0o600 });
    await expect(loadOrCreateCa(q, { settleMs: 100 })).rejects.toMatchObject({ code: 'config', message: expect.stringMatching(/does not parse/) as unknown });
    expect(readFileSync(q.caCert, 'utf8')).toBe('not a certificate\n');
  });
});

describe('the CA certificate (openssl)', () => {
  let ca: Ca;
  let text: string;
  beforeAll(async () => {
    keys.real = true; // what real key generation makes
    try {
      ca = await loadOrCreateCa(home());
    } finally {
      keys.real = false;
    }
    text = x509Text(ca.certPem);
  });

  it('is a critical CA:TRUE with pathlen 0, for certificate and CRL signing only', () => {
    expect(text).toMatch(/X509v3 Basic Constraints: critical\s*\n\s*CA:TRUE, pathlen:0\s*\n/);
    expect(text).toMatch(/X509v3 Key Usage: critical\s*\n\s*Certificate Sign, CRL Sign\s*\n/);
    expect(text).toMatch(/X509v3 Subject Key Identifier:\s*\n\s*([0-9A-F]{2}:){19}[0-9A-F]{2}\s*\n/);
  });

  it('has a positive 16-byte serial, RSA 2048, a backdated notBefore and ~10 years', () => {
    const serial = field(text, /Serial Number:\s*\n\s*([0-9a-f:]+)\s*\n/);
    const bytes = serial.split(':');
    expect(bytes).toHaveLength(16);
    expect(parseInt(bytes[0] ?? 'ff', 16)).toBeLessThan(0x80);
    expect(text).not.toMatch(/Negative/);
    expect(text).toMatch(/Public-Key: \(2048 bit\)/);
    expect(text).toMatch(/Signature Algorithm: sha256WithRSAEncryption/);
    const { notBefore, notAfter } = validity(text);
    expect(notBefore).toBeLessThanOrEqual(Date.now() - 23 * 60 * 60 * 1000);
    expect(notBefore).toBeGreaterThan(Date.now() - 2 * DAY);
    expect(notAfter - notBefore).toBeGreaterThan(9.9 * 365 * DAY);
    expect(notAfter - notBefore).toBeLessThan(10.1 * 365 * DAY);
  });

  it('is named clauderon with a random suffix, so two homes differ', async () => {
    const subject = field(text, /Subject: (.+)/);
    expect(subject).toMatch(/^O = clauderon, CN = clauderon proxy CA [0-9a-f]{6}$/);
    expect(field(text, /Issuer: (.+)/)).toBe(subject);
    const other = await loadOrCreateCa(home());
    expect(field(x509Text(other.certPem), /Subject: (.+)/)).not.toBe(subject);
  });
});

describe('leaves', () => {
  let ca: Ca;
  beforeAll(async () => {
    ca = await loadOrCreateCa(home());
  });

  it('carry the SAN, CA:FALSE, serverAuth, AKI = the CA SKI, ≤ 90 days, and verify against the CA', () => {
    const leaf = ca.leafFor('api.example.test');
    const text = x509Text(leaf.certPem);
    expect(text).toMatch(/X509v3 Subject Alternative Name:\s*\n\s*DNS:api\.example\.test\s*\n/);
    expect(text).toMatch(/X509v3 Basic Constraints: critical\s*\n\s*CA:FALSE\s*\n/);
    expect(text).toMatch(/X509v3 Extended Key Usage:\s*\n\s*TLS Web Server Authentication\s*\n/);
    expect(text).toMatch(/X509v3 Key Usage: critical\s*\n\s*Digital Signature, Key Encipherment\s*\n/);
    expect(text).toMatch(/Public-Key: \(2048 bit\)/);
    const caSki = field(x509Text(ca.certPem), /X509v3 Subject Key Identifier:\s*\n\s*(\S+)/);
    const aki = field(text, /X509v3 Authority Key Identifier:\s*\n\s*(?:keyid:)?(\S+)/);
    expect(aki).toBe(caSki);
    expect(field(text, /X509v3 Subject Key Identifier:\s*\n\s*(\S+)/)).not.toBe(caSki);
    expect(field(text, /Issuer: (.+)/)).toBe(field(x509Text(ca.certPem), /Subject: (.+)/));
    const serial = field(text, /Serial Number:\s*\n\s*([0-9a-f:]+)\s*\n/).split(':');
    expect(serial).toHaveLength(16);
    expect(parseInt(serial[0] ?? 'ff', 16)).toBeLessThan(0x80);
    const { notBefore, notAfter } = validity(text);
    expect(notBefore).toBeLessThanOrEqual(Date.now() - 23 * 60 * 60 * 1000);
    expect(notAfter - notBefore).toBeLessThanOrEqual(90 * DAY);
    expect(notAfter).toBeGreaterThan(Date.now() + 80 * DAY);

    const v = verify(ca.certPem, leaf.certPem);
    expect(v.out).toMatch(/: OK\s*$/);
    expect(v.ok).toBe(true);
  });

  it('are not signed by another CA', async () => {
    const other = await loadOrCreateCa(home());
    const v = verify(other.certPem, ca.leafFor('api.example.test').certPem);
    expect(v.ok).toBe(false);
  });

  it('normalize the hostname and refuse IP literals and non-hostnames', () => {
    expect(ca.leafFor('API.Example.Test.')).toBe(ca.leafFor('api.example.test'));
    for (const bad of ['127.0.0.1', '::1', '[::1]', '127.1', '0x7f.0.0.1', '10.0.0.300', '', 'a b.test', 'x..test', 'ex*ample.test']) {
      expect(() => ca.leafFor(bad), bad).toThrow(ClauderonError);
    }
    expect(() => ca.leafFor('127.0.0.1')).toThrow(/IP addresses are not supported/);
    const long = `${'a'.repeat(60)}.${'b'.repeat(60)}.test`;
    expect(x509Text(ca.leafFor(long).certPem)).toContain(`DNS:${long}`);
    expect(verify(ca.certPem, ca.leafFor(long).certPem).ok).toBe(true);
  });

  it('are cached in an LRU of 500 and share one key', async () => {
    const lru = await loadOrCreateCa(home());
    const first = lru.leafFor('h0.lru.test');
    for (let i = 1; i <= LEAF_CACHE_SIZE; i++) lru.leafFor(`h${i}.lru.test`); // 501 distinct hosts
    const recent = lru.leafFor(`h${LEAF_CACHE_SIZE}.lru.test`);
    expect(lru.leafFor(`h${LEAF_CACHE_SIZE}.lru.test`)).toBe(recent);
    const again = lru.leafFor('h0.lru.test');
    expect(again).not.toBe(first);
    expect(again.certPem).not.toBe(first.certPem);
    expect(new X509Certificate(again.certPem).serialNumber).not.toBe(new X509Certificate(first.certPem).serialNumber);
    expect(lru.leafFor(`h${LEAF_CACHE_SIZE}.lru.test`)).toBe(recent);
    // a hit refreshes: h2 used now survives the next insertion, h1 (now oldest) goes
    const h2 = lru.leafFor('h2.lru.test');
    lru.leafFor('new.lru.test');
    expect(lru.leafFor('h2.lru.test')).toBe(h2);

    expect(again.keyPem).toBe(first.keyPem);
    expect(recent.keyPem).toBe(first.keyPem);
    expect(spkiOf(again.certPem)).toBe(spkiOf(first.certPem));
    expect(spkiOf(recent.certPem)).toBe(spkiOf(first.certPem));
    expect(spkiOf(first.certPem)).not.toBe(spkiOf(lru.certPem));
    expect(first.keyPem).not.toBe(lru.keyPem);
  });

  it('are re-minted within a day of expiry', async () => {
    let now = Date.now();
    const clocked = await loadOrCreateCa(home(), { now: () => now });
    const a = clocked.leafFor('renew.test');
    now += 87 * DAY;
    expect(clocked.leafFor('renew.test')).toBe(a);
    now += 1.5 * DAY; // 88.5 days in: half a day left
    const b = clocked.leafFor('renew.test');
    expect(b).not.toBe(a);
    expect(Date.parse(new X509Certificate(b.certPem).validTo)).toBeGreaterThan(Date.parse(new X509Certificate(a.certPem).validTo));
  });
});

// ---------------------------------------------------------------------------
// TLS

async function serve(leaf: { certPem: string; keyPem: string }): Promise<{ server: Server; port: number }> {
  const server = createServer({ cert: leaf.certPem, key: leaf.keyPem }, (_req, res) => res.end('hello over tls'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port };
}

function get(port: number, servername: string, caPem: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/', servername, ca: caPem, agent: false, headers: { host: servername } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve(body));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('TLS with a minted leaf', () => {
  let ca: Ca;
  let server: Server;
  let port: number;
  beforeAll(async () => {
    ca = await loadOrCreateCa(home());
    ({ server, port } = await serve(ca.leafFor('api.example.test')));
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
  });

  it('verifies for the right name and the CA', async () => {
    await expect(get(port, 'api.example.test', ca.certPem)).resolves.toBe('hello over tls');
  });

  it('fails verification for another name', async () => {
    await expect(get(port, 'other.example.test', ca.certPem)).rejects.toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
  });

  it('fails verification without the CA', async () => {
    const other = await loadOrCreateCa(home());
    await expect(get(port, 'api.example.test', other.certPem)).rejects.toThrow(/certificate|signature/i);
  });

  it('bundleWithSystemRoots holds the system roots plus the CA, and curl trusts it', async () => {
    const bundle = bundleWithSystemRoots(ca.certPem);
    const count = (bundle.match(/-----BEGIN CERTIFICATE-----/g) ?? []).length;
    expect(count).toBeGreaterThanOrEqual(51);
    expect(bundle).toContain(ca.certPem.trim());
    expect(bundle.endsWith('\n')).toBe(true);
    const file = writeTemp('bundle.pem', bundle);
    const url = `https://api.example.test:${port}/`;
    const curl = (cacert: string): Promise<{ stdout: string }> =>
      execFileP('curl', ['-sS', '--noproxy', '*', '--max-time', '10', '--resolve', `api.example.test:${port}:127.0.0.1`, '--cacert', cacert, url], {
        encoding: 'utf8',
      });
    await expect(curl(file)).resolves.toMatchObject({ stdout: 'hello over tls' });
    // the system roots alone do not trust our leaf
    await expect(curl('/etc/ssl/certs/ca-certificates.crt')).rejects.toThrow();
  });

  it('bundleWithSystemRoots falls back to Node’s roots when no system bundle exists', () => {
    const bundle = bundleWithSystemRoots(ca.certPem, [join(root, 'absent.crt')]);
    expect((bundle.match(/-----BEGIN CERTIFICATE-----/g) ?? []).length).toBe(rootCertificates.length + 1);
    expect(bundle).toContain(ca.certPem.trim());
  });
});

describe('rotation', () => {
  it('makes a new CA, replaces both files with the right modes, and old leaves are not served', async () => {
    const p = home();
    const old = await loadOrCreateCa(p);
    const oldLeaf = old.leafFor('api.example.test');
    const fresh = await old.rotate();
    expect(fresh.fingerprint256()).not.toBe(old.fingerprint256());
    expect(fresh.keyPem).not.toBe(old.keyPem);
    expect(readFileSync(p.caCert, 'utf8')).toBe(fresh.certPem);
    expect(readFileSync(p.caKey, 'utf8')).toBe(fresh.keyPem);
    expect(mode(p.caCert)).toBe(0o644);
    expect(mode(p.caKey)).toBe(0o600);
    expect(readdirSync(p.dir).sort()).toEqual(['proxy-ca-key.pem', 'proxy-ca.pem']); // no temp files left

    const newLeaf = fresh.leafFor('api.example.test');
    expect(newLeaf.certPem).not.toBe(oldLeaf.certPem);
    expect(verify(fresh.certPem, newLeaf.certPem).ok).toBe(true);
    expect(verify(fresh.certPem, oldLeaf.certPem).ok).toBe(false);
    expect((await loadOrCreateCa(p)).fingerprint256()).toBe(fresh.fingerprint256());

    // a client trusting only the new CA refuses a server still using an old leaf
    const { server, port } = await serve(oldLeaf);
    try {
      await expect(get(port, 'api.example.test', fresh.certPem)).rejects.toThrow();
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('rotateCa repairs a broken pair', async () => {
    const p = home();
    writeFileSync(p.caCert, 'junk\n');
    writeFileSync(p.caKey, 'junk\n', { mode: 0o644 });
    const ca = await rotateCa(p);
    expect(mode(p.caKey)).toBe(0o600);
    expect(mode(p.caCert)).toBe(0o644);
    expect((await loadOrCreateCa(p)).fingerprint256()).toBe(ca.fingerprint256());
  });
});
