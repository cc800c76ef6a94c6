// checkAgentCwd, the backends' shared guard: an agent's working directory must be a real directory
// inside its worktree — never a path the worktree lacks, nor one that leads out of it.
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkAgentCwd } from '../../src/backends/cwd.js';
import { ClauderonError } from '../../src/shared/errors.js';

const root = realpathSync(mkdtempSync(join(tmpdir(), 'clrn-cwd-')));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const home = join(root, 'home');
const worktree = join(home, 'worktrees', 's1');
mkdirSync(join(worktree, 'sub'), { recursive: true });
writeFileSync(join(worktree, 'a.txt'), 'a\n');
// a symlink inside the worktree that leads to the clauderon home (beside secrets/)
symlinkSync(home, join(worktree, 'escape'));
symlinkSync(join(worktree, 'sub'), join(worktree, 'inner-link'));

const bad: [string, string, RegExp][] = [
  ['a directory outside the worktree', home, /leads out of its worktree/],
  ['a symlink inside the worktree pointing out', join(worktree, 'escape'), /leads out of its worktree .* through a symlink/],
  ['a missing directory', join(worktree, 'untracked-sub'), /does not exist in the worktree/],
  ['a file', join(worktree, 'a.txt'), /does not exist in the worktree \(or is not a directory\)/],
];

describe('checkAgentCwd', () => {
  for (const [what, cwd, message] of bad) {
    it(`refuses ${what}`, async () => {
      const e = await checkAgentCwd(cwd, worktree).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(ClauderonError);
      expect((e as ClauderonError).code).toBe('conflict');
      expect((e as ClauderonError).message).toMatch(message);
    });
  }

  it('accepts the worktree, a directory in it and a symlink that stays inside, giving real paths', async () => {
    expect(await checkAgentCwd(worktree, worktree)).toEqual({ worktree, cwd: worktree, relative: '' });
    expect(await checkAgentCwd(join(worktree, 'sub'), worktree)).toEqual({ worktree, cwd: join(worktree, 'sub'), relative: 'sub' });
    expect(await checkAgentCwd(join(worktree, 'inner-link'), worktree)).toEqual({ worktree, cwd: join(worktree, 'sub'), relative: 'sub' });
  });

  it('refuses a missing worktree', async () => {
    await expect(checkAgentCwd(join(root, 'nope', 'sub'), join(root, 'nope'))).rejects.toThrow(/the worktree .* is missing/);
  });
});
