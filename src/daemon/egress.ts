// sessions.egress and sessions.egressAllow: a session's egress policy (src/proxy/egress-policy.ts)
// as its proxy applies it, and changes to it — stored with the session (src/store, session_egress)
// and applied by the running proxy to the very next request, with no restart. Each change is a
// note in the session's events. The read–change–write is synchronous, so two changes at once
// cannot lose one.
import { ClauderonError } from '../shared/errors.js';
import type { Session } from '../shared/types.js';
import type { Store } from '../store/store.js';
import type { EgressChange, EgressReport } from '../protocol/operations.js';
import { EGRESS_POLICIES, parseEgressRule, ruleKey, ruleText, type EgressPolicyName, type EgressSettings } from '../proxy/egress-policy.js';
import type { EgressState } from '../proxy/service.js';

/** What the handlers need of the daemon's proxies. */
export interface EgressProxies {
  egressState(s: Session): Promise<EgressState>;
  applyEgress(id: string, settings: EgressSettings): void;
  isRunning(id: string): boolean;
}

export async function egressReport(s: Session, proxies: EgressProxies | null): Promise<EgressReport> {
  if (!proxies) {
    return { session: s.name, ...storedSettings(null), agentHosts: [], blocked: [], live: false };
  }
  const state = await proxies.egressState(s);
  return { session: s.name, ...state.settings, agentHosts: state.agentHosts, blocked: state.blocked, live: proxies.isRunning(s.id) };
}

function storedSettings(e: { policy: string; allow: string[] } | null): EgressSettings {
  if (!e) return { policy: 'open', allow: [] };
  return { policy: (EGRESS_POLICIES as readonly string[]).includes(e.policy) ? (e.policy as EgressPolicyName) : 'locked', allow: [...e.allow] };
}

export async function egressChange(
  s: Session,
  change: { host?: string | undefined; port?: number | undefined; remove: boolean; policy?: EgressPolicyName | undefined },
  deps: { store: Store; proxies: EgressProxies | null },
): Promise<EgressChange> {
  const cur = storedSettings(deps.store.getEgress(s.id));
  const next: EgressSettings = { policy: change.policy ?? cur.policy, allow: [...cur.allow] };
  const notes: string[] = [];
  if (change.host !== undefined) {
    const text = ruleText(change.host, change.port);
    const parsed = parseEgressRule(text);
    if (!parsed.ok) throw new ClauderonError('invalid_input', parsed.reason, { field: 'host' });
    const key = ruleKey(parsed.rule);
    const same = (r: string) => {
      const p = parseEgressRule(r);
      return p.ok && ruleKey(p.rule) === key;
    };
    if (change.remove) {
      if (!next.allow.some(same)) {
        const list = next.allow.length > 0 ? next.allow.join(', ') : 'none';
        throw new ClauderonError('not_found', `${s.name} has no rule ${text} to remove (its rules: ${list})`, { field: 'host' });
      }
      next.allow = next.allow.filter((r) => !same(r));
      notes.push(`removed ${text}`);
    } else if (next.allow.some(same)) {
      notes.push(`${text} was allowed already`);
    } else {
      if (next.allow.length >= 1000) throw new ClauderonError('limit', `${s.name} has 1000 rules already — remove some, or use a wildcard (*.example.com) or a preset`);
      next.allow.push(parsed.rule.kind === 'preset' ? parsed.rule.name : text);
      notes.push(`allowed ${text}`);
    }
  }
  if (next.policy !== cur.policy) notes.push(`policy ${cur.policy} → ${next.policy}`);
  if (next.policy === 'open' && change.host !== undefined && !change.remove) notes.push('the policy is open: everything is allowed, the rule counts once it is allow-list or locked');
  if (notes.length === 0) notes.push('nothing changed');
  deps.store.setEgress(s.id, next);
  deps.proxies?.applyEgress(s.id, next);
  deps.store.addEvent({ sessionId: s.id, kind: 'note', detail: `egress: ${notes.join('; ')}` });
  const live = deps.proxies?.isRunning(s.id) ?? false;
  notes.push(live ? 'applied to the running proxy' : 'applies when the session runs again');
  return { ...(await egressReport(s, deps.proxies)), note: notes.join('; ') };
}
