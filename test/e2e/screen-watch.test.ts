// sessions.watchScreen through a real daemon and a real tmux: a socket client watching a session
// gets its screen at once and again when the agent's screen changes; a stopped watch gets nothing
// more; a watch of an unknown session is refused; over HTTP there is no such route.
import { afterEach, describe, expect, it } from 'vitest';
import { DaemonClient } from '../../src/client/client.js';
import { getPaths } from '../../src/config/paths.js';
import { VERSION } from '../../src/version.js';
import { BIN, makeEnv, waitFor, type Env } from '../helpers/e2e.js';

let envs: Env[] = [];
afterEach(() => {
  for (const e of envs) e.cleanup();
  envs = [];
});

describe('sessions.watchScreen', () => {
  it('pushes the agent screen and its changes to the watching client only while it watches', async () => {
    const e = makeEnv();
    envs.push(e);
    const created = e.run(['create', '--backend', 'tmux', '--repo', e.repo, '--prompt', 'hi', '--name', 'peek', '--json']);
    expect(created.code, created.stderr).toBe(0);
    const client = await DaemonClient.connect({ paths: getPaths(e.home), daemonEntry: [BIN], version: VERSION, autoSpawn: false });
    try {
      const screens: string[] = [];
      const errors: string[] = [];
      const stop = client.watchScreen('peek', (s) => screens.push(s), (err) => errors.push(err.message));
      await waitFor(() => screens.some((s) => s.includes('FAKE-AGENT session: peek')), 'the first screen');
      const first = screens.length;
      // the fake agent is `cat`: what is typed in its pane changes its screen
      const { stdout: sessions } = e.tmux('list-sessions', '-F', '#{session_name}');
      const target = sessions.trim().split('\n').find((n) => n.includes('peek'));
      expect(target, sessions).toBeTruthy();
      expect(e.tmux('send-keys', '-t', target!, 'hello-preview', 'Enter').code).toBe(0);
      await waitFor(() => screens.slice(first).some((s) => s.includes('hello-preview')), 'the changed screen');
      expect(errors).toEqual([]);

      stop();
      await new Promise((r) => setTimeout(r, 300));
      const stopped = screens.length;
      e.tmux('send-keys', '-t', target!, 'after-stop', 'Enter');
      await new Promise((r) => setTimeout(r, 700));
      expect(screens.length).toBe(stopped);

      await expect(client.call('sessions.watchScreen', { name: 'nope', lines: 10 })).rejects.toMatchObject({ code: 'not_found' });
    } finally {
      client.close();
    }
    const http = await fetch(`http://127.0.0.1:${e.httpPort}/api/sessions/peek/watch-screen`);
    expect(http.status).toBe(404);
  });
});
