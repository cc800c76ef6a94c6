// Egress blocks in the TUI as a whole binary (issue 16): the built clauderon in a real terminal
// (tmux, send-keys, capture-pane), a real daemon, a real tmux session created with a locked egress
// policy. curl through the session's proxy to a host not allowed is refused; the TUI marks the
// session live and names the host on its status line; e asks y/N with the host shown, y allows it
// (sessions.egressAllow over the socket) and shows the daemon's note; the mark goes, and the next
// request through the same running proxy gets through.
import { execFile } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTestPki, startFakeEcho, type FakeUpstream } from '../../fixtures/upstreams/index.js';
import type { EgressReport } from '../../src/protocol/operations.js';
import { makeEnv, type Env } from '../helpers/e2e.js';
import { listShows, openTerm, rowOf, type Term } from '../helpers/tui-term.js';

let env: Env | undefined;
let echo: FakeUpstream | undefined;
let term: Term | undefined;
afterAll(async () => {
  try {
    await term?.kill();
  } finally {
    env?.cleanup();
    await echo?.close();
  }
});

/** curl through the session's proxy: "<final status> <CONNECT status>". */
function curlVia(proxyEnv: Record<string, string>, url: string): Promise<string> {
  return new Promise((resolve) => {
    execFile('curl', ['-sS', '-o', '/dev/null', '--max-time', '10', '-w', '%{http_code} %{http_connect}', url], { env: { PATH: process.env.PATH ?? '', ...proxyEnv } }, (_e, stdout) =>
      resolve(stdout.trim()),
    );
  });
}

describe('egress blocks in the TUI, in a real terminal', () => {
  it('marks the session live, e + y allows the host, the next request gets through', async () => {
    env = makeEnv();
    const e = env;
    const pki = makeTestPki(['blocked.test']);
    echo = await startFakeEcho(pki, { name: 'upstream' });
    const upstreamCa = join(e.root, 'upstream-ca.pem');
    writeFileSync(upstreamCa, pki.caPem);
    const agent = join(e.root, 'agent.sh');
    writeFileSync(agent, '#!/bin/sh\necho AGENT-UP\nexec cat\n');
    chmodSync(agent, 0o755);
    writeFileSync(join(e.home, 'config.toml'), `${e.portConfig}[agents.claude]\ncommand = "${agent}"\n`);
    const daemonEnv = { CLAUDERON_UPSTREAM_OVERRIDES: JSON.stringify({ 'blocked.test': `127.0.0.1:${echo.port}` }), CLAUDERON_UPSTREAM_CA: upstreamCa };
    const created = e.run(['create', '--backend', 'tmux', '--repo', e.repo, '--prompt', 'p', '--name', 'tui-eg', '--egress', 'locked'], { env: daemonEnv });
    expect(created.code, created.stderr).toBe(0);
    const agentEnv = e.json<Record<string, string>>(['env', 'tui-eg']);
    const bundle = join(e.root, 'bundle.pem');
    writeFileSync(bundle, `${readFileSync(agentEnv.CURL_CA_BUNDLE ?? '', 'utf8')}\n${pki.caPem}`);
    const proxyEnv = { HTTPS_PROXY: agentEnv.HTTPS_PROXY ?? '', CURL_CA_BUNDLE: bundle };

    const t = (term = openTerm(e, { cols: 80, rows: 24 }));
    t.launch();
    let s = await listShows(t, 'tui-eg');
    expect(rowOf(s, 'tui-eg')).not.toContain('✗');
    expect(s).not.toContain('blocked');

    // the TUI subscribed before it drew the list: the block arrives live
    expect(await curlVia(proxyEnv, 'https://blocked.test/x')).toBe('000 403');
    s = await t.waitScreen((x) => rowOf(x, 'tui-eg')?.includes('✗') === true && x.includes('tui-eg: blocked blocked.test:443 1× — e allows'), 'the session marked and the block named');
    expect(s.split('\n')[0]).toContain('1 blocked');

    t.keys('e');
    s = await t.waitScreen('Allow blocked.test:443 for tui-eg?', 'the y/N question with the host');
    expect(s.replace(/[\s│]+/g, ' ')).toContain('Yes adds the rule blocked.test (ports 443 and 80)');
    t.keys('y');
    s = await t.waitScreen('tui-eg: allowed blocked.test', "the daemon's note");
    expect(s).toContain('applied to the running proxy');
    expect(rowOf(s, 'tui-eg')).not.toContain('✗');
    expect(s.split('\n')[0]).not.toContain('blocked');

    // the rule is the session's, and the running proxy lets the next request through
    expect(e.json<EgressReport>(['egress', 'tui-eg', '--json'])).toMatchObject({ policy: 'locked', allow: ['blocked.test'], blocked: [] });
    expect(await curlVia(proxyEnv, 'https://blocked.test/y')).toBe('200 200');

    t.keys('q');
    await t.waitScreen('TUI-EXIT=0', 'the TUI to quit with status 0');
  }, 90_000);
});
