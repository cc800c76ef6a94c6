// The grammar of egress rules (issue 16), shared by everything that reads one: config.toml's
// [egress], the API's params (sessions.create's allowHosts, sessions.egressAllow), the CLI, and
// the proxy's policy (src/proxy/egress-policy.ts, which matches them). A rule is `host` (exact),
// `*.suffix` (its subdomains only, never the bare suffix), an IP address (matched only by an IP
// literal target), each optionally with `:PORT` or `:*` (none: 443 and 80), or a preset name (a
// list of such rules, PRESETS — documented from this table). Hosts are canonicalised as the
// proxy's targets are (host.ts: lower case, no trailing dot, IDNA → punycode, IPv4 spellings →
// dotted quad), so a rule compares with a target as a string.
import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';
import type { BlockedTarget } from './events.js';
import { canonicalHost } from './host.js';

export const EGRESS_POLICIES = ['open', 'allow-list', 'locked'] as const;
export type EgressPolicyName = (typeof EGRESS_POLICIES)[number];

/** Ports a rule without one allows (HTTPS and HTTP: what package managers and APIs use). */
export const DEFAULT_RULE_PORTS: readonly number[] = [443, 80];

/** Presets: names usable wherever a rule is (config `presets`/`allow`, `--allow-host`, `--allow`). */
export const PRESETS: Readonly<Record<string, { about: string; hosts: readonly string[] }>> = {
  npm: { about: 'the npm registry (npm, yarn, pnpm)', hosts: ['registry.npmjs.org', 'registry.yarnpkg.com'] },
  pypi: { about: 'the Python Package Index (pip, uv, poetry)', hosts: ['pypi.org', 'files.pythonhosted.org'] },
  github: {
    about: 'GitHub: the API, git over HTTPS, archives, release downloads and raw files',
    hosts: ['github.com', 'api.github.com', 'codeload.github.com', 'uploads.github.com', '*.githubusercontent.com'],
  },
  crates: { about: 'crates.io (cargo)', hosts: ['crates.io', 'index.crates.io', 'static.crates.io'] },
  go: { about: 'the Go module proxy and checksum database', hosts: ['proxy.golang.org', 'sum.golang.org'] },
  rubygems: { about: 'RubyGems (gem, bundler)', hosts: ['rubygems.org', 'index.rubygems.org'] },
  maven: { about: 'Maven Central', hosts: ['repo.maven.apache.org', 'repo1.maven.org'] },
  'docker-hub': {
    about: 'Docker Hub image pulls (registry, auth, blob CDN)',
    hosts: ['registry-1.docker.io', 'auth.docker.io', 'production.cloudflare.docker.com', 'index.docker.io', 'hub.docker.com'],
  },
  apt: { about: 'Debian and Ubuntu package archives (apt)', hosts: ['deb.debian.org', 'security.debian.org', 'archive.ubuntu.com', 'security.ubuntu.com'] },
};

/** One parsed rule. `ports` null: any port. */
export type EgressRule =
  | { kind: 'preset'; text: string; name: string }
  | { kind: 'host'; text: string; host: string; wildcard: boolean; ip: boolean; ports: readonly number[] | null };

