// The daemon's real credentials, loaded once at start from three sources, highest first:
//   1. the daemon's environment (a value starting with op:// is a 1Password reference, fetched);
//   2. 1Password references in proxy.toml ([onepassword] enabled = true), fetched with `op read`;
//   3. files CLAUDERON_HOME/secrets/<name> (trimmed; empty files ignored).
// Degradation is graceful: a missing `op` or a failed read is logged and the next source is
// used; nothing here stops the daemon except an invalid proxy.toml.
//
// Values live only inside a CredentialStore. Nothing here logs, formats or serialises a value:
// logs carry names, variable names and op:// references; JSON.stringify / util.inspect of the
// store give describe(), which never holds a value.
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { execa } from 'execa';
import { CREDENTIAL_NAMES, isOpReference, loadProxyConfig, type CredentialName, type ProxyConfig } from '../config/proxy-config.js';
import type { Paths } from '../config/paths.js';
import { which } from '../shared/which.js';
import { CodexLogin, hostAuthJsonPath } from './codex-login.js';

export { CREDENTIAL_NAMES, isCredentialName, type CredentialName } from '../config/proxy-config.js';

/** Environment variables read for each credential, in priority order. */
export const CREDENTIAL_ENV: Readonly<Record<CredentialName, readonly string[]>> = Object.freeze({
  github_token: ['GITHUB_TOKEN', 'GH_TOKEN'],
  anthropic_oauth_token: ['CLAUDE_CODE_OAUTH_TOKEN'],
  anthropic_api_key: ['ANTHROPIC_API_KEY'],
  openai_api_key: ['OPENAI_API_KEY', 'CODEX_API_KEY'],
  // (with CODEX_REFRESH_TOKEN, CODEX_ID_TOKEN, CODEX_ACCOUNT_ID; else the host's Codex auth.json: codex-login.ts)
  chatgpt_access_token: ['CODEX_ACCESS_TOKEN'],
  gemini_api_key: ['GEMINI_API_KEY', 'GOOGLE_API_KEY'],
  pagerduty_token: ['PAGERDUTY_TOKEN'],
  sentry_auth_token: ['SENTRY_AUTH_TOKEN'],
  grafana_api_key: ['GRAFANA_API_KEY'],
  npm_token: ['NPM_TOKEN'],
  docker_token: ['DOCKER_TOKEN'],
  k8s_token: ['K8S_TOKEN'],
  talos_token: ['TALOS_TOKEN'],
});

export type CredentialSource = 'env' | 'env:op' | '1password' | 'file';

/** What is known about one credential, without its value. */
export interface CredentialInfo {
  name: CredentialName;
  set: boolean;
  source: CredentialSource | null;
  /** Where it came from: `GITHUB_TOKEN`, `GITHUB_TOKEN (op://…)`, `op://…`, `secrets/github_token`; or where it was looked for. */
  detail: string;
}

export interface ResolvedCredential {
  value: string;
  source: CredentialSource;
  detail: string;
}

export interface CredentialLog {
  warn(msg: string, data?: Record<string, unknown>): void;
}

export interface LoadCredentialsOptions {
  /** The daemon's environment: credential variables, and PATH/HOME/OP_* for `op`. */
  env: NodeJS.ProcessEnv;
  paths: Pick<Paths, 'secrets' | 'proxyConfig'>;
  log: CredentialLog;
  /** proxy.toml already loaded; read from paths.proxyConfig when absent. */
  proxyConfig?: ProxyConfig;
  /** Time limit of one `op read`, ms (default 10 000). */
  opTimeoutMs?: number;
}

const OP_TIMEOUT_MS = 10_000;

/** The loaded credentials. Holds values in private fields; every textual view is describe(). */
export class CredentialStore {
  readonly #resolved: ReadonlyMap<CredentialName, ResolvedCredential>;
  readonly #unsetDetail: Partial<Record<CredentialName, string>>;
  /** A ChatGPT login of Codex (its tokens change when Codex refreshes them): chatgpt_access_token's value. */
  readonly login: CodexLogin | null;

