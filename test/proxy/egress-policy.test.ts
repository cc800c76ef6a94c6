// The egress policy's matching (src/proxy/egress-policy.ts): exact hosts, wildcards (subdomains
// only), ports, presets, every spelling of a host, IP literals that never match a name rule, the
// agent's own needs, and what a block remembers. Targets go through parseConnectTarget as the
// proxy's do, so a spelling the proxy canonicalises is tested as it arrives.
import { describe, expect, it } from 'vitest';
import { agentSpec } from '../../src/agents/registry.js';
import { agentNeeds, MAX_BLOCKED, parseEgressRule, PRESETS, RuleMatcher, ruleText, SessionEgress, parseEgressRules, markdownPresetTable } from '../../src/proxy/egress-policy.js';
import { parseConnectTarget } from '../../src/proxy/target.js';

function target(raw: string) {
  const t = parseConnectTarget(raw);
  if (!t.ok) throw new Error(`${raw}: ${t.reason}`);
  return t;
}

function matcher(...rules: string[]) {
  const m = new RuleMatcher(parseEgressRules(rules));
  return (raw: string) => {
    const t = target(raw);
    return m.matches(t.host, t.port, t.kind);
  };
}

describe('egress rules', () => {
  it('an exact host matches itself on 443 and 80 only, in every spelling', () => {
    const m = matcher('api.example.com');
    expect(m('api.example.com:443')).toBe(true);
    expect(m('api.example.com:80')).toBe(true);
    expect(m('API.Example.COM:443')).toBe(true);
    expect(m('api.example.com.:443')).toBe(true);
    expect(m('api.example.com:8443')).toBe(false);
    expect(m('example.com:443')).toBe(false);
    expect(m('x.api.example.com:443')).toBe(false);
    expect(m('api.example.com.evil.test:443')).toBe(false);
    expect(m('api-example.com:443')).toBe(false);
  });

  it('a wildcard matches subdomains at any depth, never the bare suffix unless listed', () => {
    const m = matcher('*.example.com');
    expect(m('a.example.com:443')).toBe(true);
    expect(m('a.b.example.com:443')).toBe(true);
    expect(m('example.com:443')).toBe(false);
    expect(m('badexample.com:443')).toBe(false);
    expect(m('example.com.evil.test:443')).toBe(false);
    expect(matcher('*.example.com', 'example.com')('example.com:443')).toBe(true);
  });

  it('ports: :N only N, :* any, none 443 and 80', () => {
    expect(matcher('db.example.com:5432')('db.example.com:5432')).toBe(true);
    expect(matcher('db.example.com:5432')('db.example.com:443')).toBe(false);
    expect(matcher('db.example.com:*')('db.example.com:22')).toBe(true);
    expect(matcher('*.example.com:8443')('a.example.com:8443')).toBe(true);
    expect(matcher('*.example.com:8443')('a.example.com:443')).toBe(false);
    // two rules for one host add their ports
    const m = matcher('h.example.com:1234', 'h.example.com');
    expect([m('h.example.com:1234'), m('h.example.com:443'), m('h.example.com:22')]).toEqual([true, true, false]);
  });

  it('IDNA: a Unicode rule and a punycode target (and the other way round) are one host', () => {
    expect(matcher('bücher.example')('xn--bcher-kva.example:443')).toBe(true);
    expect(matcher('*.BÜCHER.example')('www.xn--bcher-kva.example:443')).toBe(true);
    expect(matcher('xn--bcher-kva.example')('xn--bcher-kva.example:443')).toBe(true);
  });

  it('an IP literal, in any spelling, matches only an IP rule — never a name rule', () => {
    const names = matcher('example.com', '*.example.com', 'localhost.example.com');
    for (const raw of ['93.184.216.34:443', '1572395042:443', '0x5d.0xb8.0xd8.0x22:443', '93.184.55330:443', '[::ffff:93.184.216.34]:443', '[2606:2800:220:1::]:443', '127.1:443', '2130706433:443']) {
      expect(names(raw), raw).toBe(false);
    }
    const ip = matcher('93.184.216.34');
    for (const raw of ['93.184.216.34:443', '1572395042:443', '0x5d.0xb8.0xd8.0x22:443', '93.184.55330:80']) expect(ip(raw), raw).toBe(true);
    expect(ip('93.184.216.35:443')).toBe(false);
    const v6 = matcher('[2606:2800:220:1:0::]:443');
    expect(v6('[2606:2800:220:1::]:443')).toBe(true);
    expect(v6('[2606:2800:220:1::1]:443')).toBe(false);
    expect(matcher('2606:2800:220:1::')('[2606:2800:220:1::]:80')).toBe(true);
    // a rule spelled as a number is the IP it means, so it never matches a name either
    expect(matcher('1572395042')('93.184.216.34:443')).toBe(true);
  });

  it('presets expand to their hosts and are usable beside other rules', () => {
    const m = matcher('npm', 'github');
    expect(m('registry.npmjs.org:443')).toBe(true);
    expect(m('objects.githubusercontent.com:443')).toBe(true);
    expect(m('githubusercontent.com:443')).toBe(false);
    expect(m('pypi.org:443')).toBe(false);
    expect(matcher('NPM')('registry.yarnpkg.com:443')).toBe(true);
    for (const [name, p] of Object.entries(PRESETS)) for (const h of p.hosts) expect(parseEgressRule(h).ok, `${name}: ${h}`).toBe(true);
    expect(markdownPresetTable()).toContain('| `docker-hub` |');
  });

  it('refuses what is no rule, saying what to write', () => {
    const reason = (x: string) => {
      const r = parseEgressRule(x);
      return r.ok ? 'accepted' : r.reason;
    };
    expect(reason('*')).toMatch(/open/);
    expect(reason('')).toMatch(/empty/);
    expect(reason('https://example.com/')).toMatch(/no scheme, path or user/);
    expect(reason('a.*.example.com')).toMatch(/first label/);
    expect(reason('*.1.2.3.4')).toMatch(/domain name/);
    expect(reason('example.com:0')).toMatch(/invalid port/);
    expect(reason('example.com:70000')).toMatch(/invalid port/);
    expect(reason('npmm')).toMatch(/neither a preset .*npm/);
    expect(reason('exa mple.com')).toMatch(/not a host/);
    expect(reason('[::1')).toMatch(/closing/);
  });

  it('ruleText joins --allow HOST and --port N', () => {
    expect(ruleText('example.com', 8443)).toBe('example.com:8443');
    expect(ruleText('example.com:80', 8443)).toBe('example.com:8443');
    expect(ruleText('::1', 5432)).toBe('[::1]:5432');
    expect(ruleText(' npm ')).toBe('npm');
  });
});

