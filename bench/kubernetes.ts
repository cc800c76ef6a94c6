// Kubernetes figures (`npm run bench -- --only kubernetes`, called from bench/run.ts), against the
// API-server double of fixtures/kube (no API server runs on these machines; the double runs every
// pod it accepts as containers on the real Docker engine), in this process, loopback only:
//
//  1. create → running: a session's create round trip (worktree, volume, ConfigMap, pod, the
//     branch pushed in over exec, the relay, the agent started) beside the double's own start of a
//     bare pod of the same shape (two containers, same image), created through the same API — the
//     ratio is clauderon's overhead on top of what the cluster itself takes;
//  2. 50 sessions created at once: how many succeed, the wall time, each create's round trip;
//  3. the daemon's work per pod status change (an agent container killed under the session → the
//     pod watch → the session marked), and its API requests and CPU over an idle window, with 20 and
//     with 70 pods: flat, because the daemon watches instead of polling.
//
// Everything async: the double answers from this process's event loop.
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { ensureHome, getPaths, type Paths } from '../src/config/paths.js';
import type { DaemonEvent } from '../src/shared/events.js';
import type { TuiBenchContext } from './tui.js';

const NS = 'agents';
const SEQUENTIAL = 5;
const CONCURRENT = 50;
const CHANGES = 10;
const IDLE_MS = 5000;
/** The daemon's user and the bench's own (its baseline pods, its reads) are told apart in the double's request log. */
const DAEMON_TOKEN = 'daemon-token';
const BENCH_TOKEN = 'bench-token';

function cpuMs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(f[11]) + Number(f[12])) * 10; // clock ticks of 10 ms
}

