// The browser app's entry: mounts <App/>, registers the service worker (src/web/pwa.ts) and starts
// the in-page notifications (src/web/notify.ts). Everything here is rendered as React text nodes —
// no agent- or file-controlled text ever becomes HTML.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { watchNotifications } from './notify';
import { registerServiceWorker } from './pwa';
import './style.css';

const root = document.getElementById('root');
if (root) createRoot(root).render(<StrictMode><App /></StrictMode>);
registerServiceWorker();
watchNotifications();
