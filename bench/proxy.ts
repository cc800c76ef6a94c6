// The session proxy's figures (`npm run bench`, called from bench/run.ts): added latency of a warm
// keep-alive HTTPS GET, 200 MiB download throughput and the proxy's peak RSS, SSE lateness, and the
// cost of minting a leaf certificate for a new host. Loopback only; every baseline is the same
// traffic sent straight to the fake upstream in the same run.
//
// The fake echo upstream and the SessionProxy each run in a CHILD process (one bundled script,
// two modes), so the proxy's RSS is its own and neither shares an event loop with the client.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { fileURLToPath } from 'node:url';
import type * as Esbuild from 'esbuild';
import { Agent, ProxyAgent, request, type Dispatcher } from 'undici';
import { loadOrCreateCa } from '../src/proxy/ca.js';
import type { TuiBenchContext } from './tui.js';
import { quantile } from './stats.js';

/** The part of bench/run.ts's helpers the proxy figures use (it runs no daemon of bench/run.ts's). */
export type ProxyBenchContext = Pick<TuiBenchContext, 'root' | 'log' | 'row' | 'addRow' | 'fmtMs' | 'describe' | 'aborting'>;

const LATENCY_COUNT = 500;
const LATENCY_WARMUP = 50;
/** The egress figure's allow-list size (the issue's 1,000 rules). */
const POLICY_RULES = 1000;
const BIG_MB = 200;
const BIG_ROUNDS = 3;
const SSE_N = 20;
const SSE_MS = 50;
const LEAF_COUNT = 200;
const RSS_POLL_MS = 20;
const HANDSHAKE_COUNT = 20;
const HOST = 'api.github.com';
/** A host that earns no credential: the proxy tunnels it unopened (passthrough.ts). */
const TUNNEL_HOST = 'downloads.example.test';
const USER = 'bench-session';
const PASSWORD = 'bench-proxy-pass';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The child processes' script: `echo` starts the fake upstream, `proxy` a SessionProxy in front of it. */
const SERVER_ENTRY = `
import { createServer } from 'node:net';
import { join } from 'node:path';
import { makeTestPki, startFakeEcho } from './fixtures/upstreams/index.ts';
import { AuditLog } from './src/proxy/audit.ts';
import { loadOrCreateCa } from './src/proxy/ca.ts';
import { SessionProxy } from './src/proxy/proxy.ts';
import { SessionEgress } from './src/proxy/egress-policy.ts';
import { defaultRules } from './src/proxy/rules.ts';

const mode = process.argv[2];
const done = new Promise((r) => process.stdin.on('end', r).on('close', r).resume());
if (mode === 'echo') {
  const pki = makeTestPki([${JSON.stringify(HOST)}, ${JSON.stringify(TUNNEL_HOST)}]);
  const echo = await startFakeEcho(pki, { name: 'echo' });
  process.stdout.write(JSON.stringify({ port: echo.port, caPem: pki.caPem }) + '\\n');
  await done;
  await echo.close();
} else if (mode === 'tcprelay') {
  // The floor of any byte-copying tunnel: accept, connect to the echo, pipe both ways. No CONNECT,
  // no gate, no audit.
  const { connect } = await import('node:net');
  const server = createServer((client) => {
    const up = connect({ host: '127.0.0.1', port: Number(process.env.BENCH_ECHO_PORT) });
    client.pipe(up).pipe(client);
    client.on('error', () => up.destroy());
    up.on('error', () => client.destroy());
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  process.stdout.write(JSON.stringify({ port: server.address().port, caPem: '' }) + '\\n');
  await done;
  server.close();
} else if (mode === 'relay') {
  // The floor of any interception proxy written on Node's TLS: terminate TLS with a leaf for the
  // host, open verified TLS to the upstream, pipe the bytes. No HTTP parsing, no gate, no audit.
  const { createServer: createTlsServer, connect: tlsConnect } = await import('node:tls');
  const dir = process.env.BENCH_PROXY_DIR;
  const ca = await loadOrCreateCa({ caCert: join(dir, 'relay-ca.pem'), caKey: join(dir, 'relay-ca-key.pem') });
  const leaf = ca.leafFor(${JSON.stringify(HOST)});
  const server = createTlsServer({ key: leaf.keyPem, cert: leaf.certPem }, (client) => {
    const up = tlsConnect({ host: '127.0.0.1', port: Number(process.env.BENCH_ECHO_PORT), servername: ${JSON.stringify(HOST)}, ca: process.env.BENCH_UPSTREAM_CA });
    client.pipe(up).pipe(client);
    client.on('error', () => up.destroy());
    up.on('error', () => client.destroy());
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  process.stdout.write(JSON.stringify({ port: server.address().port, caPem: ca.certPem }) + '\\n');
  await done;
  server.close();
} else {
  const dir = process.env.BENCH_PROXY_DIR;
  const port = await new Promise((r, j) => {
    const s = createServer().once('error', j).listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => r(p)); });
  });
  const ca = await loadOrCreateCa({ caCert: join(dir, 'ca.pem'), caKey: join(dir, 'ca-key.pem') });
  const secrets = { github_token: 'ghp_BENCH_not_a_real_token_0123456789' };
  const audit = new AuditLog(join(dir, 'audit.jsonl'), () => Object.values(secrets));
  const proxy = new SessionProxy({
    session: ${JSON.stringify(USER)}, user: ${JSON.stringify(USER)}, password: ${JSON.stringify(PASSWORD)},
    bind: ['127.0.0.1'], port, ca: () => ca, credential: (n) => secrets[n], rules: defaultRules(),
    accessMode: () => 'read-write', audit, intercept: process.env.BENCH_INTERCEPT ?? 'all',
    // BENCH_EGRESS_RULES=N: an allow-list of N rules (half exact names, half *.wildcards, the bench's host last)
    ...(process.env.BENCH_EGRESS_RULES ? { hostPolicy: new SessionEgress(${JSON.stringify(USER)}, { policy: 'allow-list', allow: [
      ...Array.from({ length: Number(process.env.BENCH_EGRESS_RULES) - 1 }, (_, i) => (i % 2 ? 'h' + i + '.example.com' : '*.w' + i + '.example.org')),
      ${JSON.stringify(HOST)},
    ] }, []) } : {}),
    override: { hosts: {
      ${JSON.stringify(HOST)}: { host: '127.0.0.1', port: Number(process.env.BENCH_ECHO_PORT) },
      ${JSON.stringify(TUNNEL_HOST)}: { host: '127.0.0.1', port: Number(process.env.BENCH_ECHO_PORT) },
    }, ca: process.env.BENCH_UPSTREAM_CA },
  });
  await proxy.start();
  process.stdout.write(JSON.stringify({ port, caPem: ca.certPem }) + '\\n');
  await done;
  await proxy.close();
  await audit.close();
}
process.exit(0);
`;

