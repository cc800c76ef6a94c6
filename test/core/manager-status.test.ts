// transition and update (one store write, its event row, one pushed event), and the agent status
// the manager takes from hooks and exit reports, with in-process fakes (manager-fixture.ts).
import { afterEach, describe, expect, it } from 'vitest';
import { HookTokens } from '../../src/core/hooks.js';
import { session } from '../tui/fixtures.js';
import { later, makeFixture, type Fixture } from './manager-fixture.js';

let f: Fixture;
afterEach(() => f.close());

describe('transition', () => {
  it('stores the status, writes one event row and emits once', () => {
    f = makeFixture();
    const s = session({ name: 'moved', status: 'running' });
    f.store.insertSession(s);
    const next = f.context.transition(s, 'failed', { error: 'it broke', detail: 'found out' });
    expect(next).toMatchObject({ status: 'failed', error: 'it broke' });
    expect(f.store.getSession(s.id)).toMatchObject({ status: 'failed', error: 'it broke' });
    expect(later(f, s.id)).toMatchObject([{ kind: 'status', fromStatus: 'running', toStatus: 'failed', detail: 'found out' }]);
    expect(f.events).toEqual([{ type: 'session.updated', session: next }]);
  });

  it('writes a patch first, and leaves the push to the caller when asked', () => {
    f = makeFixture();
    const s = session({ name: 'quiet', status: 'creating', error: 'old' });
    f.store.insertSession(s);
    const next = f.context.transition(s, 'running', { patch: { backendId: 'b-1' }, emit: false });
    expect(next).toMatchObject({ status: 'running', backendId: 'b-1', error: 'old' });
    expect(f.events).toEqual([]);
    expect(later(f, s.id)).toHaveLength(1);
  });

  it('update: the fields, an event row when given, one push', () => {
    f = makeFixture();
    const s = session({ name: 'mode', accessMode: 'read-write' });
    f.store.insertSession(s);
    const next = f.manager.setAccessMode('mode', 'read-only');
    expect(next.accessMode).toBe('read-only');
    expect(later(f, s.id)).toMatchObject([{ kind: 'note', detail: 'access mode read-write → read-only' }]);
    expect(f.events).toEqual([{ type: 'session.updated', session: next }]);
    expect(f.manager.setAccessMode('mode', 'read-only')).toEqual(next);
    expect(f.events).toHaveLength(1); // no change, no push
  });
});

describe('agent status from hooks', () => {
  it('maps hook events to agentStatus, refuses a wrong token, and completes on the exit report', () => {
    f = makeFixture({ hooks: true });
    const s = session({ name: 'hooked', status: 'running' });
    f.store.insertSession(s);
    const token = new HookTokens(f.paths).tokenFor(s.id);
    expect(() => f.manager.recordHook(s.id, 'wrong', {})).toThrow('unknown session or wrong hook token');
    expect(f.manager.recordHook(s.id, token, { hook_event_name: 'PreToolUse' })).toEqual({ agentStatus: 'working', changed: true });
    expect(f.manager.recordHook(s.id, token, { hook_event_name: 'PostToolUse' })).toEqual({ agentStatus: 'working', changed: false });
    expect(later(f, s.id)).toMatchObject([{ kind: 'agent', detail: 'unknown → working (PreToolUse)' }]);
    expect(f.events).toHaveLength(1);

    expect(f.manager.recordHook(s.id, token, { hook_event_name: 'ClauderonAgentExit', exit_status: 3 })).toEqual({ agentStatus: 'idle', changed: true });
    expect(f.store.getSession(s.id)).toMatchObject({ status: 'completed', agentStatus: 'idle', error: 'the agent exited with status 3 — archive and unarchive to restart it' });
    expect(f.store.listEvents(s.id).at(-1)).toMatchObject({ kind: 'status', fromStatus: 'running', toStatus: 'completed', detail: 'agent exited with status 3 (its exit report)' });
    expect(f.events).toHaveLength(2);
  });
});
