// Each pod agent's screen, mirrored: its container log (replayed from the start, then followed)
// written into a headless terminal of the size its TTY is given, which `output` reads as text (a
// full-screen agent's log is escape sequences, not lines). One mirror per pod, made on the first read.
import { PassThrough } from 'node:stream';
import xterm from '@xterm/headless';
import { ClauderonError } from '../../shared/errors.js';
import { screenText, settled } from '../screen-text.js';
import { apiError, statusCode, type Apis, type Ref } from './client.js';
import { POD } from './objects.js';

const { Terminal } = xterm;

/** The TTY size pods' agents are given (as Docker's containers). */
export const SCREEN = { cols: 200, rows: 50 } as const;

interface Mirror {
  term: InstanceType<typeof Terminal>;
  stop: () => void;
  ready: Promise<void>;
}

export class PodScreens {
  private readonly mirrors = new Map<string, Mirror>();

  constructor(private readonly apis: Apis) {}

  async text(id: string, ref: Ref, lines: number): Promise<string> {
    const m = this.mirrors.get(id) ?? this.open(id, ref);
    await m.ready;
    return screenText(m.term, lines);
  }

  drop(id: string): void {
    const m = this.mirrors.get(id);
    if (!m) return;
    this.mirrors.delete(id);
    m.stop();
    m.term.dispose();
  }

  closeAll(): void {
    for (const id of [...this.mirrors.keys()]) this.drop(id);
  }

  private open(id: string, ref: Ref): Mirror {
    const term = new Terminal({ cols: SCREEN.cols, rows: SCREEN.rows, scrollback: 2000, allowProposedApi: true });
    const m: Mirror = { term, stop: () => undefined, ready: Promise.resolve() };
    m.ready = (async () => {
      const { kc, k8s } = await this.apis.get(ref.context);
      const sink = new PassThrough();
      let last = Date.now();
      sink.on('data', (d: Buffer) => {
        last = Date.now();
        term.write(d);
      });
      const ctl = await new k8s.Log(kc).log(ref.namespace, ref.pod, POD.container, sink, { follow: true });
      m.stop = () => ctl.abort();
      await settled(() => last);
    })().catch((e: unknown) => {
      this.drop(id);
      throw statusCode(e) === 404 ? new ClauderonError('backend', `pod ${ref.pod} is gone — reconcile`) : apiError(`logs of ${ref.pod}`, e);
    });
    this.mirrors.set(id, m);
    return m;
  }
}
