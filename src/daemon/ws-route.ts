// What the daemon's per-session, browser-only WebSockets share (/ws/console/:name,
// /ws/history/:name): the route's session name, the guarded handshake, and a refusal that says why
// in an error frame before it closes.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket, WebSocketServer } from 'ws';
import { guarded } from '../shared/guard.js';
import type { Logger } from '../shared/logger.js';

/** `<path>/<name>` → the name; anything else → null. (`segments`: the decoded path, `path` e.g. `/ws/console`.) */
export function routeName(segments: readonly string[], path: string): string | null {
  return segments.length === 3 && `/${segments[0] ?? ''}/${segments[1] ?? ''}` === path && segments[2] ? segments[2] : null;
}

/** Complete the handshake of an upgrade that passed the HTTP gate, then `open` (guarded). */
export function upgradeGuarded(wss: WebSocketServer, log: Logger, what: string, req: IncomingMessage, socket: Duplex, head: Buffer, open: (ws: WebSocket) => void): void {
  wss.handleUpgrade(req, socket, head, guarded(log, what, open, (_e, ws: WebSocket) => ws.terminate()));
}

/** An error frame saying why, then close with `code` (`notFound`: the code for an unknown session). */
export function refuseWs(ws: WebSocket, code: number, message: string, notFound: number): void {
  ws.send(JSON.stringify({ type: 'error', message }));
  ws.close(code, code === notFound ? 'no such session' : 'refused');
}
