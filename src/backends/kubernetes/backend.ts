// Kubernetes backend: one pod per session (`clauderon-NAME`, containers `agent` and `clauderon`),
// with its workspace PersistentVolumeClaim and ConfigMap, all labelled with the session and this
// clauderon home (objects.ts says what each holds — never a credential). The session's branch and
// files go in, and the agent's commits come back, over exec (transfer.ts); the agent reaches its
// proxy, which stays with the daemon, through the relay in the pod (src/backends/relay), carried
// over one exec stream per pod that this backend keeps open (and opens again when it breaks).
// @kubernetes/client-node costs ~1 s to load: it is loaded when a Kubernetes session is first touched.
// (Over 400 lines: the Backend interface's methods for a pod, each a few calls; what they call is
// split off already — objects.ts (manifests), transfer.ts (work in and out), exec.ts, links.ts
// (relays), screens.ts (output), watch.ts (events), prepare.ts (validation).)
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type * as K8s from '@kubernetes/client-node';
import type { Paths } from '../../config/paths.js';
import { ClauderonError } from '../../shared/errors.js';
import { checkAgentCwd } from '../cwd.js';
import { relayScriptSource } from '../relay/script.js';
import type { SessionTargets } from '../spec.js';
import type { RelayKeeper } from '../relay/keeper.js';
import type { Backend, BackendCreateContext, BackendHealth } from '../types.js';
import { apiError, Apis, call, found, statusCode, type Ref } from './client.js';
import { execRun, execStream } from './exec.js';
import { podRelays } from './links.js';
import { FATAL_WAITING, fileKey, keeperNotRunning, TRANSCRIPT_SCRIPT, formatId, healthOfPod, homeSelector, keeperContainer, manifests, objectName, parseId, POD, shellExports, splitEnv, START_SCRIPT, translateEnv, type KubernetesOptions } from './objects.js';
import { prepareOptions } from './prepare.js';
import { PodScreens, SCREEN } from './screens.js';
import type { KubernetesConfig, KubernetesRequest } from './spec.js';
import { hostGit } from '../remote-work.js';
import { fetchSession, KEEPER, pushSession, putFile, type FetchResult } from './transfer.js';
import { Places } from './watch.js';

export interface KubernetesBackendDeps {
  config: KubernetesConfig;
  paths: Paths;
  env: Record<string, string>;
  targets?: SessionTargets | undefined;
}

/** How long a new pod may take to run (an image pull on a real cluster takes a while). */
const START_TIMEOUT_MS = 180_000;

export class KubernetesBackend implements Backend {
  readonly name = 'kubernetes' as const;
  readonly detachHint = 'detach with Ctrl-P then Ctrl-Q';
  readonly agentFiles = ['.clauderon', '.cache', '.npm', '.config', '.local', '.bash_history', '.gitconfig'];
  private readonly apis = new Apis();
  private readonly links: RelayKeeper<Ref>;
  private readonly screens: PodScreens;
  /** The (context, namespace) places with sessions: what watch() follows and listIds lists. */
  private readonly places: Places;

  constructor(private readonly d: KubernetesBackendDeps) {
    this.links = podRelays(this.apis, d.targets);
    this.screens = new PodScreens(this.apis);
    this.places = new Places(this.apis, d.paths.home, { context: d.config.context ?? '', namespace: d.config.namespace });
  }

  unavailableReason(): string | null {
    if (!this.d.config.enabled && this.d.env.CLAUDERON_KUBERNETES_ENABLED !== '1' && process.env.CLAUDERON_KUBERNETES_ENABLED !== '1') {
      return 'the kubernetes backend is off — start the daemon with `clauderon daemon --enable-kubernetes-backend`, or set [kubernetes] enabled = true in config.toml';
    }
    const files = (this.d.env.KUBECONFIG ?? process.env.KUBECONFIG ?? '').split(':').filter(Boolean);
    const found = files.length > 0 ? files.some((f) => existsSync(f)) : existsSync(join(homedir(), '.kube', 'config'));
    if (!found) return `no kubeconfig found (${files.length > 0 ? `KUBECONFIG=${files.join(':')}` : '~/.kube/config'}) — point KUBECONFIG at your cluster's kubeconfig`;
    return null;
  }

  idFor(name: string): string {
    // (the kubeconfig's current context, once it has been read: ids are compared with listIds')
    return formatId({ namespace: this.d.config.namespace, pod: objectName(name), context: this.d.config.context ?? this.apis.current ?? '' });
  }

  private api(context: string) {
    return this.apis.get(context);
  }