  /** Mostly for tests: `loadCredentials` is how the daemon gets a store. */
  constructor(resolved: Partial<Record<CredentialName, ResolvedCredential>>, unsetDetail: Partial<Record<CredentialName, string>> = {}, login: CodexLogin | null = null) {
    this.login = login;
    const m = new Map<CredentialName, ResolvedCredential>();
    for (const name of CREDENTIAL_NAMES) {
      const r = resolved[name];
      if (r && r.value.length > 0) m.set(name, Object.freeze({ ...r }));
    }
    this.#resolved = m;
    this.#unsetDetail = { ...unsetDetail };
    Object.freeze(this);
  }

  get(name: CredentialName): string | undefined {
    if (name === 'chatgpt_access_token' && this.login) return this.login.access;
    return this.#resolved.get(name)?.value;
  }

  /** What the proxy may read besides credentials: no secret (the ChatGPT account id, for its header). */
  info(name: string): string | undefined {
    if (name === 'chatgpt_account_id') return this.login?.account ?? undefined;
    if (name === 'chatgpt_plan_type') return this.login?.planType ?? undefined;
    if (name === 'chatgpt_access_exp') return this.login?.accessExp?.toString() ?? undefined;
    return undefined;
  }

  has(name: CredentialName): boolean {
    return this.#resolved.has(name);
  }

