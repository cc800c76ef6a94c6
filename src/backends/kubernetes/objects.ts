// What a session is made of on a cluster, as plain objects: its workspace PersistentVolumeClaim,
// its ConfigMap (the proxy's CA certificate, the relay, the start script, clauderon's settings
// files) and its Pod. Pure functions, unit-tested without a cluster; backend.ts sends them.
//
// No field of any of them holds a credential: the agent's environment in the pod spec has
// placeholders only, and what is a session secret (the proxy URL with the session's proxy password,
// the hook token) is written over the exec channel into the pod's memory-backed /run/clauderon,
// which the start script reads before it starts the agent (sessionEnv below).
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { RELAY_PORTS } from '../relay/ports.js';
import type * as K8s from '@kubernetes/client-node';
import type { BackendCreateContext, BackendHealth } from '../types.js';

/** Stored with each Kubernetes session (session_backend_options). */
export interface KubernetesOptions {
  context: string;
  namespace: string;
  image: string;
  pullPolicy: 'Always' | 'IfNotPresent' | 'Never';
  serviceAccount: string;
  cpuRequest: string;
  memoryRequest: string;
  cpuLimit: string;
  memoryLimit: string;
  storageClass: string | null;
  storageSize: string;
  runAsUser: number;
}

/** Inside the pod. */
export const POD = {
  container: 'agent',
  /** Holds the workspace for the relay and the transfers, and outlives the agent. */
  keeper: 'clauderon',
  workspace: '/workspace',
  etc: '/etc/clauderon',
  caCert: '/etc/clauderon/proxy-ca.pem',
  caBundle: '/etc/clauderon/proxy-ca-bundle.pem',
  relay: '/etc/clauderon/relay.mjs',
  start: '/etc/clauderon/start.sh',
  /** Memory-backed, per pod: the session's secrets, the agent's cwd, the "ready" mark. */
  run: '/run/clauderon',
  configHome: '/workspace/.clauderon/agent-home',
  /** Where the relay listens for the agent (the pod's loopback). */
  proxyPort: RELAY_PORTS.proxy,
  hooksPort: RELAY_PORTS.hooks,
} as const;

export const LABEL = {
  managed: 'clauderon.io/managed',
  session: 'clauderon.io/session-id',
  home: 'clauderon.io/home',
} as const;
export const ANNOTATION_HOME = 'clauderon.io/home-path';
export const ANNOTATION_NAME = 'clauderon.io/session-name';

/** A label value for a clauderon home (a path is not a valid label value). */
export function homeLabel(home: string): string {
  return createHash('sha256').update(home).digest('hex').slice(0, 16);
}

/** The label selector of this home's objects. */
export function homeSelector(home: string): string {
  return `${LABEL.managed}=true,${LABEL.home}=${homeLabel(home)}`;
}

/** `clauderon-NAME`, cut to a DNS-1123 label (63) with a hash of the whole when longer. */
export function objectName(name: string): string {
  const full = `clauderon-${name}`.toLowerCase().replace(/[^a-z0-9-]/g, '-');
  if (full.length <= 63) return full.replace(/-+$/, '');
  const h = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${full.slice(0, 54).replace(/-+$/, '')}-${h}`;
}

/**
 * A session's object id: NAMESPACE/POD@CONTEXT (the context percent-encoded, so '@' and '/' in a
 * context name cannot be mistaken for the separators).
 */
export function formatId(t: { namespace: string; pod: string; context: string }): string {
  return `${t.namespace}/${t.pod}@${encodeURIComponent(t.context)}`;
}

export function parseId(id: string): { namespace: string; pod: string; context: string } | null {
  const m = /^([a-z0-9-]+)\/([a-z0-9-]+)@([^@/]*)$/.exec(id);
  if (!m) return null;
  try {
    return { namespace: m[1] ?? '', pod: m[2] ?? '', context: decodeURIComponent(m[3] ?? '') };
  } catch {
    return null;
  }
}

/** Kubernetes quantity for a CPU count (2 → "2", 0.5 → "500m"). */
export function cpuQuantity(cpus: number): string {
  return Number.isInteger(cpus) ? String(cpus) : `${Math.round(cpus * 1000)}m`;
}

/** A memory size as a Kubernetes quantity: "4Gi", "512Mi" as given; Docker-style "4g", "512m" converted. */
export function memoryQuantity(text: string): string | null {
  const t = text.trim();
  if (/^\d+(\.\d+)?(Ki|Mi|Gi|Ti)$/.test(t)) return t;
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt])(i?b)?$/i.exec(t);
  if (m) return `${m[1] ?? ''}${({ k: 'Ki', m: 'Mi', g: 'Gi', t: 'Ti' } as const)[(m[2] ?? 'm').toLowerCase() as 'k' | 'm' | 'g' | 't']}`;
  if (/^\d+$/.test(t)) return t;
  return null;
}

/** The agent's variables that are session secrets: delivered over exec, never in the pod spec. */
export function isSessionSecret(key: string, value: string): boolean {
  return /^(https?_proxy|HTTPS?_PROXY|ALL_PROXY|all_proxy)$/.test(key) || key === 'CLAUDERON_HOOK_TOKEN' || /\/\/[^/@\s]+:[^/@\s]+@/.test(value);
}

/** The agent's environment as seen from inside: the CA at its ConfigMap path, the proxy and hooks at the relay. */
export function translateEnv(env: Record<string, string>, paths: { caCert: string; caBundle: string }): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    if (v === paths.caCert) out[k] = POD.caCert;
    else if (v === paths.caBundle) out[k] = POD.caBundle;
    else if (/^(https?_proxy|HTTPS?_PROXY)$/.test(k)) out[k] = v.replace(/(@|\/\/)127\.0\.0\.1:\d+/, `$1127.0.0.1:${POD.proxyPort}`);
    else if (k === 'CLAUDERON_HOOK_URL') out[k] = `http://127.0.0.1:${POD.hooksPort}`;
    else out[k] = v;
  }
  return out;
}