  private ref(backendId: string): Ref {
    const r = parseId(backendId);
    if (!r) throw new ClauderonError('internal', `not a Kubernetes session id: ${backendId}`);
    return r;
  }

  // ------------------------------------------------------------ validate

  prepare(req: KubernetesRequest): Promise<KubernetesOptions> {
    return prepareOptions(this.apis, this.d.config, req);
  }

  configHomePath(): string {
    return POD.configHome;
  }

  agentSettingsPath(hostPath: string): string {
    return `${POD.etc}/${fileKey(hostPath)}`;
  }

  translateEnv(env: Record<string, string>): Record<string, string> {
    return translateEnv(env, this.d.paths);
  }

  // ------------------------------------------------------------ the pod

  async create(ctx: BackendCreateContext): Promise<string> {
    const o = ctx.options as KubernetesOptions | null;
    if (!o) throw new ClauderonError('internal', 'a Kubernetes session needs its options (prepare was not called)');
    const ref: Ref = { namespace: o.namespace, pod: objectName(ctx.name), context: o.context };
    const id = formatId(ref);
    try {
      await this.start(ref, ctx, false);
    } catch (e) {
      await this.delete(id).catch(() => undefined); // nothing of a failed create stays behind
      throw e;
    }
    return id;
  }

  /** Objects, pod running, relay linked, files pushed: the agent starts. */
  private async start(ref: Ref, ctx: BackendCreateContext, resume: boolean): Promise<void> {
    const o = ctx.options as KubernetesOptions;
    const { relative } = await checkAgentCwd(ctx.cwd, ctx.worktreePath);
    const { core } = await this.api(ref.context);
    const files: Record<string, string> = { 'start.sh': START_SCRIPT, 'relay.mjs': relayScriptSource() };
    for (const [key, path] of [
      ['proxy-ca.pem', this.d.paths.caCert],
      ['proxy-ca-bundle.pem', this.d.paths.caBundle],
    ] as const) {
      if (existsSync(path)) files[key] = readFileSync(path, 'utf8'); // (the certificate only: the key stays home)
    }
    const fileMounts: { key: string; path: string }[] = [];
    if (ctx.settingsFile && existsSync(ctx.settingsFile)) files[fileKey(ctx.settingsFile)] = readFileSync(ctx.settingsFile, 'utf8');
    const managed = ctx.env.HTTPS_PROXY && ctx.skipChecks ? ctx.agentHome.managedSettings : null;
    if (managed) {
      files['managed-settings.json'] = `${JSON.stringify(managed.content, null, 2)}\n`;
      fileMounts.push({ key: 'managed-settings.json', path: managed.path });
    }
    const env = splitEnv(this.translateEnv(ctx.env));
    const m = manifests({
      name: ctx.name,
      pod: ref.pod,
      ctx,
      options: o,
      env: { ...env.spec, GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'safe.directory', GIT_CONFIG_VALUE_0: POD.workspace },
      home: this.d.paths.home,
      files,
      fileMounts,
    });
    const where = `namespace ${ref.namespace} (context ${ref.context})`;
    const strict = { fieldValidation: 'Strict' };
    // the ConfigMap afresh (a new CA bundle, new settings), the volume kept across restarts
    await call(`replace ConfigMap ${ref.pod} in ${where}`, async () => {
      try {
        await core.createNamespacedConfigMap({ namespace: ref.namespace, body: m.configMap, ...strict });
      } catch (e) {
        if (statusCode(e) !== 409) throw e;
        await core.replaceNamespacedConfigMap({ name: ref.pod, namespace: ref.namespace, body: m.configMap, ...strict });
      }
    });
    await call(`create PersistentVolumeClaim ${ref.pod} in ${where}`, async () => {
      try {
        await core.createNamespacedPersistentVolumeClaim({ namespace: ref.namespace, body: m.pvc, ...strict });
      } catch (e) {
        if (!(resume && statusCode(e) === 409)) throw e;
      }
    });
    const podBody = m.pod as { spec: { containers: Record<string, unknown>[] } };
    podBody.spec.containers.push(keeperContainer(o));
    await call(`create pod ${ref.pod} in ${where}`, () => core.createNamespacedPod({ namespace: ref.namespace, body: podBody as unknown as K8s.V1Pod, ...strict }));
    this.places.add(ref);
    await this.waitRunning(ref);
    await this.links.ensure(ctx.sessionId, ref, true);
    const identity = await gitIdentity(ctx.worktreePath);
    const branch = (await hostGit(ctx.worktreePath, ['symbolic-ref', '--short', 'HEAD'])).trim();
    const { kc } = await this.api(ref.context);
    await pushSession(kc, ref, join(this.d.paths.sessions, ctx.sessionId), {
      worktreePath: ctx.worktreePath,
      branch,
      configHome: ctx.configHome?.host ?? null,
      state: ctx.agentHome.state,
      sessionEnv: shellExports(env.secret),
      cwd: relative ? `${POD.workspace}/${relative}` : POD.workspace,
      // (and what agents keep under .claude/ that is untracked: backups, caches of Claude Code's own)
      excludes: [...this.agentFiles, '.claude/', ...(ctx.agentHome.files ?? []), ...ctx.agentHome.state.map((s) => s.file)],
      identity,
      keepExisting: resume,
    });
    this.screens.drop(formatId(ref));
    void this.sizeTty(ref);
  }

