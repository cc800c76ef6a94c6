// The installable app: registers the service worker (/sw.js, built by src/web/vite.config.mjs
// from src/web/sw.js) once the page has loaded. Browsers allow it only in a secure context
// (https, or http on localhost/127.0.0.1); elsewhere the page works the same, just not offline.
export function registerServiceWorker(): void {
  if (!('serviceWorker' in navigator) || !window.isSecureContext) return;
  const register = () => {
    navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch((e: unknown) => console.warn('clauderon: the service worker did not register:', e));
  };
  if (document.readyState === 'complete') register();
  else window.addEventListener('load', register, { once: true });
}
