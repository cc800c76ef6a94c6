// A fake Web Push service for tests (node:http on 127.0.0.1, port 0) and the browser's side of a
// subscription: each subscription made here has its own key pair (ECDH P-256) and 16-byte auth
// secret, like a browser's, and an endpoint on this server. What the daemon posts is recorded, its
// VAPID Authorization checked (RFC 8292: `vapid t=JWT, k=KEY`, the ES256 signature verified with
// KEY, aud/exp/sub) and its aes128gcm body decrypted (RFC 8291 / RFC 8188) — written here with
// node:crypto, independently of the web-push library the daemon encrypts with.
import { createDecipheriv, createECDH, createPublicKey, hkdfSync, randomBytes, verify } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How the fake answers pushes to one subscription: a status (201…), or `hang` (never answers). */
export type Behaviour = number | 'hang';

export interface ReceivedPush {
  /** The subscription's id (its endpoint's last segment). */
  id: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface FakeSubscription {
  id: string;
  /** What the browser's PushSubscription.toJSON() would give. */
  json: { endpoint: string; expirationTime: null; keys: { p256dh: string; auth: string } };
  /** Decrypt an aes128gcm body sent to this subscription (throws when it does not decrypt). */
  decrypt(body: Buffer): Buffer;
}

export interface FakePushService {
  origin: string;
  received: ReceivedPush[];
  /** Requests to `hang` subscriptions that are open now. */
  hanging(): number;
  subscription(id: string, behaviour?: Behaviour): FakeSubscription;
  setBehaviour(id: string, behaviour: Behaviour): void;
  close(): Promise<void>;
}

export async function startFakePushService(): Promise<FakePushService> {
  const behaviours = new Map<string, Behaviour>();
  const received: ReceivedPush[] = [];
  const held = new Set<ServerResponse>();
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const id = (req.url ?? '').split('/').pop() ?? '';
      received.push({ id, headers: req.headers, body: Buffer.concat(chunks) });
      const b = behaviours.get(id) ?? 404;
      if (b === 'hang') {
        held.add(res);
        res.on('close', () => held.delete(res));
        return;
      }
      res.writeHead(b, { 'content-type': 'text/plain' }).end(b >= 200 && b < 300 ? '' : 'no');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    received,
    hanging: () => held.size,
    setBehaviour: (id, b) => void behaviours.set(id, b),
    subscription(id, behaviour = 201) {
      behaviours.set(id, behaviour);
      const ecdh = createECDH('prime256v1');
      const uaPublic = ecdh.generateKeys();
      const auth = randomBytes(16);
      return {
        id,
        json: { endpoint: `${origin}/push/v2/${id}`, expirationTime: null, keys: { p256dh: uaPublic.toString('base64url'), auth: auth.toString('base64url') } },
        decrypt: (body) => decryptAes128gcm(body, ecdh, uaPublic, auth),
      };
    },
    async close() {
      for (const r of held) r.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** RFC 8291 §3.4 / RFC 8188: one aes128gcm record, as the user agent decrypts it. */
export function decryptAes128gcm(body: Buffer, ecdh: ReturnType<typeof createECDH>, uaPublic: Buffer, authSecret: Buffer): Buffer {
  // header: salt (16) | rs (uint32) | idlen (1) | keyid (the sender's public key, 65)
  const salt = body.subarray(0, 16);
  const rs = body.readUInt32BE(16);
  const idlen = body[20] ?? 0;
  const asPublic = body.subarray(21, 21 + idlen);
  if (idlen !== 65 || asPublic[0] !== 4) throw new Error(`keyid is not an uncompressed P-256 point (idlen ${idlen})`);
  const record = body.subarray(21 + idlen);
  if (record.length > rs) throw new Error('more than one record');
  const ecdhSecret = ecdh.computeSecret(asPublic);
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), uaPublic, asPublic]);
  const ikm = Buffer.from(hkdfSync('sha256', ecdhSecret, authSecret, keyInfo, 32));
  const cek = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16));
  const nonce = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12));
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(record.subarray(record.length - 16));
  const padded = Buffer.concat([decipher.update(record.subarray(0, record.length - 16)), decipher.final()]);
  // the last record: the content, then the delimiter 0x02, then zero padding
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (padded[end] !== 2) throw new Error('no last-record padding delimiter');
  return padded.subarray(0, end);
}

export interface VapidClaims {
  aud: string;
  exp: number;
  sub: string;
}

/**
 * Check a push's `Authorization: vapid t=JWT, k=KEY` (RFC 8292): KEY is `publicKey`, the JWT is
 * ES256 and its signature verifies with KEY; returns its claims (the caller checks their values).
 */
export function verifyVapid(headers: IncomingHttpHeaders, publicKey: string): VapidClaims {
  const m = /^vapid t=([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+), k=([A-Za-z0-9_-]+)$/.exec(headers.authorization ?? '');
  if (!m) throw new Error(`not a VAPID Authorization header: ${headers.authorization ?? '(none)'}`);
  const [, jwt = '', k = ''] = m;
  if (k !== publicKey) throw new Error('k is not the daemon’s VAPID public key');
  const [h = '', p = '', sig = ''] = jwt.split('.');
  const header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as { alg?: string };
  if (header.alg !== 'ES256') throw new Error(`alg ${header.alg ?? '(none)'}`);
  const point = Buffer.from(k, 'base64url');
  const key = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33, 65).toString('base64url') }, format: 'jwk' });
  const ok = verify('sha256', Buffer.from(`${h}.${p}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(sig, 'base64url'));
  if (!ok) throw new Error('the VAPID JWT signature does not verify');
  return JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as VapidClaims;
}
