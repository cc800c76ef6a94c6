// clauderon diff NAME through a real daemon, git and tmux: the session's committed and uncommitted
// work since its branch started, as JSON, as a --stat list, and piped as a patch git can apply;
// on a terminal an escape sequence from the agent's files is shown, never sent.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { patchText, statText } from '../../src/cli/commands/diff.js';
import type { SessionDiff } from '../../src/shared/types.js';
import { git, makeEnv, type Env } from '../helpers/e2e.js';

let envs: Env[] = [];
afterEach(() => {
  for (const e of envs) e.cleanup();
  envs = [];
});

describe('clauderon diff', () => {
  it('shows committed, unstaged and untracked work since the branch started; the patch applies', () => {
    const e = makeEnv();
    envs.push(e);
    expect(e.run(['create', '--backend', 'tmux', '--repo', e.repo, '--prompt', 'hi', '--name', 'work', '--json']).code).toBe(0);
    const s = e.json<{ worktreePath: string }>(['show', 'work']);
    const wt = s.worktreePath;
    writeFileSync(join(wt, 'committed.txt'), 'one\n');
    git(wt, 'add', 'committed.txt');
    git(wt, 'commit', '-q', '-m', 'agent work');
    writeFileSync(join(wt, 'a.txt'), 'changed by the agent\n');
    writeFileSync(join(wt, 'new.txt'), 'untracked\n');

    const d = e.json<SessionDiff>(['diff', 'work']);
    expect(d.files.map((f) => `${f.status} ${f.path}`).sort()).toEqual(['A committed.txt', 'A new.txt', 'M a.txt']);
    expect(d.truncated).toBe(false);

    const stat = e.run(['diff', 'work', '--stat']);
    expect(stat.code).toBe(0);
    expect(stat.stdout).toMatch(/3 files changed since [0-9a-f]{12}/);

    const patch = e.run(['diff', 'work']);
    expect(patch.code).toBe(0);
    expect(patch.stdout).toBe(d.patch); // piped: exactly the patch
    // it applies to the repository the session started from
    writeFileSync(join(e.root, 'p.diff'), patch.stdout);
    git(e.repo, 'apply', '--check', join(e.root, 'p.diff'));

    const missing = e.run(['diff', 'nope']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/nope/);
  });

  it('on a terminal shows control characters from the agent as ^X', () => {
    const d: SessionDiff = {
      base: 'a'.repeat(40),
      files: [{ path: 'evil\x1b]0;pwned\x07.txt', status: 'A', additions: 1, deletions: 0 }],
      patch: '+\x1b[2J\x1b]52;c;aGk=\x07hello\n',
      truncated: false,
    };
    for (const color of [true, false]) {
      const shown = statText(d, color) + patchText(d, color);
      // eslint-disable-next-line no-control-regex
      expect(shown).not.toMatch(/\x1b\]|\x1b\[2J|\x07/);
      expect(shown).toContain('^[]52;c;aGk=^G');
    }
  });
});
