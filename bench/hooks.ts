// Agent-status figures (`npm run bench`, called from bench/run.ts): a hook event posted to the
// daemon's HTTP API until (a) it arrives on /ws/events and (b) `sessions.get` shows it; the cost
// of one status change with 10 and with 100 running sessions (it must not grow: O(1), no scan);
// and the daemon's CPU while 100 sessions run and nothing happens. Loopback only.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { ensureHome, getPaths, type Paths } from '../src/config/paths.js';
import { freePort } from './net.js';
import type { TuiBenchContext } from './tui.js';

const EVENTS = 200;
const IDLE_MS = 5000;

function cpuMs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(f[11]) + Number(f[12])) * 10; // clock ticks of 10 ms
}

export async function benchHooks(ctx: TuiBenchContext & { fakeAgent: string }): Promise<void> {
  const { log, describe, p50 } = ctx;
  log(`\n## agent status: hook → /ws/events and sessions.get (${EVENTS} events), O(1) at 10 vs 100 sessions, idle CPU`);
  const paths: Paths = getPaths(join(ctx.root, 'hooks-home'));
  ctx.homes.push(paths);
  ctx.tmuxSockets.push(paths.tmuxSocket);
  ensureHome(paths);
  const port = await freePort();
  writeFileSync(paths.config, `[general]\nmax_sessions = 1000\n[http]\nport = ${port}\n[agents.claude]\ncommand = ${JSON.stringify(ctx.fakeAgent)}\n`);
  const repo = ctx.makeSmallRepo(join(ctx.root, 'hooks-repo'));
  const { client, pid } = await ctx.startDaemon(paths);
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws/events`);
  try {
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const arrivals = new Map<string, (t: number) => void>();
    ws.on('message', (d: Buffer) => {
      const t = performance.now();
      const e = JSON.parse(d.toString('utf8')) as { type: string; session?: { id: string; agentStatus: string } };
      if (e.type === 'session.updated' && e.session) arrivals.get(`${e.session.id} ${e.session.agentStatus}`)?.(t);
    });

    const create = async (i: number) => {
      const r = await client.call('sessions.create', { repoPath: repo, prompt: `hooks bench ${i}`, name: `hk-${i}`, backend: 'tmux', accessMode: 'read-write', skipChecks: false, planMode: false });
      const env = await client.call('sessions.env', { name: r.session.name });
      return { id: r.session.id, token: env.CLAUDERON_HOOK_TOKEN ?? '' };
    };
    const sessions: { id: string; token: string }[] = [];
    for (let i = 0; i < 10; i++) sessions.push(await create(i));

    const measure = async (count: number) => {
      const toWs: number[] = [];
      const toGet: number[] = [];
      const handle: number[] = [];
      for (let i = 0; i < count; i++) {
        if (ctx.aborting()) throw new Error('the bench is stopping');
        const s = sessions[i % sessions.length] ?? sessions[0];
        if (!s) throw new Error('no session');
        // always a change: working ⇄ waiting_input
        const current = (await client.call('sessions.get', { name: s.id })).agentStatus;
        const event = current === 'working' ? 'Stop' : 'PreToolUse';
        const want = event === 'PreToolUse' ? 'working' : 'waiting_input';
        const t0 = performance.now();
        const arrived = new Promise<number>((resolve) => arrivals.set(`${s.id} ${want}`, resolve));
        const r = await fetch(`http://127.0.0.1:${port}/api/hooks?session=${s.id}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ hook_event_name: event, session_id: s.id }),
        });
        if (r.status !== 200) throw new Error(`hook post: ${r.status}`);
        await r.arrayBuffer();
        handle.push(performance.now() - t0);
        const got = await client.call('sessions.get', { name: s.id });
        if (got.agentStatus !== want) throw new Error(`sessions.get shows ${got.agentStatus}, expected ${want}`);
        toGet.push(performance.now() - t0);
        toWs.push((await arrived) - t0);
        arrivals.delete(`${s.id} ${want}`);
      }
      return { toWs, toGet, handle };
    };

    await measure(20); // warm-up
    const at10 = await measure(EVENTS);
    for (let i = 10; i < 100; i++) sessions.push(await create(i));
    const at100 = await measure(EVENTS);
    log(`  hook → /ws/events (100 sessions)      ${describe(at100.toWs)}`);
    log(`  hook → sessions.get shows it          ${describe(at100.toGet)}`);
    log(`  hook POST answered, 10 sessions       ${describe(at10.handle)}`);
    log(`  hook POST answered, 100 sessions      ${describe(at100.handle)}`);
    ctx.row('hook → /ws/events p50', p50(at100.toWs), undefined, 20);
    ctx.row('hook → sessions.get p50', p50(at100.toGet), undefined, 20);
    ctx.addRow({
      figure: '  status change at 100 vs 10 sessions',
      ours: ctx.fmtMs(p50(at100.handle)),
      baseline: ctx.fmtMs(p50(at10.handle)),
      target: 'flat (O(1))',
      verdict: p50(at100.handle) <= p50(at10.handle) * 1.5 + 0.5 ? 'ok' : 'MISS',
    });

    // idle: 100 running sessions, no events
    const c0 = cpuMs(pid);
    await new Promise((r) => setTimeout(r, IDLE_MS));
    const used = cpuMs(pid) - c0;
    log(`  daemon CPU over ${IDLE_MS / 1000} s idle with 100 running sessions: ${used} ms`);
    ctx.addRow({ figure: 'daemon idle CPU, 5 s (100 running)', ours: `${used} ms (${((100 * used) / IDLE_MS).toFixed(2)}%)`, baseline: '—', target: '≈ 0 (≤ 1% core)', verdict: used <= IDLE_MS / 100 ? 'ok' : 'MISS' });
  } finally {
    ws.terminate();
    await ctx.stopDaemon(paths, client);
  }
}
