// Credential sources (environment, 1Password through `op`, secrets/ files), their priority and
// graceful degradation. 1Password is the test double fixtures/bin/op (the real CLI cannot be
// installed here); each test has its own CLAUDERON_HOME, items file and PATH.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { format, inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getPaths, type Paths } from '../../src/config/paths.js';
import { CREDENTIAL_ENV, CREDENTIAL_NAMES, CredentialStore, loadCredentials } from '../../src/proxy/credentials.js';
import { ClauderonError } from '../../src/shared/errors.js';
import { processAlive } from '../../src/shared/process.js';
import { CREDENTIAL_ENV_VARS } from '../../src/shared/env.js';
import { which } from '../../src/shared/which.js';
import { waitFor } from '../helpers/wait.js';

const FIXTURE_BIN = resolve(import.meta.dirname, '../../fixtures/bin');
const OP = join(FIXTURE_BIN, 'op');

interface LogEntry {
  msg: string;
  data: Record<string, unknown> | undefined;
}

let dir: string;
let paths: Paths;
let itemsFile: string;
let opLog: string;
let emptyBin: string;
let logs: LogEntry[];
const log = { warn: (msg: string, data?: Record<string, unknown>) => void logs.push({ msg, data }) };

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'clrn-creds-'));
  paths = getPaths(join(dir, 'home'));
  mkdirSync(paths.secrets, { recursive: true, mode: 0o700 });
  itemsFile = join(dir, 'items.json');
  opLog = join(dir, 'op.log');
  emptyBin = join(dir, 'empty-bin');
  mkdirSync(emptyBin);
  logs = [];
  items({});
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

function items(map: Record<string, string>): void {
  writeFileSync(itemsFile, JSON.stringify(map));
}

function secret(name: string, text: string, mode = 0o600): void {
  const p = join(paths.secrets, name);
  writeFileSync(p, text, { mode });
  chmodSync(p, mode);
}

function proxyToml(text: string): void {
  writeFileSync(paths.proxyConfig, text);
}

/** A daemon environment built from scratch: no credential of the test runner leaks in. */
/** `path`: 'op' puts fixtures/bin first; 'system' is the runner's PATH without it; 'empty' has nothing. */
function env(vars: Record<string, string> = {}, opts: { path?: 'op' | 'system' | 'empty' } = {}): NodeJS.ProcessEnv {
  const system = (process.env.PATH ?? '').split(delimiter).filter((d) => d && resolve(d) !== FIXTURE_BIN);
  const path = { op: [FIXTURE_BIN, ...system].join(delimiter), system: system.join(delimiter), empty: emptyBin }[opts.path ?? 'op'];
  return { PATH: path, HOME: dir, OP_DOUBLE_ITEMS: itemsFile, OP_DOUBLE_LOG: opLog, ...vars };
}

function opCalls(): string[][] {
  if (!existsSync(opLog)) return [];
  return readFileSync(opLog, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { argv: string[] }).argv);
}

function logText(): string {
  return logs.map((l) => `${l.msg} ${JSON.stringify(l.data)}`).join('\n');
}

const ENABLED_GITHUB = '[onepassword]\nenabled = true\n\n[onepassword.credentials]\ngithub_token = "op://Production/GitHub/token"\n';

describe('credential names and environment variables', () => {
  it('lists the 13 names with their variables, all of which env scrubbing removes', () => {
    expect(CREDENTIAL_NAMES).toEqual([
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
    ]);
    expect(CREDENTIAL_ENV.github_token).toEqual(['GITHUB_TOKEN', 'GH_TOKEN']);
    expect(CREDENTIAL_ENV.openai_api_key).toEqual(['OPENAI_API_KEY', 'CODEX_API_KEY']);
    expect(CREDENTIAL_ENV.anthropic_oauth_token).toEqual(['CLAUDE_CODE_OAUTH_TOKEN']);
    expect(CREDENTIAL_ENV.gemini_api_key).toEqual(['GEMINI_API_KEY', 'GOOGLE_API_KEY']);
    expect(CREDENTIAL_ENV.chatgpt_access_token).toEqual(['CODEX_ACCESS_TOKEN']);
    for (const v of ['CODEX_REFRESH_TOKEN', 'CODEX_ID_TOKEN']) expect(CREDENTIAL_ENV_VARS).toContain(v);
    for (const vars of Object.values(CREDENTIAL_ENV)) {
      for (const v of vars) expect(CREDENTIAL_ENV_VARS).toContain(v);
    }
  });
});

