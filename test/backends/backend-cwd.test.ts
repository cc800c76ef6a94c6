// Every backend refuses to start an agent whose working directory is outside its worktree, before
// it runs anything. tmux and zellij are replaced on PATH by stand-ins that only record that they
// ran (tmux itself never runs here); Docker points at an engine that is not there.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DockerBackend, type DockerOptions } from '../../src/backends/docker/backend.js';
import { TmuxBackend } from '../../src/backends/tmux/backend.js';
import type { BackendCreateContext } from '../../src/backends/types.js';
import { ZellijBackend } from '../../src/backends/zellij/backend.js';
import { getPaths } from '../../src/config/paths.js';

const root = realpathSync(mkdtempSync(join(tmpdir(), 'clrn-bcwd-')));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const home = join(root, 'home');
const worktree = join(home, 'worktrees', 's1');
mkdirSync(join(worktree, 'sub'), { recursive: true });
symlinkSync(home, join(worktree, 'escape'));
symlinkSync(join(worktree, 'sub'), join(worktree, 'inner-link'));

const bin = join(root, 'bin');
const ran = join(root, 'ran.log');
mkdirSync(bin);
for (const tool of ['tmux', 'zellij']) {
  writeFileSync(join(bin, tool), `#!/bin/sh\necho "${tool} $*" >> '${ran}'\nexit 0\n`);
  chmodSync(join(bin, tool), 0o755);
}
const toolEnv = { PATH: `${bin}:/usr/bin:/bin` };

function ctx(cwd: string, options: unknown = null): BackendCreateContext {
  return { name: 's1', cwd, argv: ['agent', 'x'], env: {}, sessionId: 'id-1', worktreePath: worktree, gitCommonDir: null, skipChecks: false, settingsFile: null, options, agentHome: { state: [], managedSettings: null }, configHome: null };
}

const bad: [string, string, RegExp][] = [
  ['a directory outside the worktree (the clauderon home)', home, /leads out of its worktree/],
  ['a symlink inside the worktree pointing out', join(worktree, 'escape'), /leads out of its worktree .* through a symlink/],
  ['a missing directory', join(worktree, 'untracked-sub'), /does not exist in the worktree/],
];

describe('backends start an agent only inside its worktree', () => {
  const tmux = new TmuxBackend({ socket: join(root, 'tmux.sock'), width: 80, height: 24, env: toolEnv });
  const zellij = new ZellijBackend(toolEnv);

  for (const [what, cwd, message] of bad) {
    it(`tmux and zellij refuse ${what} and run nothing`, async () => {
      rmSync(ran, { force: true });
      await expect(tmux.create(ctx(cwd))).rejects.toThrow(message);
      await expect(zellij.create(ctx(cwd))).rejects.toThrow(message);
      expect(existsSync(ran)).toBe(false); // neither tool was run at all
    });
  }

  it('tmux and zellij start in a good directory, by its real path', async () => {
    rmSync(ran, { force: true });
    await tmux.create(ctx(join(worktree, 'inner-link')));
    await zellij.create(ctx(join(worktree, 'sub')));
    const log = readFileSync(ran, 'utf8');
    expect(log).toContain(`new-session -d -s s1 -c ${join(worktree, 'sub')} `);
    expect(log).toContain(`run --cwd ${join(worktree, 'sub')} --name agent`);
  });

  it('docker refuses on create and on resume, before talking to the engine', async () => {
    const docker = new DockerBackend({
      config: { image: 'img', pull_policy: 'never', network: 'host', detach_keys: 'ctrl-p,ctrl-q', env: [] },
      paths: getPaths(home),
      socketPath: join(root, 'no-docker.sock'),
    });
    const options: DockerOptions = { image: 'img', pullPolicy: 'never', cpuLimit: null, memoryLimit: null, network: 'host', gateway: null };
    for (const [, cwd, message] of bad) {
      await expect(docker.create(ctx(cwd, options))).rejects.toThrow(message);
      await expect(docker.resume('clauderon-s1', ctx(cwd, options))).rejects.toThrow(message);
    }
    // a good directory gets past the guard, to the (absent) engine
    await expect(docker.create(ctx(join(worktree, 'sub'), options))).rejects.toThrow(/cannot reach Docker/);
  });
});
