// checkSubdirectoryInHead: a session's --repo subdirectory must be a directory of the commit its
// worktree is made from; anything else (untracked, a file or a symlink in HEAD) is refused with
// what to do.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ClauderonError } from '../../src/shared/errors.js';
import { checkSubdirectoryInHead, resolveRepo } from '../../src/git/git.js';

const tmp = realpathSync(mkdtempSync(join(tmpdir(), 'clrn-sub-')));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const repo = join(tmp, 'repo');
const env = { ...process.env, GIT_AUTHOR_NAME: 'T', GIT_AUTHOR_EMAIL: 't@example.invalid', GIT_COMMITTER_NAME: 'T', GIT_COMMITTER_EMAIL: 't@example.invalid', GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' };
const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, env, encoding: 'utf8' });
mkdirSync(join(repo, 'sub', 'deep'), { recursive: true });
writeFileSync(join(repo, 'sub', 'deep', 'b.txt'), 'b\n');
mkdirSync(join(repo, 'target'));
writeFileSync(join(repo, 'target', 'c.txt'), 'c\n');
symlinkSync('target', join(repo, 'link'));
git('init', '-q', '-b', 'main');
git('add', '.');
git('commit', '-qm', 'init');
// after the commit: an untracked directory, and one holding only an untracked file
mkdirSync(join(repo, 'untracked', 'x'), { recursive: true });
writeFileSync(join(repo, 'untracked', 'x', 'new.txt'), 'n\n');

async function check(sub: string): Promise<unknown> {
  return checkSubdirectoryInHead(await resolveRepo(join(repo, sub))).then(() => null, (e: unknown) => e);
}

describe('checkSubdirectoryInHead', () => {
  it('accepts the root and committed directories', async () => {
    expect(await check('')).toBeNull();
    expect(await check('sub')).toBeNull();
    expect(await check('sub/deep')).toBeNull();
  });

  it('refuses an untracked directory, naming it and saying what to do', async () => {
    for (const sub of ['untracked', 'untracked/x']) {
      const e = await check(sub);
      expect(e).toBeInstanceOf(ClauderonError);
      expect((e as ClauderonError).code).toBe('invalid_input');
      expect((e as ClauderonError).message).toMatch(new RegExp(`^${sub} is not in HEAD .* — commit it, or use the repository root \\(${repo}\\)$`));
    }
  });

  it('refuses a path that is a symlink in HEAD even when the checkout resolves it to a directory', async () => {
    // (resolveRepo takes the real path, so `link` is `target` here; the check is on the tree in HEAD)
    const info = await resolveRepo(join(repo, 'link'));
    expect(info.subdirectory).toBe('target');
    await expect(checkSubdirectoryInHead({ ...info, subdirectory: 'link' })).rejects.toThrow(/^link is not a directory in HEAD \(a file or symlink\)/);
  });
});
