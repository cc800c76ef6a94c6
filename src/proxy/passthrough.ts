// Opaque tunnels: CONNECTs the proxy does not open. A host that earns no credential (no injection
// rule or token exchange names it) in a read-write session has nothing for the proxy to do inside
// TLS, so its bytes are copied both ways untouched — the client sees the real server's
// certificate, and the copy runs at the speed of a bare relay (no TLS, no HTTP parser, no
// per-chunk work of ours: bytes and activity are read from the sockets' own counters). IP literals
// and ports other than 443 have always been opaque. Which CONNECTs are opened is `needsIntercept`;
// `[proxy] intercept = "all"` opens every name on 443, as before.
//
// The address connected to is the one the egress policy checked (the caller resolves and checks
// first, this module only connects to the address it is given). Half-close is carried both ways
// (each side's FIN is passed on; the tunnel closes when both directions have ended), an upstream
// that does not answer the TCP handshake in time is a 502, and each tunnel is audited once, when
// it closes: host:port, bytes each way, duration — never a byte of what went through.
import { connect as netConnect, type Socket } from 'node:net';
import type { AccessMode } from './access.js';
import type { InjectionRule } from './rules.js';

/** "needed": open only what needs a credential or read-only inspection; "all": every name on 443. */
export type InterceptMode = 'needed' | 'all';

/** Whether a CONNECT to `host`:`port` (a name) must be intercepted rather than tunnelled. */
export function needsIntercept(o: {
  host: string;
  port: number;
  kind: 'name' | 'ip';
  mode: InterceptMode;
  accessMode: AccessMode;
  rules: readonly InjectionRule[];
  /** Hosts whose requests the proxy rewrites (a login's token endpoint). */
  exchangeHosts?: readonly string[];
}): boolean {
  if (o.kind !== 'name' || o.port !== 443) return false; // never intercepted: no credential goes there
  if (o.mode === 'all' || o.accessMode === 'read-only') return true;
  return o.rules.some((r) => r.host === o.host) || (o.exchangeHosts ?? []).includes(o.host);
}

export interface TunnelEnd {
  /** Bytes from the client to the upstream (after the CONNECT). */
  bytesUp: number;
  /** Bytes from the upstream to the client. */
  bytesDown: number;
  durationMs: number;
  /** Why it ended abnormally (a socket error), or null. */
  error: string | null;
}

export interface OpaqueTunnelOptions {
  /** The client's socket, its CONNECT read (`head`: bytes that came after it). */
  socket: Socket;
  head: Buffer;
  /** Where to connect: the address already checked by the egress policy. */
  address: string;
  port: number;
  /** host:port as the client named it (the 502 says it). */
  label: string;
  /** Time for the upstream's TCP handshake (502 after it). */
  connectMs: number;
  /** The upstream is connected and the client has its 200. */
  onOpen(up: Socket): void;
  /** The upstream could not be reached: the client has been answered 502. */
  onFail(message: string): void;
  /** The tunnel closed (after onOpen). */
  onClose(end: TunnelEnd): void;
}

/** Connect to the checked address, answer the CONNECT, and copy bytes both ways until both sides end. */
export function openTunnel(o: OpaqueTunnelOptions): void {
  const { socket } = o;
  const started = Date.now();
  // allowHalfOpen: the upstream's FIN is passed on to the client without ending what the client
  // still sends (the client's socket, from node:http, is half-open already).
  const up = netConnect({ host: o.address, port: o.port, allowHalfOpen: true, noDelay: true });
  let open = false;
  let error: string | null = null;
  const timer = setTimeout(() => up.destroy(new Error(`no TCP answer within ${o.connectMs} ms`)), o.connectMs);
  up.once('connect', () => {
    clearTimeout(timer);
    if (socket.destroyed) return void up.destroy();
    open = true;
    socket.setNoDelay(true);
    socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (o.head.length > 0) up.write(o.head);
    o.onOpen(up);
    // pipe: backpressure both ways (a slow reader pauses the other socket), and each side's end()
    // follows the other's FIN
    socket.pipe(up);
    up.pipe(socket);
  });
  up.on('error', (e) => {
    clearTimeout(timer);
    if (!open) {
      o.onFail(e.message);
      socket.end(`HTTP/1.1 502 Bad Gateway\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\ncannot connect to ${o.label}\n`);
      return;
    }
    error ??= e.message;
    socket.destroy();
  });
  socket.on('error', (e) => {
    if (open) error ??= `client: ${e.message}`;
    up.destroy();
  });
  socket.once('close', () => up.destroy());
  up.once('close', () => {
    clearTimeout(timer);
    socket.destroy();
    if (open) o.onClose({ bytesUp: up.bytesWritten, bytesDown: up.bytesRead, durationMs: Date.now() - started, error });
  });
}
