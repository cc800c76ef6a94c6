// A container agent's screen. A full-screen agent (Claude Code, Codex, Gemini CLI) draws with
// cursor movements, not lines: its log is a stream of escape sequences in which the words of one
// line are apart ("Opus\e[10G4.8"), so the log's tail is no screen to read a status or an answer
// from. Each running container's terminal is mirrored in a headless terminal (@xterm/headless, the
// emulator the web UI's console uses) of the size the container's TTY is given: fed from an
// attach stream that first replays the log (docker attach with logs) and then follows it live.
// `output` reads the mirror's last lines as text. One mirror per container, made on the first read,
// dropped when the container goes away or starts again (a new stream).
import type Dockerode from 'dockerode';
import xterm from '@xterm/headless';
import { screenText, settled } from '../screen-text.js';

const { Terminal } = xterm;

/** The TTY size containers are given (as the tmux backend's default window). */
export const SCREEN = { cols: 200, rows: 50 } as const;

/** The first read waits for the replayed log until it is quiet this long, or at most REPLAY_WAIT_MS. */
const REPLAY_QUIET_MS = 80;
const REPLAY_WAIT_MS = 1500;

/** Scrollback kept per mirror (lines above the screen). */
const SCROLLBACK = 2000;

interface Mirror {
  term: InstanceType<typeof Terminal>;
  stream: NodeJS.ReadableStream | null;
  ready: Promise<void>;
}

export class ContainerScreens {
  private readonly mirrors = new Map<string, Mirror>();

  constructor(private readonly docker: () => Promise<Dockerode>) {}

  /** The last `lines` lines of the container's screen (scrollback included), trailing blanks trimmed. */
  async text(id: string, lines: number): Promise<string> {
    const m = this.mirrors.get(id) ?? this.open(id);
    await m.ready;
    return screenText(m.term, lines);
  }

  /** Forget a container's mirror (it was removed, or starts again with a new stream). */
  drop(id: string): void {
    const m = this.mirrors.get(id);
    if (!m) return;
    this.mirrors.delete(id);
    const stream = m.stream as { destroy?: () => void } | null;
    stream?.destroy?.();
    m.term.dispose();
  }

  closeAll(): void {
    for (const id of [...this.mirrors.keys()]) this.drop(id);
  }

  private open(id: string): Mirror {
    const term = new Terminal({ cols: SCREEN.cols, rows: SCREEN.rows, scrollback: SCROLLBACK, allowProposedApi: true });
    const m: Mirror = { term, stream: null, ready: Promise.resolve() };
    m.ready = (async () => {
      const docker = await this.docker();
      const stream = (await docker.getContainer(id).attach({ stream: true, stdout: true, stderr: true, logs: true })) as NodeJS.ReadableStream;
      m.stream = stream;
      // a mirror never keeps the daemon alive after it stopped (its backends are not closed then)
      const sock = stream as unknown as { unref?: () => void; socket?: { unref?: () => void } };
      (sock.unref ? sock : sock.socket)?.unref?.();
      let last = Date.now();
      stream.on('data', (d: Buffer) => {
        last = Date.now();
        term.write(d);
      });
      stream.on('error', () => this.drop(id));
      // the container stopped: its last screen stays until it starts again or goes away
      stream.on('end', () => (m.stream = null));
      // the log's replay arrives first: wait for it to settle (at most a moment) before the first read
      await settled(() => last, REPLAY_QUIET_MS, REPLAY_WAIT_MS);
    })().catch((e: unknown) => {
      this.drop(id);
      throw e;
    });
    this.mirrors.set(id, m);
    return m;
  }
}
