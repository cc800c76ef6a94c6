// The interception CA of the credential proxy (PROXY-NOTES.md, "Certificates").
//
// The CA (RSA 2048) lives in two files: proxy-ca.pem (0644, may be handed to
// agents) and proxy-ca-key.pem (0600, never leaves the host). Leaf certificates
// are minted per hostname in memory: one shared RSA key per Ca, a TBSCertificate
// built with forge's ASN.1 encoder and signed with node:crypto (forge's own
// `cert.sign` costs 20–40 ms; this path costs a few), kept in a bounded LRU.
//
// node-forge is loaded on first use (`await import()`): client processes that
// only import this module for its types or for bundleWithSystemRoots never pay for it.
import {
  X509Certificate,
  createHash,
  createPrivateKey,
  generateKeyPair,
  randomBytes,
  sign,
  type KeyObject,
} from 'node:crypto';
import { readFileSync } from 'node:fs';
import { chmod, mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { isIP } from 'node:net';
import { basename, dirname, join } from 'node:path';
import { rootCertificates } from 'node:tls';
import type * as Forge from 'node-forge';
import { ClauderonError, errorMessage } from '../shared/errors.js';

type ForgeModule = typeof Forge;
type Asn1 = Forge.asn1.Asn1;

export interface CaPaths {
  caCert: string;
  caKey: string;
}

export interface CaOptions {
  /**
   * How long to keep re-reading a pair that is incomplete or mismatched (another
   * process creating or rotating it) before giving up. Default 3000 ms.
   */
  settleMs?: number;
  /** Clock for leaf validity and expiry (tests). Default Date.now. */
  now?: () => number;
}

export interface Leaf {
  readonly certPem: string;
  readonly keyPem: string;
}

const DAY = 24 * 60 * 60 * 1000;
/** CA validity: ~10 years from creation, backdated one day. */
const CA_DAYS = 3650;
/** Leaf validity in total (notBefore is backdated one day). */
const LEAF_DAYS = 90;
/** A cached leaf is re-minted when it has less than this left. */
const LEAF_RENEW_BEFORE = DAY;
/** The leaf cache holds at most this many hostnames (least recently used goes first). */
export const LEAF_CACHE_SIZE = 500;

const RETRY_MS = 50;
const DEFAULT_SETTLE_MS = 3000;

const OID = {
  commonName: '2.5.4.3',
  organizationName: '2.5.4.10',
  rsaEncryption: '1.2.840.113549.1.1.1',
  sha256WithRSAEncryption: '1.2.840.113549.1.1.11',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
} as const;

// keyUsage bits (RFC 5280 4.2.1.3), numbered from the most significant bit of the first byte.
const KU = { digitalSignature: 0, keyEncipherment: 2, keyCertSign: 5, cRLSign: 6 } as const;

let forgePromise: Promise<ForgeModule> | undefined;
function loadForge(): Promise<ForgeModule> {
  forgePromise ??= import('node-forge').then((m) => m.default);
  return forgePromise;
}

// ---------------------------------------------------------------------------
// DER building blocks (forge.asn1)

class Der {
  private readonly asn1: ForgeModule['asn1'];
  constructor(forge: ForgeModule) {
    this.asn1 = forge.asn1;
  }
  private prim(type: Forge.asn1.Type, bytes: string): Asn1 {
    return this.asn1.create(this.asn1.Class.UNIVERSAL, type, false, bytes);
  }
  seq(items: Asn1[]): Asn1 {
    return this.asn1.create(this.asn1.Class.UNIVERSAL, this.asn1.Type.SEQUENCE, true, items);
  }
  set(items: Asn1[]): Asn1 {
    return this.asn1.create(this.asn1.Class.UNIVERSAL, this.asn1.Type.SET, true, items);
  }
  oid(oid: string): Asn1 {
    return this.prim(this.asn1.Type.OID, this.asn1.oidToDer(oid).getBytes());
  }
  /** A non-negative INTEGER from its big-endian bytes (the caller keeps the top bit clear). */
  intBytes(bytes: Buffer): Asn1 {
    return this.prim(this.asn1.Type.INTEGER, bin(bytes));
  }
  int(n: number): Asn1 {
    return this.prim(this.asn1.Type.INTEGER, this.asn1.integerToDer(n).getBytes());
  }
  bool(v: boolean): Asn1 {
    return this.prim(this.asn1.Type.BOOLEAN, v ? '\xff' : '\x00');
  }
  null(): Asn1 {
    return this.prim(this.asn1.Type.NULL, '');
  }
  utf8(s: string): Asn1 {
    return this.prim(this.asn1.Type.UTF8, Buffer.from(s, 'utf8').toString('latin1'));
  }
  octets(bytes: Buffer): Asn1 {
    return this.prim(this.asn1.Type.OCTETSTRING, bin(bytes));
  }
  /** A BIT STRING whose content is whole bytes. */
  bits(bytes: Buffer, unused = 0): Asn1 {
    return this.prim(this.asn1.Type.BITSTRING, String.fromCharCode(unused) + bin(bytes));
  }
  /** A named-bit BIT STRING (DER: trailing zero bits dropped). */
  namedBits(bitNumbers: number[]): Asn1 {
    const max = Math.max(...bitNumbers);
    const bytes = Buffer.alloc((max >> 3) + 1);
    for (const b of bitNumbers) bytes.writeUInt8(bytes.readUInt8(b >> 3) | (0x80 >> (b & 7)), b >> 3);
    return this.bits(bytes, 7 - (max & 7));
  }
  /** UTCTime through 2049, GeneralizedTime after (RFC 5280 4.1.2.5). */
  time(d: Date): Asn1 {
    return d.getUTCFullYear() < 2050
      ? this.prim(this.asn1.Type.UTCTIME, this.asn1.dateToUtcTime(d))
      : this.prim(this.asn1.Type.GENERALIZEDTIME, this.asn1.dateToGeneralizedTime(d));
  }
  context(tag: number, constructed: boolean, value: string | Asn1[]): Asn1 {
    return this.asn1.create(this.asn1.Class.CONTEXT_SPECIFIC, tag, constructed, value);
  }
  /** Name ::= SEQUENCE OF RDN (O first, then CN). */
  name(cn: string | undefined): Asn1 {
    const rdn = (oid: string, v: string): Asn1 => this.set([this.seq([this.oid(oid), this.utf8(v)])]);
    const rdns = [rdn(OID.organizationName, 'clauderon')];
    if (cn !== undefined) rdns.push(rdn(OID.commonName, cn));
    return this.seq(rdns);
  }
  ext(oid: string, critical: boolean, value: Asn1): Asn1 {
    const parts = [this.oid(oid)];
    if (critical) parts.push(this.bool(true));
    parts.push(this.octets(this.toDer(value)));
    return this.seq(parts);
  }
  sha256WithRsa(): Asn1 {
    return this.seq([this.oid(OID.sha256WithRSAEncryption), this.null()]);
  }
  /** SubjectPublicKeyInfo for an RSA key, from its PKCS#1 RSAPublicKey DER. */
  rsaSpki(pkcs1: Buffer): Asn1 {
    return this.seq([this.seq([this.oid(OID.rsaEncryption), this.null()]), this.bits(pkcs1)]);
  }
  toDer(node: Asn1): Buffer {
    return Buffer.from(this.asn1.toDer(node).getBytes(), 'latin1');
  }
  fromDer(der: Buffer): Asn1 {
    return this.asn1.fromDer(bin(der));
  }
  isContext(n: Asn1 | undefined, tag: number): boolean {
    return n !== undefined && n.tagClass === this.asn1.Class.CONTEXT_SPECIFIC && (n.type as number) === tag;
  }
  oidOf(n: Asn1 | undefined): string | undefined {
    return n !== undefined && n.type === this.asn1.Type.OID && typeof n.value === 'string' ? this.asn1.derToOid(n.value) : undefined;
  }
}

/** forge works on "binary strings": one char per byte. */
function bin(b: Buffer): string {
  return b.toString('latin1');
}

function pem(type: string, der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${type}-----\n${lines.join('\n')}\n-----END ${type}-----\n`;
}

/** 16 random bytes, top bit clear (a positive INTEGER) and the next set (exactly 16 bytes long). */
function serial16(): Buffer {
  const s = randomBytes(16);
  s.writeUInt8((s.readUInt8(0) & 0x7f) | 0x40, 0);
  return s;
}

/** RFC 5280 4.2.1.2 method 1: SHA-1 of the subjectPublicKey BIT STRING (= the PKCS#1 key). */
function keyIdentifier(pkcs1: Buffer): Buffer {
  return createHash('sha1').update(pkcs1).digest();
}

function rsaPublicPkcs1(key: KeyObject): Buffer {
  return key.export({ type: 'pkcs1', format: 'der' });
}

/** Seconds precision: certificate times carry no milliseconds. */
function floorSec(ms: number): number {
  return Math.floor(ms / 1000) * 1000;
}

function generateRsa(): Promise<{ privateKey: KeyObject; publicKey: KeyObject }> {
  return new Promise((resolve, reject) => {
    generateKeyPair('rsa', { modulusLength: 2048, publicExponent: 0x10001 }, (err, publicKey, privateKey) => {
      if (err) reject(err);
      else resolve({ publicKey, privateKey });
    });
  });
}

/** Sign a TBSCertificate with node:crypto and wrap it into a Certificate (PEM). */
function signCertificate(der: Der, tbs: Asn1, signer: KeyObject): string {
  const tbsDer = der.toDer(tbs);
  const signature = sign('sha256', tbsDer, signer);
  return pem('CERTIFICATE', der.toDer(der.seq([tbs, der.sha256WithRsa(), der.bits(signature)])));
}

// ---------------------------------------------------------------------------
// Hostnames

/**
 * Lower-cased, trailing dot removed, checked as a DNS name. IP literals are not
 * supported (the proxy intercepts by hostname only): `127.0.0.1`, `::1`, `[::1]`,
 * and the forms WHATWG URL parsers read as IPv4 (`127.1`, `0x7f.0.0.1`) all throw.
 */
export function leafHostname(hostname: string): string {
  const bad = (why: string): ClauderonError =>
    new ClauderonError('invalid_input', `cannot mint a proxy certificate for ${JSON.stringify(hostname)}: ${why}`);
  let h = hostname.toLowerCase();
  if (h.endsWith('.')) h = h.slice(0, -1);
  if (h.startsWith('[') || h.includes(':') || isIP(h) !== 0) throw bad('IP addresses are not supported, only hostnames');
  if (h.length === 0 || h.length > 253) throw bad('not a hostname');
  const labels = h.split('.');
  for (const label of labels) {
    if (!/^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/.test(label)) throw bad('not a hostname');
  }
  const last = labels[labels.length - 1] ?? '';
  if (/^(?:\d+|0x[0-9a-f]*)$/.test(last)) throw bad('IP addresses are not supported, only hostnames');
  return h;
}

// ---------------------------------------------------------------------------
// The CA

interface CacheEntry {
  leaf: Leaf;
  notAfter: number;
}

interface CaParts {
  forge: ForgeModule;
  certPem: string;
  keyPem: string;
  caKey: KeyObject;
  x509: X509Certificate;
  paths: CaPaths;
  options: CaOptions;
}

export class Ca {
  readonly certPem: string;
  readonly keyPem: string;
  readonly #der: Der;
  readonly #caKey: KeyObject;
  readonly #fingerprint: string;
  readonly #issuer: Asn1;
  readonly #caKeyId: Buffer;
  readonly #caNotBefore: number;
  readonly #caNotAfter: number;
  readonly #paths: CaPaths;
  readonly #options: CaOptions;
  readonly #now: () => number;
  readonly #leafKeyPem: string;
  readonly #leafSpki: Asn1;
  readonly #leafKeyId: Buffer;
  readonly #cache = new Map<string, CacheEntry>();

  private constructor(parts: CaParts, leafKey: { privateKey: KeyObject; publicKey: KeyObject }) {
    this.certPem = parts.certPem;
    this.keyPem = parts.keyPem;
    this.#der = new Der(parts.forge);
    this.#caKey = parts.caKey;
    this.#fingerprint = parts.x509.fingerprint256;
    const info = issuerInfo(this.#der, parts.x509);
    this.#issuer = info.subject;
    this.#caKeyId = info.keyId;
    this.#caNotBefore = Date.parse(parts.x509.validFrom);
    this.#caNotAfter = Date.parse(parts.x509.validTo);
    this.#paths = { caCert: parts.paths.caCert, caKey: parts.paths.caKey };
    this.#options = parts.options;
    this.#now = parts.options.now ?? Date.now;
    this.#leafKeyPem = leafKey.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    const leafPkcs1 = rsaPublicPkcs1(leafKey.publicKey);
    this.#leafSpki = this.#der.rsaSpki(leafPkcs1);
    this.#leafKeyId = keyIdentifier(leafPkcs1);
  }

  /**
   * A Ca from PEM texts, after checking them (the key matches the certificate, the
   * certificate is a valid RSA CA). Generates the shared leaf key (~0.1 s).
   */
  static async fromPem(certPem: string, keyPem: string, paths: CaPaths, options: CaOptions = {}): Promise<Ca> {
    const checked = checkPair(certPem, keyPem, options.now ?? Date.now);
    if (typeof checked === 'string') throw pairError(paths, checked);
    const [forge, leafKey] = await Promise.all([loadForge(), generateRsa()]);
    return new Ca({ forge, certPem, keyPem, caKey: checked.key, x509: checked.x509, paths, options }, leafKey);
  }

  /** SHA-256 fingerprint of the CA certificate, colon-separated upper-case hex. */
  fingerprint256(): string {
    return this.#fingerprint;
  }

  /**
   * A certificate for `hostname` signed by this CA, with the shared leaf key.
   * Cached (LRU, LEAF_CACHE_SIZE entries); re-minted within a day of expiry.
   * Throws ClauderonError('invalid_input') for IP literals and non-hostnames.
   */
  leafFor(hostname: string): Leaf {
    const host = leafHostname(hostname);
    const now = this.#now();
    const hit = this.#cache.get(host);
    if (hit !== undefined) {
      this.#cache.delete(host);
      if (hit.notAfter - now > LEAF_RENEW_BEFORE) {
        this.#cache.set(host, hit);
        return hit.leaf;
      }
    }
    const entry = this.#mint(host, now);
    this.#cache.set(host, entry);
    while (this.#cache.size > LEAF_CACHE_SIZE) {
      const oldest = this.#cache.keys().next();
      if (oldest.done === true) break;
      this.#cache.delete(oldest.value);
    }
    return entry.leaf;
  }

  /** Replace the CA on disk with a new one (new key, new certificate); returns the new Ca. This one keeps working with the old pair. */
  rotate(): Promise<Ca> {
    return rotateCa(this.#paths, this.#options);
  }

  #mint(host: string, nowMs: number): CacheEntry {
    const d = this.#der;
    const now = floorSec(nowMs);
    const notBefore = Math.max(now - DAY, this.#caNotBefore);
    const notAfter = Math.min(now - DAY + LEAF_DAYS * DAY, this.#caNotAfter);
    const exts = [
      d.ext(OID.basicConstraints, true, d.seq([])),
      d.ext(OID.keyUsage, true, d.namedBits([KU.digitalSignature, KU.keyEncipherment])),
      d.ext(OID.extKeyUsage, false, d.seq([d.oid(OID.serverAuth)])),
      d.ext(OID.subjectAltName, false, d.seq([d.context(2, false, host)])),
      d.ext(OID.subjectKeyIdentifier, false, d.octets(this.#leafKeyId)),
      d.ext(OID.authorityKeyIdentifier, false, d.seq([d.context(0, false, bin(this.#caKeyId))])),
    ];
    const tbs = d.seq([
      d.context(0, true, [d.int(2)]), // v3
      d.intBytes(serial16()),
      d.sha256WithRsa(),
      this.#issuer,
      d.seq([d.time(new Date(notBefore)), d.time(new Date(notAfter))]),
      d.name(host.length <= 64 ? host : undefined), // CN is limited to 64 characters; the SAN carries the name
      this.#leafSpki,
      d.context(3, true, [d.seq(exts)]),
    ]);
    const leaf: Leaf = Object.freeze({ certPem: signCertificate(d, tbs, this.#caKey), keyPem: this.#leafKeyPem });
    return { leaf, notAfter };
  }
}

/** The CA's subject Name (as the leaves' issuer) and its key identifier (for their AKI). */
function issuerInfo(d: Der, x509: X509Certificate): { subject: Asn1; keyId: Buffer } {
  const kids = (n: Asn1 | undefined): Asn1[] => (n !== undefined && Array.isArray(n.value) ? n.value : []);
  const tbs = kids(d.fromDer(x509.raw))[0];
  const fields = kids(tbs);
  const at = d.isContext(fields[0], 0) ? 1 : 0; // explicit version present
  const subject = fields[at + 4];
  if (subject === undefined) throw new ClauderonError('config', 'the proxy CA certificate has no subject');
  let keyId: Buffer | undefined;
  for (const f of fields.slice(at + 6)) {
    if (!d.isContext(f, 3)) continue;
    for (const ext of kids(kids(f)[0])) {
      const parts = kids(ext);
      const value = parts[parts.length - 1];
      if (d.oidOf(parts[0]) !== OID.subjectKeyIdentifier || value === undefined || typeof value.value !== 'string') continue;
      const inner = d.fromDer(Buffer.from(value.value, 'latin1'));
      if (typeof inner.value === 'string') keyId = Buffer.from(inner.value, 'latin1');
    }
  }
  keyId ??= keyIdentifier(rsaPublicPkcs1(x509.publicKey));
  return { subject, keyId };
}

/** Checks a pair; returns the problem as text when it is not usable. */
function checkPair(certPem: string, keyPem: string, now: () => number): { x509: X509Certificate; key: KeyObject } | string {
  let x509: X509Certificate;
  let key: KeyObject;
  try {
    x509 = new X509Certificate(certPem);
  } catch (e) {
    return `cannot be used: the certificate does not parse (${errorMessage(e)})`;
  }
  try {
    key = createPrivateKey(keyPem);
  } catch (e) {
    return `cannot be used: the key does not parse (${errorMessage(e)})`;
  }
  if (key.asymmetricKeyType !== 'rsa') return `cannot be used: the key is ${key.asymmetricKeyType ?? 'unknown'}, not RSA`;
  if (!x509.checkPrivateKey(key)) return 'do not match: the key is not the certificate’s key';
  if (!x509.ca) return 'cannot be used: the certificate is not a CA';
  if (Date.parse(x509.validTo) <= now()) return `cannot be used: the CA expired on ${x509.validTo}`;
  return { x509, key };
}

function pairError(paths: CaPaths, problem: string): ClauderonError {
  return new ClauderonError(
    'config',
    `the proxy CA files ${paths.caCert} and ${paths.caKey} ${problem} — run \`clauderon config ca --rotate\` to make a new CA`,
  );
}

