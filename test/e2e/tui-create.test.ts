// The create dialog of the built TUI in a real terminal, at 80×24 and 60×20: Esc closes the
// innermost thing and keeps a draft, the repository starts with the directory clauderon runs in,
// recent repositories are picked fuzzily, $EDITOR edits the prompt, Docker's own options appear
// when Docker is chosen, and the daemon's error lands on the field it names.
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it, type ExpectStatic, type TestContext } from 'vitest';
import type { Session } from '../../src/shared/types.js';
import { git, makeEnv, makeRepo, type Env } from '../helpers/e2e.js';
import { openTerm, type Term } from '../helpers/tui-term.js';

/** A temp home (and repository) of the test's own, removed when the test ends, however it ends. */
function ownEnv(ctx: TestContext): Env {
  const e = makeEnv();
  ctx.onTestFinished(() => e.cleanup());
  return e;
}

const SMALL = { cols: 60, rows: 20 };
const NORMAL = { cols: 80, rows: 24 };

/** The dialog's row for a field (its label, then the value column). */
const row = (s: string, label: string) => s.split('\n').find((l) => new RegExp(`^│ [› ] ${label} `).test(l)) ?? '';

/** The TUI in its own terminal (killed when the test ends), the list up, the create dialog open. */
async function start(ctx: TestContext, e: Env, size: { cols: number; rows: number }, opts: Parameters<Term['launch']>[0] = {}): Promise<Term> {
  const t = openTerm(e, size);
  // registered after ownEnv's cleanup, so it runs first: no TUI is left to start a daemon again
  ctx.onTestFinished(() => t.kill());
  t.launch(opts);
  await t.waitScreen((s) => s.split('\n')[0]?.includes('● daemon') === true, 'the list, connected');
  t.keys('n');
  await t.waitScreen((s) => s.includes('New session') && row(s, 'Prompt').includes('›'), 'the create dialog');
  return t;
}

/** Every line fits the terminal (-J joins lines the terminal wrapped), and it has its rows. */
function expectFits(expect: ExpectStatic, t: Term, size: { cols: number; rows: number }): void {
  const lines = t.screen({ join: true }).replace(/\n+$/, '').split('\n');
  expect(lines.length).toBeLessThanOrEqual(size.rows);
  for (const l of lines) expect([...l.trimEnd()].length, l).toBeLessThanOrEqual(size.cols);
}

function createCli(e: Env, name: string, repo: string): Session {
  return e.json<Session>(['create', '--backend', 'tmux', '--repo', repo, '--prompt', `work on ${name}`, '--name', name]);
}

