// The relay of each running pod, linked: one exec stream per pod runs `node relay.mjs` in its
// `clauderon` container (src/backends/relay), and each connection it carries is joined to the
// session's proxy or the hooks listener on this host. A stream that breaks (network, an API server
// restart) is opened again, less often the more it fails, until the pod goes.
import { ClauderonError } from '../../shared/errors.js';
import { startRelayLink, type RelayLink } from '../relay/link.js';
import type { SessionTargets } from '../spec.js';
import type { Apis, Ref } from './client.js';
import { execStream, type ExecStream } from './exec.js';
import { formatId, POD } from './objects.js';
import { KEEPER } from './transfer.js';

interface Entry {
  sessionId: string;
  ref: Ref;
  link: RelayLink | null;
  exec: ExecStream | null;
  stopped: boolean;
  retry: NodeJS.Timeout | null;
  failures: number;
}

export class RelayLinks {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly apis: Apis,
    private readonly targets: SessionTargets | undefined,
  ) {}

  /** The relay in `ref`'s pod, linked to its session's proxy and the hooks port; `wait`: until it listens. */
  async ensure(sessionId: string, ref: Ref, wait: boolean): Promise<void> {
    const key = formatId(ref);
    const known = this.entries.get(key);
    if (known?.link && !known.stopped) {
      if (wait) await known.link.ready;
      return;
    }
    const e: Entry = { sessionId, ref, link: null, exec: null, stopped: false, retry: null, failures: 0 };
    this.entries.set(key, e);
    await this.open(e, wait);
  }

  drop(id: string): void {
    const e = this.entries.get(id);
    if (!e) return;
    e.stopped = true;
    if (e.retry) clearTimeout(e.retry);
    e.link?.close();
    e.exec?.close();
    this.entries.delete(id);
  }

  closeAll(): void {
    for (const id of [...this.entries.keys()]) this.drop(id);
  }

  private async open(e: Entry, wait: boolean): Promise<void> {
    const { kc } = await this.apis.get(e.ref.context);
    const exec = await execStream(kc, { ...e.ref, container: KEEPER }, ['node', POD.relay, '--listen', `proxy=127.0.0.1:${POD.proxyPort}`, '--listen', `hooks=127.0.0.1:${POD.hooksPort}`], { stdin: true });
    if (e.stopped) return exec.close();
    const link = startRelayLink({ input: exec.stdout, output: exec.stdin }, (name) => {
      const port = name === 'proxy' ? (this.targets?.proxyPort(e.sessionId) ?? null) : name === 'hooks' ? (this.targets?.hooksPort() ?? null) : null;
      return port === null ? null : { host: '127.0.0.1', port };
    });
    e.exec = exec;
    e.link = link;
    void link.closed.then(() => {
      exec.close();
      e.link = null;
      this.retryLater(e);
    });
    if (!wait) {
      void link.ready.then(() => (e.failures = 0)).catch(() => undefined);
      return;
    }
    await Promise.race([
      link.ready,
      exec.exit.then((code) => {
        throw new ClauderonError('backend', `the relay in pod ${e.ref.pod} did not start (exit ${code}): ${exec.stderrText().trim() || 'no message'} — does the image have node?`);
      }),
    ]);
    e.failures = 0;
  }

  /** Open it again after a break (or a failed reopen), unless it was dropped meanwhile. */
  private retryLater(e: Entry): void {
    if (e.stopped || this.entries.get(formatId(e.ref)) !== e || e.retry) return;
    e.failures++;
    const delay = Math.min(30_000, 500 * 2 ** Math.min(6, e.failures));
    e.retry = setTimeout(() => {
      e.retry = null;
      this.open(e, false).catch(() => this.retryLater(e));
    }, delay);
    e.retry.unref();
  }
}