  /** Until both containers run; a state that cannot get better (a bad image) fails at once, with its reason. */
  private async waitRunning(ref: Ref): Promise<void> {
    const { core } = await this.api(ref.context);
    const until = Date.now() + START_TIMEOUT_MS;
    let last = 'Pending';
    while (Date.now() < until) {
      const pod = await call(`read pod ${ref.pod}`, () => core.readNamespacedPod({ name: ref.pod, namespace: ref.namespace }));
      const statuses = pod.status?.containerStatuses ?? [];
      for (const s of statuses) {
        const w = s.state?.waiting;
        if (w?.reason && FATAL_WAITING.has(w.reason)) throw new ClauderonError('backend', `pod ${ref.pod} cannot start its ${s.name} container: ${w.reason}${w.message ? ` — ${w.message}` : ''}`);
        const t = s.state?.terminated;
        if (t && s.name === KEEPER) throw new ClauderonError('backend', `pod ${ref.pod}'s clauderon container exited (${t.reason ?? t.exitCode}) — does the image have sh?`);
      }
      if (pod.status?.phase === 'Failed' || pod.status?.phase === 'Succeeded') throw new ClauderonError('backend', `pod ${ref.pod} ended before it ran: ${pod.status.reason ?? pod.status.phase} ${pod.status.message ?? ''}`.trim());
      const keeper = statuses.find((s) => s.name === KEEPER);
      if (pod.status?.phase === 'Running' && keeper?.state?.running) return;
      const unscheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
      last = unscheduled?.message ?? statuses.map((s) => `${s.name}: ${s.state?.waiting?.reason ?? 'waiting'}`).join(', ') ?? pod.status?.phase ?? 'Pending';
      await sleep(300);
    }
    throw new ClauderonError('backend', `pod ${ref.pod} did not start within ${START_TIMEOUT_MS / 1000} s (${last})`);
  }

  /** The agent's TTY gets the mirror's size (else a full-screen agent draws into 0×0 until someone attaches). */
  private async sizeTty(ref: Ref): Promise<void> {
    try {
      const { kc } = await this.api(ref.context);
      const s = await execStream(kc, { ...ref, container: POD.container }, [], { attach: true });
      s.resize(SCREEN.cols, SCREEN.rows);
      setTimeout(() => s.close(), 500).unref();
      s.stdout.resume();
    } catch {
      // (it may have exited already: its health says so)
    }
  }

  /** After a daemon restart: the relay of a live session, linked again. */
  async reconnect(backendId: string, sessionId: string): Promise<void> {
    const ref = this.ref(backendId);
    this.places.add(ref);
    if ((await this.health(backendId)).state !== 'missing') await this.links.ensure(sessionId, ref, false);
  }

  // ------------------------------------------------------------ work back

  async fetchWork(backendId: string, target: { worktreePath: string; branchName: string; sessionId: string }): Promise<FetchResult | null> {
    const ref = this.ref(backendId);
    const { kc, core } = await this.api(ref.context);
    const pod = await core.readNamespacedPod({ name: ref.pod, namespace: ref.namespace }).catch((e: unknown) => {
      if (statusCode(e) === 404) return null;
      throw apiError(`read pod ${ref.pod}`, e);
    });
    const keeper = pod?.status?.containerStatuses?.find((c) => c.name === KEEPER);
    if (!pod || pod.metadata?.deletionTimestamp || !keeper?.state?.running) {
      // nothing runs there to fetch from; its volume may still hold commits never fetched
      const volume = await found(`PersistentVolumeClaim ${ref.pod}`, core.readNamespacedPersistentVolumeClaim({ name: ref.pod, namespace: ref.namespace }));
      if (!volume) return null;
      throw new ClauderonError(
        'conflict',
        `pod ${ref.pod} is not running, so the agent's commits since the last fetch cannot be brought back; its volume ${ref.pod} (namespace ${ref.namespace}) still holds its workspace`,
      );
    }
    return fetchSession(kc, ref, join(this.d.paths.sessions, target.sessionId), { worktreePath: target.worktreePath, branch: target.branchName });
  }

