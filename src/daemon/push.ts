// Web Push (RFC 8030, with VAPID — RFC 8292 — and aes128gcm payloads — RFC 8291): a browser that
// turned on notifications in the web UI subscribes with the daemon's VAPID public key and posts its
// PushSubscription here (push.* operations); when an agent starts waiting for input or approval,
// or a session fails, every stored subscription gets a push, so the phone shows it with the page
// closed. The transitions are event-hooks.ts's (SessionTransitions / eventsFor), from the same
// daemon event stream. Delivery never blocks the daemon: handle() only queues; at most
// CONCURRENCY requests run, one at a time per subscription (a push service that hangs holds one
// slot until its timeout, never the others); a 404/410 answer removes the subscription.
//
// Secrets: the VAPID private key stays in vapid.json (0600, made once, atomically); only the public
// key is answered. A subscription's endpoint is a capability URL — logs show its origin only. A
// payload is a few fields of the session (name, repository, agent), never its prompt or error.
// Pushes go to https endpoints only; CLAUDERON_PUSH_ALLOW_HTTP_LOOPBACK=1 (tests) also allows
// http://127.0.0.1 / [::1] / localhost, where a test's fake push service listens.
import { createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { chmodSync, linkSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { ClauderonError, errorMessage } from '../shared/errors.js';
import type { DaemonEvent } from '../shared/events.js';
import type { Logger } from '../shared/logger.js';
import type { Session } from '../shared/types.js';
import type { PushSubscriptionJson } from '../protocol/operations.js';
import type { PushSubscriptionRecord } from '../store/push.js';
import type { Store } from '../store/store.js';
import { SessionTransitions, type HookEvent } from './event-hooks.js';

/** A push request that takes longer is aborted (and logged). */
export const PUSH_TIMEOUT_MS = 10_000;
/** Push requests under way at once, over all subscriptions. */
export const CONCURRENCY = 4;
/** Pushes waiting beyond this: the oldest is dropped (and logged). */
export const MAX_QUEUED = 200;
/** How long a push service keeps an undelivered push (a phone that is off): a waiting agent for an hour, a failure for a day. */
const TTL_WAITING_S = 3600;
const TTL_FAILED_S = 24 * 3600;
/** How long close() lets requests under way finish before they are aborted. */
const STOP_GRACE_MS = 500;

export const ALLOW_HTTP_LOOPBACK_ENV = 'CLAUDERON_PUSH_ALLOW_HTTP_LOOPBACK';

/** What the service worker receives (src/web/sw.js shows it): short, nothing secret. */
export interface PushPayload {
  title: string;
  body: string;
  sessionName: string;
  /** The page to open on a click (a path of the web UI). */
  url: string;
}

export interface VapidKeys {
  /** The uncompressed P-256 point, base64url (the browser's applicationServerKey). */
  publicKey: string;
  /** The private scalar, base64url (32 bytes): never leaves this file and this process. */
  privateKey: string;
}

/** Make a VAPID key pair (ECDSA P-256) with node:crypto. */
export function generateVapidKeys(): VapidKeys {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const pub = publicKey.export({ format: 'jwk' });
  const priv = privateKey.export({ format: 'jwk' });
  const point = Buffer.concat([Buffer.from([4]), Buffer.from(pub.x ?? '', 'base64url'), Buffer.from(pub.y ?? '', 'base64url')]);
  return { publicKey: point.toString('base64url'), privateKey: priv.d ?? '' };
}

function checkKeys(v: unknown): VapidKeys {
  const o = v as Partial<VapidKeys> | null;
  if (typeof o?.publicKey !== 'string' || typeof o.privateKey !== 'string') throw new Error('expected {"publicKey","privateKey"}');
  const point = Buffer.from(o.publicKey, 'base64url');
  if (point.length !== 65 || point[0] !== 4) throw new Error('publicKey is not an uncompressed P-256 point');
  if (Buffer.from(o.privateKey, 'base64url').length !== 32) throw new Error('privateKey is not 32 bytes');
  // (the point must be on the curve: node refuses it otherwise)
  createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33).toString('base64url') }, format: 'jwk' });
  return { publicKey: o.publicKey, privateKey: o.privateKey };
}

