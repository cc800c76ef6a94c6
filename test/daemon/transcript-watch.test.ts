// The live chat's watcher (src/daemon/transcript-watch.ts) on its own: a plain HTTP server, a stub
// session manager whose transcriptLocation is the real one (core/transcripts.ts) over a temporary
// directory. The lines so far come first, then each appended line as it is written (a half-written
// line waits for its end), a rewritten file or one named anew by the hooks is sent whole again; the
// confinement of sessions.history holds (a FIFO or a link out is never read); an unknown session is
// refused (4404); the watch ends with the last client.
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { locateTranscript } from '../../src/core/transcripts.js';
import { HistoryServer } from '../../src/daemon/transcript-watch.js';
import { ClauderonError } from '../../src/shared/errors.js';
import type { DaemonEvent } from '../../src/shared/events.js';
import type { Session } from '../../src/shared/types.js';
import { waitFor } from '../helpers/wait.js';

const ID = '0b5f2c1e-1111-4222-8333-444455556666';

interface Fixture {
  port: number;
  root: string;
  projects: string;
  history: HistoryServer;
  listeners: Set<(e: DaemonEvent) => void>;
  setHinted(p: string | null): void;
  close(): Promise<void>;
}

let fx: Fixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

async function start(): Promise<Fixture> {
  const root = mkdtempSync(join(tmpdir(), 'clrn-hw-'));
  const projects = join(root, 'projects');
  mkdirSync(projects);
  let hinted: string | null = null;
  const listeners = new Set<(e: DaemonEvent) => void>();
  const log = { info: () => undefined, warn: () => undefined, error: () => undefined };
  const manager = {
    get: (n: string) => {
      if (n !== 'cc' && n !== ID) throw new ClauderonError('not_found', `no session ${n}`);
      return { id: ID, name: 'cc' } as Session;
    },
    transcriptLocation: async () => ({ ...(await locateTranscript({ sessionId: ID, worktreePath: join(root, 'wt'), hinted, workspace: null, roots: [{ dir: projects }] })), shape: (lines: readonly unknown[]) => [...lines] }),
  };
  const history = new HistoryServer({ manager, log, subscribe: (cb) => (listeners.add(cb), () => listeners.delete(cb)), limits: { debounceMs: 10 } });
  const server: Server = createServer((_req, res) => res.writeHead(404).end());
  server.on('upgrade', (req, socket, head) => {
    const name = HistoryServer.nameOf((req.url ?? '').split('/').slice(1));
    if (name === null) return socket.destroy();
    history.upgrade(req, socket, head, name);
  });
  const port = await new Promise<number>((r) => server.listen(0, '127.0.0.1', () => r((server.address() as { port: number }).port)));
  return {
    port,
    root,
    projects,
    history,
    listeners,
    setHinted: (p) => (hinted = p),
    close: async () => {
      await history.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      rmSync(root, { recursive: true, force: true });
    },
  };
}

interface Frame {
  type: string;
  lines?: unknown[];
  omittedBytes?: number;
  message?: string;
}