describe('priority: environment, then 1Password, then files (the seeds\' three examples)', () => {
  it('example 1: an environment variable beats proxy.toml and the file', async () => {
    proxyToml(ENABLED_GITHUB);
    items({ 'op://Production/GitHub/token': 'from-1password' });
    secret('github_token', 'from-file\n');
    const store = await loadCredentials({ env: env({ GITHUB_TOKEN: 'from-env' }), paths, log });
    expect(store.get('github_token')).toBe('from-env');
    expect(store.describe().find((d) => d.name === 'github_token')).toEqual({ name: 'github_token', set: true, source: 'env', detail: 'GITHUB_TOKEN' });
    expect(opCalls()).toEqual([]); // a lower source is not even fetched
    expect(logs).toEqual([]);
  });

  it('example 2: 1Password when no environment variable', async () => {
    proxyToml(ENABLED_GITHUB);
    items({ 'op://Production/GitHub/token': 'from-1password' });
    secret('github_token', 'from-file');
    const store = await loadCredentials({ env: env(), paths, log });
    expect(store.get('github_token')).toBe('from-1password');
    expect(store.describe()[0]).toEqual({ name: 'github_token', set: true, source: '1password', detail: 'op://Production/GitHub/token' });
    expect(opCalls()).toEqual([['read', 'op://Production/GitHub/token']]);
    expect(logs).toEqual([]);
  });

  it('example 3: the file when neither environment nor 1Password has it', async () => {
    secret('github_token', '  from-file \n\n');
    const store = await loadCredentials({ env: env(), paths, log });
    expect(store.get('github_token')).toBe('from-file');
    expect(store.describe()[0]).toEqual({ name: 'github_token', set: true, source: 'file', detail: 'secrets/github_token' });
    expect(opCalls()).toEqual([]);
  });

  it('uses GH_TOKEN when GITHUB_TOKEN is absent or empty, and GITHUB_TOKEN first when both are set', async () => {
    let store = await loadCredentials({ env: env({ GH_TOKEN: 'gh-token' }), paths, log });
    expect(store.get('github_token')).toBe('gh-token');
    expect(store.describe()[0]?.detail).toBe('GH_TOKEN');
    store = await loadCredentials({ env: env({ GITHUB_TOKEN: '', GH_TOKEN: 'gh-token' }), paths, log });
    expect(store.get('github_token')).toBe('gh-token');
    store = await loadCredentials({ env: env({ GITHUB_TOKEN: 'github-token', GH_TOKEN: 'gh-token' }), paths, log });
    expect(store.get('github_token')).toBe('github-token');
  });

  it('uses CODEX_API_KEY for openai_api_key when OPENAI_API_KEY is absent', async () => {
    let store = await loadCredentials({ env: env({ CODEX_API_KEY: 'sk-codex' }), paths, log });
    expect(store.get('openai_api_key')).toBe('sk-codex');
    expect(store.describe().find((d) => d.name === 'openai_api_key')).toMatchObject({ source: 'env', detail: 'CODEX_API_KEY' });
    store = await loadCredentials({ env: env({ OPENAI_API_KEY: 'sk-openai', CODEX_API_KEY: 'sk-codex' }), paths, log });
    expect(store.get('openai_api_key')).toBe('sk-openai');
  });

  it('maps every other variable to its name', async () => {
    const vars: Record<string, string> = {
      CLAUDE_CODE_OAUTH_TOKEN: 'v-oauth',
      ANTHROPIC_API_KEY: 'v-anthropic',
      PAGERDUTY_TOKEN: 'v-pd',
      SENTRY_AUTH_TOKEN: 'v-sentry',
      GRAFANA_API_KEY: 'v-grafana',
      NPM_TOKEN: 'v-npm',
      DOCKER_TOKEN: 'v-docker',
      K8S_TOKEN: 'v-k8s',
      TALOS_TOKEN: 'v-talos',
    };
    const store = await loadCredentials({ env: env(vars), paths, log });
    expect(store.get('anthropic_oauth_token')).toBe('v-oauth');
    expect(store.get('anthropic_api_key')).toBe('v-anthropic');
    expect(store.get('pagerduty_token')).toBe('v-pd');
    expect(store.get('sentry_auth_token')).toBe('v-sentry');
    expect(store.get('grafana_api_key')).toBe('v-grafana');
    expect(store.get('npm_token')).toBe('v-npm');
    expect(store.get('docker_token')).toBe('v-docker');
    expect(store.get('k8s_token')).toBe('v-k8s');
    expect(store.get('talos_token')).toBe('v-talos');
    expect(store.get('github_token')).toBeUndefined();
    expect(store.values().sort()).toEqual(Object.values(vars).sort());
  });
});

