// Kubernetes backend: one pod per session (`clauderon-NAME`, containers `agent` and `clauderon`),
// with its workspace PersistentVolumeClaim and ConfigMap, all labelled with the session and this
// clauderon home (objects.ts says what each holds — never a credential). The session's branch and
// files go in, and the agent's commits come back, over exec (transfer.ts); the agent reaches its
// proxy, which stays with the daemon, through the relay in the pod (src/backends/relay), carried
// over one exec stream per pod that this backend keeps open (and opens again when it breaks).
// @kubernetes/client-node costs ~1 s to load: it is loaded when a Kubernetes session is first touched.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type * as K8s from '@kubernetes/client-node';
import xterm from '@xterm/headless';
import type { Paths } from '../../config/paths.js';
import { ClauderonError, errorMessage } from '../../shared/errors.js';
import { relayScriptSource } from '../relay/script.js';
import { startRelayLink, type RelayLink } from '../relay/link.js';
import { checkAgentCwd } from '../cwd.js';
import type { SessionTargets } from '../spec.js';
import type { Backend, BackendCreateContext, BackendHealth } from '../types.js';
import { execStream, type ExecStream } from './exec.js';
import {
  cpuQuantity,
  fileKey,
  formatId,
  homeSelector,
  LABEL,
  manifests,
  memoryQuantity,
  objectName,
  parseId,
  POD,
  shellExports,
  splitEnv,
  START_SCRIPT,
  translateEnv,
  type KubernetesOptions,
} from './objects.js';
import type { KubernetesConfig, KubernetesRequest } from './spec.js';
import { fetchSession, hostGit, KEEPER, pushSession, type FetchResult } from './transfer.js';

const { Terminal } = xterm;

export interface KubernetesBackendDeps {
  config: KubernetesConfig;
  paths: Paths;
  env: Record<string, string>;
  targets?: SessionTargets | undefined;
}

/** How long a new pod may take to run (an image pull on a real cluster takes a while). */
const START_TIMEOUT_MS = 180_000;
/** Container states that will not get better by waiting. */
const FATAL_WAITING = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'CreateContainerConfigError', 'CreateContainerError', 'ErrImageNeverPull', 'CrashLoopBackOff']);
const SCREEN = { cols: 200, rows: 50 } as const;

interface Ref {
  namespace: string;
  pod: string;
  context: string;
}

interface Api {
  kc: K8s.KubeConfig;
  core: K8s.CoreV1Api;
  authz: K8s.AuthorizationV1Api;
  k8s: typeof K8s;
}

interface LinkEntry {
  sessionId: string;
  ref: Ref;
  link: RelayLink | null;
  exec: ExecStream | null;
  stopped: boolean;
  retry: NodeJS.Timeout | null;
  failures: number;
}

export class KubernetesBackend implements Backend {
  readonly name = 'kubernetes' as const;
  readonly detachHint = 'detach with Ctrl-P then Ctrl-Q';
  readonly agentFiles = ['.clauderon', '.cache', '.npm', '.config', '.local', '.bash_history', '.gitconfig'];
  private readonly apis = new Map<string, Promise<Api>>();
  private readonly links = new Map<string, LinkEntry>();
  private readonly screens = new Map<string, { term: InstanceType<typeof Terminal>; stop: () => void; ready: Promise<void> }>();
  /** (context, namespace) pairs with sessions: what watch() follows. */
  private readonly places = new Map<string, Ref>();
  private watchers: { add(r: Ref): void; stop(): void } | null = null;

