// Create's validate step for a Kubernetes session: the options it is stored with (context resolved,
// quantities checked), and what the cluster must allow, asked of the API itself before anything is
// made (SelfSubjectAccessReview for each verb; the namespace and the pods' service account).
import { ClauderonError } from '../../shared/errors.js';
import { apiError, call, statusCode, type Apis } from './client.js';
import { cpuQuantity, memoryQuantity, type KubernetesOptions } from './objects.js';
import type { KubernetesConfig, KubernetesRequest } from './spec.js';

export async function prepareOptions(apis: Apis, c: KubernetesConfig, req: KubernetesRequest): Promise<KubernetesOptions> {
  const wanted = req.context ?? c.context ?? '';
  const { kc, core, authz } = await apis.get(wanted);
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