describe('1Password', () => {
  it('fetches an op:// reference held in an environment variable, even with [onepassword] disabled', async () => {
    items({ 'op://Production/GitHub/token': 'ghp_from_env_ref', 'op://Production/Anthropic/oauth_token': 'sk-ant-oat-ref' });
    secret('github_token', 'from-file');
    const store = await loadCredentials({
      env: env({ GITHUB_TOKEN: 'op://Production/GitHub/token', CLAUDE_CODE_OAUTH_TOKEN: 'op://Production/Anthropic/oauth_token' }),
      paths,
      log,
    });
    expect(store.get('github_token')).toBe('ghp_from_env_ref');
    expect(store.get('anthropic_oauth_token')).toBe('sk-ant-oat-ref');
    expect(store.describe()[0]).toEqual({ name: 'github_token', set: true, source: 'env:op', detail: 'GITHUB_TOKEN (op://Production/GitHub/token)' });
    // No shell, nothing but `read REF`, each reference once.
    expect(opCalls().sort()).toEqual([
      ['read', 'op://Production/Anthropic/oauth_token'],
      ['read', 'op://Production/GitHub/token'],
    ]);
    expect(logs).toEqual([]);
  });

  it('reads proxy.toml references only when [onepassword] enabled = true', async () => {
    items({ 'op://Production/GitHub/token': 'from-1password' });
    secret('github_token', 'from-file');
    proxyToml(ENABLED_GITHUB.replace('enabled = true', 'enabled = false'));
    let store = await loadCredentials({ env: env(), paths, log });
    expect(store.get('github_token')).toBe('from-file');
    expect(opCalls()).toEqual([]);

    proxyToml(ENABLED_GITHUB.replace('enabled = true\n', ''));
    store = await loadCredentials({ env: env(), paths, log });
    expect(store.get('github_token')).toBe('from-file'); // enabled defaults to false
    expect(opCalls()).toEqual([]);

    proxyToml(ENABLED_GITHUB);
    store = await loadCredentials({ env: env(), paths, log });
    expect(store.get('github_token')).toBe('from-1password');
    expect(opCalls()).toHaveLength(1);
  });

  it('a missing op binary is logged once and skipped; files are used', async () => {
    proxyToml(ENABLED_GITHUB + 'openai_api_key = "op://Production/OpenAI/api_key"\n');
    items({ 'op://Production/GitHub/token': 'from-1password' });
    secret('github_token', 'from-file');
    const store = await loadCredentials({ env: env({ CLAUDE_CODE_OAUTH_TOKEN: 'op://Production/Anthropic/oauth_token' }, { path: 'empty' }), paths, log });
    expect(store.get('github_token')).toBe('from-file');
    expect(store.get('openai_api_key')).toBeUndefined();
    expect(store.get('anthropic_oauth_token')).toBeUndefined();
    expect(logs).toHaveLength(1);
    expect(logs[0]?.msg).toMatch(/1Password CLI \(op\) not found.*op_path/);
    expect(logs[0]?.data).toMatchObject({ op_path: 'op' });
    expect(logText()).toContain('op://Production/GitHub/token');
    expect(logText()).not.toContain('from-file');
    expect(opCalls()).toEqual([]);
  });

  it('honours op_path (a path outside PATH)', async () => {
    proxyToml(`[onepassword]\nenabled = true\nop_path = ${JSON.stringify(OP)}\n\n[onepassword.credentials]\nnpm_token = "op://CI/npm/token"\n`);
    items({ 'op://CI/npm/token': 'npm_secret' });
    const e = env({}, { path: 'system' });
    expect(which('op', e.PATH)).toBeNull(); // the real CLI is not installed here
    const store = await loadCredentials({ env: e, paths, log });
    expect(store.get('npm_token')).toBe('npm_secret');
    expect(logs).toEqual([]);
  });

  it('a failed item is logged with its reference (never a value); the others still load', async () => {
    proxyToml(
      ENABLED_GITHUB + 'sentry_auth_token = "op://Production/Sentry/auth_token"\nnpm_token = "op://Production/NPM/token"\n',
    );
    items({ 'op://Production/Sentry/auth_token': 'sntrys_secret_value', 'op://Production/NPM/token': 'npm_secret_value' });
    secret('github_token', 'file_secret_value');
    const store = await loadCredentials({ env: env({ DOCKER_TOKEN: 'docker_secret_value' }), paths, log });
    expect(store.get('sentry_auth_token')).toBe('sntrys_secret_value');
    expect(store.get('npm_token')).toBe('npm_secret_value');
    expect(store.get('github_token')).toBe('file_secret_value'); // fell through to the file
    expect(store.describe()[0]).toMatchObject({ source: 'file' });
    expect(logs).toHaveLength(1);
    const text = logText();
    expect(text).toContain('github_token');
    expect(text).toContain('op://Production/GitHub/token');
    expect(logs[0]?.data).toMatchObject({ credential: 'github_token', reference: 'op://Production/GitHub/token', from: 'proxy.toml' });
    expect(logs[0]?.data?.error).toMatch(/^op exited with 1: .*"GitHub" isn't an item in the "Production" vault/);
    for (const v of store.values()) expect(text).not.toContain(v);
    expect(text).not.toContain('[ERROR]');
  });

  it('an env op:// reference that fails falls back to the next variable, then proxy.toml, then the file', async () => {
    proxyToml(ENABLED_GITHUB);
    items({ 'op://Production/GitHub/token': 'from-1password' });
    let store = await loadCredentials({ env: env({ GITHUB_TOKEN: 'op://Missing/GitHub/token', GH_TOKEN: 'gh-plain' }), paths, log });
    expect(store.get('github_token')).toBe('gh-plain');
    store = await loadCredentials({ env: env({ GITHUB_TOKEN: 'op://Missing/GitHub/token' }), paths, log });
    expect(store.get('github_token')).toBe('from-1password');
    expect(logs.map((l) => l.data?.from)).toEqual(['GITHUB_TOKEN', 'GITHUB_TOKEN']);
  });

  it('reads in parallel, and a read that hangs is cut off by the timeout and logged', async () => {
    proxyToml(
      '[onepassword]\nenabled = true\n[onepassword.credentials]\ngithub_token = "op://P/a/f"\nnpm_token = "op://P/b/f"\ndocker_token = "op://P/c/f"\n',
    );
    items({ 'op://P/a/f': 'va-secret', 'op://P/b/f': 'vb-secret', 'op://P/c/f': 'vc-secret' });
    const loading = loadCredentials({ env: env({ OP_DOUBLE_DELAY_MS: '1500' }), paths, log });
    // all started before any finished: once the third read has started, all three still run
    const pids = await waitFor(() => {
      const started = existsSync(opLog) ? readFileSync(opLog, 'utf8').split('\n').filter(Boolean) : [];
      return started.length === 3 && started.map((l) => (JSON.parse(l) as { pid: number }).pid);
    }, 'three op reads to start');
    expect(pids.filter((pid) => processAlive(pid))).toHaveLength(3);
    const store = await loading;
    expect(store.values().sort()).toEqual(['va-secret', 'vb-secret', 'vc-secret']);

    secret('docker_token', 'docker-file');
    const t0 = Date.now();
    const slow = await loadCredentials({ env: env({ OP_DOUBLE_DELAY_MS: '20000' }), paths, log, opTimeoutMs: 400 });
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(slow.get('github_token')).toBeUndefined();
    expect(slow.get('docker_token')).toBe('docker-file');
    expect(logs.map((l) => l.data?.error)).toEqual(expect.arrayContaining([expect.stringMatching(/timed out/)]));
  });
});

describe('secrets/ files', () => {
  it('ignores empty and whitespace-only files', async () => {
    secret('github_token', '');
    secret('npm_token', ' \n\t\n');
    const store = await loadCredentials({ env: env(), paths, log });
    expect(store.get('github_token')).toBeUndefined();
    expect(store.get('npm_token')).toBeUndefined();
    expect(store.values()).toEqual([]);
    expect(store.describe().every((d) => !d.set && d.source === null)).toBe(true);
  });

  it('uses a file readable by group or others, with a warning to chmod 600', async () => {
    secret('grafana_api_key', 'glsa_loose_secret', 0o644);
    const store = await loadCredentials({ env: env(), paths, log });
    expect(store.get('grafana_api_key')).toBe('glsa_loose_secret');
    expect(logs).toHaveLength(1);
    expect(logs[0]?.msg).toMatch(/secrets\/grafana_api_key .*0644.*chmod 600/);
    expect(logText()).not.toContain('glsa_loose_secret');
  });

  it('a missing secrets directory is not an error', async () => {
    rmSync(paths.secrets, { recursive: true });
    const store = await loadCredentials({ env: env(), paths, log });
    expect(store.values()).toEqual([]);
    expect(logs).toEqual([]);
  });

  it('a directory in place of a file is logged and skipped', async () => {
    mkdirSync(join(paths.secrets, 'k8s_token'));
    const store = await loadCredentials({ env: env(), paths, log });
    expect(store.get('k8s_token')).toBeUndefined();
    expect(logs[0]?.msg).toMatch(/secrets\/k8s_token/);
  });
});

describe('the store never shows a value', () => {
  it('describe(), JSON and inspect list all 11 names with set/source and no value', async () => {
    proxyToml(ENABLED_GITHUB + 'sentry_auth_token = "op://Production/Sentry/auth_token"\n');
    items({ 'op://Production/GitHub/token': 'ghp_ONEPASSWORD_SECRET', 'op://Production/Sentry/auth_token': 'sntrys_ENV_REF_SECRET' });
    secret('npm_token', 'npm_FILE_SECRET');
    const store = await loadCredentials({
      env: env({ OPENAI_API_KEY: 'sk-ENV_SECRET', TALOS_TOKEN: 'op://Production/Sentry/auth_token' }),
      paths,
      log,
    });
    const d = store.describe();
    expect(d.map((x) => x.name)).toEqual([...CREDENTIAL_NAMES]);
    const by = Object.fromEntries(d.map((x) => [x.name, x]));
    expect(by.github_token).toEqual({ name: 'github_token', set: true, source: '1password', detail: 'op://Production/GitHub/token' });
    expect(by.openai_api_key).toEqual({ name: 'openai_api_key', set: true, source: 'env', detail: 'OPENAI_API_KEY' });
    expect(by.npm_token).toEqual({ name: 'npm_token', set: true, source: 'file', detail: 'secrets/npm_token' });
    expect(by.talos_token).toEqual({ name: 'talos_token', set: true, source: 'env:op', detail: 'TALOS_TOKEN (op://Production/Sentry/auth_token)' });
    expect(by.sentry_auth_token).toMatchObject({ set: true, source: '1password' });
    expect(by.k8s_token).toEqual({ name: 'k8s_token', set: false, source: null, detail: 'not set (looked at K8S_TOKEN, secrets/k8s_token)' });

    const values = store.values();
    expect(values.sort()).toEqual(['ghp_ONEPASSWORD_SECRET', 'npm_FILE_SECRET', 'sk-ENV_SECRET', 'sntrys_ENV_REF_SECRET']);
    const views = [
      JSON.stringify(store),
      JSON.stringify({ nested: { store } }),
      JSON.stringify(d),
      inspect(store),
      inspect(store, { showHidden: true, depth: Infinity, getters: true }),
      inspect({ store }, { depth: Infinity }),
      String(store),
      inspect(store, { customInspect: false, showHidden: true, depth: Infinity }),
      format('%o %O %s %j', store, store, store, store),
      JSON.stringify(Object.entries(store)),
      JSON.stringify({ ...store }),
    ];
    for (const view of views) for (const v of values) expect(view).not.toContain(v);
    expect(JSON.parse(JSON.stringify(store))).toEqual(d);
    expect(inspect(store)).toContain('github_token');
    expect(String(store)).toBe('CredentialStore(github_token, openai_api_key, sentry_auth_token, npm_token, talos_token)');
  });

  it('can be built directly (for tests of code that uses it)', () => {
    const store = new CredentialStore({ github_token: { value: 'ghp_x_secret', source: 'env', detail: 'GITHUB_TOKEN' }, npm_token: { value: '', source: 'file', detail: 'secrets/npm_token' } });
    expect(store.get('github_token')).toBe('ghp_x_secret');
    expect(store.has('npm_token')).toBe(false);
    expect(store.values()).toEqual(['ghp_x_secret']);
    expect(JSON.stringify(store)).not.toContain('ghp_x_secret');
  });
});

describe('proxy.toml', () => {
  async function configError(text: string): Promise<ClauderonError> {
    proxyToml(text);
    const e: unknown = await loadCredentials({ env: env(), paths, log }).then(
      () => null,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(ClauderonError);
    const ce = e as ClauderonError;
    expect(ce.code).toBe('config');
    expect(ce.message).toContain(paths.proxyConfig);
    return ce;
  }

  it('rejects unknown keys, naming the file and the key', async () => {
    expect((await configError('[onepassword]\nenabeld = true\n')).message).toMatch(/proxy\.toml:2: onepassword\.enabeld: unknown key/);
    expect((await configError('[onepassword.credentials]\ngithub_tokn = "op://a/b/c"\n')).message).toMatch(/onepassword\.credentials: unknown credential "github_tokn" \(known: github_token, /);
    expect((await configError('[rules]\nx = 1\n')).message).toMatch(/proxy\.toml:1: rules: .*expected array/); // [[rules]] entries, not a table
  });

  it('rejects a reference that is not op://vault/item/field, naming the key', async () => {
    expect((await configError('[onepassword.credentials]\ngithub_token = "ghp_plaintext"\n')).message).toMatch(/onepassword\.credentials\.github_token: expected a 1Password reference/);
    expect((await configError('[onepassword.credentials]\nnpm_token = "op://vault-only"\n')).message).toMatch(/onepassword\.credentials\.npm_token/);
  });

  it('reports TOML syntax errors and wrong types', async () => {
    expect((await configError('[onepassword\n')).message).toMatch(/:1: .*\(column \d+\)/);
    expect((await configError('[onepassword]\nenabled = "yes"\n')).message).toMatch(/onepassword\.enabled/);
  });

  it('the message never repeats a rejected value', async () => {
    expect((await configError('[onepassword.credentials]\ngithub_token = "ghp_plaintext_oops"\n')).message).not.toContain('ghp_plaintext_oops');
  });
});

describe('the op test double', () => {
  function op(args: string[], extra: Record<string, string> = {}) {
    const r = spawnSync(OP, args, { env: { ...env(), ...extra }, encoding: 'utf8' });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  it('speaks --version, whoami and read; rejects everything else', () => {
    items({ 'op://Production/GitHub/token': 'ghp_double' });
    expect(op(['--version'])).toMatchObject({ code: 0, stdout: '2.30.0\n' });
    expect(op(['whoami'])).toMatchObject({ code: 1, stdout: '' });
    expect(op(['whoami']).stderr).toMatch(/^\[ERROR\] \d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d account is not signed in\n$/);
    expect(op(['whoami'], { OP_DOUBLE_SIGNED_IN: '1' })).toMatchObject({ code: 0 });
    expect(op(['read', 'op://Production/GitHub/token'])).toMatchObject({ code: 0, stdout: 'ghp_double\n' });
    expect(op(['read', '--no-newline', 'op://Production/GitHub/token'])).toMatchObject({ code: 0, stdout: 'ghp_double' });
    const missing = op(['read', 'op://Production/Nope/token']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^\[ERROR\] .*"Nope" isn't an item in the "Production" vault/);
    expect(op(['read', 'op://Production/GitHub/token'], { OP_DOUBLE_SIGNED_IN: '0' }).code).toBe(1);
    for (const bad of [[], ['read'], ['read', 'a', 'b'], ['read', '--out-file', 'x', 'op://Production/GitHub/token'], ['item', 'get', 'x'], ['--version', 'x'], ['signin']]) {
      const r = op(bad);
      expect(r.code, bad.join(' ')).toBe(1);
      expect(r.stderr).toMatch(/^\[ERROR\] /);
      expect(r.stdout).toBe('');
    }
  });
});