interface Started {
  child: ChildProcess;
  port: number;
  caPem: string;
}

async function bundleServer(outfile: string): Promise<void> {
  const esbuildName = 'esbuild'; // resolved at run time from node_modules, not bundled into the bench
  const esbuild = (await import(esbuildName)) as typeof Esbuild;
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  await esbuild.build({
    stdin: { contents: SERVER_ENTRY, resolveDir: ROOT, loader: 'ts', sourcefile: 'bench-proxy-server.ts' },
    absWorkingDir: ROOT,
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external: ['better-sqlite3', 'typescript', 'dockerode'],
    define: { __CLAUDERON_VERSION__: JSON.stringify(pkg.version) },
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    logLevel: 'warning',
  });
}

/** Spawn the server script in `mode` and wait for its JSON line. */
function startChild(script: string, mode: 'echo' | 'proxy' | 'relay' | 'tcprelay', env: NodeJS.ProcessEnv, children: Set<ChildProcess>): Promise<Started> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [script, mode], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    children.add(child);
    let out = '';
    let err = '';
    const timer = setTimeout(() => rej(new Error(`the ${mode} child did not start in 20 s: ${err}`)), 20_000);
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      try {
        const j = JSON.parse(out.slice(0, nl)) as { port: number; caPem: string };
        res({ child, port: j.port, caPem: j.caPem });
      } catch (e) {
        rej(e instanceof Error ? e : new Error(String(e)));
      }
    });
    child.once('exit', (code, sig) => {
      children.delete(child);
      clearTimeout(timer);
      rej(new Error(`the ${mode} child exited (${code ?? sig}): ${err.trim()}`));
    });
  });
}

function rssKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

/** CPU seconds (user + system) a process has used so far. */
function cpuSeconds(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(rest[11]) + Number(rest[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

async function timedGet(dispatcher: Dispatcher, url: string): Promise<number> {
  const t = performance.now();
  const r = await request(url, { dispatcher, headers: { authorization: 'Bearer ghp_placeholder' } });
  await r.body.text();
  const ms = performance.now() - t;
  if (r.statusCode !== 200) throw new Error(`GET ${url}: ${r.statusCode}`);
  return ms;
}

/** Download `url`, counting bytes; returns MB/s (MiB/s). */
async function download(dispatcher: Dispatcher, url: string): Promise<{ mbps: number; bytes: number; ms: number }> {
  const t = performance.now();
  const r = await request(url, { dispatcher });
  if (r.statusCode !== 200) throw new Error(`GET ${url}: ${r.statusCode}`);
  let bytes = 0;
  for await (const chunk of r.body) bytes += (chunk as Buffer).length;
  const ms = performance.now() - t;
  return { mbps: bytes / (1024 * 1024) / (ms / 1000), bytes, ms };
}

/** Each SSE event's arrival (Date.now()) minus its sentAt. */
async function sseLateness(dispatcher: Dispatcher, url: string): Promise<number[]> {
  const r = await request(url, { dispatcher });
  if (r.statusCode !== 200) throw new Error(`GET ${url}: ${r.statusCode}`);
  const late: number[] = [];
  let buf = '';
  for await (const chunk of r.body) {
    const now = Date.now();
    buf += (chunk as Buffer).toString('utf8');
    let end: number;
    while ((end = buf.indexOf('\n\n')) >= 0) {
      const ev = buf.slice(0, end);
      buf = buf.slice(end + 2);
      const data = /^data: (.*)$/m.exec(ev);
      if (data) late.push(now - (JSON.parse(data[1]!) as { sentAt: number }).sentAt);
    }
  }
  if (late.length !== SSE_N) throw new Error(`${url}: ${late.length} events, expected ${SSE_N}`);
  return late;
}

/** Time a CONNECT to `name`:443 through the proxy plus the TLS handshake inside it. */
function handshake(proxyPort: number, name: string, caPem: string): Promise<number> {
  return new Promise((res, rej) => {
    const t = performance.now();
    const sock = netConnect({ host: '127.0.0.1', port: proxyPort });
    const fail = (e: Error) => {
      sock.destroy();
      rej(e);
    };
    sock.once('error', fail);
    sock.setTimeout(10_000, () => fail(new Error(`CONNECT ${name}: timed out`)));
    const auth = Buffer.from(`${USER}:${PASSWORD}`).toString('base64');
    sock.write(`CONNECT ${name}:443 HTTP/1.1\r\nHost: ${name}:443\r\nProxy-Authorization: Basic ${auth}\r\n\r\n`);
    let head = '';
    const onData = (d: Buffer) => {
      head += d.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      sock.off('data', onData);
      if (!head.startsWith('HTTP/1.1 200')) return fail(new Error(`CONNECT ${name}: ${head.split('\r\n')[0]}`));
      const tls = tlsConnect({ socket: sock, servername: name, ca: caPem, ALPNProtocols: ['http/1.1'] });
      tls.once('error', fail);
      tls.once('secureConnect', () => {
        const ms = performance.now() - t;
        tls.destroy();
        res(ms);
      });
    };
    sock.on('data', onData);
  });
}

export async function benchProxy(ctx: ProxyBenchContext): Promise<void> {
  const { log, fmtMs } = ctx;
  const dir = join(ctx.root, 'proxy-bench');
  mkdirSync(join(dir, 'tunnel'), { recursive: true });
  mkdirSync(join(dir, 'policy'), { recursive: true });
  const script = join(ROOT, '.bench-tmp', `proxy-server-${process.pid}.mjs`);
  const children = new Set<ChildProcess>();
  const dispatchers: Dispatcher[] = [];
  const t0 = performance.now();
  try {
    log(`\n## proxy: session proxy (child process) vs direct to the fake upstream, loopback`);
    await bundleServer(script);
    const echo = await startChild(script, 'echo', {}, children);
    const proxy = await startChild(script, 'proxy', { BENCH_PROXY_DIR: dir, BENCH_ECHO_PORT: String(echo.port), BENCH_UPSTREAM_CA: echo.caPem }, children);
    const relay = await startChild(script, 'relay', { BENCH_PROXY_DIR: dir, BENCH_ECHO_PORT: String(echo.port), BENCH_UPSTREAM_CA: echo.caPem }, children);
    const tcpRelay = await startChild(script, 'tcprelay', { BENCH_ECHO_PORT: String(echo.port) }, children);
    // a second proxy with the default `intercept = "needed"`: TUNNEL_HOST earns no credential, so it is tunnelled
    const tunnelProxy = await startChild(script, 'proxy', { BENCH_PROXY_DIR: join(dir, 'tunnel'), BENCH_INTERCEPT: 'needed', BENCH_ECHO_PORT: String(echo.port), BENCH_UPSTREAM_CA: echo.caPem }, children);
    // a third, intercepting as the first, with an allow-list of POLICY_RULES rules: the policy check's cost
    const policyProxy = await startChild(script, 'proxy', { BENCH_PROXY_DIR: join(dir, 'policy'), BENCH_EGRESS_RULES: String(POLICY_RULES), BENCH_ECHO_PORT: String(echo.port), BENCH_UPSTREAM_CA: echo.caPem }, children);
    const proxyPid = proxy.child.pid!;
    log(`  echo on 127.0.0.1:${echo.port}, proxy on 127.0.0.1:${proxy.port} (pid ${proxyPid}, RSS at start ${(rssKb(proxyPid, 'VmRSS') / 1024).toFixed(1)} MB)`);

    const direct = new Agent({ connect: { servername: HOST, ca: echo.caPem }, keepAliveTimeout: 60_000 });
    const viaProxy = new ProxyAgent({
      uri: `http://127.0.0.1:${proxy.port}`,
      token: `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`,
      requestTls: { ca: proxy.caPem },
      keepAliveTimeout: 60_000,
    });
    const viaRelay = new Agent({ connect: { servername: HOST, ca: relay.caPem }, keepAliveTimeout: 60_000 });
    // a host with no credential: CONNECT through the proxy, which tunnels it unopened — the client
    // trusts the upstream's own CA (it sees the upstream's certificate)
    const viaTunnel = new ProxyAgent({
      uri: `http://127.0.0.1:${tunnelProxy.port}`,
      token: `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`,
      requestTls: { ca: echo.caPem },
      keepAliveTimeout: 60_000,
    });
    const viaTcpRelay = new Agent({ connect: { servername: TUNNEL_HOST, ca: echo.caPem }, keepAliveTimeout: 60_000 });
    const viaPolicy = new ProxyAgent({
      uri: `http://127.0.0.1:${policyProxy.port}`,
      token: `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`,
      requestTls: { ca: policyProxy.caPem },
      keepAliveTimeout: 60_000,
    });
    dispatchers.push(direct, viaProxy, viaRelay, viaTunnel, viaTcpRelay, viaPolicy);
    const directBase = `https://127.0.0.1:${echo.port}`;
    const proxyBase = `https://${HOST}`;

    // 1. Warm keep-alive GET latency, interleaved.
    const ours: number[] = [];
    const base: number[] = [];
    for (let i = 0; i < LATENCY_WARMUP + LATENCY_COUNT; i++) {
      if (ctx.aborting()) throw new Error('the bench is stopping');
      const o = await timedGet(viaProxy, `${proxyBase}/user?i=${i}`);
      const b = await timedGet(direct, `${directBase}/user?i=${i}`);
      if (i >= LATENCY_WARMUP) {
        ours.push(o);
        base.push(b);
      }
    }
    const oursP50 = quantile(ours, 0.5);
    const oursP99 = quantile(ours, 0.99);
    const baseP50 = quantile(base, 0.5);
    const baseP99 = quantile(base, 0.99);
    log(`  GET via proxy (keep-alive, tunnel)   ${ctx.describe(ours)}  p99 ${fmtMs(oursP99)}`);
    log(`  GET direct (keep-alive)              ${ctx.describe(base)}  p99 ${fmtMs(baseP99)}`);
    log(`  added: p50 ${fmtMs(oursP50 - baseP50)}, p99 ${fmtMs(oursP99 - baseP99)}`);
    const added = (figure: string, o: number, b: number, target: number) =>
      ctx.addRow({ figure, ours: `${fmtMs(o)} (+${fmtMs(o - b)})`, baseline: fmtMs(b), target: `+≤ ${target} ms`, verdict: o - b <= target ? 'ok' : 'MISS' });
    added('proxy GET added latency p50', oursP50, baseP50, 1);
    added('proxy GET added latency p99', oursP99, baseP99, 5);

    // 1b. The egress policy's cost: the same GETs through a proxy with an allow-list of
    // POLICY_RULES rules (checked on every request, also inside a kept-alive tunnel) vs the open
    // one, interleaved; and the check alone, in process.
    const open: number[] = [];
    const listed: number[] = [];
    for (let i = 0; i < LATENCY_WARMUP + LATENCY_COUNT; i++) {
      if (ctx.aborting()) throw new Error('the bench is stopping');
      const a = await timedGet(viaProxy, `${proxyBase}/user?p=${i}`);
      const b = await timedGet(viaPolicy, `${proxyBase}/user?p=${i}`);
      if (i >= LATENCY_WARMUP) {
        open.push(a);
        listed.push(b);
      }
    }
    const { SessionEgress } = await import('../src/proxy/egress-policy.js');
    const policy = new SessionEgress('bench', { policy: 'allow-list', allow: [...Array.from({ length: POLICY_RULES - 1 }, (_, i) => (i % 2 ? `h${i}.example.com` : `*.w${i}.example.org`)), HOST] }, []);
    const checks = 200_000;
    const targets = [{ host: HOST, port: 443, kind: 'name' as const }, { host: 'a.b.w998.example.org', port: 443, kind: 'name' as const }, { host: 'h999.example.com', port: 443, kind: 'name' as const }];
    let allowed = 0;
    const c0 = performance.now();
    for (let i = 0; i < checks; i++) if (policy.allows(targets[i % 3]!.host, 443, 'name')) allowed++;
    const perCheckUs = ((performance.now() - c0) * 1000) / checks;
    if (allowed === 0) throw new Error('the allow-list allowed nothing');
    const policyAdded = quantile(listed, 0.5) - quantile(open, 0.5);
    log(`  GET via proxy, allow-list of ${POLICY_RULES} rules   ${ctx.describe(listed)}`);
    log(`  GET via proxy, open (interleaved)       ${ctx.describe(open)}`);
    log(`  the check alone, in process: ${perCheckUs.toFixed(2)} µs (${checks} checks)`);
    ctx.addRow({ figure: `egress allow-list (${POLICY_RULES} rules) added p50`, ours: `${fmtMs(quantile(listed, 0.5))} (${policyAdded >= 0 ? '+' : ''}${fmtMs(policyAdded)}; check ${perCheckUs.toFixed(2)} µs)`, baseline: `${fmtMs(quantile(open, 0.5))} (open)`, target: '+≤ 0.1 ms', verdict: policyAdded <= 0.1 ? 'ok' : 'MISS' });

    // 2. 200 MiB download, BIG_ROUNDS times each way (the fastest run of each counts), with the
    // proxy's RSS polled during its runs; beside it a bare TLS relay, the floor of the approach.
    const best = (a: Awaited<ReturnType<typeof download>>, b: Awaited<ReturnType<typeof download>>) => (a.mbps >= b.mbps ? a : b);
    let directDl = await download(direct, `${directBase}/big?mb=${BIG_MB}`);
    let peakKb = rssKb(proxyPid, 'VmRSS');
    const poll = setInterval(() => {
      try {
        peakKb = Math.max(peakKb, rssKb(proxyPid, 'VmRSS'));
      } catch {
        // the child is gone; the download will fail
      }
    }, RSS_POLL_MS);
    let proxyDl: Awaited<ReturnType<typeof download>>;
    let tunnelDl: Awaited<ReturnType<typeof download>> | null = null;
    let tcpDl: Awaited<ReturnType<typeof download>> | null = null;
    let tunnelCpu = 0;
    let tcpCpu = 0;
    const relayBase = `https://127.0.0.1:${relay.port}`;
    let relayDl = await download(viaRelay, `${relayBase}/big?mb=${BIG_MB}`);
    try {
      proxyDl = await download(viaProxy, `${proxyBase}/big?mb=${BIG_MB}`);
      for (let round = 1; round < BIG_ROUNDS; round++) {
        directDl = best(directDl, await download(direct, `${directBase}/big?mb=${BIG_MB}`));
        relayDl = best(relayDl, await download(viaRelay, `${relayBase}/big?mb=${BIG_MB}`));
        proxyDl = best(proxyDl, await download(viaProxy, `${proxyBase}/big?mb=${BIG_MB}`));
      }
      // 2b. The same download through a tunnel the proxy does not open, beside a bare TCP relay
      // (net + pipe); CPU per byte of each process from /proc/<pid>/stat around its own runs.
      const tunnelBase = `https://${TUNNEL_HOST}`;
      const tcpBase = `https://127.0.0.1:${tcpRelay.port}`;
      const tcpPid = tcpRelay.child.pid!;
      const tunnelPid = tunnelProxy.child.pid!;
      for (let round = 0; round < BIG_ROUNDS; round++) {
        let c = cpuSeconds(tcpPid);
        const r = await download(viaTcpRelay, `${tcpBase}/big?mb=${BIG_MB}`);
        tcpCpu += cpuSeconds(tcpPid) - c;
        tcpDl = tcpDl ? best(tcpDl, r) : r;
        c = cpuSeconds(tunnelPid);
        const t = await download(viaTunnel, `${tunnelBase}/big?mb=${BIG_MB}`);
        tunnelCpu += cpuSeconds(tunnelPid) - c;
        tunnelDl = tunnelDl ? best(tunnelDl, t) : t;
      }
    } finally {
      clearInterval(poll);
    }
    const hwmKb = rssKb(proxyPid, 'VmHWM');
    if (!tunnelDl || !tcpDl) throw new Error('the tunnel downloads did not run');
    for (const d of [directDl, proxyDl, relayDl, tunnelDl, tcpDl]) if (d.bytes !== BIG_MB * 1024 * 1024) throw new Error(`download got ${d.bytes} bytes`);
    log(`  ${BIG_MB} MiB via proxy: ${proxyDl.mbps.toFixed(0)} MB/s (${fmtMs(proxyDl.ms)}); direct: ${directDl.mbps.toFixed(0)} MB/s (${fmtMs(directDl.ms)}); ratio ${(proxyDl.mbps / directDl.mbps).toFixed(2)}`);
    log(`  ${BIG_MB} MiB via a bare Node TLS relay (no HTTP, the floor of a Node interception proxy): ${relayDl.mbps.toFixed(0)} MB/s; ratio to direct ${(relayDl.mbps / directDl.mbps).toFixed(2)}; proxy/relay ${(proxyDl.mbps / relayDl.mbps).toFixed(2)}`);
    log(`  proxy process RSS: peak polled every ${RSS_POLL_MS} ms ${(peakKb / 1024).toFixed(1)} MB, VmHWM (whole life) ${(hwmKb / 1024).toFixed(1)} MB`);
    ctx.addRow({
      figure: `proxy ${BIG_MB} MiB download`,
      ours: `${proxyDl.mbps.toFixed(0)} MB/s`,
      baseline: `${directDl.mbps.toFixed(0)} MB/s`,
      target: '≥ 0.5× direct',
      verdict: proxyDl.mbps >= 0.5 * directDl.mbps ? 'ok' : 'MISS',
    });
    ctx.addRow({
      figure: '  intercepted vs a bare Node TLS relay',
      ours: `${proxyDl.mbps.toFixed(0)} MB/s (${(proxyDl.mbps / relayDl.mbps).toFixed(2)}×)`,
      baseline: `${relayDl.mbps.toFixed(0)} MB/s`,
      target: '≥ 0.9× the relay',
      verdict: proxyDl.mbps >= 0.9 * relayDl.mbps ? 'ok' : 'MISS',
    });
    // CPU per MiB over all rounds (each process's own ticks, 10 ms resolution)
    const mib = BIG_MB * BIG_ROUNDS;
    const tunnelMsPerMib = (tunnelCpu * 1000) / mib;
    const tcpMsPerMib = (tcpCpu * 1000) / mib;
    log(`  ${BIG_MB} MiB tunnelled (not intercepted) via proxy: ${tunnelDl.mbps.toFixed(0)} MB/s; bare TCP relay (net + pipe): ${tcpDl.mbps.toFixed(0)} MB/s; direct ${directDl.mbps.toFixed(0)} MB/s; tunnel/relay ${(tunnelDl.mbps / tcpDl.mbps).toFixed(2)}, tunnel/direct ${(tunnelDl.mbps / directDl.mbps).toFixed(2)}, relay/direct ${(tcpDl.mbps / directDl.mbps).toFixed(2)}`);
    log(`  CPU per MiB: proxy tunnel ${tunnelMsPerMib.toFixed(2)} ms, bare TCP relay ${tcpMsPerMib.toFixed(2)} ms (ratio ${(tunnelMsPerMib / tcpMsPerMib).toFixed(2)})`);
    ctx.addRow({
      figure: `proxy ${BIG_MB} MiB tunnelled (not opened)`,
      ours: `${tunnelDl.mbps.toFixed(0)} MB/s (${(tunnelDl.mbps / tcpDl.mbps).toFixed(2)}×; direct ${directDl.mbps.toFixed(0)})`,
      baseline: `${tcpDl.mbps.toFixed(0)} MB/s`,
      target: '≥ 0.95× a bare TCP relay',
      verdict: tunnelDl.mbps >= 0.95 * tcpDl.mbps ? 'ok' : 'MISS',
    });
    ctx.addRow({
      figure: '  tunnel CPU per MiB',
      ours: `${tunnelMsPerMib.toFixed(2)} ms (${(tunnelMsPerMib / tcpMsPerMib).toFixed(2)}×)`,
      baseline: `${tcpMsPerMib.toFixed(2)} ms`,
      target: '≤ 1.5× the relay',
      verdict: tunnelMsPerMib <= 1.5 * tcpMsPerMib ? 'ok' : 'MISS',
    });
    ctx.addRow({ figure: '  proxy peak RSS (VmHWM)', ours: `${(hwmKb / 1024).toFixed(1)} MB`, baseline: '—', target: '≤ 150 MB', verdict: hwmKb / 1024 <= 150 ? 'ok' : 'MISS' });

    // 3. SSE lateness.
    const sseOurs = await sseLateness(viaProxy, `${proxyBase}/sse?n=${SSE_N}&ms=${SSE_MS}`);
    const sseBase = await sseLateness(direct, `${directBase}/sse?n=${SSE_N}&ms=${SSE_MS}`);
    const lateP50 = quantile(sseOurs, 0.5);
    const lateMax = Math.max(...sseOurs);
    const baseLateP50 = quantile(sseBase, 0.5);
    const baseLateMax = Math.max(...sseBase);
    log(`  SSE lateness (arrival − sentAt, 1 ms clock) via proxy: p50 ${lateP50} ms, max ${lateMax} ms; direct: p50 ${baseLateP50} ms, max ${baseLateMax} ms`);
    ctx.addRow({ figure: 'proxy SSE lateness p50', ours: `${lateP50} ms`, baseline: `${baseLateP50} ms`, target: '≤ direct + 5 ms', verdict: lateP50 - baseLateP50 <= 5 ? 'ok' : 'MISS' });
    ctx.addRow({ figure: '  SSE lateness max', ours: `${lateMax} ms`, baseline: `${baseLateMax} ms`, target: '≤ direct + 5 ms', verdict: lateMax - baseLateMax <= 5 ? 'ok' : 'MISS' });

    // 4. Leaf certificates for fresh names, in this process.
    const ca = await loadOrCreateCa({ caCert: join(dir, 'bench-ca.pem'), caKey: join(dir, 'bench-ca-key.pem') });
    const leaf: number[] = [];
    for (let i = 0; i < LEAF_COUNT; i++) {
      const t = performance.now();
      ca.leafFor(`host-${i}-${process.pid}.bench.example`);
      leaf.push(performance.now() - t);
    }
    log(`  ca.leafFor(fresh name)               ${ctx.describe(leaf)}  p99 ${fmtMs(quantile(leaf, 0.99))}`);
    ctx.row('proxy leaf cert mint median', quantile(leaf, 0.5), undefined, 10);
    ctx.row('  leaf cert mint p99', quantile(leaf, 0.99), undefined, 10);

    // The first CONNECT + TLS handshake to a new name through the proxy (leaf minted, secure
    // context built) vs the same for a name whose context the proxy already holds. No request is
    // sent, so the proxy never goes upstream.
    const fresh: number[] = [];
    const known: number[] = [];
    for (let i = 0; i < HANDSHAKE_COUNT; i++) {
      known.push(await handshake(proxy.port, HOST, proxy.caPem));
      fresh.push(await handshake(proxy.port, `new-${i}-${process.pid}.bench.example`, proxy.caPem));
    }
    log(`  CONNECT+TLS to a new name via proxy  ${ctx.describe(fresh)}`);
    log(`  CONNECT+TLS to a known name          ${ctx.describe(known)}`);
    ctx.row('  CONNECT+TLS, new name, median', quantile(fresh, 0.5), quantile(known, 0.5));
    log(`  (proxy part took ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  } finally {
    await Promise.all(dispatchers.map((d) => d.close().catch(() => undefined)));
    for (const c of children) {
      c.stdin?.end();
      c.kill('SIGKILL');
    }
    const deadline = Date.now() + 3000;
    while (children.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    rmSync(script, { force: true });
  }
}
