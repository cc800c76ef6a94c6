// A ChatGPT login of Codex, held by the daemon and never by an agent. Read once at start from
// CODEX_ACCESS_TOKEN (with CODEX_REFRESH_TOKEN, CODEX_ID_TOKEN, CODEX_ACCOUNT_ID), else from the
// host's Codex auth.json ($CODEX_AUTH_JSON_PATH, else $CODEX_HOME/auth.json, else
// ~/.codex/auth.json — what `codex login` writes). The agent gets an auth.json of placeholders (its
// session's CODEX_HOME, see agents/codex.ts); the proxy injects the real access token for the
// ChatGPT backend and, when Codex refreshes, swaps the real refresh token into the request to
// auth.openai.com, keeps the new real tokens (rewriting the host's auth.json atomically, 0600,
// when that is where they came from) and hands the agent placeholders again.
//
// Values live in private fields; every textual view is describe(), which holds none.
import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { inspect } from 'node:util';
import { agentAccessToken, agentIdToken, AUTH_CLAIM } from '../agents/codex.js';
import { PLACEHOLDERS } from '../agents/proxy-env.js';

export interface CodexTokens {
  access: string;
  refresh: string | null;
  id: string | null;
  account: string | null;
}

export interface LoginLog {
  warn(msg: string, data?: Record<string, unknown>): void;
}