/**
 * The home's VAPID keys: read from `path`, or made and written there (0600) when there is no file.
 * Written atomically — a private temp file hard-linked into place, so a reader never sees half a
 * file and two daemons racing keep the one that was first. `created` says this call made them.
 */
export function loadOrCreateVapidKeys(path: string): { keys: VapidKeys; created: boolean } {
  const read = (): VapidKeys => {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw e;
      throw new ClauderonError('config', `cannot read ${path} (${errorMessage(e)}) — it should be this user's file, mode 0600`, { cause: e });
    }
    try {
      const keys = checkKeys(JSON.parse(text));
      chmodSync(path, 0o600);
      return keys;
    } catch (e) {
      throw new ClauderonError(
        'config',
        `${path} is not a usable Web Push key file (${errorMessage(e)}) — move it aside (mv ${path} ${path}.bad) and restart the daemon: a new key pair is made, and browsers turn their notifications off and on to subscribe again`,
        { cause: e },
      );
    }
  };
  try {
    return { keys: read(), created: false };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const keys = generateVapidKeys();
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(tmp, `${JSON.stringify({ ...keys, createdAt: new Date().toISOString() })}\n`, { mode: 0o600, flag: 'wx' });
  try {
    linkSync(tmp, path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    return { keys: read(), created: false }; // another process made them first
  } finally {
    rmSync(tmp, { force: true });
  }
  return { keys, created: true };
}

/** `https://push.example.com`: how logs name a subscription (its path is its capability). */
export function endpointOrigin(endpoint: string): string {
  try {
    return new URL(endpoint).origin;
  } catch {
    return '(endpoint)';
  }
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

/** Whether pushes may go to this endpoint: https, or (tests, ALLOW_HTTP_LOOPBACK_ENV=1) http on loopback. */
export function endpointAllowed(endpoint: string, env: NodeJS.ProcessEnv = process.env): boolean {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return false;
  }
  if (url.username !== '' || url.password !== '') return false;
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && env[ALLOW_HTTP_LOOPBACK_ENV] === '1' && LOOPBACK_HOSTS.has(url.hostname);
}

const sessionPath = (name: string, tab: string) => `/sessions/${encodeURIComponent(name)}/${tab}`;
const repoOf = (s: Pick<Session, 'repoPath'>) => s.repoPath.split('/').filter(Boolean).pop() ?? s.repoPath;

/** The push for one of the events that get one (agent_waiting, failed), or null for the others. */
export function payloadFor(ev: HookEvent): { payload: PushPayload; urgency: 'high' | 'normal'; ttl: number } | null {
  const s = ev.session;
  const where = `${repoOf(s)} · ${s.agent}`;
  if (ev.event === 'agent_waiting') {
    const approval = s.agentStatus === 'waiting_approval';
    return {
      payload: {
        title: approval ? `${s.name} needs your approval` : `${s.name} is waiting for you`,
        // (the words of the page's own notification, src/web/notify.ts)
        body: `${where}: ${approval ? 'waiting for you (approval)' : 'waiting for you'}`,
        sessionName: s.name,
        url: sessionPath(s.name, 'terminal'),
      },
      urgency: 'high',
      ttl: TTL_WAITING_S,
    };
  }
  if (ev.event === 'failed') {
    return { payload: { title: `${s.name} failed`, body: `${where}: the session failed`, sessionName: s.name, url: sessionPath(s.name, 'info') }, urgency: 'normal', ttl: TTL_FAILED_S };
  }
  return null;
}

interface Job {
  sub: PushSubscriptionRecord;
  body: string;
  urgency: 'high' | 'normal';
  ttl: number;
}

type WebPush = typeof import('web-push');

export interface PushOptions {
  store: Store;
  /** vapid.json in the home. */
  vapidPath: string;
  log: Logger;
  /** The VAPID `sub` claim: an https origin of this daemon or a mailto: (push services contact it). */
  subject: () => string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  concurrency?: number;
}

/** The daemon's Web Push: the push.* operations' service and the sender fed from its event stream. */
export class PushNotifier {
  private readonly transitions = new SessionTransitions();
  private keys: VapidKeys | null = null;
  private keyError: Error | null = null;
  private readonly queue: Job[] = [];
  /** Endpoints with a request under way (one at a time each). */
  private readonly busy = new Set<string>();
  private readonly inflight = new Set<Promise<void>>();
  private readonly abort = new AbortController();
  private scheduled = false;
  private closed = false;
  private lib: Promise<WebPush> | null = null;
  private readonly idleWaiters = new Set<() => void>();

  constructor(private readonly o: PushOptions) {}

  private get env(): NodeJS.ProcessEnv {
    return this.o.env ?? process.env;
  }

  /** At the daemon's start: the keys (made on the first start), and what the sessions are now. */
  start(sessions: readonly Session[]): void {
    this.transitions.seed(sessions);
    try {
      this.vapid();
    } catch (e) {
      this.o.log.error('web push off: no usable VAPID keys', { error: errorMessage(e) });
    }
  }

  private vapid(): VapidKeys {
    if (this.keys) return this.keys;
    if (this.keyError) throw this.keyError;
    try {
      const { keys, created } = loadOrCreateVapidKeys(this.o.vapidPath);
      if (created) {
        this.o.log.info('web push: VAPID keys made', { file: this.o.vapidPath });
        // (subscriptions made with another key pair can never be pushed to again)
        const stale = this.o.store.push.list();
        for (const s of stale) this.o.store.push.delete(s.endpoint);
        if (stale.length > 0) this.o.log.warn('web push: subscriptions of the previous VAPID keys removed (those browsers subscribe again when notifications are turned on)', { removed: stale.length });
      }
      return (this.keys = keys);
    } catch (e) {
      this.keyError = e instanceof Error ? e : new Error(errorMessage(e));
      throw this.keyError;
    }
  }

  // ---- the push.* operations ----

  publicKey(): { publicKey: string } {
    return { publicKey: this.vapid().publicKey };
  }

  subscribe(sub: PushSubscriptionJson, passkeyId: string | null): { subscribed: true } {
    this.vapid(); // (no keys: nothing could be sent — say so now)
    if (!endpointAllowed(sub.endpoint, this.env)) throw new ClauderonError('invalid_input', 'the push endpoint must be an https URL of a push service', { field: 'endpoint' });
    const dropped = this.o.store.push.upsert({ endpoint: sub.endpoint, p256dh: sub.keys.p256dh, auth: sub.keys.auth, passkeyId, createdAt: new Date().toISOString() });
    this.o.log.info('web push: subscription stored', { service: endpointOrigin(sub.endpoint), signedIn: passkeyId !== null, ...(dropped > 0 ? { droppedOldest: dropped } : {}) });
    return { subscribed: true };
  }

  unsubscribe(endpoint: string): { unsubscribed: boolean } {
    const gone = this.o.store.push.delete(endpoint);
    if (gone) this.o.log.info('web push: subscription removed', { service: endpointOrigin(endpoint) });
    return { unsubscribed: gone };
  }

  // ---- sending ----

  /** One event of the daemon's stream: never throws, never waits (requests start later). */
  handle(e: DaemonEvent): void {
    if (this.closed) return;
    try {
      const events = this.transitions.next(e);
      for (const ev of events) {
        const push = payloadFor(ev);
        if (!push || !this.keys) continue;
        const body = JSON.stringify(push.payload);
        for (const sub of this.o.store.push.list()) this.enqueue({ sub, body, urgency: push.urgency, ttl: push.ttl });
      }
    } catch (err) {
      this.o.log.warn('web push: event not handled', { error: errorMessage(err) });
    }
  }

  private enqueue(job: Job): void {
    if (this.queue.length >= MAX_QUEUED) {
      const dropped = this.queue.shift();
      this.o.log.warn('web push behind: dropped the oldest pending push', { service: endpointOrigin(dropped?.sub.endpoint ?? ''), pending: MAX_QUEUED });
    }
    this.queue.push(job);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  /** Start what may start: up to the concurrency, skipping subscriptions with a request under way. */
  private pump(): void {
    const limit = this.o.concurrency ?? CONCURRENCY;
    for (let i = 0; i < this.queue.length && this.inflight.size < limit && !this.closed; ) {
      const job = this.queue[i];
      if (!job || this.busy.has(job.sub.endpoint)) {
        i++;
        continue;
      }
      this.queue.splice(i, 1);
      this.busy.add(job.sub.endpoint);
      const p: Promise<void> = this.send(job)
        .catch((e: unknown) => this.o.log.warn('web push failed', { service: endpointOrigin(job.sub.endpoint), error: errorMessage(e) }))
        .finally(() => {
          this.busy.delete(job.sub.endpoint);
          this.inflight.delete(p);
          this.pump();
        });
      this.inflight.add(p);
    }
    if (this.inflight.size === 0 && this.queue.length === 0) for (const w of this.idleWaiters) w();
  }

  private async send(job: Job): Promise<void> {
    const { endpoint } = job.sub;
    const service = endpointOrigin(endpoint);
    if (!endpointAllowed(endpoint, this.env)) {
      this.o.log.warn('web push: endpoint not allowed (https only): skipped', { service });
      return;
    }
    const keys = this.vapid();
    this.lib ??= import('web-push').then((m) => m.default);
    const webpush = await this.lib;
    const details = webpush.generateRequestDetails({ endpoint, keys: { p256dh: job.sub.p256dh, auth: job.sub.auth } }, job.body, {
      vapidDetails: { subject: this.o.subject(), publicKey: keys.publicKey, privateKey: keys.privateKey },
      TTL: job.ttl,
      urgency: job.urgency,
      contentEncoding: 'aes128gcm',
    });
    const headers = Object.fromEntries(Object.entries(details.headers).filter(([k]) => k.toLowerCase() !== 'content-length').map(([k, v]) => [k, String(v)]));
    const timeoutMs = this.o.timeoutMs ?? PUSH_TIMEOUT_MS;
    let res: Response;
    try {
      res = await fetch(endpoint, {
        method: 'POST',
        headers,
        body: details.body,
        redirect: 'manual', // a push is not re-sent elsewhere
        signal: AbortSignal.any([AbortSignal.timeout(timeoutMs), this.abort.signal]),
      });
    } catch (e) {
      if (this.abort.signal.aborted) return;
      if (e instanceof Error && e.name === 'TimeoutError') this.o.log.warn('web push timed out: request aborted', { service, timeoutMs });
      else this.o.log.warn('web push failed', { service, error: errorMessage(e) });
      return;
    }
    await res.body?.cancel().catch(() => undefined);
    if (res.status >= 200 && res.status <= 299) return;
    if (res.status === 404 || res.status === 410) {
      this.o.store.push.delete(endpoint);
      this.o.log.info('web push: the push service says the subscription is gone: removed', { service, status: res.status });
      return;
    }
    this.o.log.warn('web push: the push service answered an error', { service, status: res.status });
  }

  /** Settles once nothing is queued or under way (tests). */
  idle(): Promise<void> {
    if (this.inflight.size === 0 && this.queue.length === 0 && !this.scheduled) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = () => {
        this.idleWaiters.delete(done);
        resolve();
      };
      this.idleWaiters.add(done);
    });
  }

  /** The daemon stops: pending pushes are dropped, those under way get STOP_GRACE_MS. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const abandoned = this.queue.splice(0).length;
    if (abandoned > 0) this.o.log.warn('daemon stopping: pending web pushes abandoned', { abandoned });
    if (this.inflight.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled([...this.inflight]), new Promise<void>((r) => (timer = setTimeout(r, STOP_GRACE_MS)))]);
    clearTimeout(timer);
    this.abort.abort();
    await Promise.race([Promise.allSettled([...this.inflight]), new Promise<void>((r) => setTimeout(r, 200).unref())]);
  }
}