/** A new CA: key PEM (PKCS#8) and self-signed certificate PEM. */
async function newCaMaterial(now: number): Promise<{ certPem: string; keyPem: string }> {
  const [forge, { privateKey, publicKey }] = await Promise.all([loadForge(), generateRsa()]);
  const d = new Der(forge);
  const pkcs1 = rsaPublicPkcs1(publicKey);
  const name = d.name(`clauderon proxy CA ${randomBytes(3).toString('hex')}`);
  const start = floorSec(now) - DAY;
  const tbs = d.seq([
    d.context(0, true, [d.int(2)]), // v3
    d.intBytes(serial16()),
    d.sha256WithRsa(),
    name,
    d.seq([d.time(new Date(start)), d.time(new Date(start + CA_DAYS * DAY))]),
    name,
    d.rsaSpki(pkcs1),
    d.context(3, true, [
      d.seq([
        d.ext(OID.basicConstraints, true, d.seq([d.bool(true), d.int(0)])),
        d.ext(OID.keyUsage, true, d.namedBits([KU.keyCertSign, KU.cRLSign])),
        d.ext(OID.subjectKeyIdentifier, false, d.octets(keyIdentifier(pkcs1))),
      ]),
    ]),
  ]);
  return {
    certPem: signCertificate(d, tbs, privateKey),
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
  };
}

