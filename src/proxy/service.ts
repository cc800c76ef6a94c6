// The daemon's proxies: one SessionProxy per live session. The session's proxy password is
// derived (HMAC) from a home-local key, so it is never stored in the database and survives
// restarts; the port is kept in the session row so agents' HTTPS_PROXY stays valid.
import { agentSpec } from '../agents/registry.js';
import { createHmac, randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { proxyEnv } from '../agents/proxy-env.js';
import type { Paths } from '../config/paths.js';
import { ClauderonError, errorMessage } from '../shared/errors.js';
import type { Session } from '../shared/types.js';
import { AuditLog, type AuditRecord } from './audit.js';
import { bundleWithSystemRoots, type Ca } from './ca.js';
import { CREDENTIAL_ENV, isCredentialName, type CredentialName, type CredentialStore } from './credentials.js';
import { codexTokenExchange } from './codex-login.js';
import { EgressPolicy, type Resolver } from './egress.js';
import { agentNeeds, EGRESS_POLICIES, parseEgressRule, SessionEgress, type BlockedHost, type EgressBlock, type EgressPolicyName, type EgressSettings } from './egress-policy.js';
import { defaultConfig, loadConfig } from '../config/config.js';
import { SessionProxy, upstreamOverrideFromEnv, type UpstreamOverride } from './proxy.js';
import type { InjectionRule } from './rules.js';

export interface ProxyServiceDeps {
  paths: Paths;
  ca: () => Promise<Ca>;
  credentials: () => Promise<CredentialStore | null>;
  /** Injection rules (built-in + proxy.toml). */
  rules: () => Promise<InjectionRule[]>;
  /** The live session (its access mode is read at every request). */
  session: (id: string) => Session | undefined;
  portRange: readonly [number, number];
  env: NodeJS.ProcessEnv;
  log: { info(m: string, d?: Record<string, unknown>): void; warn(m: string, d?: Record<string, unknown>): void; error(m: string, d?: Record<string, unknown>): void };
  /** The daemon's HTTP API port as it listens now (never opened to agents). */
  httpPort?: () => number | null;
  /** Testing aid: name resolution for the egress policy. */
  resolver?: Resolver;
  /** Each audit line a session's proxy writes, as written (the daemon pushes it as `proxy.audit`). */
  onAudit?: (sessionId: string, entry: AuditRecord) => void;
  /** A session's stored egress policy (null: none stored — open). */
  egressSettings?: (id: string) => { policy: string; allow: string[] } | null;
  /** Each target a session's egress policy blocked (the daemon pushes it as `proxy.blocked`). */
  onBlocked?: (sessionId: string, blocked: BlockedHost, policy: EgressBlock['policy']) => void;
  /**
   * After a proxy stopped: the addresses beyond 127.0.0.1 (a container network's gateway) that the
   * proxies still running listen on — the daemon stops receiving hooks on any other.
   */
  onUnbound?: (stillBound: ReadonlySet<string>) => void;
}

/** What `clauderon egress NAME` shows of a session's live policy. */
export interface EgressState {
  settings: EgressSettings;
  /** The agent's own needs (always allowed), as rules. */
  agentHosts: string[];
  /** Targets blocked since its proxy started, most recent first. */
  blocked: BlockedHost[];
}

export interface StartedProxy {
  port: number;
  env: Record<string, string>;
}

export class ProxyService {
  private readonly running = new Map<string, SessionProxy>();
  /** The addresses beyond 127.0.0.1 each running proxy listens on. */
  private readonly binds = new Map<string, readonly string[]>();
  /** Each running session's live egress policy (shared with its proxy). */
  private readonly egressLive = new Map<string, SessionEgress>();
  private readonly authKey: Buffer;
  private readonly audit: AuditLog;
  private readonly override: UpstreamOverride | undefined;
  /** The loaded credentials (their values, a ChatGPT login's refreshed tokens included, are redacted from the audit). */
  private creds: CredentialStore | null = null;
  private closed = false;

  constructor(private readonly d: ProxyServiceDeps) {
    this.authKey = loadOrCreateKey(d.paths.proxyAuthKey);
    this.audit = new AuditLog(d.paths.audit, () => this.creds?.values() ?? []);
    this.override = upstreamOverrideFromEnv(d.env, (p) => readFileSync(p, 'utf8'));
    if (this.override) d.log.warn('testing aid active: CLAUDERON_UPSTREAM_OVERRIDES', { hosts: Object.keys(this.override.hosts) });
  }

  get bundlePath(): string {
    return this.d.paths.caBundle;
  }

  /** System roots + our CA, for the clients whose CA variables replace the trust store. */
  async writeBundle(): Promise<void> {
    writeFileSync(this.bundlePath, bundleWithSystemRoots((await this.d.ca()).certPem), { mode: 0o644 });
  }

  private password(s: Session): string {
    return createHmac('sha256', this.authKey).update(s.id).digest('hex').slice(0, 40);
  }

  /** Start (or restore) the proxy of a session; returns its port and the agent's environment. */
  async start(s: Session, opts: { skipChecks: boolean; keepPort?: boolean; bind?: readonly string[] }): Promise<StartedProxy> {
    const existing = this.running.get(s.id);
    if (existing) return { port: existing.port, env: await this.envFor(s, existing.port, opts.skipChecks) };
    const [ca, creds, rules, config] = await Promise.all([this.d.ca(), this.d.credentials(), this.d.rules(), loadConfig(this.d.paths.config).catch(() => defaultConfig())]);
    if (this.closed) throw new ClauderonError('daemon', 'the daemon is stopping');
    if (!existsSync(this.bundlePath)) await this.writeBundle();
    this.creds = creds ?? null;
    const taken = new Set([...this.running.values()].map((p) => p.port));
    // A running agent holds HTTPS_PROXY with its port: a restore must keep it. A new or restarted
    // agent gets a fresh environment, so its old port is only a preference.
    const free = range(this.d.portRange).filter((p) => !taken.has(p) && p !== s.proxyPort);
    const candidates = s.proxyPort ? (opts.keepPort ? [s.proxyPort] : [s.proxyPort, ...free]) : free;
    let lastError: unknown = null;
    // The daemon's own ports (its HTTP API, every session proxy) are never opened to an agent.
    const [lo, hi] = this.d.portRange;
    const egress = new EgressPolicy({
      allowLocal: config.proxy.allow_local,
      ownPorts: (p) => (p >= lo && p <= hi) || p === config.http.port || (this.d.httpPort?.() ?? null) === p,
      ...(this.d.resolver ? { resolver: this.d.resolver } : {}),
    });
    for (const port of candidates) {
      const proxy = new SessionProxy({
        session: s.name,
        user: s.name,
        password: this.password(s),
        bind: ['127.0.0.1', ...(opts.bind ?? [])],
        port,
        ca: () => ca,
        credential: (name) => (isCredentialName(name) ? creds?.get(name) : creds?.info(name)),
        ...(creds?.login ? { exchanges: [codexTokenExchange(creds.login, this.d.log)] } : {}),
        rules,
        accessMode: () => this.d.session(s.id)?.accessMode ?? 'read-only',
        audit: {
          write: (rec) => {
            const entry = this.audit.write(rec);
            this.d.onAudit?.(s.id, entry);
          },
        },
        egress,
        hostPolicy: this.egressFor(s, config.egress.telemetry),
        intercept: config.proxy.intercept,
        missingCredentialHint: (names) => missingCredentialHint(names, this.d.paths.secrets),
        log: this.d.log,
        ...(this.override ? { override: this.override } : {}),
      });
      try {
        await proxy.start();
        if (this.closed) {
          await proxy.close();
          throw new ClauderonError('daemon', 'the daemon is stopping');
        }
        this.running.set(s.id, proxy);
        this.binds.set(s.id, opts.bind ?? []);
        this.d.log.info('proxy started', { session: s.name, port });
        return { port, env: await this.envFor(s, port, opts.skipChecks) };
      } catch (e) {
        lastError = e;
        await proxy.close().catch(() => undefined);
        if (this.closed) throw e;
      }
    }
    throw new ClauderonError(
      'backend',
      s.proxyPort && opts.keepPort
        ? `cannot restore the proxy of ${s.name} on port ${s.proxyPort}: ${errorMessage(lastError)}`
        : `no free proxy port in ${this.d.portRange[0]}–${this.d.portRange[1]} — set [proxy] port_range in config.toml`,
    );
  }

  async envFor(s: Session, port: number, skipChecks: boolean): Promise<Record<string, string>> {
    const creds = await this.d.credentials();
    return proxyEnv({
      proxyUrl: `http://${s.name}:${this.password(s)}@127.0.0.1:${port}`,
      caCertPath: this.d.paths.caCert,
      caBundlePath: this.bundlePath,
      anthropic: creds?.has('anthropic_api_key') ? 'api_key' : 'oauth',
      // Claude Code takes an API-key placeholder from its settings' apiKeyHelper (no dialog).
      apiKeyHelper: agentSpec(s.agent).settings?.apiKeyCredential === 'anthropic_api_key',
      sandbox: skipChecks && process.getuid?.() === 0,
    });
  }

  async stop(id: string): Promise<void> {
    const p = this.running.get(id);
    if (!p) return;
    this.running.delete(id);
    this.egressLive.delete(id);
    const had = this.binds.get(id) ?? [];
    this.binds.delete(id);
    await p.close();
    if (had.length > 0) this.d.onUnbound?.(this.boundAddresses());
  }

  /** The addresses beyond 127.0.0.1 that running proxies listen on. */
  boundAddresses(): Set<string> {
    return new Set([...this.binds.values()].flat());
  }

  /** The port of a session's running proxy (relays of remote runtimes connect there), or null. */
  portOf(id: string): number | null {
    return this.running.get(id)?.port ?? null;
  }

  /** The session's live egress policy (made from what is stored the first time). */
  private egressFor(s: Session, telemetry: boolean): SessionEgress {
    let e = this.egressLive.get(s.id);
    if (!e) {
      e = new SessionEgress(s.name, storedEgress(this.d.egressSettings?.(s.id) ?? null), agentNeeds(agentSpec(s.agent), { telemetry }), (b, policy) => this.d.onBlocked?.(s.id, b, policy));
      this.egressLive.set(s.id, e);
    }
    return e;
  }

  /** A session's egress policy as its running proxy applies it (stored settings when none runs). */
  async egressState(s: Session): Promise<EgressState> {
    const live = this.egressLive.get(s.id);
    if (live) return { settings: live.settings, agentHosts: live.agentHosts, blocked: live.blocked() };
    const config = await loadConfig(this.d.paths.config).catch(() => defaultConfig());
    return { settings: storedEgress(this.d.egressSettings?.(s.id) ?? null), agentHosts: agentNeeds(agentSpec(s.agent), { telemetry: config.egress.telemetry }), blocked: [] };
  }

  /** Apply a changed policy to the session's running proxy at once (the caller has stored it). */
  applyEgress(id: string, settings: EgressSettings): void {
    this.egressLive.get(id)?.update(settings);
  }

  isRunning(id: string): boolean {
    return this.running.has(id);
  }

  /** Every audit line written so far is in the audit file (its lines were already pushed as events). */
  auditFlushed(): Promise<void> {
    return this.audit.flushed();
  }

  async closeAll(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.running.keys()].map((id) => this.stop(id)));
    await this.audit.close();
  }

  /** Whether the daemon holds a credential (never its value): create warns when an agent's model API has none. */
  /** What the daemon holds that is no secret (see CredentialStore.info). */
  async info(name: string): Promise<string | undefined> {
    return (await this.d.credentials())?.info(name);
  }

  async hasCredential(name: Parameters<CredentialStore['has']>[0]): Promise<boolean> {
    return (await this.d.credentials())?.has(name) ?? false;
  }
}

