// Proxy configuration: CLAUDERON_HOME/proxy.toml (optional), read with cosmiconfig and a TOML
// loader and validated once with zod, like config.toml. Unknown keys are errors naming the file
// and the key. Only what is implemented is defined here; new sections extend `proxyConfigSchema`.
//
//   [onepassword]
//   enabled = true          # default false
//   op_path = "op"          # the 1Password CLI: a name looked up on PATH, or a path
//
//   [onepassword.credentials]
//   github_token = "op://Production/GitHub/token"
import { z } from 'zod';
import { loadTomlFile, parseWith } from './toml-file.js';

/** Every credential clauderon knows, by the name used in secrets/<name> and proxy.toml. */
export const CREDENTIAL_NAMES = [
  'github_token',
  'anthropic_oauth_token',
  'anthropic_api_key',
  'openai_api_key',
  'chatgpt_access_token',
  'gemini_api_key',
  'pagerduty_token',
  'sentry_auth_token',
  'grafana_api_key',
  'npm_token',
  'docker_token',
  'k8s_token',
  'talos_token',
] as const;
export type CredentialName = (typeof CREDENTIAL_NAMES)[number];

export function isCredentialName(s: string): s is CredentialName {
  return (CREDENTIAL_NAMES as readonly string[]).includes(s);
}

/** A 1Password secret reference: op://vault/item/field (or op://vault/item/section/field). */
export const OP_REFERENCE = /^op:\/\/[^/\s]+\/[^/\s]+\/[^\s]+$/;

export function isOpReference(s: string): boolean {
  return s.startsWith('op://');
}

const opReference = z.string().regex(OP_REFERENCE, 'expected a 1Password reference like "op://vault/item/field"');

const credentialRefs = z.strictObject(
  Object.fromEntries(CREDENTIAL_NAMES.map((n) => [n, opReference.optional()])) as Record<CredentialName, z.ZodOptional<typeof opReference>>,
  {
    error: (iss) =>
      iss.code === 'unrecognized_keys'
        ? `unknown credential ${iss.keys.map((k) => `"${k}"`).join(', ')} (known: ${CREDENTIAL_NAMES.join(', ')})`
        : undefined,
  },
);

const HOST_RE = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const hostName = z
  .string()
  .transform((h) => h.toLowerCase().replace(/\.$/, ''))
  .refine((h) => HOST_RE.test(h), 'expected a host name like "api.example.com" (no scheme, port or IP address)');

/** An extra injection rule: the credential goes to exactly this host, on 443, over TLS. */
const ruleSchema = z.strictObject({
  host: hostName,
  credential: z.enum(CREDENTIAL_NAMES),
  /** The header to set (lower-cased); default authorization. */
  header: z
    .string()
    .regex(/^[A-Za-z0-9-]+$/, 'expected a header name')
    .transform((h) => h.toLowerCase())
    .default('authorization'),
  /** The header's value; {token} is replaced by the credential. */
  format: z.string().includes('{token}', { message: 'must contain {token}' }).default('Bearer {token}'),
  /** Only for paths matching this regular expression. */
  paths: z
    .string()
    .refine((r) => {
      try {
        new RegExp(r);
        return true;
      } catch {
        return false;
      }
    }, 'not a valid regular expression')
    .optional(),
});
export type RuleConfig = z.infer<typeof ruleSchema>;

export const proxyConfigSchema = z
  .object({
    /** The Grafana host grafana_api_key is injected for. */
    grafana_host: hostName.optional(),
    /** Extra injection rules, checked after the built-in ones. */
    rules: z.array(ruleSchema).default([]),
    onepassword: z
      .object({
        enabled: z.boolean().default(false),
        op_path: z.string().min(1).default('op'),
        credentials: credentialRefs.prefault({}),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type ProxyConfig = z.infer<typeof proxyConfigSchema>;

export function defaultProxyConfig(): ProxyConfig {
  return proxyConfigSchema.parse({});
}

/** Validate a parsed object; errors name the file and the first bad key. */
export function parseProxyConfig(raw: unknown, file: string): ProxyConfig {
  return parseWith(proxyConfigSchema, raw, file);
}

/** Load proxy.toml (an absent file gives the defaults). */
export function loadProxyConfig(file: string): Promise<ProxyConfig> {
  return loadTomlFile(proxyConfigSchema, file);
}