/** Why a rule's text is not one (a sentence that says what to write), or the rule. */
export function parseEgressRule(raw: string): { ok: true; rule: EgressRule } | { ok: false; reason: string } {
  const text = raw.trim();
  if (text === '') return { ok: false, reason: 'an empty rule' };
  if (text.length > 300) return { ok: false, reason: 'a rule of more than 300 characters' };
  if (Object.hasOwn(PRESETS, text.toLowerCase())) return { ok: true, rule: { kind: 'preset', text: text.toLowerCase(), name: text.toLowerCase() } };
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0020\u007f/@?#\\]/.test(text)) return { ok: false, reason: `"${text}" is not a host: write HOST, HOST:PORT, *.SUFFIX or a preset (${Object.keys(PRESETS).join(', ')}), no scheme, path or user` };
  let host = text;
  let portText: string | null = null;
  if (text.startsWith('[')) {
    const end = text.indexOf(']');
    if (end < 0) return { ok: false, reason: `"${text}": an IPv6 address in brackets needs its closing ]` };
    host = text.slice(1, end);
    const rest = text.slice(end + 1);
    if (rest !== '' && !rest.startsWith(':')) return { ok: false, reason: `"${text}": expected [IPv6]:PORT` };
    portText = rest === '' ? null : rest.slice(1);
    if (isIP(host) !== 6) return { ok: false, reason: `"${text}": not an IPv6 address` };
  } else if (isIP(text) === 6) {
    host = text; // a bare IPv6 address (no port: brackets are needed for one)
  } else {
    const colon = text.lastIndexOf(':');
    if (colon >= 0) {
      host = text.slice(0, colon);
      portText = text.slice(colon + 1);
    }
  }
  let ports: readonly number[] | null = DEFAULT_RULE_PORTS;
  if (portText !== null) {
    if (portText === '*') ports = null;
    else if (/^[0-9]{1,5}$/.test(portText) && Number(portText) >= 1 && Number(portText) <= 65535) ports = [Number(portText)];
    else return { ok: false, reason: `"${text}": invalid port "${portText}" (1–65535, or * for any)` };
  }
  const wildcard = host.startsWith('*.');
  if (host === '*' || host === '*.') return { ok: false, reason: '"*" would allow everything: use the policy "open" instead' };
  if (host.includes('*') && !(wildcard && !host.slice(2).includes('*'))) return { ok: false, reason: `"${text}": a wildcard is only allowed as the first label ("*.example.com")` };
  // a rule may be written in Unicode (IDNA); targets arrive as punycode, which is what is kept
  const bare = wildcard ? host.slice(2) : host;
  const ascii = isIP(bare) === 0 && /[^ -~]/.test(bare) ? domainToASCII(bare.toLowerCase()) : bare; // (controls were refused above)
  if (ascii === '') return { ok: false, reason: `"${text}": not a valid international domain name` };
  const t = canonicalHost(ascii, 443);
  if (!t.ok) return { ok: false, reason: `"${text}": ${t.reason}` };
  if (wildcard && t.kind === 'ip') return { ok: false, reason: `"${text}": a wildcard needs a domain name, not an IP address` };
  if (t.kind === 'name' && !t.host.includes('.') && !wildcard) {
    return { ok: false, reason: `"${text}" is neither a preset (${Object.keys(PRESETS).join(', ')}) nor a host name with a dot` };
  }
  return { ok: true, rule: { kind: 'host', text, host: t.host, wildcard, ip: t.kind === 'ip', ports } };
}

/** Parse rules, throwing an Error that names the first bad one (config and params validate with it). */
export function parseEgressRules(texts: readonly string[]): EgressRule[] {
  return texts.map((x) => {
    const r = parseEgressRule(x);
    if (!r.ok) throw new Error(r.reason);
    return r.rule;
  });
}

/** What is stored with a session (src/store): its policy and its own rules. */
export interface EgressSettings {
  policy: EgressPolicyName;
  allow: string[];
}

/** A target the session's policy refused, as remembered and reported (the `proxy.blocked` event carries it). */
export type BlockedHost = BlockedTarget;

/** `clauderon egress NAME --allow HOST [--port N]` for a target. */
export function allowCommand(session: string, host: string, port: number, kind: 'name' | 'ip'): string {
  const h = kind === 'ip' && host.includes(':') ? `'[${host}]'` : host;
  return `clauderon egress ${session} --allow ${h}${DEFAULT_RULE_PORTS.includes(port) ? '' : ` --port ${port}`}`;
}

/** A rule's text from `--allow HOST` and `--port N` (HOST may hold its own port or be a preset). */
export function ruleText(host: string, port?: number): string {
  if (port === undefined) return host.trim();
  const h = host.trim();
  if (isIP(h) === 6) return `[${h}]:${port}`;
  return `${h.replace(/:(\d+|\*)$/, '')}:${port}`;
}

/** README/docs table of the presets (generated from PRESETS). */
export function markdownPresetTable(): string {
  return ['| preset | hosts | what |', '|---|---|---|', ...Object.entries(PRESETS).map(([name, p]) => `| \`${name}\` | ${p.hosts.map((h) => `\`${h}\``).join(', ')} | ${p.about} |`)].join('\n');
}

/** What makes two rules the same (for removing one however it is spelled): its canonical form. */
export function ruleKey(r: EgressRule): string {
  if (r.kind === 'preset') return `preset:${r.name}`;
  return `${r.ip ? 'ip' : r.wildcard ? 'suffix' : 'host'}:${r.host}:${r.ports === null ? '*' : [...r.ports].sort((a, b) => a - b).join(',')}`;
}
