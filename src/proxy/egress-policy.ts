// A session's egress policy: which hosts its agent may reach through its proxy at all (issue 16).
// egress.ts decides which ADDRESSES the proxy may connect to (never local ones); this decides which
// TARGETS a session may ask for, before anything is resolved or connected:
//
//   open        everything (what clauderon always did)
//   allow-list  the agent's own needs, plus the session's rules (config presets/allow + --allow-host)
//   locked      the agent's own needs only (its model API, its token refresh, its telemetry when
//               [egress] telemetry = true), plus what is allowed live (`clauderon egress NAME --allow`)
//
// Rules (their grammar: src/shared/egress-rules.ts) are matched on the canonical target
// (src/shared/host.ts: lower case, no trailing dot, IDNA → punycode, every IPv4 spelling → dotted quad): `host` exact, `*.suffix` its subdomains only (never
// the bare suffix unless it is listed too), an IP rule only an IP literal — a name rule never matches
// an IP literal, whatever the name resolves to. A rule without a port allows 443 and 80; `:N` only
// port N; `:*` any port. A preset (`npm`, `github`, …) is a list of such rules (PRESETS, documented
// from this table). Matching is a map lookup per label of the host: 1,000 rules cost what 10 do.
// The live object (SessionEgress) is shared with the running proxy: a change applies to the next
// request, and it remembers the targets it blocked (bounded) for `clauderon egress NAME`.
import type { AgentSpec } from '../agents/spec.js';
import { parseEgressRule, parseEgressRules, PRESETS, type BlockedHost, type EgressPolicyName, type EgressRule, type EgressSettings, allowCommand } from '../shared/egress-rules.js';

// the rules' grammar is shared (config and the API validate with it); re-exported for the proxy's users
export * from '../shared/egress-rules.js';

type PortSet = Set<number> | 'any';

/** Rules compiled for lookup: exact names, wildcard suffixes and IP literals, each host → ports. */
export class RuleMatcher {
  private readonly exact = new Map<string, PortSet>();
  private readonly suffixes = new Map<string, PortSet>();
  private readonly ips = new Map<string, PortSet>();

  constructor(rules: readonly EgressRule[]) {
    for (const r of rules) {
      if (r.kind === 'preset') {
        for (const h of PRESETS[r.name]?.hosts ?? []) {
          const p = parseEgressRule(h);
          if (p.ok && p.rule.kind === 'host') this.add(p.rule);
        }
      } else this.add(r);
    }
  }

  private add(r: Extract<EgressRule, { kind: 'host' }>): void {
    const table = r.ip ? this.ips : r.wildcard ? this.suffixes : this.exact;
    const cur = table.get(r.host);
    if (cur === 'any') return;
    if (r.ports === null) return void table.set(r.host, 'any');
    const set = cur ?? new Set<number>();
    for (const p of r.ports) set.add(p);
    table.set(r.host, set);
  }

  /** Whether a canonical target matches a rule. */
  matches(host: string, port: number, kind: 'name' | 'ip'): boolean {
    const has = (ps: PortSet | undefined) => ps !== undefined && (ps === 'any' || ps.has(port));
    if (kind === 'ip') return has(this.ips.get(host));
    if (has(this.exact.get(host))) return true;
    // *.suffix: every proper suffix of the host (a.b.example.com → b.example.com, example.com, com)
    for (let i = host.indexOf('.'); i >= 0; i = host.indexOf('.', i + 1)) if (has(this.suffixes.get(host.slice(i + 1)))) return true;
    return false;
  }
}

/** What an agent itself needs to work: its model APIs' hosts and the others its spec lists (port 443). */
export function agentNeeds(spec: Pick<AgentSpec, 'modelApis' | 'egress'>, opts: { telemetry: boolean }): string[] {
  const hosts = [...spec.modelApis.map((m) => m.host), ...(spec.egress?.needs ?? []), ...(opts.telemetry ? (spec.egress?.telemetry ?? []) : [])];
  return [...new Set(hosts)].map((h) => `${h}:443`);
}

/** A refusal: the text the agent gets, and the command that lifts it. */
export interface EgressBlock {
  policy: Exclude<EgressPolicyName, 'open'>;
  target: string;
  allow: string;
  message: string;
}

/** The header a refusal carries (`egress`), so an agent or a tool can tell it from an upstream's 403. */
export const BLOCKED_HEADER = 'x-clauderon-blocked';

/** At most this many distinct blocked targets are remembered per session (the least recent go). */
export const MAX_BLOCKED = 200;

/** The live policy of one session: read by its proxy at every connection, changed by `clauderon egress`. */
export class SessionEgress {
  private settingsNow: EgressSettings;
  private matcher: RuleMatcher;
  private needsMatcher: RuleMatcher;
  private readonly blockedHosts = new Map<string, BlockedHost>();