  /** Every credential name, in the canonical order, with its source — never a value. */
  describe(): CredentialInfo[] {
    return CREDENTIAL_NAMES.map((name) => {
      const r = this.#resolved.get(name);
      if (r) return { name, set: true, source: r.source, detail: r.detail };
      return { name, set: false, source: null, detail: this.#unsetDetail[name] ?? defaultUnsetDetail(name) };
    });
  }

  /** All distinct secret values (for redaction of logs and audit lines, and for tests). */
  values(): string[] {
    return [...new Set([...[...this.#resolved.values()].map((r) => r.value), ...(this.login?.values() ?? [])])];
  }

  toJSON(): CredentialInfo[] {
    return this.describe();
  }

  toString(): string {
    const set = this.describe().filter((d) => d.set).map((d) => d.name);
    return `CredentialStore(${set.length > 0 ? set.join(', ') : 'none set'})`;
  }

  [inspect.custom](): CredentialInfo[] {
    return this.describe();
  }
}

function defaultUnsetDetail(name: CredentialName): string {
  return `not set (looked at ${[...CREDENTIAL_ENV[name], `secrets/${name}`].join(', ')})`;
}

type Candidate =
  | { kind: 'env'; variable: string; value: string }
  | { kind: 'env:op'; variable: string; ref: string }
  | { kind: '1password'; ref: string }
  | { kind: 'file' };

/** A failed read is `reported` when a warning already covers it (op missing). */
type OpResult = { ok: true; value: string } | { ok: false; error: string; reported?: boolean };

/**
 * Load every credential once. Reads proxy.toml (unless given) — an invalid one throws
 * ClauderonError('config'); every other problem is logged through `log.warn` and skipped.
 */
export async function loadCredentials(opts: LoadCredentialsOptions): Promise<CredentialStore> {
  const { env, paths, log } = opts;
  const config = opts.proxyConfig ?? (await loadProxyConfig(paths.proxyConfig));
  const onePassword = config.onepassword;

  // Plan: the candidates of each name in priority order, stopping at the first plain env value.
  const plans = new Map<CredentialName, Candidate[]>();
  for (const name of CREDENTIAL_NAMES) {
    const list: Candidate[] = [];
    let plain = false;
    for (const variable of CREDENTIAL_ENV[name]) {
      const v = env[variable]?.trim();
      if (!v) continue;
      if (isOpReference(v)) {
        list.push({ kind: 'env:op', variable, ref: v });
      } else {
        list.push({ kind: 'env', variable, value: v });
        plain = true;
        break;
      }
    }
    if (!plain) {
      const ref = onePassword.enabled ? onePassword.credentials[name] : undefined;
      if (ref) list.push({ kind: '1password', ref });
      list.push({ kind: 'file' });
    }
    plans.set(name, list);
  }

  // Fetch every needed reference at once (each distinct reference read once).
  const warnings: Array<[string, Record<string, unknown>]> = [];
  const refs = [...new Set([...plans.values()].flat().flatMap((c) => (c.kind === 'env:op' || c.kind === '1password' ? [c.ref] : [])))];
  const fetched = new Map<string, OpResult>();
  if (refs.length > 0) {
    const op = which(onePassword.op_path, env.PATH);
    if (op === null) {
      warnings.push([
        `1Password CLI (op) not found: no executable "${onePassword.op_path}" on PATH — 1Password references skipped; install op or set [onepassword] op_path in proxy.toml`,
        { op_path: onePassword.op_path, references: refs },
      ]);
      for (const ref of refs) fetched.set(ref, { ok: false, error: 'op not found', reported: true });
    } else {
      const timeout = opts.opTimeoutMs ?? OP_TIMEOUT_MS;
      const results = await Promise.all(refs.map((ref) => opRead(op, ref, env, timeout)));
      refs.forEach((ref, i) => fetched.set(ref, results[i] ?? { ok: false, error: 'no result' }));
    }
  }

  // Resolve each name: first candidate that yields a value wins.
  const resolvedEntries = await Promise.all(
    CREDENTIAL_NAMES.map(async (name): Promise<[CredentialName, ResolvedCredential | undefined]> => {
      for (const c of plans.get(name) ?? []) {
        switch (c.kind) {
          case 'env':
            return [name, { value: c.value, source: 'env', detail: c.variable }];
          case 'env:op':
          case '1password': {
            const r = fetched.get(c.ref);
            if (r?.ok) {
              return [name, c.kind === 'env:op' ? { value: r.value, source: 'env:op', detail: `${c.variable} (${c.ref})` } : { value: r.value, source: '1password', detail: c.ref }];
            }
            if (r && !r.ok && !r.reported) {
              warnings.push([
                `could not fetch credential ${name} from 1Password (${c.ref}); trying the next source`,
                { credential: name, reference: c.ref, from: c.kind === 'env:op' ? c.variable : 'proxy.toml', error: r.error },
              ]);
            }
            break;
          }
          case 'file': {
            const value = await readSecretFile(paths.secrets, name, (msg, data) => warnings.push([msg, data]));
            if (value !== undefined) return [name, { value, source: 'file', detail: `secrets/${name}` }];
            break;
          }
        }
      }
      return [name, undefined];
    }),
  );

  const resolved: Partial<Record<CredentialName, ResolvedCredential>> = {};
  const unset: Partial<Record<CredentialName, string>> = {};
  for (const [name, r] of resolvedEntries) {
    if (r) {
      resolved[name] = r;
      continue;
    }
    const places = CREDENTIAL_ENV[name].map((variable) => {
      const v = env[variable]?.trim();
      return v && isOpReference(v) ? `${variable} (${v})` : variable;
    });
    for (const c of plans.get(name) ?? []) if (c.kind === '1password') places.push(c.ref);
    places.push(`secrets/${name}`);
    unset[name] = `not set (looked at ${places.join(', ')})`;
  }
  // A ChatGPT login: its access token from the sources above (with the rest of it from the
  // environment), else the host's Codex auth.json — the one source that can take a refresh.
  let login: CodexLogin | null = null;
  const access = resolved.chatgpt_access_token;
  if (access) {
    const opt = (k: string) => env[k]?.trim() || null;
    login = new CodexLogin({ access: access.value, refresh: opt('CODEX_REFRESH_TOKEN'), id: opt('CODEX_ID_TOKEN'), account: opt('CODEX_ACCOUNT_ID') }, { source: 'env' });
  } else {
    login = CodexLogin.load({ ...env, CODEX_ACCESS_TOKEN: '' }, { warn: (msg, data) => warnings.push([msg, data ?? {}]) });
    if (login) {
      resolved.chatgpt_access_token = { value: login.access, source: 'file', detail: login.detail };
      delete unset.chatgpt_access_token;
    } else unset.chatgpt_access_token = (unset.chatgpt_access_token ?? 'not set ()').replace(/\)$/, `, ${hostAuthJsonPath(env)})`);
  }
  const store = new CredentialStore(resolved, unset, login);

  // Log last, with every loaded value scrubbed from the text (defence in depth: `op`'s stderr
  // is the only foreign text here and should never hold a value).
  const secrets = store.values().filter((v) => v.length >= 4).sort((a, b) => b.length - a.length);
  const scrub = (s: string): string => secrets.reduce((acc, v) => acc.split(v).join('[REDACTED]'), s);
  for (const [msg, data] of warnings) {
    log.warn(scrub(msg), JSON.parse(scrub(JSON.stringify(data))) as Record<string, unknown>);
  }
  return store;
}

/** `op read REF`: no shell, stdin ignored, time-limited; never throws. */
async function opRead(op: string, ref: string, env: NodeJS.ProcessEnv, timeout: number): Promise<OpResult> {
  const r = await execa(op, ['read', ref], {
    env,
    extendEnv: false,
    reject: false,
    timeout,
    stdin: 'ignore',
    shell: false,
    encoding: 'utf8',
    stripFinalNewline: true,
  });
  if (r.timedOut) return { ok: false, error: `op read timed out after ${Math.round(timeout / 100) / 10} s` };
  if (r.exitCode !== 0 || r.failed) {
    // Never use r.message: execa puts stdout in it.
    const why = stderrSummary(r.stderr);
    if (r.exitCode !== undefined) return { ok: false, error: `op exited with ${r.exitCode}${why ? `: ${why}` : ''}` };
    const code = (r as { code?: unknown }).code;
    return { ok: false, error: `op could not run${typeof code === 'string' ? ` (${code})` : ''}${r.signal ? ` (${r.signal})` : ''}` };
  }
  const value = r.stdout.trim();
  if (value.length === 0) return { ok: false, error: 'op returned an empty value' };
  return { ok: true, value };
}

/** First meaningful stderr line without op's "[ERROR] date time" prefix, bounded. */
function stderrSummary(stderr: unknown): string {
  if (typeof stderr !== 'string') return '';
  const line = stderr.split('\n').find((l) => l.trim().length > 0) ?? '';
  const s = line.replace(/^\[ERROR\]\s+\d{4}\/\d{2}\/\d{2}\s+\d{2}:\d{2}:\d{2}\s+/, '').trim();
  return s.length > 300 ? `${s.slice(0, 300)}…` : s;
}

/** secrets/<name>, trimmed; undefined when absent, empty or unreadable (the last logged). */
async function readSecretFile(dir: string, name: CredentialName, warn: (msg: string, data: Record<string, unknown>) => void): Promise<string | undefined> {
  const file = join(dir, name);
  let fh: FileHandle;
  try {
    fh = await open(file, 'r');
  } catch (e) {
    if (errnoCode(e) !== 'ENOENT') warn(`cannot read secrets/${name}: ${errnoCode(e) ?? 'error'} — credential ${name} skipped`, { credential: name, file });
    return undefined;
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) {
      warn(`secrets/${name} is not a regular file — credential ${name} skipped`, { credential: name, file });
      return undefined;
    }
    const value = (await fh.readFile('utf8')).trim();
    if (value.length === 0) return undefined;
    if ((st.mode & 0o077) !== 0) {
      const mode = (st.mode & 0o777).toString(8).padStart(4, '0');
      warn(`secrets/${name} is accessible by group or others (mode ${mode}); it is used, but run: chmod 600 ${file}`, { credential: name, file, mode });
    }
    return value;
  } catch (e) {
    warn(`cannot read secrets/${name}: ${errnoCode(e) ?? 'error'} — credential ${name} skipped`, { credential: name, file });
    return undefined;
  } finally {
    await fh.close();
  }
}

function errnoCode(e: unknown): string | undefined {
  const c = typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined;
  return typeof c === 'string' ? c : undefined;
}