/** The two halves of the agent's environment: the pod spec's (no secret) and the pushed one. */
export function splitEnv(env: Record<string, string>): { spec: Record<string, string>; secret: Record<string, string> } {
  const spec: Record<string, string> = {};
  const secret: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) (isSessionSecret(k, v) ? secret : spec)[k] = v;
  return { spec, secret };
}

/** `export K='V'` lines for sh. */
export function shellExports(env: Record<string, string>): string {
  return Object.entries(env)
    .filter(([k]) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(k))
    .map(([k, v]) => `export ${k}='${v.replace(/'/g, `'\\''`)}'\n`)
    .join('');
}

/**
 * The agent container's entry point: wait for the session's files (pushed by the daemon over exec
 * once the relay listens), read its secrets from memory, start the agent where it works.
 */
/**
 * Run in the keeper container by `sh -c SCRIPT transcript MAX FIND SESSION_ID HINTED ROOT...`:
 * prints the transcript's size in bytes, a newline, then its last MAX bytes; exit 3 when there is
 * none. Every value is an argument, never part of the script. HINTED (from the agent's hooks) is
 * used only when it names a regular, non-symlink *.jsonl inside one of the ROOTs without `..`;
 * otherwise ROOT/<project>/SESSION_ID.jsonl (FIND=session-id) or the newest *.jsonl below a ROOT
 * (FIND=newest, GNU find). Whatever the pod holds, the host only parses the bytes it is sent.
 */
export const TRANSCRIPT_SCRIPT = [
  'max=$1; find=$2; sid=$3; hinted=$4; shift 4',
  'ok() { case "$1" in *.jsonl) ;; *) return 1 ;; esac; case "$1" in */../*|../*|*/..) return 1 ;; esac; [ -f "$1" ] && [ ! -L "$1" ]; }',
  'f=',
  'if [ -n "$hinted" ]; then for r in "$@"; do case "$hinted" in "$r"/*) ok "$hinted" && f=$hinted ;; esac; done; fi',
  'if [ -z "$f" ]; then for r in "$@"; do',
  '  [ -d "$r" ] || continue',
  '  if [ "$find" = newest ]; then c=$(find "$r" -maxdepth 5 -type f -name "*.jsonl" -printf "%T@ %p\\n" 2>/dev/null | sort -rn | head -n 1 | cut -d" " -f2-)',
  '  else c=$(find "$r" -mindepth 2 -maxdepth 2 -type f -name "$sid.jsonl" 2>/dev/null | head -n 1); fi',
  '  if [ -n "$c" ] && ok "$c"; then f=$c; break; fi',
  'done; fi',
  '[ -n "$f" ] || exit 3',
  'wc -c < "$f" | tr -d " "',
  'tail -c "$max" "$f"',
].join('\n');

export const START_SCRIPT = `#!/bin/sh
# clauderon: the agent starts once the daemon has pushed the session's files (workspace, config
# home, secrets) over the Kubernetes API connection and the relay to its proxy listens.
i=0
while [ ! -f ${POD.run}/ready ]; do
  i=$((i + 1))
  if [ "$i" -gt 3000 ]; then echo "clauderon: the session's files did not arrive within 5 minutes" >&2; exit 97; fi
  sleep 0.1
done
. ${POD.run}/session.env
cd "$(cat ${POD.run}/cwd)" || exit 98
exec "$@"
`;

export interface Manifests {
  pvc: Record<string, unknown>;
  configMap: Record<string, unknown>;
  pod: Record<string, unknown>;
}

export interface ManifestInput {
  name: string;
  pod: string;
  ctx: BackendCreateContext;
  options: KubernetesOptions;
  /** The agent's environment as the pod spec holds it (translated, no session secret: splitEnv). */
  env: Record<string, string>;
  home: string;
  /** The ConfigMap's files: CA PEMs, relay, settings (by key). */
  files: Record<string, string>;
  /** Where each settings file is mounted: key → path in the pod. */
  fileMounts: { key: string; path: string }[];
}

function metadata(i: ManifestInput, name: string): Record<string, unknown> {
  return {
    name,
    namespace: i.options.namespace,
    labels: { [LABEL.managed]: 'true', [LABEL.session]: i.ctx.sessionId, [LABEL.home]: homeLabel(i.home) },
    annotations: { [ANNOTATION_HOME]: i.home, [ANNOTATION_NAME]: i.name },
  };
}

export function manifests(i: ManifestInput): Manifests {
  const o = i.options;
  const pvc = {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: metadata(i, i.pod),
    spec: {
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: o.storageSize } },
      ...(o.storageClass ? { storageClassName: o.storageClass } : {}),
    },
  };
  const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: metadata(i, i.pod), data: i.files };
  const podEnv = { ...i.env, HOME: POD.workspace, TERM: 'xterm-256color' };
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: metadata(i, i.pod),
    spec: {
      restartPolicy: 'Never',
      serviceAccountName: o.serviceAccount,
      automountServiceAccountToken: false, // the pod holds no token of the cluster either
      enableServiceLinks: false,
      securityContext: { runAsUser: o.runAsUser, runAsGroup: o.runAsUser, fsGroup: o.runAsUser, runAsNonRoot: true },
      containers: [
        {
          name: POD.container,
          image: o.image,
          imagePullPolicy: o.pullPolicy,
          command: ['sh', POD.start],
          args: i.ctx.argv,
          workingDir: POD.workspace,
          env: Object.entries(podEnv).map(([name, value]) => ({ name, value })),
          stdin: true,
          tty: true,
          resources: { requests: { cpu: o.cpuRequest, memory: o.memoryRequest }, limits: { cpu: o.cpuLimit, memory: o.memoryLimit } },
          securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
          volumeMounts: [
            { name: 'workspace', mountPath: POD.workspace },
            { name: 'clauderon', mountPath: POD.etc, readOnly: true },
            { name: 'run', mountPath: POD.run },
            ...i.fileMounts.map((m) => ({ name: 'clauderon', mountPath: m.path, subPath: m.key, readOnly: true })),
          ],
        },
      ],
      volumes: [
        { name: 'workspace', persistentVolumeClaim: { claimName: i.pod } },
        { name: 'clauderon', configMap: { name: i.pod, defaultMode: 0o444 } },
        { name: 'run', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } },
      ],
    },
  };
  return { pvc, configMap, pod };
}

/** The ConfigMap key of a settings file (keys are [-._a-zA-Z0-9]). */
export function fileKey(hostPath: string): string {
  return basename(hostPath).replace(/[^-._a-zA-Z0-9]/g, '_');
}

/** Container states that will not get better by waiting. */
export const FATAL_WAITING: ReadonlySet<string> = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'CreateContainerConfigError', 'CreateContainerError', 'ErrImageNeverPull', 'CrashLoopBackOff']);

/** The `clauderon` container: holds the workspace for the relay and transfers, and outlives the agent. */
export function keeperContainer(o: KubernetesOptions): Record<string, unknown> {
  return {
    name: POD.keeper,
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

/**
 * Null when the pod's keeper container runs (exec in it can write files), else what the pod is
 * instead, for an error message: gone, being deleted, its phase, or its keeper's own state.
 */
export function keeperNotRunning(pod: K8s.V1Pod | null): string | null {
  if (!pod) return 'it does not exist (the session is archived, or its pod was deleted)';
  if (pod.metadata?.deletionTimestamp) return 'it is being deleted';
  const phase = pod.status?.phase ?? 'Unknown';
  const keeper = pod.status?.containerStatuses?.find((s) => s.name === POD.keeper);
  if (phase === 'Running' && keeper?.state?.running) return null;
  const w = keeper?.state?.waiting;
  const t = keeper?.state?.terminated;
  const detail = w ? `, its ${POD.keeper} container waiting${w.reason ? `: ${w.reason}` : ''}` : t ? `, its ${POD.keeper} container terminated${t.reason ? `: ${t.reason}` : ''}` : '';
  return `it is ${phase}${detail}`;
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
