// The relay of each running sprite, linked: one exec stream per sprite runs `node relay.mjs` there
// (src/backends/relay), and each connection it carries is joined to the session's proxy or the hooks
// listener on this host — the Kubernetes backend's links.ts over the Sprites exec API. A stream that
// breaks is opened again, less often the more it fails, until the session goes. The relay's exec is
// opened with max_run_after_disconnect=1s (the non-TTY default is 10 s), so a relay whose stream broke
// frees its fixed ports before the next one starts.
import { ClauderonError } from '../../shared/errors.js';
import { RELAY_PORTS } from '../relay/ports.js';
import { startRelayLink, type RelayLink } from '../relay/link.js';
import type { SessionTargets } from '../spec.js';
import type { SpriteExec, SpritesClient } from './client.js';
import { SPRITE } from './transfer.js';

interface Entry {
  sessionId: string;
  sprite: string;
  link: RelayLink | null;
  exec: SpriteExec | null;
  stopped: boolean;
  retry: NodeJS.Timeout | null;
  failures: number;
}

export class SpriteLinks {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly client: () => SpritesClient,
    private readonly targets: SessionTargets | undefined,
  ) {}

  async ensure(sessionId: string, sprite: string, wait: boolean): Promise<void> {
    const known = this.entries.get(sprite);
    if (known?.link && !known.stopped) {
      if (wait) await known.link.ready;
      return;
    }
    const e: Entry = { sessionId, sprite, link: null, exec: null, stopped: false, retry: null, failures: 0 };
    this.entries.set(sprite, e);
    await this.open(e, wait);
  }

  drop(sprite: string): void {
    const e = this.entries.get(sprite);
    if (!e) return;
    e.stopped = true;
    if (e.retry) clearTimeout(e.retry);
    e.link?.close();
    e.exec?.close();
    this.entries.delete(sprite);
  }

  closeAll(): void {
    for (const s of [...this.entries.keys()]) this.drop(s);
  }

  private async open(e: Entry, wait: boolean): Promise<void> {
    const exec = await this.client().exec(e.sprite, ['node', SPRITE.relay, '--listen', `proxy=127.0.0.1:${RELAY_PORTS.proxy}`, '--listen', `hooks=127.0.0.1:${RELAY_PORTS.hooks}`], { stdin: true, maxRunAfterDisconnect: '1s' });
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
        throw new ClauderonError('backend', `the relay in sprite ${e.sprite} did not start (exit ${code}): ${exec.stderrText().trim() || 'no message'} — does the sprite have node?`);
      }),
    ]);
    e.failures = 0;
  }

  private retryLater(e: Entry): void {
    if (e.stopped || this.entries.get(e.sprite) !== e || e.retry) return;
    e.failures++;
    const delay = Math.min(30_000, 500 * 2 ** Math.min(6, e.failures));
    e.retry = setTimeout(() => {
      e.retry = null;
      this.open(e, false).catch(() => this.retryLater(e));
    }, delay);
    e.retry.unref();
  }
}