// Each test has its own home, daemon and terminal: they run side by side.
describe.concurrent('create dialog in a real terminal', () => {
  for (const size of [NORMAL, SMALL]) {
    it(`${size.cols}×${size.rows}: Esc with suggestions open closes only them; the next Esc keeps the draft for n; Ctrl-R starts over`, async (ctx) => {
      const { expect } = ctx;
      const env = ownEnv(ctx);
      const term = await start(ctx, env, size); // started outside any repository: the field starts empty
      term.type('keep this prompt');
      await term.waitScreen((s) => row(s, 'Prompt').includes('keep this prompt'), 'the prompt typed');
      term.keys('Tab');
      let s = await term.waitScreen((x) => row(x, 'Repository').includes('›'), 'focus on Repository');
      expect(row(s, 'Repository')).toContain('path to a git repository');
      term.type(`${env.root}/re`);
      s = await term.waitScreen((x) => x.split('\n').some((l) => l.includes(`${env.root}/repo/`) && !l.includes('Repository')), 'the path suggestion');
      expectFits(expect, term, size);
      term.keys('Escape');
      s = await term.waitScreen((x) => !x.includes(`${env.root}/repo/`), 'the suggestions closed');
      expect(s).toContain('New session');
      expect(row(s, 'Prompt')).toContain('keep this prompt');
      expect(row(s, 'Repository')).toContain(`${env.root}/re`);
      term.keys('Escape');
      s = await term.waitScreen((x) => !x.includes('New session') && x.includes('No sessions yet'), 'the dialog closed');
      term.keys('n');
      s = await term.waitScreen((x) => x.includes('New session') && row(x, 'Prompt').includes('keep this prompt'), 'the draft back');
      expect(row(s, 'Repository')).toContain(`${env.root}/re`);
      term.keys('C-r');
      s = await term.waitScreen((x) => row(x, 'Prompt').includes('what should the agent do?'), 'a fresh form');
      expect(row(s, 'Repository')).toContain('path to a git repository');
      expect(env.json<Session[]>(['list', '--all'])).toEqual([]);
    });
  }

  it('80×24: started inside a repository, the field holds that directory and the create succeeds', async (ctx) => {
    const { expect } = ctx;
    const env = ownEnv(ctx);
    const sub = join(env.repo, 'sub');
    const term = await start(ctx, env, NORMAL, { cwd: sub });
    let s = await term.waitScreen((x) => row(x, 'Repository').includes(sub), 'the repository pre-filled');
    term.type('Work from where I am');
    term.keys('Tab', 'Tab', 'Tab'); // Repository, Name, Backend
    await term.waitScreen((x) => row(x, 'Backend').includes('›'), 'focus on Backend');
    term.keys('Right', 'Right');
    await term.waitScreen((x) => row(x, 'Backend').includes('● tmux'), 'tmux chosen');
    term.keys('BTab', 'BTab', 'BTab', 'BTab'); // Backend → Prompt → (wraps to) Create
    await term.waitScreen('› [ Create ]', 'focus on Create');
    term.keys('Enter');
    s = await term.waitScreen((x) => !x.includes('New session') && /work-from-where-i-am-\S+ .*running/.test(x), 'the new row running');
    expect(s).toMatch(/Created work-from-where-i-am-[a-z0-9]{4}/);
    const [made] = env.json<Session[]>(['list']);
    expect(made).toMatchObject({ repoPath: env.repo, subdirectory: 'sub', backend: 'tmux', prompt: 'Work from where I am' });
    // a successful create drops the draft: n opens a fresh form
    term.keys('n');
    s = await term.waitScreen((x) => x.includes('New session') && row(x, 'Prompt').includes('what should the agent do?'), 'a fresh form');
  });

  it('60×20: picks a recent repository by fuzzy search', async (ctx) => {
    const { expect } = ctx;
    const env = ownEnv(ctx);
    const other = makeRepo(env.root, 'other-project');
    createCli(env, 'first', env.repo);
    createCli(env, 'second', other);
    const term = await start(ctx, env, SMALL);
    term.keys('Tab');
    let s = await term.waitScreen((x) => x.includes(other) && x.includes(`${env.repo}`), 'the recent repositories offered');
    term.type('othprj');
    s = await term.waitScreen((x) => x.split('\n').filter((l) => l.includes(env.root)).length === 1, 'only the fuzzy match left');
    expect(s).toContain(other);
    term.keys('Down');
    s = await term.waitScreen((x) => x.includes(`▸ ${other}`), 'the match highlighted');
    term.keys('Enter');
    s = await term.waitScreen((x) => row(x, 'Repository').includes(other) && !x.includes('▸'), 'the repository taken');
    expect(s).toContain('New session');
    expectFits(expect, term, SMALL);
  });

  it('80×24: Ctrl-E edits the prompt in $EDITOR (a test editor script) and keeps the dialog', async (ctx) => {
    const { expect } = ctx;
    const env = ownEnv(ctx);
    const editor = join(env.root, 'editor.sh');
    writeFileSync(editor, '#!/bin/sh\n{ printf \'Written by the test editor\\n\'; cat "$1"; } > "$1.new" && mv "$1.new" "$1"\n');
    chmodSync(editor, 0o755);
    const term = await start(ctx, env, NORMAL, { vars: { EDITOR: editor } });
    term.type('the draft');
    await term.waitScreen((x) => row(x, 'Prompt').includes('the draft'), 'the prompt typed');
    term.keys('C-e');
    const s = await term.waitScreen((x) => row(x, 'Prompt').includes('Written by the test editor'), 'the edited prompt');
    const lines = s.split('\n');
    const at = lines.findIndex((l) => l.includes('Written by the test editor'));
    expect(lines[at + 1]).toMatch(/^│ {15}the draft/); // the second line of the prompt
    expect(s).toContain('New session');
    // the edited prompt is what a draft keeps
    term.keys('Escape');
    await term.waitScreen((x) => !x.includes('New session'), 'the dialog closed');
    term.keys('n');
    await term.waitScreen((x) => row(x, 'Prompt').includes('Written by the test editor'), 'the edited prompt kept as the draft');
    expect(env.json<Session[]>(['list', '--all'])).toEqual([]);
  });

  it('60×20: a bracketed paste is text, not keys: its Tab and line breaks stay in the prompt, a path loses its line break', async (ctx) => {
    const { expect } = ctx;
    const env = ownEnv(ctx);
    const term = await start(ctx, env, SMALL);
    const paste = (text: string) => {
      expect(term.tmux('set-buffer', '-b', 'p', text).code).toBe(0);
      expect(term.tmux('paste-buffer', '-p', '-d', '-b', 'p', '-t', 'term').code).toBe(0); // -p: bracketed, as the TUI asked
    };
    // typed, the Tab would move to the next field and the line break add a line; pasted, both are text
    paste('first pasted line\tand more\nsecond pasted line');
    let s = await term.waitScreen((x) => x.includes('second pasted line'), 'the pasted prompt');
    expect(row(s, 'Prompt')).toContain('first pasted line and more');
    const lines = s.split('\n');
    expect(lines[lines.findIndex((l) => l.includes('first pasted line')) + 1]).toMatch(/^│ {15}second pasted line/);
    expect(row(s, 'Prompt')).toContain('›'); // still on the prompt: the line break was not Enter
    term.keys('Tab');
    await term.waitScreen((x) => row(x, 'Repository').includes('›'), 'focus on Repository');
    paste(`${env.repo}\n`);
    s = await term.waitScreen((x) => row(x, 'Repository').includes(env.repo), 'the pasted path');
    expect(row(s, 'Repository')).toContain('›');
    expect(env.json<Session[]>(['list', '--all'])).toEqual([]);
  });

  it("60×20: Docker's own options appear when Docker is chosen, and go again", async (ctx) => {
    const { expect } = ctx;
    const env = ownEnv(ctx);
    const term = await start(ctx, env, SMALL);
    term.keys('Tab', 'Tab', 'Tab');
    let s = await term.waitScreen((x) => row(x, 'Backend').includes('›'), 'focus on Backend');
    expect(s).not.toContain('Pull policy');
    term.keys('Right', 'Right', 'Right');
    s = await term.waitScreen((x) => /● docker|‹ docker ›/.test(row(x, 'Backend')), 'docker chosen');
    for (const label of ['Image', 'Pull policy', 'CPU limit', 'Memory limit']) expect(row(s, label), label).not.toBe('');
    expectFits(expect, term, SMALL);
    term.keys('Tab', 'Tab');
    s = await term.waitScreen((x) => row(x, 'Pull policy').includes('›'), 'focus on Pull policy');
    term.keys('Right');
    s = await term.waitScreen((x) => /‹ always ›|● always/.test(row(x, 'Pull policy')), 'a pull policy chosen');
    term.keys('BTab', 'BTab', 'Left');
    s = await term.waitScreen((x) => /● tmux|‹ tmux ›/.test(row(x, 'Backend')), 'tmux again');
    expect(s).not.toContain('Pull policy');
    expect(env.json<Session[]>(['list', '--all'])).toEqual([]);
  });

  it("80×24: the daemon's error is shown on the field it names, in the dialog's words", async (ctx) => {
    const { expect } = ctx;
    const env = ownEnv(ctx);
    git(env.repo, 'branch', 'clauderon/taken');
    const term = await start(ctx, env, NORMAL);
    term.type('Name clash');
    term.keys('Tab');
    await term.waitScreen((x) => row(x, 'Repository').includes('›'), 'focus on Repository');
    term.type(env.repo);
    await term.waitScreen((x) => row(x, 'Repository').includes(env.repo), 'the repository typed');
    term.keys('Tab');
    await term.waitScreen((x) => row(x, 'Name').includes('›'), 'focus on Name');
    term.type('taken');
    term.keys('Tab');
    await term.waitScreen((x) => row(x, 'Backend').includes('›'), 'focus on Backend');
    term.keys('Right', 'Right', 'BTab', 'BTab', 'BTab', 'BTab');
    await term.waitScreen('› [ Create ]', 'focus on Create');
    term.keys('Enter');
    const s = await term.waitScreen('branch clauderon/taken already exists', "the daemon's error");
    const lines = s.split('\n');
    const nameRow = lines.findIndex((l) => /^│ [› ] Name /.test(l));
    expect(lines[nameRow]).toContain('› Name'); // focus went to the field
    expect(lines[nameRow + 1]).toMatch(/^│ {15}branch clauderon\/taken already exists/);
    const under = lines.slice(nameRow + 1, nameRow + 4).map((l) => l.replace(/^│\s*/, '').replace(/\s*│$/, '')).join(' ');
    expect(under).toContain('leave Name empty to name it from the prompt');
    expect(s).not.toMatch(/--name|--repo/);
    expect(row(s, 'Prompt')).toContain('Name clash');
    expect(env.json<Session[]>(['list', '--all'])).toEqual([]);
  });
});
