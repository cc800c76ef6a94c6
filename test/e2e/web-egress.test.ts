// Egress blocks in the web UI (issue 16), in a real browser (headless chromium) on the page the
// built daemon serves, against a real tmux session whose proxy runs a locked egress policy: a
// request curl makes through the session's proxy to a host not allowed is refused, and shows up
// live — the list marks the session, the Proxy tab lists the host with an Allow button and the
// audit line has one too; Allow posts the rule (same-origin JSON), the note says what changed,
// and the next request through the same running proxy gets through.
import { execFile } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTestPki, startFakeEcho, type FakeUpstream } from '../../fixtures/upstreams/index.js';
import type { EgressReport } from '../../src/protocol/operations.js';
import { launchChromium, SKIP_BROWSER } from '../helpers/browser.js';
import { makeEnv, waitFor, type Env } from '../helpers/e2e.js';

let env: Env | undefined;
let echo: FakeUpstream | undefined;
let browser: Browser | undefined;
afterAll(async () => {
  await browser?.close();
  env?.cleanup();
  await echo?.close();
});

/** curl through the session's proxy: "<final status> <CONNECT status>". */
function curlVia(proxyEnv: Record<string, string>, url: string): Promise<string> {
  return new Promise((resolve) => {
    execFile('curl', ['-sS', '-o', '/dev/null', '--max-time', '10', '-w', '%{http_code} %{http_connect}', url], { env: { PATH: process.env.PATH ?? '', ...proxyEnv } }, (_e, stdout) =>
      resolve(stdout.trim()),
    );
  });
}

describe.skipIf(SKIP_BROWSER)('egress blocks in the web UI', () => {
  it('a blocked request appears live with an Allow button; Allow lets the next request through', async () => {
    env = makeEnv();
    const pki = makeTestPki(['blocked.test']);
    echo = await startFakeEcho(pki, { name: 'upstream' });
    const upstreamCa = join(env.root, 'upstream-ca.pem');
    writeFileSync(upstreamCa, pki.caPem);
    const agent = join(env.root, 'agent.sh');
    writeFileSync(agent, '#!/bin/sh\necho AGENT-UP\nexec cat\n');
    chmodSync(agent, 0o755);
    writeFileSync(join(env.home, 'config.toml'), `${env.portConfig}[agents.claude]\ncommand = "${agent}"\n`);
    const daemonEnv = { CLAUDERON_UPSTREAM_OVERRIDES: JSON.stringify({ 'blocked.test': `127.0.0.1:${echo.port}` }), CLAUDERON_UPSTREAM_CA: upstreamCa };
    const created = env.run(['create', '--backend', 'tmux', '--repo', env.repo, '--prompt', 'p', '--name', 'web-eg', '--egress', 'locked'], { env: daemonEnv });
    expect(created.code, created.stderr).toBe(0);

    const agentEnv = env.json<Record<string, string>>(['env', 'web-eg']);
    const bundle = join(env.root, 'bundle.pem');
    writeFileSync(bundle, `${readFileSync(agentEnv.CURL_CA_BUNDLE ?? '', 'utf8')}\n${pki.caPem}`);
    const proxyEnv = { HTTPS_PROXY: agentEnv.HTTPS_PROXY ?? '', CURL_CA_BUNDLE: bundle };

    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    const posts: { url: string; type: string | undefined; body: string | null }[] = [];
    page.on('request', (r) => r.method() === 'POST' && posts.push({ url: r.url(), type: r.headers()['content-type'], body: r.postData() }));
    const base = `http://127.0.0.1:${env.httpPort}`;

    // the list first: nothing marked, then a block arrives and marks the session, live
    await page.goto(`${base}/`);
    const row = page.locator('[data-testid="session-row"][data-name="web-eg"]');
    await row.waitFor();
    expect(await row.getByTestId('blocked-mark').count()).toBe(0);
    // (the list can be drawn before the page's WebSocket is open: blocked again until the mark shows)
    await waitFor(
      async () => {
        expect(await curlVia(proxyEnv, 'https://blocked.test/first')).toBe('000 403');
        return (await row.getByTestId('blocked-mark').count()) === 1;
      },
      'the list to mark the blocked session',
      10_000,
    );
    expect(await row.getByTestId('blocked-mark').innerText()).toContain('1 blocked');

    // the mark leads to the Proxy tab: the host listed with its count, the audit line with its own Allow
    await row.getByTestId('blocked-mark').click();
    await page.waitForURL(/\/sessions\/web-eg\/proxy$/);
    const host = page.locator('[data-testid="blocked-host"][data-host="blocked.test"]');
    await host.waitFor();
    expect(await host.innerText()).toContain('blocked.test:443');
    expect(await page.getByTestId('egress-policy').innerText()).toBe('locked');
    await waitFor(async () => (await page.getByTestId('audit-allow').count()) >= 1, 'the blocked audit line with an Allow button');
    const count = Number(/(\d+)×/.exec(await host.innerText())?.[1]);
    const lines = await page.getByTestId('audit-allow').count();

    // another block while the tab is open arrives live: the count goes up, a new audit line
    expect(await curlVia(proxyEnv, 'https://blocked.test/second')).toBe('000 403');
    await waitFor(async () => (await host.innerText()).includes(`${count + 1}×`), 'the next block, live', 10_000);
    await waitFor(async () => (await page.getByTestId('audit-allow').count()) === lines + 1, 'the new audit line with Allow');

    await host.getByTestId('allow-host').click();
    const note = page.getByTestId('egress-note');
    await note.waitFor();
    expect(await note.innerText()).toContain('blocked.test:443: allowed blocked.test; applied to the running proxy');
    // what the button sent: same-origin JSON, no port for 443 (the rule covers 443 and 80)
    const post = posts.find((p) => p.url === `${base}/api/sessions/web-eg/egress`);
    expect(post?.type).toBe('application/json');
    expect(JSON.parse(post?.body ?? 'null')).toEqual({ host: 'blocked.test' });
    // the host leaves the list and the Allow buttons go
    await waitFor(async () => (await page.getByTestId('blocked-host').count()) === 0, 'the allowed host off the blocked list');
    expect(await page.getByTestId('audit-allow').count()).toBe(0);

    // the next request through the same running proxy gets through, and the daemon has the rule
    expect(await curlVia(proxyEnv, 'https://blocked.test/third')).toBe('200 200');
    const report = (await (await fetch(`${base}/api/sessions/web-eg/egress`)).json()) as EgressReport;
    expect(report).toMatchObject({ policy: 'locked', allow: ['blocked.test'], blocked: [] });

    // back on the list: no mark left
    await page.goto(`${base}/`);
    await row.waitFor();
    expect(await row.getByTestId('blocked-mark').count()).toBe(0);
    expect(problems).toEqual([]);
  }, 90_000);
});
