// DER building blocks and signing for the interception CA (ca.ts).
//
// Certificates are built as ASN.1 with forge's encoder and signed with node:crypto: forge's own
// `cert.sign` costs 20–40 ms a certificate, this path a few (PROXY-NOTES.md, "Certificates").
// node-forge is loaded on first use (`loadForge`): only a type import of it here, so importing
// this module costs nothing until a certificate is built.
import { createHash, generateKeyPair, randomBytes, sign, type KeyObject } from 'node:crypto';
import type * as Forge from 'node-forge';

export type ForgeModule = typeof Forge;
export type Asn1 = Forge.asn1.Asn1;

export const DAY = 24 * 60 * 60 * 1000;

export const OID = {
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
export const KU = { digitalSignature: 0, keyEncipherment: 2, keyCertSign: 5, cRLSign: 6 } as const;

let forgePromise: Promise<ForgeModule> | undefined;
/** node-forge, imported on the first call. */
export function loadForge(): Promise<ForgeModule> {
  forgePromise ??= import('node-forge').then((m) => m.default);
  return forgePromise;
}

export class Der {
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
export function bin(b: Buffer): string {
  return b.toString('latin1');
}

function pem(type: string, der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${type}-----\n${lines.join('\n')}\n-----END ${type}-----\n`;
}

/** 16 random bytes, top bit clear (a positive INTEGER) and the next set (exactly 16 bytes long). */
export function serial16(): Buffer {
  const s = randomBytes(16);
  s.writeUInt8((s.readUInt8(0) & 0x7f) | 0x40, 0);
  return s;
}

/** RFC 5280 4.2.1.2 method 1: SHA-1 of the subjectPublicKey BIT STRING (= the PKCS#1 key). */
export function keyIdentifier(pkcs1: Buffer): Buffer {
  return createHash('sha1').update(pkcs1).digest();
}

export function rsaPublicPkcs1(key: KeyObject): Buffer {
  return key.export({ type: 'pkcs1', format: 'der' });
}

/** Seconds precision: certificate times carry no milliseconds. */
export function floorSec(ms: number): number {
  return Math.floor(ms / 1000) * 1000;
}

export interface RsaKeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/** A new RSA 2048 key pair (~0.1 s, off the main thread). */
export function generateRsa(): Promise<RsaKeyPair> {
  return new Promise((resolve, reject) => {
    generateKeyPair('rsa', { modulusLength: 2048, publicExponent: 0x10001 }, (err, publicKey, privateKey) => {
      if (err) reject(err);
      else resolve({ publicKey, privateKey });
    });
  });
}

/** Sign a TBSCertificate with node:crypto and wrap it into a Certificate (PEM). */
export function signCertificate(der: Der, tbs: Asn1, signer: KeyObject): string {
  const tbsDer = der.toDer(tbs);
  const signature = sign('sha256', tbsDer, signer);
  return pem('CERTIFICATE', der.toDer(der.seq([tbs, der.sha256WithRsa(), der.bits(signature)])));
}
