// Kubernetes: a pod per session on any cluster the user's kubeconfig reaches. The session's branch
// is carried into the pod's volume and the agent's commits are carried back (transfer.ts); the
// session proxy stays with the daemon and the pod reaches it through a relay over the Kubernetes
// API connection (src/backends/relay), so no credential is ever stored in the cluster.
import type { z } from 'zod';
import { defineBackend, type Zod } from '../spec.js';

export const KUBE_PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'] as const;

/** Kubernetes quantities: CPUs as 2, 0.5 or 500m; memory and storage as 4Gi, 512Mi, 1G. */
const CPU = /^(\d+(\.\d+)?|\d+m)$/;
const BYTES = /^\d+(\.\d+)?(Ki|Mi|Gi|Ti|Pi|k|M|G|T|P)?$/;
/** A DNS-1123 label (namespaces). */
const LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export const kubernetesConfigSchema = (z: Zod) =>
  z
  .object({
    /** Off unless enabled here or with `clauderon daemon --enable-kubernetes-backend`. */
    enabled: z.boolean().default(false),
    /** The kubeconfig context (default: its current context). */
    context: z.string().min(1).optional(),
    namespace: z.string().regex(LABEL, 'expected a namespace name such as clauderon').default('clauderon'),
    /** The image agents run in: it needs the agent CLI, git, tar, sh and node (the relay) — see examples/. */
    image: z.string().min(1).default('ghcr.io/shepherdjerred/dotfiles'),
    pull_policy: z.enum(KUBE_PULL_POLICIES).default('IfNotPresent'),
    /** The pods' service account (made by `clauderon kubernetes init`; its token is never mounted). */
    service_account: z.string().regex(LABEL).default('clauderon-agent'),
    cpu_request: z.string().regex(CPU, 'expected CPUs such as 1 or 500m').default('250m'),
    memory_request: z.string().regex(BYTES, 'expected a size such as 512Mi').default('512Mi'),
    cpu_limit: z.string().regex(CPU, 'expected CPUs such as 2 or 500m').default('2'),
    memory_limit: z.string().regex(BYTES, 'expected a size such as 4Gi').default('4Gi'),
    /** The workspace volume's storage class (default: the cluster's default class). */
    storage_class: z.string().min(1).optional(),
    storage_size: z.string().regex(BYTES, 'expected a size such as 10Gi').default('10Gi'),
    /** The uid and gid the agent runs as (never root). */
    run_as_user: z.number().int().min(1).default(1000),
  })
  .strict()
  .prefault({});

export type KubernetesConfig = z.infer<ReturnType<typeof kubernetesConfigSchema>>;

export const kubernetesRequestSchema = (z: Zod) =>
  z
  .object({
    context: z.string().min(1).max(253).optional(),
    namespace: z.string().regex(LABEL, 'expected a namespace name (lower-case letters, digits and -)').optional(),
    image: z.string().min(1).max(500).optional(),
    cpuLimit: z.number().positive().max(1024).optional(),
    memoryLimit: z.string().min(1).max(40).optional(),
    storageClass: z.string().regex(/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/, 'expected a storage class name').optional(),
  })
  .strict();

export type KubernetesRequest = z.infer<ReturnType<typeof kubernetesRequestSchema>>;

export const kubernetesSpec = defineBackend({
  name: 'kubernetes',
  runsIn:
    'a pod `clauderon-NAME` (with a workspace volume and a ConfigMap, all labelled with the session and the clauderon home) in the `clauderon` namespace of your kubeconfig\'s cluster; `clauderon attach` runs `kubectl attach -it -n clauderon clauderon-NAME -c agent` and detaches on Ctrl-p Ctrl-q',
  requirements:
    'a kubeconfig (`KUBECONFIG` or `~/.kube/config`), `kubectl` on PATH for attach, the namespace and service account (`clauderon kubernetes init`), `[kubernetes] enabled = true` or `clauderon daemon --enable-kubernetes-backend`, and an image with the agent CLI, `git`, `tar`, `sh` and `node`',
  verified: 'the real `kubectl` and `@kubernetes/client-node` against an API-server double (`fixtures/kube`: no API server runs on these machines) that checks every object against Kubernetes\' published schemas and runs the pods on the real Docker engine; the real Claude Code in the pod',
  capabilities: {
    container: true,
    remote: true,
    resourceLimits: true,
    customImage: true,
    ownsNamespace: true, // only pods labelled with this home are listed as ours
    fallbackRank: null,
    worktree: 'clone',
    proxy: 'tunnel',
    workspace: '/workspace',
  },
  configSchema: kubernetesConfigSchema,
  requestSchema: kubernetesRequestSchema,
  options: [
    { key: 'context', flag: '--context <context>', description: "kubernetes: the kubeconfig context (default: [kubernetes] context, else the kubeconfig's current one)", type: 'string' },
    { key: 'namespace', flag: '--namespace <namespace>', description: 'kubernetes: the namespace (default: [kubernetes] namespace, clauderon)', type: 'string' },
    { key: 'image', flag: '--image <image>', description: 'kubernetes: the image to run (default: [kubernetes] image)', type: 'string' },
    { key: 'cpuLimit', flag: '--cpu-limit <cpus>', description: 'kubernetes: the pod\'s CPU limit (default: [kubernetes] cpu_limit, 2)', type: 'number', expects: 'a number of CPUs above 0, e.g. 2 or 0.5' },
    { key: 'memoryLimit', flag: '--memory-limit <size>', description: 'kubernetes: the pod\'s memory limit, e.g. 4Gi (default: [kubernetes] memory_limit)', type: 'string' },
    { key: 'storageClass', flag: '--storage-class <class>', description: "kubernetes: the workspace volume's storage class (default: the cluster's default)", type: 'string' },
  ],
  load: async () => {
    const { KubernetesBackend } = await import('./backend.js');
    return ({ section, paths, env, targets }) => new KubernetesBackend({ config: section, paths, env, targets });
  },
});
