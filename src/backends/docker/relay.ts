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
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RelayKeeper, type RelayChannel } from '../relay/keeper.js';
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

export interface DockerRelayDeps {
  /** The docker CLI and the arguments that name the engine (`-H unix://…`). */
  docker: readonly string[];
  targets: SessionTargets | undefined;
  /** Whether the container still runs (a relay is only restarted in a running container). */
  running(container: string): Promise<boolean>;
}

/** Where an isolated container's relay runs, and the host directory its `ready` mark goes to. */
export interface DockerRelayAt {
  container: string;
  dir: string;
}

/** The relays of isolated containers (src/backends/relay/keeper.ts): each a `docker exec -i … node relay.mjs`. */
export function dockerRelays(d: DockerRelayDeps): RelayKeeper<DockerRelayAt> {
  return new RelayKeeper<DockerRelayAt>({
    targets: d.targets,
    keyOf: (at) => at.container,
    script: `${RELAY_DIR}/relay.mjs`,
    describe: (at) => `container ${at.container}`,
    hint: 'the isolated network needs node on PATH in the image',
    retryBaseMs: 250,
    onReady: (at) => writeFileSync(join(at.dir, 'ready'), '', { mode: 0o644 }),
    stillWanted: (at) => d.running(at.container), // a stopped one is started (and linked) again on resume or attach
    open: (at, args) => Promise.resolve(dockerExec(d.docker, at.container, args)),
  });
}

function dockerExec(docker: readonly string[], container: string, relayArgs: readonly string[]): RelayChannel {
  const [bin = 'docker', ...engine] = docker;
  const child = spawn(bin, [...engine, 'exec', '-i', container, 'node', ...relayArgs], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-2000)));
  const exit = new Promise<number | null>((r) => {
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
  return { stdout: child.stdout, stdin: child.stdin, exit, stderrText: () => stderr, close: () => child.kill() };
}
