// What a Kubernetes session is made of (src/backends/kubernetes/objects.ts), without a cluster:
// object names and ids, quantities, and that no session secret lands in any object's field.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  cpuQuantity,
  formatId,
  homeLabel,
  manifests,
  memoryQuantity,
  objectName,
  parseId,
  POD,
  shellExports,
  splitEnv,
  TRANSCRIPT_SCRIPT,
  translateEnv,
  type KubernetesOptions,
} from '../../src/backends/kubernetes/objects.js';
import type { BackendCreateContext } from '../../src/backends/types.js';

const options: KubernetesOptions = {
  context: 'kind-dev',
  namespace: 'agents',
  image: 'example/agent:1',
  pullPolicy: 'IfNotPresent',
  serviceAccount: 'clauderon-agent',
  cpuRequest: '250m',
  memoryRequest: '512Mi',
  cpuLimit: '2',
  memoryLimit: '4Gi',
  storageClass: null,
  storageSize: '10Gi',
  runAsUser: 1000,
};

const PASSWORD = 'pw-0123456789abcdef';
const HOOK_TOKEN = 'hook-token-fedcba9876543210';

function ctx(): BackendCreateContext {
  return {
    name: 'fix-tests-ab12',
    cwd: '/w/fix-tests-ab12',
    argv: ['claude', '--settings', '/etc/clauderon/settings.json'],
    env: {
      HTTPS_PROXY: `http://fix-tests-ab12:${PASSWORD}@127.0.0.1:41234`,
      https_proxy: `http://fix-tests-ab12:${PASSWORD}@127.0.0.1:41234`,
      NODE_EXTRA_CA_CERTS: '/home/u/.clauderon/ca.pem',
      SSL_CERT_FILE: '/home/u/.clauderon/ca-bundle.pem',
      CLAUDE_CODE_OAUTH_TOKEN: 'sk-ant-oat01-clauderon-placeholder-00000000000000000000000000000000000',
      CLAUDERON_HOOK_URL: 'http://127.0.0.1:38001',
      CLAUDERON_HOOK_TOKEN: HOOK_TOKEN,
      CLAUDERON_SESSION_ID: 'd1c3',
    },
    sessionId: 'd1c3a0b2-0000-4000-8000-000000000000',
    worktreePath: '/w/fix-tests-ab12',
    gitCommonDir: null,
    skipChecks: false,
    settingsFile: null,
    options,
    agentHome: { state: [], managedSettings: null },
    configHome: null,
  };
}