// ---------------------------------------------------------------------------
// Files

function code(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string' ? e.code : undefined;
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if (code(e) === 'ENOENT') return undefined;
    throw new ClauderonError('config', `cannot read ${path}: ${errorMessage(e)}`, { cause: e });
  }
}

async function ensureDir(paths: CaPaths): Promise<void> {
  for (const dir of new Set([dirname(paths.caCert), dirname(paths.caKey)])) {
    try {
      await mkdir(dir, { recursive: true, mode: 0o700 });
    } catch (e) {
      throw new ClauderonError('config', `cannot create ${dir}: ${errorMessage(e)}`, { cause: e });
    }
  }
}

/** Write `text` to a temp file in the same directory with `mode`, then rename it over `path`. */
async function writeAtomic(path: string, text: string, mode: number): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const fh = await open(tmp, 'wx', mode);
    try {
      await fh.writeFile(text);
      await fh.chmod(mode); // the umask may have narrowed or the file system widened it
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw new ClauderonError('config', `cannot write ${path}: ${errorMessage(e)}`, { cause: e });
  }
}

/**
 * Create the pair if nobody has: the key file is created exclusively (`wx`, 0600),
 * so of two racing processes exactly one writes; the certificate follows atomically.
 * Returns false when another process got there first.
 */
