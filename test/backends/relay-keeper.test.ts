// The relay keeper (src/backends/relay/keeper.ts) that Docker's isolated network, Kubernetes and
// Sprites share, with the real relay.mjs as a child process for the channel (as under `docker exec
// -i`): it links a session's relay to that session's proxy and the hooks port, opens a broken
// channel again, stops when dropped or when the workload is gone, and says which relay did not start.
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RelayKeeper, type RelayChannel, type RelayKeeperOptions } from '../../src/backends/relay/keeper.js';
import { RELAY_PORTS } from '../../src/backends/relay/ports.js';
import { relayScriptPath } from '../../src/backends/relay/script.js';
import { waitFor } from '../helpers/wait.js';

const children: ChildProcess[] = [];
const servers: net.Server[] = [];
const keepers: RelayKeeper<unknown>[] = [];

afterEach(async () => {
  for (const k of keepers.splice(0)) k.closeAll();
  for (const c of children.splice(0)) c.kill('SIGKILL');
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** A loopback HTTP server answering "<name> <path>". */
async function target(name: string): Promise<number> {
  const s = http.createServer((req, res) => res.end(`${name} ${req.url}`));
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return (s.address() as net.AddressInfo).port;
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

function channelOf(child: ChildProcess): RelayChannel {
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { stdout: child.stdout!, stdin: child.stdin!, exit, stderrText: () => stderr, close: () => child.kill() };
}

interface Harness {
  keeper: RelayKeeper<string>;
  opened: ChildProcess[];
  /** The relay's listening ports (the fixed RELAY_PORTS rewritten to free ones, as the test runs beside others). */
  proxyPort: number;
  hooksPort: number;
}

async function harness(over: Partial<RelayKeeperOptions<string>> = {}, proxies: Record<string, number> = {}, hooks: number | null = null): Promise<Harness> {
  const proxyPort = await freePort();
  const hooksPort = await freePort();
  const opened: ChildProcess[] = [];
  const keeper = new RelayKeeper<string>({
    targets: { proxyPort: (id) => proxies[id] ?? null, hooksPort: () => hooks },
    keyOf: (ctx) => ctx,
    script: relayScriptPath(),
    describe: (ctx) => `thing ${ctx}`,
    hint: 'is node there?',
    retryBaseMs: 5,
    open: (_ctx, args) => {
      const argv = args.map((a) => a.replace(`:${RELAY_PORTS.proxy}`, `:${proxyPort}`).replace(`:${RELAY_PORTS.hooks}`, `:${hooksPort}`));
      const child = spawn(process.execPath, argv, { stdio: ['pipe', 'pipe', 'pipe'] });
      children.push(child);
      opened.push(child);
      return Promise.resolve(channelOf(child));
    },
    ...over,
  });
  keepers.push(keeper);
  return { keeper, opened, proxyPort, hooksPort };
}

async function get(port: number, path: string): Promise<string> {
  const r = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(10_000) });
  return r.text();
}

describe('RelayKeeper', () => {
  it("joins the relay's proxy listener to its session's proxy and its hooks listener to the hooks port", async () => {
    const [p1, p2, hk] = await Promise.all([target('proxy-s1'), target('proxy-s2'), target('hooks')]);
    const h = await harness({}, { s1: p1, s2: p2 }, hk);
    await h.keeper.ensure('s1', 'one', true);
    expect(await get(h.proxyPort, '/a')).toBe('proxy-s1 /a');
    expect(await get(h.hooksPort, '/api/hooks')).toBe('hooks /api/hooks');
    // ensure again while it runs: the same channel, no second relay
    await h.keeper.ensure('s1', 'one', true);
    expect(h.opened).toHaveLength(1);
  });

  it('opens a broken channel again, on the same ports, and it carries traffic', async () => {
    const p1 = await target('proxy-s1');
    const h = await harness({}, { s1: p1 });
    await h.keeper.ensure('s1', 'one', true);
    h.opened[0]!.kill('SIGKILL');
    await waitFor(() => h.opened.length === 2, 'the keeper to open a second relay');
    await waitFor(async () => (await get(h.proxyPort, '/b').catch(() => '')) === 'proxy-s1 /b', 'the new relay to carry traffic');
  });

  it('drop ends the relay and nothing opens it again', async () => {
    const h = await harness({}, { s1: await target('p') });
    await h.keeper.ensure('s1', 'one', true);
    const exited = new Promise((r) => h.opened[0]!.once('exit', r));
    h.keeper.drop('one');
    await exited;
    await new Promise((r) => setTimeout(r, 200)); // many retry periods at 5 ms
    expect(h.opened).toHaveLength(1);
    expect(h.keeper.has('one')).toBe(false);
  });

  it('a workload that stopped (stillWanted false) is dropped at the next retry, not reopened', async () => {
    let up = true;
    const h = await harness({ stillWanted: () => Promise.resolve(up) }, { s1: await target('p') });
    await h.keeper.ensure('s1', 'one', true);
    up = false;
    h.opened[0]!.kill('SIGKILL');
    await waitFor(() => !h.keeper.has('one'), 'the keeper to drop the stopped one');
    expect(h.opened).toHaveLength(1);
  });

  it('a relay that exits before it listens: the error names it, its stderr and the hint', async () => {
    const h = await harness({
      open: () => {
        const child = spawn(process.execPath, ['-e', 'process.stderr.write("node: not found\\n"); process.exit(127)'], { stdio: ['pipe', 'pipe', 'pipe'] });
        children.push(child);
        return Promise.resolve(channelOf(child));
      },
    });
    await expect(h.keeper.ensure('s1', 'box-7', true)).rejects.toThrow('the relay in thing box-7 did not start (exit 127): node: not found — is node there?');
  });

  it('onReady runs on every HELLO (first start and each reopen)', async () => {
    let readies = 0;
    const h = await harness({ onReady: () => void readies++ }, { s1: await target('p') });
    await h.keeper.ensure('s1', 'one', true);
    await waitFor(() => readies === 1, 'the first ready');
    h.opened[0]!.kill('SIGKILL');
    await waitFor(() => readies === 2, 'the ready of the reopened relay');
  });
});
