// The installed app's service worker (served as /sw.js, root scope, never cached without asking:
// the daemon sends it with no-cache). src/web/vite.config.mjs writes the build's file list and a
// version (a hash of those files' contents) into the two marked lines below, so each build's
// worker precaches exactly its own shell in a cache of its own name and, once active, deletes the
// caches of older builds.
//
// What it answers: only same-origin GETs of the shell's files (index.html as "/", the hashed
// /assets/*, the manifest and icons), from the cache; a page navigation goes to the network first
// and falls back to the cached shell when the network fails (or is slow), so the app opens and
// shows its own "offline — reconnecting" banner instead of the browser's error page.
// What it never touches: /api/* and /ws/* (they carry session data), other origins, writes — the
// browser sends those to the network as if there were no worker, and nothing of theirs is stored.
//
// Web Push (src/web/push.ts subscribes, src/daemon/push.ts sends): a push is shown as a
// notification (its tag the page's own for the same session, so one replaces the other), and a
// click opens the session; a subscription the push service replaced is handed to the daemon.
/* global self, caches */

const VERSION = /* VERSION */ 'dev';
const SHELL = /* SHELL */ ['/'];

const PREFIX = 'clauderon-shell-';
const CACHE = `${PREFIX}${VERSION}`;
/** A navigation waits this long for the network before the cached shell is shown. */
const NAVIGATION_WAIT_MS = 3000;
const shellPaths = new Set(SHELL);

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      // (past the HTTP cache: the files of this build, not a stale copy)
      await cache.addAll(SHELL.map((path) => new Request(path, { cache: 'reload', credentials: 'same-origin' })));
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) if (name.startsWith(PREFIX) && name !== CACHE) await caches.delete(name);
      await self.clients.claim();
    })(),
  );
});

/** /api, /ws and everything under them: session data, never from or into a cache. */
function isLive(url) {
  return /^\/(api|ws)(\/|$)/.test(url.pathname);
}

function cached(path) {
  return caches.open(CACHE).then((cache) => cache.match(path));
}

const OFFLINE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta http-equiv="refresh" content="5"><title>clauderon: offline</title></head>
<body style="font-family: system-ui, sans-serif; margin: 2rem"><p><b>Offline — reconnecting…</b> The clauderon daemon cannot be reached; this page tries again every 5 seconds.</p></body></html>`;

/** Network first; on failure, or no answer within NAVIGATION_WAIT_MS, the cached shell. */
async function navigation(request) {
  const network = fetch(request);
  let timer;
  const slow = new Promise((resolve) => {
    timer = setTimeout(resolve, NAVIGATION_WAIT_MS, null);
  });
  try {
    const first = await Promise.race([network, slow]);
    if (first) return first;
  } catch {
    // (offline, or the daemon is down)
  } finally {
    clearTimeout(timer);
  }
  const shell = await cached('/');
  if (shell) return shell;
  return network.catch(() => new Response(OFFLINE, { status: 503, headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' } }));
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || isLive(url)) return;
  if (request.mode === 'navigate') {
    event.respondWith(navigation(request));
    return;
  }
  if (shellPaths.has(url.pathname) && url.search === '') event.respondWith(cached(url.pathname).then((hit) => hit ?? fetch(request)));
});

/** A path of this app (`/…`, never `//host`, which would leave the origin), else `/`. */
function appPath(url) {
  return typeof url === 'string' && url.startsWith('/') && !url.startsWith('//') && !url.startsWith('/\\') ? url : '/';
}

/** A string field of a push's JSON, bounded; else `fallback`. */
function text(value, max, fallback) {
  return typeof value === 'string' && value !== '' ? value.slice(0, max) : fallback;
}

// A push from the daemon (`{title, body, sessionName, url}`, decrypted by the browser): always shown
// (the subscription promised userVisibleOnly), even when it cannot be read.
self.addEventListener('push', (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch {
    // (not JSON: the generic notification below)
  }
  const name = text(data?.sessionName, 200, '');
  event.waitUntil(
    self.registration.showNotification(text(data?.title, 200, 'clauderon'), {
      body: text(data?.body, 500, ''),
      tag: name ? `clauderon-${name}` : 'clauderon',
      icon: '/icons/icon-192.png',
      data: { url: appPath(data?.url) },
    }),
  );
});

// The push service replaced this browser's subscription (it expired or was rotated): the new one
// goes to the daemon, the old one is forgotten there (same origin: the sign-in cookie goes along).
self.addEventListener('pushsubscriptionchange', (event) => {
  const send = (method, body) => fetch('/api/push/subscriptions', { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), credentials: 'same-origin' });
  event.waitUntil(
    (async () => {
      const old = event.oldSubscription;
      const next = event.newSubscription ?? (old ? await self.registration.pushManager.subscribe(old.options) : null);
      if (next) await send('POST', next.toJSON());
      if (old && old.endpoint !== next?.endpoint) await send('DELETE', { endpoint: old.endpoint });
    })().catch(() => undefined),
  );
});

// A notification the page asked this worker to show (where the page cannot itself, e.g. Android),
// or a push's: a click focuses an open clauderon window on the session, or opens one.
self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const path = appPath(event.notification.data?.url);
  event.waitUntil(
    (async () => {
      const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
      const open = windows.find((w) => new URL(w.url).origin === self.location.origin);
      if (open) {
        await open.focus();
        if ('navigate' in open) await open.navigate(path).catch(() => undefined);
        return;
      }
      await self.clients.openWindow(path);
    })(),
  );
});
