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
import { cosmiconfig } from 'cosmiconfig';
import { parse, TomlError } from 'smol-toml';
import { z } from 'zod';
import { ClauderonError } from '../core/errors.js';

/** Every credential clauderon knows, by the name used in secrets/<name> and proxy.toml. */
export const CREDENTIAL_NAMES = [
  'github_token',
  'anthropic_oauth_token',
  'anthropic_api_key',
  'openai_api_key',
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

export const proxyConfigSchema = z
  .object({
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
  const r = proxyConfigSchema.safeParse(raw ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const where = issue && issue.path.length > 0 ? issue.path.join('.') : '(top level)';
  const what = issue ? issue.message : 'invalid';
  throw new ClauderonError('config', `${file}: ${where}: ${what} — fix the file or move it aside`);
}

/** Load proxy.toml (absent file → defaults: 1Password disabled, no references). */
export async function loadProxyConfig(file: string): Promise<ProxyConfig> {
  const explorer = cosmiconfig('clauderon-proxy', {
    searchPlaces: [],
    cache: false,
    loaders: {
      '.toml': (_path: string, content: string) => {
        try {
          return parse(content);
        } catch (e) {
          if (e instanceof TomlError) {
            throw new ClauderonError('config', `${file}: line ${e.line}, column ${e.column}: ${firstLine(e.message)} — fix the file or move it aside`);
          }
          throw e;
        }
      },
    },
  });
  let result: { config: unknown } | null;
  try {
    result = await explorer.load(file);
  } catch (e) {
    if (e instanceof ClauderonError) throw e;
    if (isErrno(e, 'ENOENT')) return defaultProxyConfig();
    throw new ClauderonError('config', `cannot read ${file}: ${firstLine(e instanceof Error ? e.message : String(e))}`);
  }
  return parseProxyConfig(result?.config ?? {}, file);
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}

function isErrno(e: unknown, code: string): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === code;
}
