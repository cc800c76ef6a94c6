// Which credential goes to which host, and how. A rule applies only to its exact canonical host
// on port 443 over TLS (verified upstream); never to an IP literal, another port, plaintext or a
// redirect target. The request's own auth headers are replaced, so a placeholder never leaves.

import { allAgentSpecs } from '../agents/registry.js';
import { isCredentialName } from '../config/proxy-config.js';

export interface InjectionRule {
  host: string;
  /** Credential names, first one set wins (e.g. an API key before an OAuth token). */
  credentials: readonly string[];
  /** Restrict to these path prefixes / patterns (e.g. git smart HTTP on github.com). */
  paths?: RegExp;
  /** The headers to set for the credential that was found (names lower-case); `lookup` reads others the daemon holds. */
  headers(credential: string, token: string, lookup: (name: string) => string | undefined): Record<string, string>;
}

const bearer = (_c: string, token: string) => ({ authorization: `Bearer ${token}` });

/** Git smart-HTTP endpoints: info/refs discovery, upload-pack (fetch) and receive-pack (push). */
export const GIT_SMART_HTTP = /^\/[^/]+\/[^/]+?(?:\.git)?\/(?:info\/refs|git-upload-pack|git-receive-pack)(?:\?|$)/;

export function defaultRules(opts: { grafanaHost?: string | undefined } = {}): InjectionRule[] {
  const rules: InjectionRule[] = [
    { host: 'api.github.com', credentials: ['github_token'], headers: bearer },
    {
      host: 'github.com',
      credentials: ['github_token'],
      paths: GIT_SMART_HTTP,
      headers: (_c, token) => ({ authorization: `Basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}` }),
    },
    // each agent's model API, as its spec says (agents/registry.ts)
    ...allAgentSpecs().flatMap((a) =>
      a.modelApis.map((m): InjectionRule => ({ host: m.host, credentials: m.credentials, ...(m.paths ? { paths: m.paths } : {}), headers: (c, token, lookup) => (isCredentialName(c) ? m.headers(c, token, lookup) : {}) })),
    ),
    { host: 'registry.npmjs.org', credentials: ['npm_token'], headers: bearer },
    { host: 'sentry.io', credentials: ['sentry_auth_token'], headers: bearer },
    { host: 'api.pagerduty.com', credentials: ['pagerduty_token'], headers: (_c, token) => ({ authorization: `Token token=${token}` }) },
    { host: 'hub.docker.com', credentials: ['docker_token'], headers: bearer },
  ];
  if (opts.grafanaHost) rules.push({ host: opts.grafanaHost.toLowerCase(), credentials: ['grafana_api_key'], headers: bearer });
  return rules;
}

/** The built-in rules plus proxy.toml's ([[rules]], grafana_host). A built-in host keeps its rule. */
export function rulesFromConfig(cfg: {
  grafana_host?: string | undefined;
  rules: readonly { host: string; credential: string; header: string; format: string; paths?: string | undefined }[];
}): InjectionRule[] {
  const rules = defaultRules({ grafanaHost: cfg.grafana_host });
  for (const r of cfg.rules) {
    if (rules.some((x) => x.host === r.host)) continue;
    rules.push({
      host: r.host,
      credentials: [r.credential],
      ...(r.paths ? { paths: new RegExp(r.paths) } : {}),
      headers: (_c, token) => ({ [r.header]: r.format.split('{token}').join(token) }),
    });
  }
  return rules;
}

/** Headers a client may use to carry credentials; all are removed before ours are set. */
export const AUTH_HEADERS = ['authorization', 'x-api-key', 'x-goog-api-key', 'proxy-authorization'] as const;

export interface Injection {
  credential: string;
  headers: Record<string, string>;
}

/**
 * The injection for a request, or null. `target` is the canonical CONNECT target; `tls` says the
 * request arrived inside a TLS tunnel (and will go upstream over verified TLS).
 */
export function injectionFor(
  rules: readonly InjectionRule[],
  target: { host: string; port: number; kind: 'name' | 'ip' },
  tls: boolean,
  path: string,
  lookup: (credential: string) => string | undefined,
): Injection | null {
  if (!tls || target.kind !== 'name' || target.port !== 443) return null;
  const rule = rules.find((r) => r.host === target.host);
  if (!rule) return null;
  if (rule.paths && !rule.paths.test(path)) return null;
  for (const c of rule.credentials) {
    const token = lookup(c);
    if (token) return { credential: c, headers: rule.headers(c, token, lookup) };
  }
  return null;
}
