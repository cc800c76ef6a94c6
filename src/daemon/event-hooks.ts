// Event hooks for external integrations: `[[event_hooks]]` in config.toml runs a command (argv, no
// shell, the event as JSON on stdin) or POSTs to a URL (the event as a JSON body) on session events.
// The events are derived from the daemon's own event stream (session.created/updated/deleted) by
// comparing each session's previous status/agentStatus with the new one, so a transition fires
// once. Each hook has a bounded queue of its own, delivered one event at a time in order; a slow
// or failing hook is cut off at its timeout and logged, and never delays the daemon or an agent.
// What a hook receives is no secret: a few session fields, never a token, a password or an env.
import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import type { Config, EventHookEvent } from '../config/config.js';
import { errorMessage } from '../shared/errors.js';
import type { DaemonEvent } from '../shared/events.js';
import type { Logger } from '../shared/logger.js';
import { printable } from '../shared/printable.js';
import type { AgentStatus, Session, SessionStatus } from '../shared/types.js';
import { VERSION } from '../version.js';

export type EventHookConfig = Config['event_hooks'][number];

/** The session as a hook sees it (documented in docs/configuration.md#event-hooks). */
export type HookSession = Pick<Session, 'id' | 'name' | 'repoPath' | 'branchName' | 'backend' | 'agent' | 'status' | 'agentStatus'>;

/** What a hook receives: one line of JSON on a command's stdin, the body of a webhook's POST. */
export interface HookEvent {
  event: EventHookEvent;
  /** When the daemon saw it (ISO 8601). */
  at: string;
  session: HookSession;
}

/** Events waiting for one hook beyond this: the oldest is dropped (and logged). */
export const MAX_PENDING = 100;
/** On daemon stop: how long a delivery under way may still run before it is cut off. */
export const STOP_GRACE_MS = 1000;
/** How much of a failing command's stderr is kept for the log. */
const STDERR_BYTES = 4096;
const STDERR_LINES = 5;
/** After a command exits (or is killed): how long its stderr may stay open before it is let go. */
const EXIT_WAIT_MS = 500;

const WAITING: ReadonlySet<AgentStatus> = new Set(['waiting_input', 'waiting_approval']);

interface Seen {
  status: SessionStatus;
  agentStatus: AgentStatus;
}

/** The events one session's change means, given what it was before (undefined: not known). */
export function eventsFor(before: Seen | undefined, e: DaemonEvent): EventHookEvent[] {
  switch (e.type) {
    case 'session.created':
      return ['created'];
    case 'session.deleted':
      return ['deleted'];
    case 'session.updated': {
      if (before === undefined) return []; // nothing to compare with: no transition can be told
      const s = e.session;
      const out: EventHookEvent[] = [];
      if (s.agentStatus !== before.agentStatus) {
        if (WAITING.has(s.agentStatus)) out.push('agent_waiting');
        else if (s.agentStatus === 'working') out.push('agent_working');
      }
      if (s.status !== before.status) {
        if (s.status === 'completed') out.push('completed');
        else if (s.status === 'failed') out.push('failed');
      }
      return out;
    }
    default:
      return [];
  }
}

/** Tracks each session's last status/agentStatus and turns the daemon's events into hook events. */
export class SessionTransitions {
  private readonly seen = new Map<string, Seen>();

  /** What the sessions are now (the daemon's start): their next change is a transition. */
  seed(sessions: readonly Session[]): void {
    for (const s of sessions) this.seen.set(s.id, { status: s.status, agentStatus: s.agentStatus });
  }

  next(e: DaemonEvent, at = new Date()): HookEvent[] {
    if (e.type !== 'session.created' && e.type !== 'session.updated' && e.type !== 'session.deleted') return [];
    const s = e.session;
    const events = eventsFor(this.seen.get(s.id), e);
    if (e.type === 'session.deleted') this.seen.delete(s.id);
    else this.seen.set(s.id, { status: s.status, agentStatus: s.agentStatus });
    return events.map((event) => ({ event, at: at.toISOString(), session: hookSession(s) }));
  }
}

/** Only these fields, picked one by one: nothing else of a session (or of the daemon) reaches a hook. */
export function hookSession(s: Session): HookSession {
  return { id: s.id, name: s.name, repoPath: s.repoPath, branchName: s.branchName, backend: s.backend, agent: s.agent, status: s.status, agentStatus: s.agentStatus };
}

/**
 * How a hook is named in the log and in `config show`: its command's executable, or its URL's
 * origin — a webhook's path and query often hold its secret (Slack, Discord), so they never show.
 */
export function hookLabel(h: EventHookConfig): string {
  if (h.command) return h.command[0] ?? '(command)';
  return redactHookUrl(h.url ?? '');
}