  /** The transcript's tail, read in the pod by its keeper container (the agent's may have exited). */
  async readTranscript(backendId: string, q: { roots: readonly string[]; sessionId: string; hinted: string | null; find: 'session-id' | 'newest'; maxBytes: number }): Promise<{ text: string; size: number } | null> {
    const ref = this.ref(backendId);
    const { kc, core } = await this.api(ref.context);
    const pod = await found(`pod ${ref.pod}`, core.readNamespacedPod({ name: ref.pod, namespace: ref.namespace }).then((p) => p));
    if (!pod) return null;
    const args = [String(q.maxBytes), q.find, q.sessionId, q.hinted ?? '', ...q.roots];
    const r = await execRun(kc, { ...ref, container: KEEPER }, ['sh', '-c', TRANSCRIPT_SCRIPT, 'transcript', ...args], { maxOutput: q.maxBytes + 64 }).catch((e: unknown) => {
      // (a pod that is not running cannot be read: no history, as for a session not started yet)
      if (statusCode(e) === 400 || statusCode(e) === 404) return null;
      throw e;
    });
    if (!r || r.code === 3) return null;
    if (r.code !== 0) throw new ClauderonError('backend', `reading the transcript in pod ${ref.pod} failed (exit ${r.code}): ${r.stderr.trim().slice(0, 300)}`);
    const nl = r.stdout.indexOf('\n');
    const size = Number(r.stdout.slice(0, nl));
    if (nl < 0 || !Number.isSafeInteger(size)) throw new ClauderonError('backend', `reading the transcript in pod ${ref.pod}: an unexpected answer`);
    return { text: r.stdout.slice(nl + 1), size };
  }

  /** A file where the agent reads it (an image attachment), written by the keeper container. */
  async writeAgentFile(backendId: string, path: string, data: Buffer): Promise<void> {
    const ref = this.ref(backendId);
    const { kc, core } = await this.api(ref.context);
    const pod = await core.readNamespacedPod({ name: ref.pod, namespace: ref.namespace }).catch((e: unknown) => {
      if (statusCode(e) === 404) return null;
      throw apiError(`read pod ${ref.pod}`, e);
    });
    const state = keeperNotRunning(pod);
    if (state) throw new ClauderonError('conflict', `pod ${ref.pod} (namespace ${ref.namespace}) is not running — ${state}; unarchive the session (or wait for its pod to start), then attach the image again`);
    await putFile(kc, ref, path, data);
  }

  // ------------------------------------------------------------ lifecycle

  async exists(backendId: string): Promise<boolean> {
    const ref = this.ref(backendId);
    const { core } = await this.api(ref.context);
    const [pod, pvc] = await Promise.all([found(`pod ${ref.pod}`, core.readNamespacedPod({ name: ref.pod, namespace: ref.namespace })), found(`PersistentVolumeClaim ${ref.pod}`, core.readNamespacedPersistentVolumeClaim({ name: ref.pod, namespace: ref.namespace }))]);
    return pod || pvc;
  }

  /** The pod, its volume and its ConfigMap (each may be missing already). */
  async delete(backendId: string): Promise<void> {
    this.links.drop(backendId);
    this.screens.drop(backendId);
    const ref = this.ref(backendId);
    const { core } = await this.api(ref.context);
    const gone = (what: string) => (e: unknown) => {
      if (statusCode(e) !== 404) throw apiError(`delete ${what} ${ref.pod} in namespace ${ref.namespace}`, e);
    };
    await core.deleteNamespacedPod({ name: ref.pod, namespace: ref.namespace, gracePeriodSeconds: 5 }).then(() => undefined, gone('pod'));
    await core.deleteNamespacedPersistentVolumeClaim({ name: ref.pod, namespace: ref.namespace }).then(() => undefined, gone('PersistentVolumeClaim'));
    await core.deleteNamespacedConfigMap({ name: ref.pod, namespace: ref.namespace }).then(() => undefined, gone('ConfigMap'));
  }

