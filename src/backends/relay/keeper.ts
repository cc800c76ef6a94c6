// One keeper for the relays of every backend that runs its agent where the host's loopback is out
// of reach (Docker's isolated network, Kubernetes pods, sprites): per session, one channel — a
// `docker exec -i`, a pod's exec stream, a sprite's exec WebSocket — runs `node relay.mjs` next to
// the agent, and each connection it carries is joined to the session's proxy or the hooks listener
// on this host. A channel that breaks (the network, an API server restart, the daemon's own exec
// ending) is opened again, less often the more it fails, until the backend drops it.
//
// The backends differ only in how a channel is opened and what is worth saying when it fails; that
// is all they give here (RelayKeeperOptions), so the reconnect rules are the same everywhere.
import { ClauderonError } from '../../shared/errors.js';
import type { SessionTargets } from '../spec.js';
import { startRelayLink, type RelayLink } from './link.js';
import { RELAY_PORTS } from './ports.js';

/** A running `node relay.mjs`: its stdout/stdin carry the relay's frames. */
export interface RelayChannel {
  stdout: NodeJS.ReadableStream;
  stdin: NodeJS.WritableStream;
  /** Its exit status once it ended (null when it never started); may reject when the channel broke. */
  exit: Promise<number | null>;
  stderrText(): string;
  close(): void;
}

export interface RelayKeeperOptions<C> {
  targets: SessionTargets | undefined;
  /** The backend id a relay is kept under (what drop() is given). */
  keyOf(ctx: C): string;
  /** Start the relay where the agent runs (argv: the relay's own arguments after `node`). */
  open(ctx: C, relayArgs: readonly string[]): Promise<RelayChannel>;
  /** The relay script's path where the agent runs. */
  script: string;
  /** "pod ns/name", "sprite clauderon-x", "container abc" — for the error when the relay never starts. */
  describe(ctx: C): string;
  /** What to check when the relay did not start ("does the image have node?"). */
  hint: string;
  /** Called each time a relay said HELLO (Docker writes the agent's `ready` mark here). */
  onReady?(ctx: C): void;
  /** Asked before a reopen: false drops the entry (the workload stopped; start/attach ensures it again). */
  stillWanted?(ctx: C): Promise<boolean>;
  /** First retry delay (doubled per failure, capped at 30 s). */
  retryBaseMs?: number;
}

interface Entry<C> {
  key: string;
  sessionId: string;
  ctx: C;
  link: RelayLink | null;
  channel: RelayChannel | null;
  stopped: boolean;
  retry: NodeJS.Timeout | null;
  failures: number;
}

export class RelayKeeper<C> {
  private readonly entries = new Map<string, Entry<C>>();

  constructor(private readonly o: RelayKeeperOptions<C>) {}

  /** The relay at `ctx`, linked to its session's proxy and the hooks port; `wait`: until it listens. */
  async ensure(sessionId: string, ctx: C, wait: boolean): Promise<void> {
    const key = this.o.keyOf(ctx);
    const known = this.entries.get(key);
    if (known?.link && !known.stopped) {
      if (wait) await known.link.ready;
      return;
    }
    if (known) this.drop(key); // a broken one waiting for its retry: this call replaces it
    const e: Entry<C> = { key, sessionId, ctx, link: null, channel: null, stopped: false, retry: null, failures: 0 };
    this.entries.set(key, e);
    await this.open(e, wait);
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  drop(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    e.stopped = true;
    if (e.retry) clearTimeout(e.retry);
    e.link?.close();
    e.channel?.close();
    this.entries.delete(key);
  }

  closeAll(): void {
    for (const key of [...this.entries.keys()]) this.drop(key);
  }

  private async open(e: Entry<C>, wait: boolean): Promise<void> {
    const args = [this.o.script, '--listen', `proxy=127.0.0.1:${RELAY_PORTS.proxy}`, '--listen', `hooks=127.0.0.1:${RELAY_PORTS.hooks}`];
    const channel = await this.o.open(e.ctx, args);
    channel.exit.catch(() => undefined); // a broken channel shows as the link closing
    if (e.stopped) return channel.close();
    const link = startRelayLink({ input: channel.stdout, output: channel.stdin }, (name) => {
      const t = this.o.targets;
      const port = name === 'proxy' ? (t?.proxyPort(e.sessionId) ?? null) : name === 'hooks' ? (t?.hooksPort() ?? null) : null;
      return port === null ? null : { host: '127.0.0.1', port };
    });
    e.channel = channel;
    e.link = link;
    void link.ready.then(
      () => {
        e.failures = 0;
        if (!e.stopped) this.o.onReady?.(e.ctx);
      },
      () => undefined,
    );
    void link.closed.then(() => {
      channel.close();
      if (e.link === link) e.link = null;
      this.retryLater(e);
    });
    if (!wait) return;
    try {
      await link.ready;
    } catch (err) {
      // the channel's stdout ends before its exit status arrives: wait a moment for it, and say that
      const code = await Promise.race([channel.exit.catch(() => undefined), new Promise<undefined>((r) => setTimeout(() => r(undefined), 2000).unref())]);
      const said = channel.stderrText().trim() || (err instanceof Error ? err.message : String(err));
      throw new ClauderonError('backend', `the relay in ${this.o.describe(e.ctx)} did not start${code === undefined ? '' : ` (exit ${code})`}: ${said} — ${this.o.hint}`);
    }
  }

  /** Open it again after a break (or a failed reopen), unless it was dropped or replaced meanwhile. */
  private retryLater(e: Entry<C>): void {
    if (e.stopped || this.entries.get(e.key) !== e || e.retry) return;
    e.failures++;
    const delay = Math.min(30_000, (this.o.retryBaseMs ?? 500) * 2 ** Math.min(7, e.failures));
    e.retry = setTimeout(() => {
      e.retry = null;
      void (async () => {
        if (this.o.stillWanted && !(await this.o.stillWanted(e.ctx))) {
          if (!e.stopped && this.entries.get(e.key) === e) this.drop(e.key);
          return;
        }
        if (e.stopped || this.entries.get(e.key) !== e) return;
        await this.open(e, false);
      })().catch(() => this.retryLater(e));
    }, delay);
    e.retry.unref();
  }
}
