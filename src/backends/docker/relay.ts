// The isolated network (`[docker] network = "isolated"`): the container runs with Docker's `none`
// network — a loopback interface and nothing else, no route anywhere, not to the host, not to the
// internet — so the only way out is the session's proxy, reached through clauderon's relay
// (src/backends/relay, the one the Kubernetes backend runs in its pods): `node relay.mjs` in the
// container, started with `docker exec -i`, listens on the container's loopback (the agent's
// HTTPS_PROXY and hooks URL) and carries each connection over the exec's stdin/stdout to this
// daemon, which joins it to the session's proxy or the hooks listener on the host's loopback.
//
// The agent waits for the relay: its command is wrapped in a small sh loop that starts it once the
// daemon has written `ready` into the session's relay directory (mounted read-only), which it does
// on the relay's HELLO. A relay that ends (the daemon restarts, the exec breaks) is started again
// while the container runs, less often the more it fails.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ClauderonError } from '../../shared/errors.js';
import { startRelayLink, type RelayLink } from '../relay/link.js';
import { RELAY_PORTS } from '../relay/ports.js';
import { relayScriptSource } from '../relay/script.js';
import type { SessionTargets } from '../spec.js';

/** Inside an isolated container: the relay directory (the script and the `ready` mark), read-only. */
export const RELAY_DIR = '/var/lib/clauderon/relay';

/** The agent's command, started once the relay listens (the daemon writes RELAY_DIR/ready). */
export function waitForRelay(argv: readonly string[]): string[] {
  const script = [
    'i=0',
    `while [ ! -f ${RELAY_DIR}/ready ]; do`,
    '  i=$((i + 1))',
    '  if [ "$i" -gt 1200 ]; then echo "clauderon: the relay to the proxy did not start within 2 minutes (is node on PATH in the image?)" >&2; exit 97; fi',
    '  sleep 0.1',
    'done',
    'exec "$@"',
  ].join('\n');
  return ['/bin/sh', '-c', script, 'clauderon-wait', ...argv];
}

/** The host directory mounted at RELAY_DIR, with the relay script written into it. */
export function prepareRelayDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  writeFileSync(join(dir, 'relay.mjs'), relayScriptSource(), { mode: 0o644 });
  rmSync(join(dir, 'ready'), { force: true }); // the agent waits for this run's relay, not the last one's
}

interface Entry {
  sessionId: string;
  container: string;
  dir: string;
  child: ChildProcess | null;
  link: RelayLink | null;
  stopped: boolean;
  retry: NodeJS.Timeout | null;
  failures: number;
}

export interface DockerRelayDeps {
  /** The docker CLI and the arguments that name the engine (`-H unix://…`). */
  docker: readonly string[];
  targets: SessionTargets | undefined;
  /** Whether the container still runs (a relay is only restarted in a running container). */
  running(container: string): Promise<boolean>;
}

export class DockerRelays {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly d: DockerRelayDeps) {}

  /** The relay in `container`, linked to its session's proxy and the hooks port; `wait`: until it listens. */
  async ensure(sessionId: string, container: string, dir: string, wait: boolean): Promise<void> {
    const known = this.entries.get(container);
    if (known?.link && !known.stopped) {
      if (wait) await known.link.ready;
      return;
    }
    if (known) this.drop(container);
    const e: Entry = { sessionId, container, dir, child: null, link: null, stopped: false, retry: null, failures: 0 };
    this.entries.set(container, e);
    await this.open(e, wait);
  }

  drop(container: string): void {
    const e = this.entries.get(container);
    if (!e) return;
    e.stopped = true;
    if (e.retry) clearTimeout(e.retry);
    e.link?.close();
    e.child?.kill();
    this.entries.delete(container);
  }

  closeAll(): void {
    for (const id of [...this.entries.keys()]) this.drop(id);
  }

  private async open(e: Entry, wait: boolean): Promise<void> {
    const [bin = 'docker', ...engine] = this.d.docker;
    const child = spawn(bin, [...engine, 'exec', '-i', e.container, 'node', `${RELAY_DIR}/relay.mjs`, '--listen', `proxy=127.0.0.1:${RELAY_PORTS.proxy}`, '--listen', `hooks=127.0.0.1:${RELAY_PORTS.hooks}`], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-2000)));
    const exited = new Promise<number | null>((r) => {
      child.once('exit', (code) => r(code));
      child.once('error', (err) => {
        stderr += err.message;
        r(null);
      });
    });
    child.stdin.on('error', () => undefined);
    // the relay never keeps the daemon alive: when the daemon exits, the pipes close, the docker CLI
    // ends the exec's stdin and the relay in the container exits (the next daemon starts another)
    child.unref();
    for (const io of [child.stdin, child.stdout, child.stderr]) (io as unknown as { unref?: () => void }).unref?.();
    const link = startRelayLink({ input: child.stdout, output: child.stdin }, (name) => {
      const port = name === 'proxy' ? (this.d.targets?.proxyPort(e.sessionId) ?? null) : name === 'hooks' ? (this.d.targets?.hooksPort() ?? null) : null;
      return port === null ? null : { host: '127.0.0.1', port };
    });
    e.child = child;
    e.link = link;
    void link.ready.then(
      () => {
        e.failures = 0;
        writeFileSync(join(e.dir, 'ready'), '', { mode: 0o644 });
      },
      () => undefined,
    );
    void link.closed.then(() => {
      child.kill();
      if (e.link === link) e.link = null;
      this.retryLater(e);
    });
    if (!wait) return;
    await Promise.race([
      link.ready,
      exited.then((code) => {
        throw new ClauderonError('backend', `the relay in container ${e.container} did not start (exit ${code}): ${stderr.trim() || 'no message'} — the isolated network needs node on PATH in the image`);
      }),
    ]);
  }

  /** Start it again after a break, while the container runs and nobody dropped it. */
  private retryLater(e: Entry): void {
    if (e.stopped || this.entries.get(e.container) !== e || e.retry) return;
    e.failures++;
    const delay = Math.min(30_000, 250 * 2 ** Math.min(7, e.failures));
    e.retry = setTimeout(() => {
      e.retry = null;
      void this.d
        .running(e.container)
        .then((up) => {
          if (e.stopped || this.entries.get(e.container) !== e) return;
          if (!up) return this.drop(e.container); // it is started (and linked) again on resume or attach
          return this.open(e, false);
        })
        .catch(() => this.retryLater(e));
    }, delay);
    e.retry.unref();
  }
}
