// The interception CA (RSA 2048) and its leaves (PROXY-NOTES.md, "Certificates").
//
// Leaf certificates are minted per hostname in memory: one shared RSA key per Ca, a
// TBSCertificate built with forge's ASN.1 encoder and signed with node:crypto (der.ts), kept in
// a bounded LRU (leaf-cache.ts). The pair on disk is files.ts's.
import { X509Certificate, createPrivateKey, randomBytes, type KeyObject } from 'node:crypto';
import { ClauderonError, errorMessage } from '../../shared/errors.js';
import {
  DAY,
  Der,
  KU,
  OID,
  bin,
  floorSec,
  generateRsa,
  keyIdentifier,
  loadForge,
  rsaPublicPkcs1,
  serial16,
  signCertificate,
  type Asn1,
  type ForgeModule,
  type RsaKeyPair,
} from './der.js';
import { createExclusive, ensureDir, readIfExists, tightenKeyMode, writeAtomic, type CaMaterial, type CaPaths } from './files.js';
import { LeafCache, leafHostname, type Leaf } from './leaf-cache.js';

export interface CaOptions {
  /**
   * How long to keep re-reading a pair that is incomplete or mismatched (another
   * process creating or rotating it) before giving up. Default 3000 ms.
   */
  settleMs?: number;
  /** Clock for leaf validity and expiry (tests). Default Date.now. */
  now?: () => number;
}

/** CA validity: ~10 years from creation, backdated one day. */
const CA_DAYS = 3650;
/** Leaf validity in total (notBefore is backdated one day). */
const LEAF_DAYS = 90;

const RETRY_MS = 50;
const DEFAULT_SETTLE_MS = 3000;

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
  readonly #cache = new LeafCache();

  private constructor(parts: CaParts, leafKey: RsaKeyPair) {
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
    const cached = this.#cache.get(host, now);
    if (cached !== undefined) return cached;
    const { leaf, notAfter } = this.#mint(host, now);
    this.#cache.set(host, leaf, notAfter);
    return leaf;
  }

  /** Replace the CA on disk with a new one (new key, new certificate); returns the new Ca. This one keeps working with the old pair. */
  rotate(): Promise<Ca> {
    return rotateCa(this.#paths, this.#options);
  }

  #mint(host: string, nowMs: number): { leaf: Leaf; notAfter: number } {
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
async function newCaMaterial(now: number): Promise<CaMaterial> {
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
  let material: CaMaterial | undefined;
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