/**
 * A stored policy as the proxy uses it: none stored is `open` (what the session always had); a
 * policy this build does not know is `locked` (never wider than what was asked); a rule that no
 * longer parses is left out.
 */
function storedEgress(e: { policy: string; allow: string[] } | null): EgressSettings {
  if (!e) return { policy: 'open', allow: [] };
  const policy = (EGRESS_POLICIES as readonly string[]).includes(e.policy) ? (e.policy as EgressPolicyName) : 'locked';
  return { policy, allow: e.allow.filter((r) => parseEgressRule(r).ok) };
}

/** What the proxy tells an agent whose request needs a credential clauderon does not hold. */
export function missingCredentialHint(names: readonly string[], secretsDir: string): string {
  const known: CredentialName[] = names.filter(isCredentialName);
  const vars = known.flatMap((n) => CREDENTIAL_ENV[n]);
  const subscription = known.includes('anthropic_oauth_token') ? ' (for a Claude subscription, `claude setup-token` prints one)' : '';
  const file = known.at(-1) ?? names[0] ?? 'credential';
  return `clauderon holds no ${names.join(' or ')}: set ${vars.join(' or ')}${subscription} in the environment that starts the daemon, or write ${join(secretsDir, file)} (mode 0600), then restart the daemon (clauderon daemon stop; any command starts it again)`;
}

function range([a, b]: readonly [number, number]): number[] {
  const out: number[] = [];
  for (let p = a; p <= b; p++) out.push(p);
  return out;
}

/** A 32-byte key, created exclusively with mode 0600. */
function loadOrCreateKey(file: string): Buffer {
  try {
    const fd = openSync(file, 'wx', 0o600);
    const key = randomBytes(32);
    writeSync(fd, key.toString('hex'));
    closeSync(fd);
    return key;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    return Buffer.from(readFileSync(file, 'utf8').trim(), 'hex');
  }
}
