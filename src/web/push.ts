// Web Push for a closed page: once notifications are on (src/web/notify.ts), this browser subscribes
// with the daemon's VAPID public key through the service worker's PushManager and posts the
// subscription to the daemon (POST /api/push/subscriptions), which then pushes when an agent
// starts waiting or a session fails; src/web/sw.js shows the push. Turning notifications off
// unsubscribes and tells the daemon (DELETE). Each page load renews it (a new key pair on the
// daemon, or a subscription the daemon dropped, is mended then). Where there is no service worker
// or PushManager (plain http on another host, an old browser) nothing happens here: in-page
// notifications still work while the page is open. Failures are the console's, never the page's.
import { api } from './api';

/** How long subscribing waits for the service worker (it registers once the page has loaded: pwa.ts). */
const WORKER_WAIT_MS = 10_000;

export function pushSupported(): boolean {
  return typeof window !== 'undefined' && window.isSecureContext && 'serviceWorker' in navigator && 'PushManager' in window;
}

function fromBase64url(text: string): Uint8Array<ArrayBuffer> {
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(text.length / 4) * 4, '=');
  const bin = atob(b64);
  const out = new Uint8Array(new ArrayBuffer(bin.length));
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function sameKey(a: ArrayBuffer | null | undefined, b: Uint8Array): boolean {
  if (!a || a.byteLength !== b.byteLength) return false;
  const x = new Uint8Array(a);
  return x.every((v, i) => v === b[i]);
}

async function activeWorker(): Promise<ServiceWorkerRegistration | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<null>((resolve) => (timer = setTimeout(resolve, WORKER_WAIT_MS, null)));
  try {
    return await Promise.race([navigator.serviceWorker.ready, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Subscribe this browser (or renew its subscription) and give it to the daemon; true when done. */
export async function subscribePush(): Promise<boolean> {
  if (!pushSupported()) return false;
  try {
    const reg = await activeWorker();
    if (!reg) return false;
    const key = fromBase64url((await api.pushKey()).publicKey);
    let sub = await reg.pushManager.getSubscription();
    // (made with another key pair — the daemon's home was reset: it can never be pushed to)
    if (sub && !sameKey(sub.options.applicationServerKey, key)) {
      await sub.unsubscribe();
      sub = null;
    }
    sub ??= await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
    await api.pushSubscribe(sub.toJSON());
    return true;
  } catch (e) {
    console.warn('clauderon: push notifications for a closed page are off:', e);
    return false;
  }
}

/** Unsubscribe this browser and tell the daemon to forget it. */
export async function unsubscribePush(): Promise<void> {
  if (!pushSupported()) return;
  try {
    const reg = await navigator.serviceWorker.getRegistration('/');
    const sub = await reg?.pushManager.getSubscription();
    if (!sub) return;
    await api.pushUnsubscribe(sub.endpoint).catch((e: unknown) => console.warn('clauderon: the daemon did not forget this browser’s push subscription:', e));
    await sub.unsubscribe();
  } catch (e) {
    console.warn('clauderon: push unsubscribe failed:', e);
  }
}