describe("the agent's own needs", () => {
  it('are its model API (and its token refresh), its telemetry only when asked', () => {
    expect(agentNeeds(agentSpec('claude'), { telemetry: false })).toEqual(['api.anthropic.com:443']);
    expect(agentNeeds(agentSpec('claude'), { telemetry: true })).toContain('statsig.anthropic.com:443');
    expect(agentNeeds(agentSpec('codex'), { telemetry: false })).toEqual(['api.openai.com:443', 'chatgpt.com:443', 'auth.openai.com:443']);
    expect(agentNeeds(agentSpec('gemini'), { telemetry: false })).toEqual(['generativelanguage.googleapis.com:443']);
    expect(agentNeeds(agentSpec('gemini'), { telemetry: true })).toContain('play.googleapis.com:443');
  });
});

describe('SessionEgress', () => {
  const needs = agentNeeds(agentSpec('claude'), { telemetry: false });

  it('open allows everything; locked only the needs; allow-list the needs and its rules', () => {
    const open = new SessionEgress('s', { policy: 'open', allow: [] }, needs);
    expect(open.check(target('anything.example:443'))).toBeNull();
    const locked = new SessionEgress('s', { policy: 'locked', allow: [] }, needs);
    expect(locked.check(target('api.anthropic.com:443'))).toBeNull();
    expect(locked.check(target('API.ANTHROPIC.COM.:443'))).toBeNull();
    expect(locked.check(target('api.anthropic.com:80'))).not.toBeNull(); // its API is HTTPS only
    expect(locked.check(target('registry.npmjs.org:443'))).not.toBeNull();
    const list = new SessionEgress('s', { policy: 'allow-list', allow: ['npm'] }, needs);
    expect(list.check(target('registry.npmjs.org:443'))).toBeNull();
    expect(list.check(target('api.anthropic.com:443'))).toBeNull();
    expect(list.check(target('pypi.org:443'))).not.toBeNull();
  });

  it('a block says what and how to allow it, and is remembered with a count (bounded)', () => {
    const seen: string[] = [];
    const e = new SessionEgress('my-task', { policy: 'locked', allow: [] }, needs, (b) => seen.push(`${b.host}:${b.port}#${b.count}`));
    const b = e.check(target('Evil.Example.:443'));
    expect(b?.target).toBe('evil.example:443');
    expect(b?.allow).toBe('clauderon egress my-task --allow evil.example');
    expect(b?.message).toContain('clauderon egress my-task --allow evil.example');
    expect(b?.message).toContain('"locked"');
    expect(e.check(target('evil.example:8080'))?.allow).toBe('clauderon egress my-task --allow evil.example --port 8080');
    expect(e.check(target('[::1]:443'))?.allow).toBe("clauderon egress my-task --allow '[::1]'");
    e.check(target('evil.example:443'));
    expect(seen).toEqual(['evil.example:443#1', 'evil.example:8080#1', '::1:443#1', 'evil.example:443#2']);
    expect(e.blocked().map((x) => [x.host, x.port, x.count])).toEqual([
      ['evil.example', 443, 2],
      ['::1', 443, 1],
      ['evil.example', 8080, 1],
    ]);
    for (let i = 0; i < MAX_BLOCKED + 10; i++) e.check(target(`h${i}.example:443`));
    expect(e.blocked()).toHaveLength(MAX_BLOCKED);
    expect(e.blocked()[0]?.host).toBe(`h${MAX_BLOCKED + 9}.example`);
  });

  it('an update applies at once and forgets the blocks it now allows; a bad rule changes nothing', () => {
    const e = new SessionEgress('s', { policy: 'allow-list', allow: [] }, needs);
    expect(e.check(target('a.example:443'))).not.toBeNull();
    expect(e.check(target('b.example:443'))).not.toBeNull();
    e.update({ policy: 'allow-list', allow: ['a.example'] });
    expect(e.check(target('a.example:443'))).toBeNull();
    expect(e.blocked().map((b) => b.host)).toEqual(['b.example']);
    expect(() => e.update({ policy: 'locked', allow: ['a.example', '*'] })).toThrow(/open/);
    expect(e.settings).toEqual({ policy: 'allow-list', allow: ['a.example'] });
    e.update({ policy: 'open', allow: [] });
    expect(e.check(target('b.example:443'))).toBeNull();
  });

  it('1,000 rules: a lookup stays a handful of map reads', () => {
    const rules = Array.from({ length: 1000 }, (_, i) => (i % 2 ? `host${i}.example.com` : `*.zone${i}.example.net`));
    const e = new SessionEgress('s', { policy: 'allow-list', allow: rules }, needs);
    expect(e.allows('host999.example.com', 443, 'name')).toBe(true);
    expect(e.allows('a.b.zone998.example.net', 443, 'name')).toBe(true);
    expect(e.allows('zone998.example.net', 443, 'name')).toBe(false);
    expect(e.allows('host1000.example.com', 443, 'name')).toBe(false);
  });
});