  constructor(
    readonly session: string,
    settings: EgressSettings,
    private needs: readonly string[],
    private readonly onBlocked?: (b: BlockedHost, policy: EgressBlock['policy']) => void,
  ) {
    this.settingsNow = { policy: settings.policy, allow: [...settings.allow] };
    this.matcher = new RuleMatcher(parseEgressRules(settings.allow));
    this.needsMatcher = new RuleMatcher(parseEgressRules(needs));
  }

  get settings(): EgressSettings {
    return { policy: this.settingsNow.policy, allow: [...this.settingsNow.allow] };
  }

  /** The agent's own needs (always allowed). */
  get agentHosts(): string[] {
    return [...this.needs];
  }

  /** Replace the policy and rules (validated first: a bad rule changes nothing). */
  update(settings: EgressSettings, needs: readonly string[] = this.needs): void {
    const matcher = new RuleMatcher(parseEgressRules(settings.allow));
    this.needsMatcher = new RuleMatcher(parseEgressRules(needs));
    this.needs = [...needs];
    this.matcher = matcher;
    this.settingsNow = { policy: settings.policy, allow: [...settings.allow] };
    // what is allowed now is no longer "blocked so far"
    for (const [k, b] of this.blockedHosts) if (this.allows(b.host, b.port, b.kind)) this.blockedHosts.delete(k);
  }

  /** Whether the policy lets the session reach this canonical target. */
  allows(host: string, port: number, kind: 'name' | 'ip'): boolean {
    if (this.settingsNow.policy === 'open') return true;
    return this.needsMatcher.matches(host, port, kind) || this.matcher.matches(host, port, kind);
  }

  /**
   * The proxy's check: null when allowed; else the refusal, remembered (count, last time) and
   * reported. `target` is canonical (target.ts).
   */
  check(target: { host: string; port: number; kind: 'name' | 'ip' }): EgressBlock | null {
    if (this.allows(target.host, target.port, target.kind)) return null;
    const policy = this.settingsNow.policy as Exclude<EgressPolicyName, 'open'>; // (open allows everything)
    const shown = target.kind === 'ip' && target.host.includes(':') ? `[${target.host}]:${target.port}` : `${target.host}:${target.port}`;
    const allow = allowCommand(this.session, target.host, target.port, target.kind);
    const key = `${target.kind}|${target.host}|${target.port}`;
    const at = new Date().toISOString();
    const prev = this.blockedHosts.get(key);
    const b: BlockedHost = prev ? { ...prev, count: prev.count + 1, lastAt: at } : { host: target.host, port: target.port, kind: target.kind, count: 1, firstAt: at, lastAt: at, allow };
    this.blockedHosts.delete(key); // (re-inserted last: the map's order is least recent first)
    this.blockedHosts.set(key, b);
    if (this.blockedHosts.size > MAX_BLOCKED) this.blockedHosts.delete(this.blockedHosts.keys().next().value ?? '');
    this.onBlocked?.(b, policy);
    return {
      policy,
      target: shown,
      allow,
      message: `clauderon proxy: ${shown} is blocked by the egress policy "${policy}" of session ${this.session} (${policy === 'locked' ? "only the agent's own API and the hosts allowed live" : "only the agent's own API and the session's allow-list"} may be reached) — to allow it, the user runs: ${allow}`,
    };
  }

  /** The targets blocked so far, most recent first. */
  blocked(): BlockedHost[] {
    return [...this.blockedHosts.values()].reverse();
  }
}

/** The HTTP answer to a blocked request (absolute-form, plaintext, or inside a tunnel): 403, a short text, the header. */
export function blockedResponse(b: EgressBlock): { status: 403; headers: Record<string, string>; body: string } {
  const body = `${b.message}\n`;
  return {
    status: 403,
    headers: { 'content-type': 'text/plain; charset=utf-8', 'content-length': String(Buffer.byteLength(body)), [BLOCKED_HEADER]: 'egress', 'x-clauderon-allow': b.allow, 'cache-control': 'no-store' },
    body,
  };
}

/** The same as raw bytes, for a refused CONNECT (written to the client's socket, which is then ended). */
export function blockedConnectAnswer(b: EgressBlock): string {
  const r = blockedResponse(b);
  const head = Object.entries({ ...r.headers, connection: 'close' }).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  return `HTTP/1.1 403 Forbidden\r\n${head}\r\n${r.body}`;
}

/** The audit line's fields for a blocked request (never more than the target: no path, no header). */
export function blockedAudit(b: EgressBlock): { status: 403; blocked: 'egress'; policy: EgressBlock['policy'] } {
  return { status: 403, blocked: 'egress', policy: b.policy };
}