  constructor(private readonly d: KubernetesBackendDeps) {}

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
    return formatId({ namespace: this.d.config.namespace, pod: objectName(name), context: this.d.config.context ?? this.currentContext ?? '' });
  }

  /** The kubeconfig's current context, known once the client has been loaded. */
  private currentContext: string | null = null;

  // ------------------------------------------------------------ the client

  private api(context: string): Promise<Api> {
    let p = this.apis.get(context);
    if (!p) {
      p = (async () => {
        const k8s = await import('@kubernetes/client-node');
        const kc = new k8s.KubeConfig();
        try {
          kc.loadFromDefault();
        } catch (e) {
          throw new ClauderonError('backend', `cannot read the kubeconfig: ${errorMessage(e)}`);
        }
        if (context) {
          if (!kc.getContexts().some((c) => c.name === context)) {
            throw new ClauderonError('invalid_input', `no context "${context}" in the kubeconfig (it has: ${kc.getContexts().map((c) => c.name).join(', ') || 'none'})`, { field: 'option:context' });
          }
          kc.setCurrentContext(context);
        }
        if (!kc.getCurrentCluster()) throw new ClauderonError('backend', 'the kubeconfig has no current context — pass --context or set [kubernetes] context');
        if (!context) this.currentContext = kc.getCurrentContext();
        return { kc, core: kc.makeApiClient(k8s.CoreV1Api), authz: kc.makeApiClient(k8s.AuthorizationV1Api), k8s };
      })();
      p.catch(() => this.apis.delete(context));
      this.apis.set(context, p);
    }
    return p;
  }

  private ref(backendId: string): Ref {
    const r = parseId(backendId);
    if (!r) throw new ClauderonError('internal', `not a Kubernetes session id: ${backendId}`);
    return r;
  }

  // ------------------------------------------------------------ validate

  async prepare(req: KubernetesRequest): Promise<KubernetesOptions> {
    const c = this.d.config;
    const wanted = req.context ?? c.context ?? '';
    const { kc, core, authz } = await this.api(wanted);
    const context = kc.getCurrentContext();
    const namespace = req.namespace ?? c.namespace;
    const memoryLimit = req.memoryLimit !== undefined ? memoryQuantity(req.memoryLimit) : c.memory_limit;
    if (memoryLimit === null) throw new ClauderonError('invalid_input', `invalid memory limit "${req.memoryLimit ?? ''}": expected a size such as 4Gi or 512Mi`, { field: 'option:memoryLimit' });
    const o: KubernetesOptions = {
      context,
      namespace,
      image: req.image ?? c.image,
      pullPolicy: c.pull_policy,
      serviceAccount: c.service_account,
      cpuRequest: c.cpu_request,
      memoryRequest: c.memory_request,
      cpuLimit: req.cpuLimit !== undefined ? cpuQuantity(req.cpuLimit) : c.cpu_limit,
      memoryLimit,
      storageClass: req.storageClass ?? c.storage_class ?? null,
      storageSize: c.storage_size,
      runAsUser: c.run_as_user,
    };
    const where = `namespace "${namespace}" (context ${context})`;
    // what a session needs, asked of the API itself: one clear error instead of a half-made session
    const needs: [string, string, string?][] = [
      ['create', 'pods'],
      ['delete', 'pods'],
      ['watch', 'pods'],
      ['create', 'pods', 'exec'],
      ['create', 'pods', 'attach'],
      ['get', 'pods', 'log'],
      ['create', 'persistentvolumeclaims'],
      ['delete', 'persistentvolumeclaims'],
      ['create', 'configmaps'],
      ['delete', 'configmaps'],
    ];
    const answers = await Promise.all(
      needs.map(async ([verb, resource, subresource]) => {
        const r = await call(`check access in ${where}`, () =>
          authz.createSelfSubjectAccessReview({ body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { namespace, verb, resource, ...(subresource ? { subresource } : {}) } } } }),
        );
        return r.status?.allowed === true ? null : `${verb} ${resource}${subresource ? `/${subresource}` : ''}`;
      }),
    );
    const denied = answers.filter((a): a is string => a !== null);
    if (denied.length > 0) {
      throw new ClauderonError(
        'backend',
        `your kubeconfig's user may not ${denied.join(', ')} in ${where} — \`clauderon kubernetes init --dry-run\` prints the Role a session needs; apply it with an admin's kubeconfig (\`clauderon kubernetes init\`)`,
      );
    }
    try {
      await core.readNamespacedServiceAccount({ name: o.serviceAccount, namespace });
    } catch (e) {
      const code = statusCode(e);
      if (code === 404) {
        const ns = await core.readNamespace({ name: namespace }).then(
          () => true,
          (e2: unknown) => statusCode(e2) !== 404,
        );
        if (!ns) throw new ClauderonError('backend', `${where.replace(' (', ' does not exist (')} — create it with \`clauderon kubernetes init\` (or: kubectl create namespace ${namespace})`, { field: 'option:namespace' });
        throw new ClauderonError('backend', `service account "${o.serviceAccount}" does not exist in ${where} — create it with \`clauderon kubernetes init\` (or: kubectl -n ${namespace} create serviceaccount ${o.serviceAccount})`);
      }
      if (code !== 403) throw apiError(`read service account ${o.serviceAccount} in ${where}`, e);
      // (a user without get on service accounts: the pod's create says so if it is missing)
    }
    return o;
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
    this.places.set(`${ref.context}\n${ref.namespace}`, { ...ref, pod: '' });
    this.watchers?.add(ref);
    await this.waitRunning(ref);
    await this.ensureLink(ctx.sessionId, ref, true);
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
    this.dropScreen(formatId(ref));
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

  // ------------------------------------------------------------ the relay

  /** The relay in `ref`'s pod, linked to this session's proxy and the hooks port (kept up while the pod runs). */
  private async ensureLink(sessionId: string, ref: Ref, wait: boolean): Promise<void> {
    const key = formatId(ref);
    let e = this.links.get(key);
    if (e?.link && !e.stopped) {
      if (wait) await e.link.ready;
      return;
    }
    e = { sessionId, ref, link: null, exec: null, stopped: false, retry: null, failures: 0 };
    this.links.set(key, e);
    await this.openLink(e, wait);
  }

  private async openLink(e: LinkEntry, wait: boolean): Promise<void> {
    const { kc } = await this.api(e.ref.context);
    const targets = this.d.targets;
    const exec = await execStream(kc, { ...e.ref, container: KEEPER }, ['node', POD.relay, '--listen', `proxy=127.0.0.1:${POD.proxyPort}`, '--listen', `hooks=127.0.0.1:${POD.hooksPort}`], { stdin: true });
    if (e.stopped) return exec.close();
    const link = startRelayLink({ input: exec.stdout, output: exec.stdin }, (name) => {
      const port = name === 'proxy' ? (targets?.proxyPort(e.sessionId) ?? null) : name === 'hooks' ? (targets?.hooksPort() ?? null) : null;
      return port === null ? null : { host: '127.0.0.1', port };
    });
    e.exec = exec;
    e.link = link;
    void link.closed.then(({ reason }) => {
      exec.close();
      if (e.stopped || this.links.get(formatId(e.ref)) !== e) return;
      e.link = null;
      e.failures++;
      // the stream broke (network, API server restart): again, less often the more it fails
      const delay = Math.min(30_000, 500 * 2 ** Math.min(6, e.failures));
      e.retry = setTimeout(() => {
        e.retry = null;
        void this.openLink(e, false).catch(() => {
          if (!e.stopped) void link.closed; // (the next failure schedules the next try)
        });
      }, delay);
      e.retry.unref();
      void reason;
    });
    if (wait) {
      await Promise.race([
        link.ready,
        exec.exit.then((code) => {
          throw new ClauderonError('backend', `the relay in pod ${e.ref.pod} did not start (exit ${code}): ${exec.stderrText().trim() || 'no message'} — does the image have node?`);
        }),
      ]);
      e.failures = 0;
    } else {
      void link.ready.then(() => (e.failures = 0)).catch(() => undefined);
    }
  }

  private dropLink(id: string): void {
    const e = this.links.get(id);
    if (!e) return;
    e.stopped = true;
    if (e.retry) clearTimeout(e.retry);
    e.link?.close();
    e.exec?.close();
    this.links.delete(id);
  }

  /** After a daemon restart: the relay of a live session, linked again. */
  async reconnect(backendId: string, sessionId: string): Promise<void> {
    const ref = this.ref(backendId);
    this.places.set(`${ref.context}\n${ref.namespace}`, { ...ref, pod: '' });
    this.watchers?.add(ref);
    if ((await this.health(backendId)).state !== 'missing') await this.ensureLink(sessionId, ref, false);
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
      const volume = await core.readNamespacedPersistentVolumeClaim({ name: ref.pod, namespace: ref.namespace }).then(
        () => true,
        (e: unknown) => (statusCode(e) === 404 ? false : Promise.reject(apiError(`read PersistentVolumeClaim ${ref.pod}`, e))),
      );
      if (!volume) return null;
      throw new ClauderonError(
        'conflict',
        `pod ${ref.pod} is not running, so the agent's commits since the last fetch cannot be brought back; its volume ${ref.pod} (namespace ${ref.namespace}) still holds its workspace`,
      );
    }
    return fetchSession(kc, ref, join(this.d.paths.sessions, target.sessionId), { worktreePath: target.worktreePath, branch: target.branchName });
  }

  // ------------------------------------------------------------ lifecycle

  async exists(backendId: string): Promise<boolean> {
    const ref = this.ref(backendId);
    const { core } = await this.api(ref.context);
    const found = (p: Promise<unknown>) => p.then(() => true, (e: unknown) => (statusCode(e) === 404 ? false : Promise.reject(apiError(`read ${ref.pod}`, e))));
    const [pod, pvc] = await Promise.all([found(core.readNamespacedPod({ name: ref.pod, namespace: ref.namespace })), found(core.readNamespacedPersistentVolumeClaim({ name: ref.pod, namespace: ref.namespace }))]);
    return pod || pvc;
  }

  /** The pod, its volume and its ConfigMap (each may be missing already). */
  async delete(backendId: string): Promise<void> {
    this.dropLink(backendId);
    this.dropScreen(backendId);
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
    this.dropLink(backendId);
    this.dropScreen(backendId);
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
    this.dropLink(backendId);
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

  /** The agent's screen, mirrored from its container log (replayed, then followed) in a headless terminal. */
  async output(backendId: string, lines: number): Promise<string> {
    let m = this.screens.get(backendId);
    if (!m) {
      const ref = this.ref(backendId);
      const term = new Terminal({ cols: SCREEN.cols, rows: SCREEN.rows, scrollback: 2000, allowProposedApi: true });
      const entry = { term, stop: () => undefined as void, ready: Promise.resolve() };
      entry.ready = (async () => {
        const { kc, k8s } = await this.api(ref.context);
        const { PassThrough } = await import('node:stream');
        const sink = new PassThrough();
        let last = Date.now();
        sink.on('data', (d: Buffer) => {
          last = Date.now();
          term.write(d);
        });
        const ctl = await new k8s.Log(kc).log(ref.namespace, ref.pod, POD.container, sink, { follow: true });
        entry.stop = () => ctl.abort();
        const until = Date.now() + 1500;
        while (Date.now() < until && Date.now() - last < 80) await sleep(20);
      })().catch((e: unknown) => {
        this.dropScreen(backendId);
        throw statusCode(e) === 404 ? new ClauderonError('backend', `pod ${ref.pod} is gone — reconcile`) : apiError(`logs of ${ref.pod}`, e);
      });
      m = entry;
      this.screens.set(backendId, m);
    }
    await m.ready;
    const term = m.term;
    await new Promise<void>((r) => term.write('', r));
    const buf = term.buffer.active;
    const out: string[] = [];
    for (let i = 0; i < buf.length; i++) out.push(buf.getLine(i)?.translateToString(true) ?? '');
    while (out.length > 0 && out[out.length - 1]?.trim() === '') out.pop();
    return out.slice(-Math.max(1, lines)).join('\n');
  }

  private dropScreen(id: string): void {
    const m = this.screens.get(id);
    if (!m) return;
    this.screens.delete(id);
    m.stop();
    m.term.dispose();
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

  /**
   * Pod events of this home, one watch per (context, namespace) with sessions: onChange with the
   * session's id when one of its pods changed or went away. Each (re)open also links the relays of
   * running pods that have none (after a daemon restart, or a broken stream).
   */
  watch(on: { onChange(id: string): void; onOpen(): void; onError(e: unknown): void }): () => void {
    const aborts = new Map<string, AbortController>();
    let stopped = false;
    const add = (r: Ref) => {
      const key = `${r.context}\n${r.namespace}`;
      if (aborts.has(key) || stopped) return;
      aborts.set(key, new AbortController()); // (placeholder until the watch is open)
      void (async () => {
        const { kc, k8s } = await this.api(r.context);
        const path = `/api/v1/namespaces/${r.namespace}/pods`;
        const ctl = await new k8s.Watch(kc).watch(
          path,
          { labelSelector: homeSelector(this.d.paths.home) },
          (_phase: string, obj: K8s.V1Pod) => {
            const name = obj.metadata?.name;
            if (name) on.onChange(formatId({ namespace: r.namespace, pod: name, context: r.context }));
          },
          (err: unknown) => {
            aborts.delete(key);
            if (!stopped) on.onError(err ?? new Error(`the pod watch of namespace ${r.namespace} ended`));
          },
        );
        if (stopped) return ctl.abort();
        aborts.set(key, ctl);
        on.onOpen();
      })().catch((e: unknown) => {
        aborts.delete(key);
        if (!stopped) on.onError(e);
      });
    };
    if (this.places.size === 0) this.places.set(`${this.d.config.context ?? ''}\n${this.d.config.namespace}`, { context: this.d.config.context ?? '', namespace: this.d.config.namespace, pod: '' });
    for (const r of this.places.values()) add(r);
    const w = {
      add,
      stop: () => {
        stopped = true;
        for (const a of aborts.values()) a.abort();
        aborts.clear();
      },
    };
    this.watchers = w;
    return () => {
      w.stop();
      if (this.watchers === w) this.watchers = null;
    };
  }

  /** This home's sessions' objects (pods, volumes, ConfigMaps) in the namespaces it uses. */
  async listIds(): Promise<string[]> {
    const places = new Map(this.places);
    const dflt = { context: this.d.config.context ?? '', namespace: this.d.config.namespace, pod: '' };
    places.set(`${dflt.context}\n${dflt.namespace}`, dflt);
    const out = new Set<string>();
    for (const r of places.values()) {
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
    for (const id of [...this.links.keys()]) this.dropLink(id);
    for (const id of [...this.screens.keys()]) this.dropScreen(id);
    this.watchers?.stop();
  }
}

/** The `clauderon` container: holds the workspace for the relay and transfers, and outlives the agent. */
function keeperContainer(o: KubernetesOptions): Record<string, unknown> {
  return {
    name: KEEPER,
    image: o.image,
    imagePullPolicy: o.pullPolicy,
    command: ['sh', '-c', 'trap "exit 0" TERM INT; while :; do sleep 3600 & wait $!; done'],
    workingDir: POD.workspace,
    env: [
      { name: 'HOME', value: POD.workspace },
      { name: 'GIT_CONFIG_COUNT', value: '1' },
      { name: 'GIT_CONFIG_KEY_0', value: 'safe.directory' },
      { name: 'GIT_CONFIG_VALUE_0', value: POD.workspace },
    ],
    resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { cpu: '1', memory: '1Gi' } },
    securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
    volumeMounts: [
      { name: 'workspace', mountPath: POD.workspace },
      { name: 'clauderon', mountPath: POD.etc, readOnly: true },
      { name: 'run', mountPath: POD.run },
    ],
  };
}

/** What a pod says of its agent. */
export function healthOfPod(pod: K8s.V1Pod | null): BackendHealth {
  if (!pod || pod.metadata?.deletionTimestamp) return { state: 'missing', exitCode: null };
  const agent = pod.status?.containerStatuses?.find((s) => s.name === POD.container);
  const t = agent?.state?.terminated;
  if (t) return { state: 'exited', exitCode: t.exitCode };
  if (pod.status?.phase === 'Failed' || pod.status?.phase === 'Succeeded') return { state: 'exited', exitCode: null };
  const w = agent?.state?.waiting;
  if (w?.reason && FATAL_WAITING.has(w.reason)) return { state: 'exited', exitCode: null };
  return { state: 'running', exitCode: null };
}

async function gitIdentity(worktree: string): Promise<{ name: string | null; email: string | null }> {
  const get = (k: string) => hostGit(worktree, ['config', '--get', k]).then((v) => v.trim() || null, () => null);
  return { name: await get('user.name'), email: await get('user.email') };
}

function statusCode(e: unknown): number | null {
  const c = (e as { code?: unknown } | null)?.code;
  return typeof c === 'number' ? c : null;
}

/** The API's own message (its Status), with the call it answered. */
function apiError(what: string, e: unknown): ClauderonError {
  if (e instanceof ClauderonError) return e;
  const body = (e as { body?: unknown } | null)?.body;
  let message: string | null = null;
  if (typeof body === 'string') {
    try {
      message = (JSON.parse(body) as { message?: string }).message ?? null;
    } catch {
      message = body.trim() || null;
    }
  } else if (body && typeof body === 'object') message = (body as { message?: string }).message ?? null;
  const code = statusCode(e);
  return new ClauderonError('backend', `kubernetes: cannot ${what}: ${message ?? errorMessage(e).split('\n')[0] ?? 'failed'}${code === 401 ? ' — your kubeconfig\'s credentials were refused (log in to the cluster again)' : ''}`);
}

async function call<T>(what: string, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    throw apiError(what, e);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export { LABEL };