function client(port: number, name = 'cc') {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws/history/${name}`);
  const frames: Frame[] = [];
  ws.on('message', (m: Buffer) => frames.push(JSON.parse(m.toString()) as Frame));
  const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)));
  /** The frames of `type` after the first `skip`, once there are `n`. */
  const got = (n: number) => waitFor(() => (frames.length >= n ? frames : null), `${n} frames (have ${JSON.stringify(frames)})`, 10_000); // (fs.watch under a loaded CI machine can take seconds)
  return { ws, frames, closed, got };
}

const line = (v: unknown) => `${JSON.stringify(v)}\n`;
const msg = (text: string) => ({ type: 'assistant', message: { content: [{ type: 'text', text }] } });

describe('the transcript watcher (/ws/history/:name)', () => {
  it('sends the lines so far, then each appended line; a half-written line waits; a rewrite is sent whole', async () => {
    fx = await start();
    const dir = join(fx.projects, 'proj');
    mkdirSync(dir);
    const file = join(dir, `${ID}.jsonl`);
    writeFileSync(file, line(msg('one')) + line(msg('two')));
    const c = client(fx.port);
    const [first] = await c.got(1);
    expect(first).toEqual({ type: 'history', lines: [msg('one'), msg('two')], omittedBytes: 0 });
    appendFileSync(file, line(msg('three')));
    expect((await c.got(2))[1]).toEqual({ type: 'append', lines: [msg('three')] });
    // half a line: nothing yet; its end: the line
    appendFileSync(file, '{"type":"assistant","mess');
    await new Promise((r) => setTimeout(r, 150));
    expect(c.frames).toHaveLength(2);
    appendFileSync(file, `age":{"content":"four"}}\nnot json\n`);
    expect((await c.got(3))[2]).toEqual({ type: 'append', lines: [{ type: 'assistant', message: { content: 'four' } }, { unparsed: 'not json' }] });
    // rewritten shorter: everything again
    writeFileSync(file, line(msg('fresh')));
    expect((await c.got(4))[3]).toEqual({ type: 'history', lines: [msg('fresh')], omittedBytes: 0 });
    expect(fx.history.open).toBe(1);
    c.ws.close();
    await c.closed;
    await waitFor(() => fx?.history.open === 0 && fx.listeners.size === 0, 'the watch to end with its client', 10_000);
  });

  it('waits for a transcript that does not exist yet, and follows the file the hooks name', async () => {
    fx = await start();
    const c = client(fx.port, ID);
    expect((await c.got(1))[0]).toEqual({ type: 'history', lines: [], omittedBytes: 0 });
    // the agent starts: its project directory, then its transcript
    const dir = join(fx.projects, 'later');
    mkdirSync(dir);
    await new Promise((r) => setTimeout(r, 50));
    writeFileSync(join(dir, `${ID}.jsonl`), line(msg('hello')));
    await waitFor(() => c.frames.some((f) => JSON.stringify(f.lines).includes('hello')), 'the new transcript', 10_000);
    // its hooks name another transcript (a new conversation): that one, whole
    const other = join(dir, 'other.jsonl');
    writeFileSync(other, line(msg('other conversation')));
    fx.setHinted(other);
    for (const l of fx.listeners) l({ type: 'session.updated', session: { id: ID } as Session });
    await waitFor(() => c.frames.at(-1)?.type === 'history' && JSON.stringify(c.frames.at(-1)).includes('other conversation'), 'the hinted transcript', 10_000);
    appendFileSync(other, line(msg('more')));
    await waitFor(() => c.frames.at(-1)?.type === 'append', 'its appended line', 10_000);
    // deleted: said, then closed
    for (const l of fx.listeners) l({ type: 'session.deleted', session: { id: ID } as Session });
    expect(await c.closed).toBe(4404);
  });

  it('never reads a FIFO or a file outside the transcript directories', async () => {
    fx = await start();
    const dir = join(fx.projects, 'p');
    mkdirSync(dir);
    const fifo = join(dir, 'fifo.jsonl');
    execFileSync('mkfifo', [fifo]);
    const outside = join(fx.root, 'secret.jsonl');
    writeFileSync(outside, line({ type: 'user', message: { content: 'SECRET-OUTSIDE' } }));
    symlinkSync(outside, join(dir, `${ID}.jsonl`));
    fx.setHinted(fifo);
    const c = client(fx.port);
    // (a blocking open of the FIFO would hang here)
    expect((await c.got(1))[0]).toEqual({ type: 'history', lines: [], omittedBytes: 0 });
    appendFileSync(outside, line(msg('more secret')));
    await new Promise((r) => setTimeout(r, 150));
    expect(JSON.stringify(c.frames)).not.toContain('SECRET');
    expect(c.frames).toHaveLength(1);
  });

  it('refuses an unknown session with an error frame and 4404', async () => {
    fx = await start();
    const c = client(fx.port, 'nope');
    expect(await c.closed).toBe(4404);
    expect(c.frames).toEqual([{ type: 'error', message: 'no session nope' }]);
    expect(fx.history.open).toBe(0);
  });
});