function exec(file: string, args: string[], env: NodeJS.ProcessEnv = process.env, timeoutMs = 120_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { env, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${file} ${args.join(' ')}: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface KubeBenchContext extends TuiBenchContext {
  /** Registers a cleanup step that runs even when the bench is interrupted. */
  onCleanup: (fn: () => Promise<void>) => void;
}

export async function benchKubernetes(ctx: KubeBenchContext): Promise<void> {
  const { log, describe, p50, fmtMs } = ctx;
  log(`\n## kubernetes (the API double of fixtures/kube, pods on the real Docker engine): create → running vs the double's own pod start, ${CONCURRENT} concurrent creates, daemon work per status change at 20 vs 70 pods`);
  const { dockerAvailable, dockerBinary, ensureTestImages } = await import('../fixtures/docker/test-image.js');
  if (!dockerAvailable()) {
    log('  skipped: no Docker engine answers `docker info`');
    return;
  }
  const images = await ensureTestImages({ log: (m) => log(`  ${m}`) });
  const { startKubeDouble } = await import('../fixtures/kube/index.js');
  const kube = await startKubeDouble({
    namespaces: [NS],
    users: { [DAEMON_TOKEN]: { name: 'daemon', rules: 'admin' }, [BENCH_TOKEN]: { name: 'bench', rules: 'admin' } },
  });
  let stopped = false;
  const stopKube = async () => {
    if (stopped) return;
    stopped = true;
    await kube.stop();
  };
  ctx.onCleanup(stopKube);

  const paths: Paths = getPaths(join(ctx.root, 'kube-home'));
  ctx.homes.push(paths);
  ensureHome(paths);
  const kubeconfig = kube.writeKubeconfig(join(ctx.root, 'kubeconfig'), { context: 'double', token: DAEMON_TOKEN });
  const benchConfig = kube.writeKubeconfig(join(ctx.root, 'kubeconfig-bench'), { context: 'double', token: BENCH_TOKEN });
  writeFileSync(
    paths.config,
    `[general]\nmax_sessions = 1000\nmax_concurrent_creates = ${CONCURRENT}\n[http]\nenabled = false\n[kubernetes]\nenabled = true\nnamespace = "${NS}"\nimage = "${images.full}"\nrun_as_user = 1000\n` +
      `[agents.claude]\ncommand = ["sh", "-c", "echo READY; exec cat", "agent"]\n`,
  );
  const repo = ctx.makeSmallRepo(join(ctx.root, 'kube-repo'));
  const env = { ...process.env, CLAUDERON_HOME: paths.home, KUBECONFIG: kubeconfig };
  await exec(process.execPath, [ctx.bin, 'kubernetes', 'init', '--namespace', NS, '--user', 'daemon'], env);

  const kc = new k8s.KubeConfig();
  kc.loadFromFile(benchConfig);
  const core = kc.makeApiClient(k8s.CoreV1Api);

  // ------------------------------------------------ 1. the double's own pod start (the baseline)
  const barePod = (name: string): k8s.V1Pod => ({
    metadata: { name, labels: { bench: 'bare' } },
    spec: {
      restartPolicy: 'Never',
      automountServiceAccountToken: false,
      securityContext: { runAsUser: 1000, runAsNonRoot: true },
      volumes: [{ name: 'work', emptyDir: {} }],
      containers: ['agent', 'clauderon'].map((c) => ({
        name: c,
        image: images.full,
        command: ['sleep', '600'],
        volumeMounts: [{ name: 'work', mountPath: '/workspace' }],
        securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
      })),
    },
  });
  const running = async (name: string) => {
    for (;;) {
      const p = await core.readNamespacedPod({ name, namespace: NS });
      const ready = p.status?.containerStatuses?.every((s) => s.state?.running);
      if (p.status?.phase === 'Running' && ready) return;
      if (p.status?.phase === 'Failed') throw new Error(`bare pod ${name} failed`);
      await sleep(20);
    }
  };
  const baseline: number[] = [];
  for (let i = 0; i <= SEQUENTIAL; i++) {
    const name = `bare-${i}`;
    const t0 = performance.now();
    await core.createNamespacedPod({ namespace: NS, body: barePod(name) });
    await running(name);
    if (i > 0) baseline.push(performance.now() - t0); // (the first warms the image and the engine)
    await core.deleteNamespacedPod({ name, namespace: NS, gracePeriodSeconds: 0 });
  }

  process.env.KUBECONFIG = kubeconfig; // (the daemon DaemonClient spawns inherits it)
  const { client, pid } = await ctx.startDaemon(paths);
  delete process.env.KUBECONFIG;
  const names: string[] = [];
  let tornDown: Promise<void> | undefined;
  const teardown = () =>
    (tornDown ??= (async () => {
      // every session deleted (its pod, volume, ConfigMap) before the double goes
      for (let i = 0; i < names.length; i += 10) {
        await Promise.all(names.slice(i, i + 10).map((name) => client.call('sessions.delete', { name, force: true }).catch(() => undefined)));
      }
      await ctx.stopDaemon(paths, client);
      await stopKube();
    })());
  ctx.onCleanup(teardown);

  const create = async (name: string) => {
    names.push(name);
    const t0 = performance.now();
    const r = await client.call('sessions.create', { repoPath: repo, prompt: `kube bench ${name}`, name, backend: 'kubernetes', accessMode: 'read-write', skipChecks: false, planMode: false });
    if (r.session.status !== 'running') throw new Error(`session ${name} is ${r.session.status}`);
    return performance.now() - t0;
  };

  // ------------------------------------------------ 1. ours, sequentially
  const ours: number[] = [];
  for (let i = 0; i <= SEQUENTIAL; i++) {
    if (ctx.aborting()) throw new Error('the bench is stopping');
    const ms = await create(`k${i}`);
    if (i > 0) ours.push(ms);
  }
  for (let i = SEQUENTIAL + 1; i < 10 + CHANGES; i++) await create(`k${i}`); // 10 running + the ones the changes use up
  log(`  baseline: the double's own pod start   ${describe(baseline)}`);
  log(`  session create → running               ${describe(ours)}`);
  const ratio = p50(ours) / p50(baseline);
  log(`  overhead: ${ratio.toFixed(2)}× the pod start (p50), ${fmtMs(p50(ours) - p50(baseline))} on top`);
  ctx.addRow({ figure: 'kubernetes create → running p50', ours: fmtMs(p50(ours)), baseline: fmtMs(p50(baseline)), target: 'overhead printed', verdict: `${ratio.toFixed(2)}×` });

  // ------------------------------------------------ 3. per status change and idle, at N pods
  const events = await ctx.startDaemon(paths); // a second connection, for the event stream
  const waiters = new Map<string, () => void>();
  const unsubscribe = await events.client.subscribe((e: DaemonEvent) => {
    if (e.type === 'session.updated' && e.session.status !== 'running') waiters.get(e.session.name)?.();
  });
  const daemonRequests = () => kube.requests().filter((r) => r.user === 'daemon');
  const docker = dockerBinary();
  let victim = 0;
  const measureAt = async () => {
    const pods = kube.objects().filter((o) => o.kind === 'Pod').length;
    // idle: no change, nothing asked of the cluster (after the creates' own tail has settled)
    await sleep(3000);
    const r0 = daemonRequests().length;
    const c0 = cpuMs(pid);
    await sleep(IDLE_MS);
    const idleCpu = cpuMs(pid) - c0;
    const idleRequests = daemonRequests().length - r0;
    // status changes: an agent container killed under its session, one at a time
    const latency: number[] = [];
    const r1 = daemonRequests().length;
    const c1 = cpuMs(pid);
    for (let i = 0; i < CHANGES; i++) {
      const name = `k${victim++}`;
      const agent = kube.dockerContainers(NS, `clauderon-${name}`).agent;
      if (!agent) throw new Error(`no agent container for ${name}`);
      const marked = new Promise<void>((resolve) => waiters.set(name, resolve));
      const t0 = performance.now();
      await exec(docker, ['kill', agent]);
      await Promise.race([marked, sleep(30_000).then(() => Promise.reject(new Error(`session ${name} was not marked within 30 s of its agent's end`)))]);
      latency.push(performance.now() - t0);
      waiters.delete(name);
    }
    const cpuPerChange = (cpuMs(pid) - c1) / CHANGES;
    const requestsPerChange = (daemonRequests().length - r1) / CHANGES;
    log(`  ${String(pods).padStart(2)} pods: idle ${IDLE_MS / 1000} s → daemon CPU ${idleCpu} ms, ${idleRequests} API requests; per status change: CPU ${cpuPerChange.toFixed(1)} ms, ${requestsPerChange.toFixed(1)} API requests, kill → marked ${describe(latency)}`);
    return { pods, idleCpu, idleRequests, cpuPerChange, requestsPerChange, latency };
  };
  try {
    const at10 = await measureAt();

    // ------------------------------------------------ 2. 50 at once
    const t0 = performance.now();
    const results = await Promise.allSettled(Array.from({ length: CONCURRENT }, (_, i) => create(`c${i}`)));
    const wall = performance.now() - t0;
    const ok = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const failed = results.flatMap((r) => (r.status === 'rejected' ? [r.reason instanceof Error ? r.reason.message : String(r.reason)] : []));
    log(`  ${CONCURRENT} concurrent creates: ${ok.length} succeeded in ${(wall / 1000).toFixed(1)} s wall; each ${ok.length ? describe(ok) : 'n/a'}`);
    for (const f of [...new Set(failed)].slice(0, 3)) log(`    failed: ${f.split('\n')[0]}`);
    ctx.addRow({ figure: `kubernetes ${CONCURRENT} concurrent creates`, ours: `${ok.length}/${CONCURRENT} in ${(wall / 1000).toFixed(1)} s`, baseline: '—', target: 'all succeed', verdict: ok.length === CONCURRENT ? 'ok' : 'MISS' });

    const atN = await measureAt();
    const pods = atN.pods;
    const flat = atN.cpuPerChange <= at10.cpuPerChange * 1.5 + 5 && atN.requestsPerChange <= at10.requestsPerChange + 0.5;
    ctx.addRow({ figure: `  k8s status change at ${pods} vs ${at10.pods} pods`, ours: `${atN.cpuPerChange.toFixed(1)} ms CPU, ${atN.requestsPerChange.toFixed(1)} req`, baseline: `${at10.cpuPerChange.toFixed(1)} ms CPU, ${at10.requestsPerChange.toFixed(1)} req (${at10.pods})`, target: 'flat (watch)', verdict: flat ? 'ok' : 'MISS' });
    ctx.addRow({ figure: `  k8s idle, ${IDLE_MS / 1000} s at ${pods} pods`, ours: `${atN.idleCpu} ms CPU, ${atN.idleRequests} req`, baseline: `${at10.idleCpu} ms, ${at10.idleRequests} req (${at10.pods})`, target: '0 requests', verdict: atN.idleRequests === 0 ? 'ok' : 'MISS' });
  } finally {
    unsubscribe();
    events.client.close();
    await teardown();
  }
}