/** The payload of a JWT, or null when it is not one. */
export function jwtClaims(token: string | null): Record<string, unknown> | null {
  const part = token?.split('.')[1];
  if (!part) return null;
  try {
    const v: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function authClaims(idToken: string | null): Record<string, unknown> {
  const c = jwtClaims(idToken)?.[AUTH_CLAIM];
  return typeof c === 'object' && c !== null ? (c as Record<string, unknown>) : {};
}

const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);

/** Where the host's Codex auth.json is. */
export function hostAuthJsonPath(env: NodeJS.ProcessEnv): string {
  if (env.CODEX_AUTH_JSON_PATH) return env.CODEX_AUTH_JSON_PATH;
  if (env.CODEX_HOME) return join(env.CODEX_HOME, 'auth.json');
  return join(env.HOME ?? homedir(), '.codex', 'auth.json');
}

export class CodexLogin {
  #t: CodexTokens;
  /** Where it came from: `CODEX_ACCESS_TOKEN`, or the auth.json path. */
  readonly detail: string;
  readonly source: 'env' | 'file';
  readonly #file: string | null;

  constructor(tokens: CodexTokens, from: { source: 'env' } | { source: 'file'; file: string }) {
    this.#t = { ...tokens, account: tokens.account ?? str(authClaims(tokens.id).chatgpt_account_id) };
    this.source = from.source;
    this.#file = from.source === 'file' ? from.file : null;
    this.detail = from.source === 'file' ? from.file : 'CODEX_ACCESS_TOKEN';
  }

  /** The login in the daemon's environment or the host's auth.json, or null (a broken file is logged). */
  static load(env: NodeJS.ProcessEnv, log: LoginLog): CodexLogin | null {
    const access = env.CODEX_ACCESS_TOKEN?.trim();
    if (access) {
      const opt = (k: string) => env[k]?.trim() || null;
      return new CodexLogin({ access, refresh: opt('CODEX_REFRESH_TOKEN'), id: opt('CODEX_ID_TOKEN'), account: opt('CODEX_ACCOUNT_ID') }, { source: 'env' });
    }
    const file = hostAuthJsonPath(env);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return null; // no login on this machine
    }
    let j: unknown;
    try {
      j = JSON.parse(text);
    } catch {
      log.warn('Codex auth.json is not JSON: its ChatGPT login is not used', { file });
      return null;
    }
    const tokens = (j as { tokens?: Record<string, unknown> } | null)?.tokens;
    const accessToken = str(tokens?.access_token);
    if (!tokens || !accessToken) return null; // an API-key login (or none): nothing for the ChatGPT backend
    return new CodexLogin({ access: accessToken, refresh: str(tokens.refresh_token), id: str(tokens.id_token), account: str(tokens.account_id) }, { source: 'file', file });
  }

  get access(): string {
    return this.#t.access;
  }

  get refresh(): string | null {
    return this.#t.refresh;
  }

  get account(): string | null {
    return this.#t.account;
  }

  /** When the access token expires (its JWT's `exp`, seconds; no secret), or null. */
  get accessExp(): number | null {
    const exp = jwtClaims(this.#t.access)?.exp;
    return typeof exp === 'number' && Number.isFinite(exp) ? exp : null;
  }

  /** The id token's plan type (no secret; Codex wants it to show the plan). */
  get planType(): string | null {
    return str(authClaims(this.#t.id).chatgpt_plan_type);
  }

  values(): string[] {
    return [this.#t.access, this.#t.refresh, this.#t.id].filter((v): v is string => Boolean(v));
  }

  /**
   * Keep what a refresh returned: in memory, and in the host's auth.json when it came from there
   * (other keys kept; written beside it and renamed over it, 0600). From the environment the new
   * tokens last until the daemon stops — the log says so.
   */
  keep(next: { access: string | null; refresh: string | null; id: string | null }, log: LoginLog): void {
    this.#t = {
      access: next.access ?? this.#t.access,
      refresh: next.refresh ?? this.#t.refresh,
      id: next.id ?? this.#t.id,
      account: str(authClaims(next.id).chatgpt_account_id) ?? this.#t.account,
    };
    if (!this.#file) {
      log.warn('Codex ChatGPT tokens refreshed: the new ones are kept in memory only (they came from CODEX_ACCESS_TOKEN…); sign in with `codex login` to have them kept in auth.json');
      return;
    }
    let doc: Record<string, unknown> = {};
    try {
      const j: unknown = JSON.parse(readFileSync(this.#file, 'utf8'));
      if (typeof j === 'object' && j !== null && !Array.isArray(j)) doc = j as Record<string, unknown>;
    } catch {
      // rewritten whole below
    }
    const old = typeof doc.tokens === 'object' && doc.tokens !== null ? (doc.tokens as Record<string, unknown>) : {};
    doc.tokens = { ...old, id_token: this.#t.id, access_token: this.#t.access, refresh_token: this.#t.refresh, ...(this.#t.account ? { account_id: this.#t.account } : {}) };
    doc.last_refresh = new Date().toISOString();
    const tmp = join(dirname(this.#file), `.auth.json.clauderon-${randomBytes(4).toString('hex')}`);
    writeFileSync(tmp, `${JSON.stringify(doc, null, 2)}\n`, { mode: 0o600 });
    renameSync(tmp, this.#file);
  }

  describe(): { source: 'env' | 'file'; detail: string; account: string | null } {
    return { source: this.source, detail: this.detail, account: this.#t.account };
  }

  toJSON(): unknown {
    return this.describe();
  }

  toString(): string {
    return `CodexLogin(${this.detail})`;
  }

  [inspect.custom](): unknown {
    return this.describe();
  }
}

/** A token endpoint whose requests and answers the proxy rewrites (proxy.ts). */
export interface TokenExchange {
  host: string;
  path: RegExp;
  /** The credential the rewritten request carries (for the audit). */
  credential: string;
  /** The request body with the real values in place of clauderon's placeholders, or why not. */
  request(body: Buffer, contentType: string | undefined): { body: Buffer } | { refuse: string };
  /** The answer the agent gets: real tokens kept by the daemon, placeholders in their place. */
  response(status: number, body: Buffer): Buffer;
}

/** The refresh of a ChatGPT login: `POST auth.openai.com/oauth/token`, grant_type refresh_token. */
export function codexTokenExchange(login: CodexLogin, log: LoginLog): TokenExchange {
  return {
    host: 'auth.openai.com',
    path: /^\/oauth\/token(\?|$)/,
    credential: 'chatgpt_access_token',
    request(body, contentType) {
      const real = login.refresh;
      if (!real) return { refuse: 'clauderon holds no ChatGPT refresh token (its login came without one) — sign in again with `codex login` on this machine and restart the daemon' };
      const text = body.toString('utf8');
      if (!text.includes(PLACEHOLDERS.chatgptRefresh)) return { refuse: 'this token request does not carry the clauderon placeholder refresh token; clauderon sends no other token request to auth.openai.com' };
      if (/json/i.test(contentType ?? '')) {
        let j: unknown;
        try {
          j = JSON.parse(text);
        } catch {
          return { refuse: 'token request body is not JSON' };
        }
        if (typeof j !== 'object' || j === null || (j as Record<string, unknown>).refresh_token !== PLACEHOLDERS.chatgptRefresh) return { refuse: 'token request: refresh_token is not the placeholder' };
        return { body: Buffer.from(JSON.stringify({ ...(j as Record<string, unknown>), refresh_token: real })) };
      }
      const form = new URLSearchParams(text);
      if (form.get('refresh_token') !== PLACEHOLDERS.chatgptRefresh) return { refuse: 'token request: refresh_token is not the placeholder' };
      form.set('refresh_token', real);
      return { body: Buffer.from(form.toString()) };
    },
    response(status, body) {
      if (status < 200 || status > 299) return scrub(body, login);
      let j: Record<string, unknown>;
      try {
        const v: unknown = JSON.parse(body.toString('utf8'));
        if (typeof v !== 'object' || v === null || Array.isArray(v)) return Buffer.from('{}');
        j = v as Record<string, unknown>;
      } catch {
        return Buffer.from('{}'); // nothing of an answer we cannot read reaches the agent
      }
      login.keep({ access: str(j.access_token), refresh: str(j.refresh_token), id: str(j.id_token) }, log);
      const out = { ...j };
      if ('access_token' in j) out.access_token = agentAccessToken(login.account, login.accessExp);
      if ('refresh_token' in j) out.refresh_token = PLACEHOLDERS.chatgptRefresh;
      if ('id_token' in j) out.id_token = agentIdToken(login.account, login.planType);
      return Buffer.from(JSON.stringify(out));
    },
  };
}

/** An error answer, with any token value the daemon holds taken out. */
function scrub(body: Buffer, login: CodexLogin): Buffer {
  let text = body.toString('utf8');
  for (const v of login.values()) if (v.length >= 8) text = text.split(v).join('[redacted]');
  return Buffer.from(text);
}
