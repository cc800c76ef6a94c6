// The full-screen TUI as a whole binary in a real terminal: the built clauderon runs in a shell
// inside a tmux server of the test's own (the "outer terminal"), keys are typed with send-keys and
// the screen is read back with capture-pane. Nothing sleeps for a fixed time: every step waits on
// what the screen shows.
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Session } from '../../src/shared/types.js';
import { BIN, daemonPidsFor, makeEnv, processGone, waitFor, type Env } from '../helpers/e2e.js';
import { childPids, listShows, openTerm, rowOf, sq, type Term } from '../helpers/tui-term.js';

let env: Env | undefined;
let term: Term | undefined;
afterEach(async () => {
  try {
    await term?.kill();
  } finally {
    term = undefined;
    env?.cleanup();
    env = undefined;
  }
});

const ESC = String.fromCharCode(27);
/** The TUI exited with `code`, the main screen is back with the shell's prompt and the terminal is restored. */
async function expectRestored(t: Term, code: number): Promise<string> {
  // (the status line is printed a moment before the shell draws its prompt: wait for both)
  const s = await t.waitScreen(new RegExp(`^TUI-EXIT=${code}\\n(?:\\s*\\n)*[$#] ?$`, 'm'), `TUI-EXIT=${code} and the prompt`);
  const after = s.split('\n').slice(s.split('\n').findIndex((l) => l === `TUI-EXIT=${code}`) + 1);
  expect(after.find((l) => l.trim() !== '')).toMatch(/^[$#]$/); // the shell's prompt (sh: "$ " or "# "), nothing drawn after it
  expect(t.tmux('display', '-p', '-t', 'term', '#{alternate_on} #{cursor_flag}').stdout.trim()).toBe('0 1');
  // `stty -a` typed in that shell: the line discipline is canonical with echo again (raw mode off).
  // $((…)) makes the end marker differ from the typed command line.
  t.type('stty -a; echo STTY-$((40+2))');
  t.keys('Enter');
  const out = await t.waitScreen(/^STTY-42$/m, 'stty output');
  // only what stty printed: between the typed command line and the marker
  const flags = out.slice(out.lastIndexOf('stty -a; echo'), out.lastIndexOf('STTY-42')).split('\n').slice(1).join(' ').split(/[\s;]+/);
  expect(flags).toContain('speed');
  expect(flags).toContain('icanon');
  expect(flags).toContain('echo');
  expect(flags).not.toContain('-icanon');
  expect(flags).not.toContain('-echo');
  return s;
}

/** Every SGR parameter list on a captured screen. */
function sgrParams(screen: string): string[][] {
  return [...screen.matchAll(new RegExp(`${ESC}\\[([0-9;:]*)m`, 'g'))].map((m) => (m[1] ?? '').split(/[;:]/));
}

/** SGR parameters that set a colour (foreground or background, 16, 256 or true colour). */
function colourParams(screen: string): string[] {
  return sgrParams(screen)
    .flat()
    .filter((p) => /^(3[0-8]|4[0-8]|9[0-7]|10[0-7])$/.test(p));
}

function createCli(e: Env, name: string, prompt = `work on ${name}`): Session {
  return e.json<Session>(['create', '--backend', 'tmux', '--repo', e.repo, '--prompt', prompt, '--name', name]);
}

/** Open the create dialog and fill prompt, repository (and name); focus ends on Name. */
async function fillDialog(t: Term, v: { prompt: string; repo: string; name?: string }): Promise<void> {
  t.keys('n');
  await t.waitScreen((s) => s.includes('New session') && s.includes('› Prompt'), 'the create dialog');
  t.type(v.prompt);
  await t.waitScreen(`Prompt      ${v.prompt}`, 'the prompt typed');
  t.keys('Tab');
  await t.waitScreen('› Repository', 'focus on Repository');
  t.keys('C-u'); // the field starts with the directory the TUI runs in when that is a repository
  t.type(v.repo);
  await t.waitScreen(`Repository  ${v.repo}`, 'the repository typed');
  t.keys('Tab');
  await t.waitScreen('› Name', 'focus on Name');
  if (v.name) {
    t.type(v.name);
    await t.waitScreen(`Name        ${v.name}`, 'the name typed');
  }
}

/** From Name: Backend → tmux, then focus the Create button. */
async function pickTmuxAndFocusCreate(t: Term): Promise<void> {
  t.keys('Tab');
  await t.waitScreen('› Backend', 'focus on Backend');
  t.keys('Right', 'Right');
  await t.waitScreen('○ default  ○ zellij  ● tmux', 'tmux chosen');
  t.keys('Tab', 'Tab', 'Tab', 'Tab', 'Tab', 'Tab'); // Agent, Model, Access, Skip checks, Plan mode, Create
  await t.waitScreen('› [ Create ]', 'focus on the Create button');
}

describe('TUI in a real terminal', () => {
  it('starts its own daemon on an empty home and shows the empty state with the keys', async () => {
    env = makeEnv();
    expect(daemonPidsFor(env.home)).toEqual([]);
    term = openTerm(env);
    term.launch();
    const s = await listShows(term, 'No sessions yet');
    const lines = s.split('\n');
    expect(lines[0]).toMatch(/^clauderon {2}no sessions +● daemon$/);
    expect(s).toContain('Press n to create one, ? for help, q to quit.');
    const footer = lines.filter((l) => l.trim() !== '').at(-1) ?? '';
    for (const k of ['j/↓ move', 'Enter attach', 'n new', 'a archive', 'd delete', '/ filter', '? help', 'q quit']) expect(footer).toContain(k);
    expect(s).toContain('All 0/0');
    expect(daemonPidsFor(env.home)).toHaveLength(1);
    expect(term.tmux('display', '-p', '-t', 'term', '#{alternate_on} #{cursor_flag}').stdout.trim()).toBe('1 0');
  });

  it("shows an agent's hook events live: the row's mark, the header's waiting count, and [tui] bell rings", async () => {
    env = makeEnv();
    env.writeConfig('[tui]\nbell = true\n');
    const made = env.json<Session>(['create', '--backend', 'tmux', '--repo', env.repo, '--prompt', 'p', '--name', 'hooky']);
    const token = env.json<Record<string, string>>(['env', 'hooky']).CLAUDERON_HOOK_TOKEN ?? '';
    const hook = async (event: string) => {
      const r = await fetch(`http://127.0.0.1:${env?.httpPort ?? 0}/api/hooks?session=${made.id}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ hook_event_name: event }) });
      expect(r.status).toBe(200);
    };
    term = openTerm(env);
    term.launch();
    await listShows(term, 'hooky');
    expect(term.screen().split('\n')[0]).not.toContain('waiting for you');
    expect(term.tmux('display', '-p', '-t', 'term', '#{window_bell_flag}').stdout.trim()).toBe('0');
    await hook('PermissionRequest');
    const waiting = await term.waitScreen((x) => (x.split('\n')[0] ?? '').includes('1 waiting for you'), 'the waiting count');
    expect(rowOf(waiting, 'hooky')).toMatch(/ ! /);
    await waitFor(() => term?.tmux('display', '-p', '-t', 'term', '#{window_bell_flag}').stdout.trim() === '1', 'the bell');
    await hook('PreToolUse');
    await term.waitScreen((x) => !(x.split('\n')[0] ?? '').includes('waiting for you') && /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/.test(rowOf(x, 'hooky') ?? ''), 'the working spinner');
  });

  it('creates a tmux session from the dialog: it closes and the row reaches running', async () => {
    env = makeEnv();
    term = openTerm(env);
    term.launch();
    await listShows(term, 'No sessions yet');
    await fillDialog(term, { prompt: 'Fix the login bug', repo: env.repo });
    await pickTmuxAndFocusCreate(term);
    term.keys('Enter');
    const s = await term.waitScreen((x) => !x.includes('New session') && /running/.test(rowOf(x, 'fix-the-login-bug') ?? ''), 'the new row running');
    expect(rowOf(s, 'fix-the-login-bug')).toMatch(/^› fix-the-login-bug-\S* +repo +running +tmux +claude/);
    expect(s.split('\n')[0]).toMatch(/^clauderon {2}1 running +● daemon$/);
    const listed = env.json<Session[]>(['list']);
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ backend: 'tmux', status: 'running', prompt: 'Fix the login bug', repoPath: env.repo });
    expect(listed[0]?.name).toMatch(/^fix-the-login-bug-[a-z0-9]{4}$/);
    expect(s).toContain(`Created ${listed[0]?.name}`);
    expect(env.tmux('has-session', '-t', `=${listed[0]?.name}`).code).toBe(0);
  });

  it('attaches to the selected row of a filtered list and comes back to the same list on detach', async () => {
    env = makeEnv();
    for (const n of ['alpha-one', 'beta-two', 'alpha-three']) createCli(env, n);
    term = openTerm(env);
    term.launch();
    await listShows(term, 'alpha-three');
    term.keys('/');
    term.type('alpha');
    term.keys('Enter');
    let s = await term.waitScreen('filter: "alpha"', 'the filter kept');
    expect(s).toContain('All 2/3');
    expect(rowOf(s, 'beta-two')).toBeUndefined();
    term.keys('j');
    s = await term.waitScreen((x) => rowOf(x, 'alpha-three')?.startsWith('›') === true, 'alpha-three selected');
    expect(rowOf(s, 'alpha-one')?.startsWith('  ')).toBe(true);
    term.keys('Enter');
    s = await term.waitScreen('FAKE-AGENT session: alpha-three', "the agent's pane");
    expect(s).not.toContain('● daemon');
    term.keys('C-b', 'd');
    s = await listShows(term, 'filter: "alpha"');
    expect(rowOf(s, 'alpha-three')).toMatch(/^› alpha-three +.*running/);
    expect(rowOf(s, 'alpha-one')).toMatch(/^ {2}alpha-one/);
    expect(rowOf(s, 'beta-two')).toBeUndefined();
    expect(s).not.toContain('FAKE-AGENT');
    expect(env.tmux('has-session', '-t', '=alpha-three').code).toBe(0); // the agent keeps running
  });

  it('archives, unarchives, keeps on "n" and deletes on "y"', async () => {
    env = makeEnv();
    createCli(env, 'arch-me');
    term = openTerm(env);
    term.launch();
    await listShows(term, /^› arch-me .*running/m);

    term.keys('a');
    let s = await term.waitScreen('Archived arch-me', 'archived');
    expect(rowOf(s, 'arch-me')).toBeUndefined();
    expect(s).toContain('No sessions match this view');
    term.keys('5');
    s = await term.waitScreen(/^› arch-me .*archived/m, 'the archived view');
    expect(env.json<Session>(['show', 'arch-me']).status).toBe('archived');

    term.keys('u');
    s = await term.waitScreen('Unarchived arch-me', 'unarchived');
    term.keys('1');
    s = await term.waitScreen(/^› arch-me .*running/m, 'back in All, running');
    expect(env.json<Session>(['show', 'arch-me']).status).toBe('running');

    term.keys('d');
    await term.waitScreen('Delete arch-me?', 'the delete confirmation');
    term.keys('n');
    s = await term.waitScreen('Nothing deleted', 'kept');
    expect(s).not.toContain('Delete arch-me?');
    expect(rowOf(s, 'arch-me')).toBeDefined();
    expect(env.json<Session[]>(['list', '--all']).map((x) => x.name)).toEqual(['arch-me']);

    term.keys('d');
    await term.waitScreen('Delete arch-me?', 'the delete confirmation again');
    term.keys('y');
    s = await term.waitScreen('Deleted arch-me', 'deleted');
    expect(rowOf(s, 'arch-me')).toBeUndefined();
    expect(s).toContain('No sessions yet');
    expect(env.json<Session[]>(['list', '--all'])).toEqual([]);
  });

  it('q quits with status 0 and restores the terminal', async () => {
    env = makeEnv();
    term = openTerm(env);
    term.launch();
    await listShows(term, 'No sessions yet');
    expect(term.tmux('display', '-p', '-t', 'term', '#{alternate_on} #{cursor_flag}').stdout.trim()).toBe('1 0');
    term.keys('q');
    await expectRestored(term, 0);
  });

  it('Ctrl-C in the middle of the create dialog quits with status 130 and restores the terminal', async () => {
    env = makeEnv();
    term = openTerm(env);
    term.launch();
    await listShows(term, 'No sessions yet');
    term.keys('n');
    await term.waitScreen('› Prompt', 'the create dialog');
    term.type('half typed');
    await term.waitScreen('Prompt      half typed', 'the prompt typed');
    term.keys('C-c');
    await expectRestored(term, 130); // as a shell reports a program ended by Ctrl-C (q quits with 0)
    expect(env.json<Session[]>(['list', '--all'])).toEqual([]);
  });

  it('SIGTERM restores the terminal and exits with status 143', async () => {
    env = makeEnv();
    term = openTerm(env);
    term.launch();
    await listShows(term, 'No sessions yet');
    const shell = Number(term.tmux('display', '-p', '-t', 'term', '#{pane_pid}').stdout.trim());
    const [tui, ...more] = childPids(shell);
    expect(more).toEqual([]);
    expect(readFileSync(`/proc/${tui}/cmdline`, 'utf8').split('\0')).toContain(BIN);
    process.kill(tui ?? -1, 'SIGTERM');
    await expectRestored(term, 143);
    expect(processGone(tui ?? -1)).toBe(true);
  });

  it('a crash restores the terminal first, then shows a readable error', async () => {
    env = makeEnv();
    term = openTerm(env);
    // Testing aid: this key makes the TUI's key handler throw.
    term.launch({ vars: { CLAUDERON_TEST_TUI_CRASH_KEY: 'Z' } });
    await listShows(term, 'No sessions yet');
    term.type('Z');
    const s = await expectRestored(term, 1);
    expect(s).toContain('clauderon: the TUI crashed: Error: test crash on key "Z"');
  });

  it('NO_COLOR=1 draws without colours; without it the status column is coloured', async () => {
    env = makeEnv();
    createCli(env, 'colours');
    term = openTerm(env);
    term.launch({ vars: { NO_COLOR: '1' } });
    await listShows(term, /^› colours .*running/m);
    const plain = term.screen({ escapes: true });
    expect(colourParams(plain)).toEqual([]);
    expect(sgrParams(plain).flat()).toContain('7'); // the selection is still inverse
    term.keys('q');
    await term.waitScreen(/^TUI-EXIT=0$/m, 'the first TUI gone');

    term.launch();
    await listShows(term, /^› colours .*running/m);
    const coloured = term.screen({ escapes: true });
    const row = coloured.split('\n').find((l) => l.includes('colours') && l.includes('running')) ?? '';
    // green just before the status text
    expect(row).toMatch(new RegExp(`${ESC}\\[(?:[0-9;]*;)?(?:32|92|38;5;2|38;5;10)m\\s*running`));
    expect(colourParams(coloured).length).toBeGreaterThan(0);
  });

  it('fits a 60-column terminal: no line wider than the screen, long names cut with …', async () => {
    env = makeEnv();
    createCli(env, 'a-rather-long-session-name-for-narrow');
    term = openTerm(env, { cols: 60, rows: 24 });
    term.launch();
    const s = await listShows(term, /^› a-rather-long/m);
    // -J joins lines the terminal wrapped: a line drawn too wide would come back longer than 60
    const joined = term.screen({ join: true }).replace(/\n+$/, '').split('\n');
    expect(joined).toHaveLength(24);
    for (const l of joined) expect([...l.trimEnd()].length, l).toBeLessThanOrEqual(60);
    expect(rowOf(s, 'a-rather')).toMatch(/^› a-rather-long[a-z-]*… +\S+ +running +claude/);
    const lines = s.split('\n');
    expect(lines[0]).toMatch(/^clauderon {2}1 running +● daemon$/);
    expect(lines.find((l) => l.startsWith('  NAME'))).toBeDefined();
    expect(lines.find((l) => l.startsWith('j/↓ move'))).toBeDefined();
    expect(s).not.toContain('BACKEND'); // dropped when narrow
  });

  it('shows a dead daemon and reconnects to a new one by itself', async () => {
    env = makeEnv();
    createCli(env, 'survivor');
    const [old, ...others] = daemonPidsFor(env.home);
    expect(others).toEqual([]);
    term = openTerm(env);
    term.launch();
    await listShows(term, /^› survivor .*running/m);
    // Everything drawn from now on, to catch the short "down" state however fast the reconnect is.
    const log = join(env.root, 'term.log');
    expect(term.tmux('pipe-pane', '-t', 'term', `cat > ${sq(log)}`).code).toBe(0);
    process.kill(old ?? -1, 'SIGKILL');
    const drawn = () => (existsSync(log) ? readFileSync(log, 'utf8').replace(new RegExp(`${ESC}\\[[0-9;?]*[A-Za-z]`, 'g'), '') : '');
    await waitFor(() => drawn().includes('✗ daemon down') && drawn().includes('Lost the daemon — reconnecting…'), 'the daemon shown down');
    const fresh = await waitFor(() => daemonPidsFor(env?.home ?? '').find((p) => p !== old), 'a new daemon');
    const s = await listShows(term, /^› survivor .*running/m);
    expect(s).not.toContain('daemon down');
    expect(s).not.toContain('reconnecting');
    expect(daemonPidsFor(env.home)).toEqual([fresh]);
    expect(env.json<Session[]>(['list']).map((x) => x.name)).toEqual(['survivor']);
  });

  it('Ctrl-E edits the prompt in $VISUAL and keeps the other fields', async () => {
    env = makeEnv();
    const editor = join(env.root, 'editor.sh');
    writeFileSync(editor, '#!/bin/sh\nprintf \'%s and edited by the editor\\n\' "$(cat "$1")" > "$1.new" && mv "$1.new" "$1"\n');
    chmodSync(editor, 0o755);
    term = openTerm(env);
    term.launch({ vars: { VISUAL: editor } });
    await listShows(term, 'No sessions yet');
    await fillDialog(term, { prompt: 'draft', repo: env.repo, name: 'edited' });
    await pickTmuxAndFocusCreate(term);
    for (let i = 0; i < 9; i++) term.keys('BTab');
    await term.waitScreen('› Prompt', 'back on the prompt');
    term.keys('C-e');
    const s = await term.waitScreen('Prompt      draft and edited by the editor', 'the edited prompt');
    expect(s).toContain('New session');
    expect(s).toContain(`Repository  ${env.repo}`);
    expect(s).toContain('Name        edited');
    expect(s).toContain('○ default  ○ zellij  ● tmux');
    expect(s).toContain('› Prompt');
    expect(env.json<Session[]>(['list', '--all'])).toEqual([]);
  });

  it('a create the daemon refuses shows its message in the dialog and keeps what was typed', async () => {
    env = makeEnv();
    const plain = join(env.root, 'plain');
    mkdirSync(plain);
    term = openTerm(env);
    term.launch();
    await listShows(term, 'No sessions yet');
    await fillDialog(term, { prompt: 'Doomed work', repo: plain, name: 'doomed' });
    await pickTmuxAndFocusCreate(term);
    term.keys('Enter');
    const s = await term.waitScreen(`${plain} is not inside a git repository`, "the daemon's message");
    expect(s).toContain('New session');
    expect(s).toContain('Prompt      Doomed work');
    expect(s).toContain(`Repository  ${plain}`);
    expect(s).toContain('Name        doomed');
    expect(s).toContain('○ default  ○ zellij  ● tmux');
    // shown under the Repository row, indented to the value column
    const lines = s.split('\n');
    const repoRow = lines.findIndex((l) => l.includes(`Repository  ${plain}`));
    expect(lines[repoRow + 1]).toMatch(new RegExp(`^│ {15}${plain.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is not inside a git repository`));
    expect(env.json<Session[]>(['list', '--all'])).toEqual([]);
    expect(existsSync(join(env.home, 'worktrees')) ? readdirSync(join(env.home, 'worktrees')) : []).toEqual([]);
  });
});
