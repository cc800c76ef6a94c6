import { createConnection, type Socket } from 'node:net';

/** Connect to a Unix socket; null when nothing answers within the timeout. */
export function tryConnect(path: string, timeoutMs = 1000): Promise<Socket | null> {
  return new Promise((resolve) => {
    const s = createConnection(path);
    const t = setTimeout(() => {
      s.destroy();
      resolve(null);
    }, timeoutMs);
    s.once('connect', () => {
      clearTimeout(t);
      s.removeAllListeners('error');
      resolve(s);
    });
    s.once('error', () => {
      clearTimeout(t);
      resolve(null);
    });
  });
}

/** Whether something is listening on the socket (the probe connection is closed at once). */
export async function canConnect(path: string, timeoutMs = 1000): Promise<boolean> {
  const s = await tryConnect(path, timeoutMs);
  s?.destroy();
  return s !== null;
}
