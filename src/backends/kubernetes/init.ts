// `clauderon kubernetes init`: the least a cluster needs for clauderon sessions — the namespace, the
// pods' service account (no permission, its token never mounted) and the Role that the user
// running clauderon needs in that namespace (bound to a user or group when one is named). Printed
// with --dry-run; applied with the caller's kubeconfig otherwise (objects already there are left as
// they are and said so).
import type * as K8s from '@kubernetes/client-node';
import { ClauderonError } from '../../shared/errors.js';
import { apiMessage, loadKubeConfig, statusCode } from './client.js';

export interface InitOptions {
  namespace: string;
  serviceAccount: string;
  context?: string | undefined;
  /** Bind the Role to these (else print how to). */
  users: string[];
  groups: string[];
}

/** The verbs a session needs (the backend checks the same list before each create). */
export const ROLE_RULES = [
  { apiGroups: [''], resources: ['pods'], verbs: ['create', 'get', 'list', 'watch', 'delete'] },
  { apiGroups: [''], resources: ['pods/exec', 'pods/attach'], verbs: ['create', 'get'] },
  { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
  { apiGroups: [''], resources: ['persistentvolumeclaims', 'configmaps'], verbs: ['create', 'get', 'list', 'update', 'delete'] },
  { apiGroups: [''], resources: ['serviceaccounts'], verbs: ['get'] },
];

export function initObjects(o: InitOptions): Record<string, unknown>[] {
  const labels = { 'clauderon.io/managed': 'true' };
  const objects: Record<string, unknown>[] = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: o.namespace, labels } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: o.serviceAccount, namespace: o.namespace, labels }, automountServiceAccountToken: false },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'clauderon', namespace: o.namespace, labels }, rules: ROLE_RULES },
  ];
  const subjects = [...o.users.map((name) => ({ kind: 'User', name, apiGroup: 'rbac.authorization.k8s.io' })), ...o.groups.map((name) => ({ kind: 'Group', name, apiGroup: 'rbac.authorization.k8s.io' }))];
  if (subjects.length > 0) {
    objects.push({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'clauderon', namespace: o.namespace, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'clauderon' },
      subjects,
    });
  }
  return objects;
}

export async function dryRun(o: InitOptions): Promise<string> {
  const { dumpYaml } = await import('@kubernetes/client-node');
  return initObjects(o)
    .map((obj) => dumpYaml(obj))
    .join('---\n');
}

export interface InitResult {
  kind: string;
  name: string;
  namespace: string | null;
  action: 'created' | 'exists';
}

export async function apply(o: InitOptions): Promise<InitResult[]> {
  const { kc, k8s } = await loadKubeConfig(o.context ?? '');
  const client = k8s.KubernetesObjectApi.makeApiClient(kc);
  const out: InitResult[] = [];
  for (const obj of initObjects(o) as unknown as K8s.KubernetesObject[]) {
    const kind = obj.kind ?? '?';
    const name = obj.metadata?.name ?? '?';
    const namespace = obj.metadata?.namespace ?? null;
    try {
      await client.create(obj);
      out.push({ kind, name, namespace, action: 'created' });
    } catch (e) {
      const code = statusCode(e);
      if (code === 409) {
        out.push({ kind, name, namespace, action: 'exists' });
        continue;
      }
      throw new ClauderonError('backend', `cannot create ${kind} ${name}${namespace ? ` in ${namespace}` : ''}: ${apiMessage(e)}${code === 403 ? ' — run init with a kubeconfig that may (a cluster admin\'s), or have an admin apply `clauderon kubernetes init --dry-run`' : ''}`);
    }
  }
  return out;
}
