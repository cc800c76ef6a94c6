// Attaching an image from the TUI, as a whole binary in a real terminal (issue 15: "by path from
// the CLI/TUI"): the built clauderon runs in a shell inside a tmux server of the test's own, at
// 60×20; `i` opens the dialog, the path is typed with `~` (HOME is the test's root), a message,
// Enter. The real daemon stores the PNG in uploads/<session id>/ and types "<message> <path>" into
// the session's agent — a stand-in in a real tmux session that prints every line it receives — so
// `clauderon output` shows the path. A text file is refused by the daemon and the refusal is shown
// in the dialog with the typed path kept. The path's completions (Tab) list image files only. The
// terminal is restored when the TUI quits.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Session } from '../../src/shared/types.js';
import { makeEnv, waitFor, type Env } from '../helpers/e2e.js';
import { listShows, openTerm, type Term } from '../helpers/tui-term.js';

/** The stand-in agent: says it is ready, then echoes each line typed into it. */
const AGENT = ['bash', '-c', 'echo AGENT-READY; while IFS= read -r line; do echo "GOT[$line]"; done', 'agent'];
/** A real PNG (the README's screenshot). */
const PNG = join(import.meta.dirname, '../../docs/screenshots/attach-1280x800.png');

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

/** The agent's screen once it shows `want`. */
function agentShows(e: Env, name: string, want: string, what: string): Promise<string> {
  return waitFor(() => {
    const out = e.run(['output', name, '--lines', '200']).stdout;
    return out.includes(want) ? out : '';
  }, what, 30_000);
}

/** Lines as the terminal drew them, joined where it wrapped (a line drawn too wide comes back longer). */
const widest = (t: Term) => Math.max(...t.screen({ join: true }).split('\n').map((l) => [...l.trimEnd()].length));

describe('TUI: attach an image (i) in a real terminal', () => {
  it('sends a PNG by a ~ path with a message to a tmux agent; a text file is refused in the dialog, the path kept', async () => {
    const e = (env = makeEnv());
    writeFileSync(join(e.home, 'config.toml'), `${e.portConfig}\n[agents.claude]\ncommand = ${JSON.stringify(AGENT)}\n`);
    const s = e.json<Session>(['create', '--backend', 'tmux', '--repo', e.repo, '--prompt', 'p', '--name', 'shot']);
    await agentShows(e, 'shot', 'AGENT-READY', 'the agent to start');
    mkdirSync(join(e.root, 'shots'));
    copyFileSync(PNG, join(e.root, 'shots', 'bug.png'));
    copyFileSync(PNG, join(e.root, 'shots', 'bad.png'));
    writeFileSync(join(e.root, 'shots', 'notes.txt'), 'not an image\n');

    const t = (term = openTerm(e, { cols: 60, rows: 20 }));
    t.launch({ vars: { HOME: e.root } });
    await listShows(t, 'shot');
    t.keys('i');
    let screen = await t.waitScreen('Attach an image to shot', 'the attach dialog');
    expect(screen).toContain('Enter attach & send');
    // the path's completions: images and directories only (not notes.txt), shown once two match
    t.type('~/shots/');
    screen = await t.waitScreen('Tab: bad.png  bug.png', "the path's completions");
    expect(screen).not.toContain('notes.txt');
    t.type('bug.png');
    await t.waitScreen((x) => x.includes('~/shots/bug.png') && !x.includes('Tab: bad.png'), 'the typed path');
    t.keys('Tab');
    t.type('look at this');
    await t.waitScreen('look at this', 'the typed message');
    t.keys('Enter');
    screen = await t.waitScreen((x) => !x.includes('Attach an image to') && x.includes('Attached '), 'the confirmation in the status line');
    const agentPath = join(e.home, 'uploads', s.id, 'bug.png');
    expect(screen.replace(/\s+/g, ' ')).toContain(`Attached ${agentPath.slice(0, 30)}`);
    await agentShows(e, 'shot', `GOT[look at this ${agentPath}]`, 'the agent to receive the message and the path');
    expect(readFileSync(agentPath).equals(readFileSync(PNG))).toBe(true);

    // a text file: the daemon's refusal, in the dialog, with the path still there to fix
    t.keys('i');
    await t.waitScreen('Attach an image to shot', 'the attach dialog again (empty)');
    t.type('~/shots/notes.txt');
    await t.waitScreen('~/shots/notes.txt', 'the typed path');
    t.keys('Enter');
    screen = await t.waitScreen((x) => x.replace(/[│\s]+/g, ' ').includes('✗ the file is not an image clauderon accepts'), "the daemon's refusal in the dialog");
    expect(screen).toContain('Attach an image to shot');
    expect(screen).toContain('~/shots/notes.txt');
    expect(widest(t)).toBeLessThanOrEqual(60);
    expect(e.run(['output', 'shot', '--lines', '200']).stdout).not.toContain('notes.txt');
    t.keys('Escape');
    await t.waitScreen((x) => !x.includes('Attach an image to') && x.includes('shot'), 'the dialog closed');

    // quit: the terminal is the shell's again
    t.keys('q');
    await t.waitScreen(/^TUI-EXIT=0$/m, 'the TUI to exit with 0');
    expect(t.tmux('display', '-p', '-t', 'term', '#{alternate_on} #{cursor_flag}').stdout.trim()).toBe('0 1');
  }, 120_000);
});