describe('kubernetes objects', () => {
  it('names are DNS-1123 labels, cut with a hash when long, and ids round-trip with any context name', () => {
    expect(objectName('fix-tests-ab12')).toBe('clauderon-fix-tests-ab12');
    const long = objectName('x'.repeat(80));
    expect(long.length).toBeLessThanOrEqual(63);
    expect(long).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    expect(objectName('y'.repeat(80))).not.toBe(long);
    for (const context of ['kind-dev', 'arn:aws:eks:eu-west-1:1:cluster/prod', 'me@cluster', '']) {
      const id = formatId({ namespace: 'agents', pod: 'clauderon-a', context });
      expect(parseId(id)).toEqual({ namespace: 'agents', pod: 'clauderon-a', context });
    }
    expect(parseId('not an id')).toBeNull();
    expect(homeLabel('/home/u/.clauderon')).toMatch(/^[0-9a-f]{16}$/);
    expect(homeLabel('/home/u/.clauderon')).not.toBe(homeLabel('/home/v/.clauderon'));
  });

  it('quantities: CPUs and Docker-style sizes become Kubernetes quantities', () => {
    expect(cpuQuantity(2)).toBe('2');
    expect(cpuQuantity(0.5)).toBe('500m');
    expect(memoryQuantity('4Gi')).toBe('4Gi');
    expect(memoryQuantity('4g')).toBe('4Gi');
    expect(memoryQuantity('512m')).toBe('512Mi');
    expect(memoryQuantity('lots')).toBeNull();
  });

  it('the agent sees the relay and the ConfigMap CA; the proxy URL and hook token are split off as secrets', () => {
    const t = translateEnv(ctx().env, { caCert: '/home/u/.clauderon/ca.pem', caBundle: '/home/u/.clauderon/ca-bundle.pem' });
    expect(t.HTTPS_PROXY).toBe(`http://fix-tests-ab12:${PASSWORD}@127.0.0.1:${POD.proxyPort}`);
    expect(t.CLAUDERON_HOOK_URL).toBe(`http://127.0.0.1:${POD.hooksPort}`);
    expect(t.NODE_EXTRA_CA_CERTS).toBe(POD.caCert);
    expect(t.SSL_CERT_FILE).toBe(POD.caBundle);
    const { spec, secret } = splitEnv(t);
    expect(Object.keys(secret).sort()).toEqual(['CLAUDERON_HOOK_TOKEN', 'HTTPS_PROXY', 'https_proxy']);
    expect(JSON.stringify(spec)).not.toContain(PASSWORD);
    expect(JSON.stringify(spec)).not.toContain(HOOK_TOKEN);
    expect(spec.CLAUDE_CODE_OAUTH_TOKEN).toContain('placeholder');
    expect(shellExports({ A: "it's" })).toBe(`export A='it'\\''s'\n`);
  });

  it('no object holds a session secret; the pod is non-root, without privilege escalation, limited, without a cluster token', () => {
    const t = translateEnv(ctx().env, { caCert: '/home/u/.clauderon/ca.pem', caBundle: '/home/u/.clauderon/ca-bundle.pem' });
    const m = manifests({ name: 'fix-tests-ab12', pod: 'clauderon-fix-tests-ab12', ctx: ctx(), options, env: splitEnv(t).spec, home: '/home/u/.clauderon', files: { 'start.sh': '#!/bin/sh' }, fileMounts: [] });
    const all = JSON.stringify(m);
    expect(all).not.toContain(PASSWORD);
    expect(all).not.toContain(HOOK_TOKEN);
    const pod = m.pod as { metadata: { labels: Record<string, string> }; spec: Record<string, unknown> & { containers: Record<string, unknown>[] } };
    expect(pod.metadata.labels['clauderon.io/session-id']).toBe(ctx().sessionId);
    expect(pod.metadata.labels['clauderon.io/home']).toBe(homeLabel('/home/u/.clauderon'));
    expect(pod.spec.automountServiceAccountToken).toBe(false);
    expect(pod.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
    const agent = pod.spec.containers[0] as { securityContext: unknown; resources: { limits: unknown }; stdin: boolean; tty: boolean };
    expect(agent.securityContext).toMatchObject({ allowPrivilegeEscalation: false });
    expect(agent.resources.limits).toEqual({ cpu: '2', memory: '4Gi' });
    expect(agent.stdin && agent.tty).toBe(true);
    // no Secret among the objects
    expect(Object.values(m).map((o) => (o as { kind: string }).kind).sort()).toEqual(['ConfigMap', 'PersistentVolumeClaim', 'Pod']);
  });
});

describe('TRANSCRIPT_SCRIPT (history read in the pod; here with the same sh, GNU find and coreutils)', () => {
  const tmp = realpathSync(mkdtempSync(join(tmpdir(), 'clrn-k8s-transcript-')));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const root = join(tmp, 'ws', '.claude', 'projects');
  const other = join(tmp, 'ws', '.clauderon', 'agent-home', 'projects');
  mkdirSync(join(root, '-workspace'), { recursive: true });
  mkdirSync(join(other, 'p'), { recursive: true });
  const SID = '0b7c2f0e-1111-4222-8333-444455556666';
  writeFileSync(join(root, '-workspace', `${SID}.jsonl`), '{"n":1}\n{"n":2}\n');
  writeFileSync(join(tmp, 'secret.jsonl'), '{"secret":true}\n');
  symlinkSync(join(tmp, 'secret.jsonl'), join(root, '-workspace', 'link.jsonl'));
  spawnSync('mkfifo', [join(root, '-workspace', 'fifo.jsonl')]);
  const read = (o: { find?: string; sid?: string; hinted?: string; max?: number; roots?: string[] }) =>
    spawnSync('sh', ['-c', TRANSCRIPT_SCRIPT, 'transcript', String(o.max ?? 1 << 20), o.find ?? 'session-id', o.sid ?? SID, o.hinted ?? '', ...(o.roots ?? [other, root])], { encoding: 'utf8', timeout: 10_000 });

  it('finds ROOT/<project>/SESSION_ID.jsonl and prints its size, then its tail', () => {
    const r = read({});
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('16\n{"n":1}\n{"n":2}\n');
    expect(read({ max: 8 }).stdout).toBe('16\n{"n":2}\n');
  });

  it('takes the hooks\' path only inside a root, as a regular non-symlink *.jsonl without ..', () => {
    expect(read({ hinted: join(root, '-workspace', `${SID}.jsonl`), sid: 'none' }).stdout).toBe('16\n{"n":1}\n{"n":2}\n');
    for (const hinted of [join(tmp, 'secret.jsonl'), join(root, '-workspace', 'link.jsonl'), join(root, '..', '..', '..', 'secret.jsonl'), join(root, '-workspace', 'fifo.jsonl'), `${root}-evil/x.jsonl`]) {
      const r = read({ hinted, sid: 'none' });
      expect(r.status, hinted).toBe(3);
      expect(r.stdout, hinted).toBe('');
    }
  });

  it('newest: the most recent *.jsonl below a root, never one a symlink names; exit 3 when there is none', () => {
    writeFileSync(join(other, 'p', 'old.jsonl'), '{"old":1}\n');
    writeFileSync(join(other, 'p', 'new.jsonl'), '{"new":1}\n');
    utimesSync(join(other, 'p', 'old.jsonl'), new Date(1_000_000), new Date(1_000_000));
    expect(read({ find: 'newest', roots: [other] }).stdout).toBe('10\n{"new":1}\n');
    expect(read({ find: 'newest', roots: [join(tmp, 'missing')] }).status).toBe(3);
    expect(read({ sid: 'not-there' }).status).toBe(3);
  });
});