/** A webhook URL with its path, query and user info hidden: `https://hooks.example.com/…`. */
export function redactHookUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}/…`;
  } catch {
    return '(url)';
  }
}

export interface EventHooksOptions {
  hooks: readonly EventHookConfig[];
  log: Logger;
  /** The environment commands run with (the daemon's, without credentials). */
  env: Record<string, string>;
}

/** Every configured hook, fed from the daemon's broadcast. */
export class EventHooks {
  private readonly transitions = new SessionTransitions();
  private queues: HookQueue[] = [];
  /** Queues of hooks no longer listed, until they have delivered what they had. */
  private readonly retired = new Set<HookQueue>();
  private closed = false;

  constructor(private readonly opts: EventHooksOptions) {
    this.configure(opts.hooks);
  }

  seed(sessions: readonly Session[]): void {
    this.transitions.seed(sessions);
  }

  /**
   * The hooks config.toml lists now (read again after it changes). A hook that is still listed,
   * the same, keeps its queue; one no longer listed gets no new events (what it has goes on).
   */
  configure(hooks: readonly EventHookConfig[]): void {
    if (this.closed) return;
    const old = new Map(this.queues.map((q) => [q.key, q]));
    this.queues = hooks.map((h, i) => {
      const key = JSON.stringify(h);
      const kept = old.get(key);
      old.delete(key);
      kept?.at(i);
      return kept ?? new HookQueue(h, i, key, this.opts);
    });
    for (const q of this.retired) if (q.idle()) this.retired.delete(q);
    for (const q of old.values()) {
      q.retire();
      this.retired.add(q);
    }
  }

  /** One event of the daemon's stream: never throws, never waits (deliveries start later). */
  handle(e: DaemonEvent): void {
    if (this.closed) return;
    try {
      const events = this.transitions.next(e);
      if (events.length === 0 || this.queues.length === 0) return;
      for (const ev of events) {
        const body = JSON.stringify(ev);
        for (const q of this.queues) if (q.wants(ev.event)) q.push(ev, body);
      }
    } catch (err) {
      this.opts.log.warn('event hooks: event not handled', { error: errorMessage(err) });
    }
  }

  /** The daemon stops: pending events are dropped, a delivery under way gets STOP_GRACE_MS. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.queues, ...this.retired].map((q) => q.close()));
  }
}

class HookQueue {
  private readonly pending: { ev: HookEvent; body: string }[] = [];
  /** The delivery under way, or null. */
  private current: Promise<void> | null = null;
  private scheduled = false;
  private closed = false;
  private retired = false;
  /** Aborts the delivery under way (daemon stop). */
  private readonly abort = new AbortController();
  /** How the log names it: `event_hooks[N] EXECUTABLE-OR-ORIGIN`. */
  private label = '';
  private readonly events: ReadonlySet<EventHookEvent> | null;

  constructor(
    private readonly hook: EventHookConfig,
    index: number,
    readonly key: string,
    private readonly opts: EventHooksOptions,
  ) {
    this.at(index);
    this.events = hook.events ? new Set(hook.events) : null;
  }

  /** Its place in config.toml's list (how the log names it) changed. */
  at(index: number): void {
    this.label = `event_hooks[${index}] ${hookLabel(this.hook)}`;
  }

  wants(event: EventHookEvent): boolean {
    return this.events === null || this.events.has(event);
  }

  push(ev: HookEvent, body: string): void {
    if (this.closed || this.retired) return;
    if (this.pending.length >= MAX_PENDING) {
      const dropped = this.pending.shift();
      this.opts.log.warn('event hook behind: dropped its oldest pending event', { hook: this.label, event: dropped?.ev.event, session: dropped?.ev.session.name, pending: MAX_PENDING });
    }
    this.pending.push({ ev, body });
    this.schedule();
  }

  /** Start the next delivery on a later tick: the emitter never waits for a spawn or a connect. */
  private schedule(): void {
    if (this.scheduled || this.current || this.closed) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.next();
    });
  }

  private next(): void {
    if (this.current || this.closed) return;
    const item = this.pending.shift();
    if (!item) return;
    this.current = this.deliver(item.ev, item.body)
      .catch((e: unknown) => this.opts.log.warn('event hook failed', { hook: this.label, event: item.ev.event, error: errorMessage(e) }))
      .finally(() => {
        this.current = null;
        this.next();
      });
  }

  private deliver(ev: HookEvent, body: string): Promise<void> {
    return this.hook.command ? this.runCommand(this.hook.command, ev, body) : this.post(this.hook.url ?? '', ev, body);
  }

  private runCommand(argv: readonly string[], ev: HookEvent, body: string): Promise<void> {
    const [file = '', ...args] = argv;
    const { log } = this.opts;
    const where = { hook: this.label, event: ev.event, session: ev.session.name };
    return new Promise<void>((resolve) => {
      // its own process group (detached), so a timeout kills whatever it started too
      const child = spawn(file, args, { stdio: ['pipe', 'ignore', 'pipe'], detached: true, env: this.opts.env });
      let stderr = '';
      let cutOff = false;
      let settled = false;
      let linger: NodeJS.Timeout | undefined;
      const killGroup = () => {
        cutOff = true;
        try {
          if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
        // whatever still holds its stderr (a child that left the group) does not hold the queue
        linger ??= setTimeout(done, EXIT_WAIT_MS);
      };
      const done = () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        clearTimeout(linger);
        this.abort.signal.removeEventListener('abort', killGroup);
        child.stderr.destroy();
        resolve();
      };
      const timer = setTimeout(() => {
        log.warn('event hook timed out: killed', { ...where, timeoutMs: this.hook.timeout_ms });
        killGroup();
      }, this.hook.timeout_ms);
      this.abort.signal.addEventListener('abort', killGroup);
      child.on('error', (e) => {
        log.warn('event hook command could not run', { ...where, error: errorMessage(e) });
        done();
      });
      collect(child.stderr, (s) => (stderr = s));
      const report = (code: number | null, signal: NodeJS.Signals | null) => {
        if (settled) return; // (after 'error', which said it all)
        if (!cutOff && code !== 0) log.warn('event hook command failed', { ...where, ...(code !== null ? { code } : { signal }), stderr: firstLines(stderr) });
        done();
      };
      // 'close' once its stderr is drained too; bounded after its exit (a grandchild may keep it open)
      child.on('close', report);
      child.on('exit', (code, signal) => {
        linger ??= setTimeout(() => report(code, signal), EXIT_WAIT_MS);
      });
      // a command that does not read its stdin (EPIPE) is no failure of ours
      child.stdin.on('error', () => undefined);
      child.stdin.end(`${body}\n`);
    });
  }

  private async post(url: string, ev: HookEvent, body: string): Promise<void> {
    const where = { hook: this.label, event: ev.event, session: ev.session.name };
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': `clauderon/${VERSION}` },
        body,
        redirect: 'manual', // a POST is not re-sent elsewhere
        signal: AbortSignal.any([AbortSignal.timeout(this.hook.timeout_ms), this.abort.signal]),
      });
      await res.body?.cancel().catch(() => undefined);
      if (res.status < 200 || res.status > 299) this.opts.log.warn('event hook webhook answered an error', { ...where, status: res.status });
    } catch (e) {
      if (this.abort.signal.aborted) return;
      const timedOut = e instanceof Error && e.name === 'TimeoutError';
      if (timedOut) this.opts.log.warn('event hook timed out: request aborted', { ...where, timeoutMs: this.hook.timeout_ms });
      else this.opts.log.warn('event hook webhook failed', { ...where, error: errorMessage(e) });
    }
  }

  /** No longer in config.toml: takes no new events; what is pending is still delivered. */
  retire(): void {
    this.retired = true;
  }

  idle(): boolean {
    return this.current === null && this.pending.length === 0;
  }

  async close(): Promise<void> {
    this.closed = true;
    const abandoned = this.pending.splice(0).length;
    if (abandoned > 0) this.opts.log.warn('daemon stopping: pending event hook deliveries abandoned', { hook: this.label, abandoned });
    const current = this.current;
    if (!current) return;
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((r) => (timer = setTimeout(r, STOP_GRACE_MS)));
    await Promise.race([current, grace]);
    clearTimeout(timer);
    this.abort.abort();
    // cut off: the kill or the abort ends it at once
    await Promise.race([current, new Promise<void>((r) => setTimeout(r, 200).unref())]);
  }
}

/** Keep the first STDERR_BYTES of a stream (the rest is read and dropped). */
function collect(stream: Readable, onText: (s: string) => void): void {
  let buf = Buffer.alloc(0);
  stream.on('data', (d: Buffer) => {
    if (buf.length >= STDERR_BYTES) return;
    buf = Buffer.concat([buf, d]).subarray(0, STDERR_BYTES);
    onText(buf.toString('utf8'));
  });
  stream.on('error', () => undefined);
}

/** The first lines of a command's stderr for the log (bounded, printable). */
function firstLines(s: string): string[] {
  return s
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '')
    .slice(0, STDERR_LINES)
    .map((l) => printable(l.length > 200 ? `${l.slice(0, 200)}…` : l));
}