  /** Archive: the pod goes, its volume (the workspace) stays for unarchive. */
  async stop(backendId: string): Promise<void> {
    this.links.drop(backendId);
    this.screens.drop(backendId);
    const ref = this.ref(backendId);
    const { core } = await this.api(ref.context);
    await core.deleteNamespacedPod({ name: ref.pod, namespace: ref.namespace, gracePeriodSeconds: 5 }).catch((e: unknown) => {
      if (statusCode(e) !== 404) throw apiError(`delete pod ${ref.pod}`, e);
    });
    await this.waitGone(ref);
  }

  private async waitGone(ref: Ref): Promise<void> {
    const { core } = await this.api(ref.context);
    for (let i = 0; i < 200; i++) {
      const there = await core.readNamespacedPod({ name: ref.pod, namespace: ref.namespace }).then(
        () => true,
        (e: unknown) => statusCode(e) !== 404,
      );
      if (!there) return;
      await sleep(150);
    }
  }

  async resume(backendId: string, ctx: BackendCreateContext): Promise<string> {
    const ref = this.ref(backendId);
    this.links.drop(backendId);
    const { core } = await this.api(ref.context);
    // a pod of the session still there (e.g. the agent ended): a new one on the same volume
    await core.deleteNamespacedPod({ name: ref.pod, namespace: ref.namespace, gracePeriodSeconds: 0 }).catch((e: unknown) => {
      if (statusCode(e) !== 404) throw apiError(`delete pod ${ref.pod}`, e);
    });
    await this.waitGone(ref);
    try {
      await this.start(ref, ctx, true);
    } catch (e) {
      await this.stop(backendId).catch(() => undefined);
      throw e;
    }
    return backendId;
  }

  attachCommand(backendId: string): string[] {
    const ref = this.ref(backendId);
    const kubectl = ['kubectl', ...(ref.context ? ['--context', ref.context] : []), '-n', ref.namespace, 'attach', '-it', ref.pod, '-c', POD.container];
    // kubectl attach has no detach keys: clauderon's own bin runs it under a pty that detaches on
    // Ctrl-P Ctrl-Q (cli/commands/detachable.ts); without it (no bin known), kubectl alone
    const bin = process.argv[1];
    return bin && /clauderon(\.js)?$/.test(bin) ? [process.execPath, bin, 'detachable', '--', ...kubectl] : kubectl;
  }

  // ------------------------------------------------------------ screen, health

  /** The agent's screen, mirrored from its container log in a headless terminal (screens.ts). */
  output(backendId: string, lines: number): Promise<string> {
    return this.screens.text(backendId, this.ref(backendId), lines);
  }

  async health(backendId: string): Promise<BackendHealth> {
    const ref = this.ref(backendId);
    const { core } = await this.api(ref.context);
    const pod = await core.readNamespacedPod({ name: ref.pod, namespace: ref.namespace }).catch((e: unknown) => {
      if (statusCode(e) === 404) return null;
      throw apiError(`read pod ${ref.pod}`, e);
    });
    return healthOfPod(pod);
  }

  /** Pod events of this home, one watch per (context, namespace) with sessions (watch.ts). */
  watch(on: { onChange(id: string): void; onOpen(): void; onError(e: unknown): void }): () => void {
    return this.places.watch(on);
  }

  /** This home's sessions' objects (pods, volumes, ConfigMaps) in the namespaces it uses. */
  async listIds(): Promise<string[]> {
    const out = new Set<string>();
    for (const r of this.places.all()) {
      const { core, kc } = await this.api(r.context);
      const context = r.context || kc.getCurrentContext();
      const sel = { namespace: r.namespace, labelSelector: homeSelector(this.d.paths.home) };
      const lists = await Promise.all([
        core.listNamespacedPod(sel).then((l) => l.items),
        core.listNamespacedPersistentVolumeClaim(sel).then((l) => l.items),
        core.listNamespacedConfigMap(sel).then((l) => l.items),
      ]).catch((e: unknown) => {
        if (statusCode(e) === 404) return [[], [], []];
        throw apiError(`list this home's objects in namespace ${r.namespace}`, e);
      });
      for (const items of lists) for (const i of items as { metadata?: { name?: string } }[]) if (i.metadata?.name) out.add(formatId({ namespace: r.namespace, pod: i.metadata.name, context }));
    }
    return [...out];
  }

  close(): void {
    this.links.closeAll();
    this.screens.closeAll();
  }
}

async function gitIdentity(worktree: string): Promise<{ name: string | null; email: string | null }> {
  const get = (k: string) => hostGit(worktree, ['config', '--get', k]).then((v) => v.trim() || null, () => null);
  return { name: await get('user.name'), email: await get('user.email') };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

