// The open tunnels of one session proxy, bounded so that no client can exhaust them: a tunnel
// that finished TLS and then sends nothing, or keeps a keep-alive connection open with no
// request in flight, is closed after `idleMs`; an opaque tunnel after `rawIdleMs` without a
// byte either way. At the cap, a new CONNECT evicts the tunnel idle longest (never one with a
// request in flight, never one still in its TLS handshake, which has its own time limit) instead
// of being refused — so idle tunnels can never starve a session; only live traffic counts.
// Opaque tunnels (passthrough.ts) report activity through `progress` (the sockets' byte counters,
// read at each sweep) rather than a listener per chunk; `drop` closes tunnels a change of mind
// no longer allows (a session turned read-only must not keep tunnels it can no longer inspect).
import type { Socket } from 'node:net';

/** intercept: TLS opened here; raw: an IP literal or another port; pass: a name on 443 tunnelled unopened. */
export type TunnelKind = 'intercept' | 'raw' | 'pass';

export interface Tunnel {
  readonly socket: Socket;
  kind: TunnelKind;
  /** TLS is up (intercepted) or the upstream is connected (raw). */
  ready: boolean;
  /** Requests in flight inside an intercepted tunnel. */
  active: number;
  lastActive: number;
  /** A counter that grows with every byte either way (opaque tunnels); read at each sweep. */
  progress?: () => number;
  /** The last value of `progress` seen. */
  seen?: number;
}

export interface TunnelLimits {
  max: number;
  idleMs: number;
  rawIdleMs: number;
  /** A tunnel must have been idle this long before it can be evicted for a new one. */
  evictAfterMs: number;
  /** Checked at each sweep: tunnels it returns true for are closed. */
  drop?: (t: Tunnel) => boolean;
}

export class TunnelTable {
  private readonly open = new Map<Socket, Tunnel>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly limits: TunnelLimits) {}

  get size(): number {
    return this.open.size;
  }

  start(): void {
    const every = Math.max(50, Math.min(this.limits.idleMs / 2, 5000));
    this.timer = setInterval(() => this.sweep(Date.now()), every);
    this.timer.unref();
  }

  /** Admit a new tunnel, evicting the longest-idle one at the cap; null when none can go. */
  admit(socket: Socket, kind: TunnelKind): Tunnel | null {
    if (this.open.size >= this.limits.max && !this.evictOne(Date.now())) return null;
    const t: Tunnel = { socket, kind, ready: false, active: 0, lastActive: Date.now() };
    this.open.set(socket, t);
    socket.once('close', () => this.open.delete(socket));
    return t;
  }

  begin(t: Tunnel): void {
    t.active++;
    t.lastActive = Date.now();
  }

  end(t: Tunnel): void {
    t.active = Math.max(0, t.active - 1);
    t.lastActive = Date.now();
  }

  private idleFor(t: Tunnel, now: number): number {
    if (t.progress) {
      const p = t.progress();
      if (p !== t.seen) {
        t.seen = p;
        t.lastActive = now;
      }
    }
    return t.ready && t.active === 0 ? now - t.lastActive : -1;
  }

  private evictOne(now: number): boolean {
    let victim: Tunnel | null = null;
    for (const t of this.open.values()) {
      const idle = this.idleFor(t, now);
      if (idle >= this.limits.evictAfterMs && (!victim || idle > this.idleFor(victim, now))) victim = t;
    }
    if (!victim) return false;
    this.open.delete(victim.socket);
    victim.socket.destroy();
    return true;
  }

  sweep(now: number): void {
    for (const t of this.open.values()) {
      if (this.limits.drop?.(t)) {
        t.socket.destroy();
        continue;
      }
      const idle = this.idleFor(t, now);
      if (idle >= 0 && idle > (t.kind === 'intercept' ? this.limits.idleMs : this.limits.rawIdleMs)) t.socket.destroy();
    }
  }

  closeAll(): void {
    if (this.timer) clearInterval(this.timer);
    for (const t of this.open.values()) t.socket.destroy();
    this.open.clear();
  }
}