async function createExclusive(paths: CaPaths, material: { certPem: string; keyPem: string }): Promise<boolean> {
  let fh;
  try {
    fh = await open(paths.caKey, 'wx', 0o600);
  } catch (e) {
    if (code(e) === 'EEXIST') return false;
    throw new ClauderonError('config', `cannot create ${paths.caKey}: ${errorMessage(e)}`, { cause: e });
  }
  try {
    await fh.writeFile(material.keyPem);
    await fh.chmod(0o600);
    await fh.sync();
  } catch (e) {
    await fh.close().catch(() => undefined);
    await unlink(paths.caKey).catch(() => undefined);
    throw new ClauderonError('config', `cannot write ${paths.caKey}: ${errorMessage(e)}`, { cause: e });
  }
  await fh.close();
  await writeAtomic(paths.caCert, material.certPem, 0o644);
  return true;
}

/** Keep the key private even if something widened its mode. */
async function tightenKeyMode(path: string): Promise<void> {
  try {
    const st = await stat(path);
    if ((st.mode & 0o077) !== 0) await chmod(path, 0o600);
  } catch {
    // not ours to fix (e.g. another owner): loading still works
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * The CA in `paths`, created on first use. Two processes racing here end with
 * one CA: the loser of the exclusive create loads the winner's files. A pair that
 * stays incomplete or mismatched beyond `settleMs` is a ClauderonError('config')
 * naming both files and `clauderon config ca --rotate`.
 */
export async function loadOrCreateCa(paths: CaPaths, options: CaOptions = {}): Promise<Ca> {
  const now = options.now ?? Date.now;
  const deadline = Date.now() + (options.settleMs ?? DEFAULT_SETTLE_MS);
  await ensureDir(paths);
  let material: { certPem: string; keyPem: string } | undefined;
  for (;;) {
    const [keyPem, certPem] = await Promise.all([readIfExists(paths.caKey), readIfExists(paths.caCert)]);
    let problem: string;
    if (keyPem === undefined && certPem === undefined) {
      material ??= await newCaMaterial(now());
      if (await createExclusive(paths, material)) return Ca.fromPem(material.certPem, material.keyPem, paths, options);
      continue; // someone else is creating it: read theirs
    } else if (keyPem === undefined) {
      problem = 'are incomplete: the key is missing';
    } else if (certPem === undefined) {
      problem = 'are incomplete: the certificate is missing';
    } else {
      const checked = checkPair(certPem, keyPem, now);
      if (typeof checked !== 'string') {
        await tightenKeyMode(paths.caKey);
        return Ca.fromPem(certPem, keyPem, paths, options);
      }
      problem = checked;
    }
    if (Date.now() >= deadline) throw pairError(paths, problem);
    await sleep(RETRY_MS);
  }
}

/**
 * Make a new CA (new key, new certificate) and replace both files atomically
 * (temp file in the same directory, then rename; key 0600, certificate 0644).
 * Agents must be given the new certificate; leaves of the old CA stop being served
 * by the returned Ca.
 */
export async function rotateCa(paths: CaPaths, options: CaOptions = {}): Promise<Ca> {
  await ensureDir(paths);
  const material = await newCaMaterial((options.now ?? Date.now)());
  await writeAtomic(paths.caKey, material.keyPem, 0o600);
  await writeAtomic(paths.caCert, material.certPem, 0o644);
  return Ca.fromPem(material.certPem, material.keyPem, paths, options);
}

// ---------------------------------------------------------------------------
// Trust bundle

/** Where distributions keep the system roots, first match wins. */
export const SYSTEM_CA_BUNDLES = [
  '/etc/ssl/certs/ca-certificates.crt', // Debian, Ubuntu, Alpine, Arch
  '/etc/pki/tls/certs/ca-bundle.crt', // Fedora, RHEL
  '/etc/ssl/cert.pem', // macOS, BSDs, Alpine
  '/opt/homebrew/etc/ca-certificates/cert.pem', // Homebrew
] as const;

/**
 * The system roots plus our CA, as one PEM bundle for SSL_CERT_FILE,
 * REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE and GIT_SSL_CAINFO (which replace the trust
 * store rather than add to it). Falls back to Node's built-in roots.
 */
export function bundleWithSystemRoots(caPem: string, candidates: readonly string[] = SYSTEM_CA_BUNDLES): string {
  let roots: string | undefined;
  for (const p of candidates) {
    try {
      const text = readFileSync(p, 'utf8');
      if (text.includes('-----BEGIN CERTIFICATE-----')) {
        roots = text;
        break;
      }
    } catch {
      // absent or unreadable: try the next
    }
  }
  roots ??= rootCertificates.join('\n');
  return `${roots.trimEnd()}\n${caPem.trim()}\n`;
}
