// sessions.watchScreen: the screens of the sessions some socket connection is watching (the TUI's
// preview pane), pushed to those connections when they change. One timer for all watches, running
// only while there is a watch; each tick reads each watched session's screen once, however many
// connections watch it, and skips a tick while the last one's reads are still running — so a slow
// backend slows the preview, never piles reads up. Nothing is read for a session nobody watches.
import { errorMessage } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';

export interface ScreenWatch {
  /** The session's id (what is read). */
  id: string;
  /** The name the client asked with (echoed in each push, so it can tell its watch's pushes apart). */
  name: string;
  lines: number;
}

/** What a watch is told: a new screen, or why it cannot be read. */
export type ScreenPush = { screen: { name: string; screen: string } } | { screen: { name: string; error: string } };

interface Watcher extends ScreenWatch {
  send: (msg: ScreenPush) => void;
  /** What was last sent (a screen, or `\0error` for an error), to send changes only. */
  last: string | null;
}

export const SCREEN_INTERVAL_MS = 250;

export class ScreenWatcher {
  private readonly watchers = new Map<object, Watcher>();
  private timer: NodeJS.Timeout | null = null;
  private busy = false;
  /** Screens read (for tests and the bench: what watching costs). */
  reads = 0;

  constructor(
    /** The session's screen, its last `lines` lines. */
    private readonly read: (id: string, lines: number) => Promise<string>,
    private readonly log: Logger,
    private readonly intervalMs = SCREEN_INTERVAL_MS,
  ) {}

  /** Watch `w` for the connection `key` (replacing what it watched); its first push comes at once. */
  watch(key: object, w: ScreenWatch, send: (msg: ScreenPush) => void): void {
    this.watchers.set(key, { ...w, send, last: null });
    if (!this.timer) {
      this.timer = setInterval(() => void this.tick(), this.intervalMs);
      this.timer.unref();
    }
    setImmediate(() => void this.tick()); // after the answer to the request is out
  }

  unwatch(key: object): void {
    this.watchers.delete(key);
    if (this.watchers.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  get size(): number {
    return this.watchers.size;
  }

  stop(): void {
    this.watchers.clear();
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private async tick(): Promise<void> {
    if (this.busy || this.watchers.size === 0) return;
    this.busy = true;
    try {
      // One read per (session, lines) pair, shared by its watchers.
      const reads = new Map<string, Promise<{ ok: true; screen: string } | { ok: false; error: string }>>();
      for (const w of this.watchers.values()) {
        const k = `${w.id}\n${w.lines}`;
        if (reads.has(k)) continue;
        this.reads++;
        reads.set(
          k,
          this.read(w.id, w.lines).then(
            (screen) => ({ ok: true as const, screen }),
            (e: unknown) => ({ ok: false as const, error: errorMessage(e) }),
          ),
        );
      }
      const results = new Map<string, Awaited<ReturnType<typeof reads.get> & object>>();
      for (const [k, p] of reads) results.set(k, await p);
      for (const w of this.watchers.values()) {
        const r = results.get(`${w.id}\n${w.lines}`);
        if (!r) continue; // watched while the reads ran: the next tick has it
        const value = r.ok ? r.screen : `\0${r.error}`;
        if (value === w.last) continue;
        w.last = value;
        w.send(r.ok ? { screen: { name: w.name, screen: r.screen } } : { screen: { name: w.name, error: r.error } });
      }
    } catch (e) {
      this.log.warn('screen watch failed', { error: errorMessage(e) });
    } finally {
      this.busy = false;
    }
  }
}
