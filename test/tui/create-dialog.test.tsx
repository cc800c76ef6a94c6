// The Create dialog with ink-testing-library: keys go in through stdin, the frame is read back.
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CreateDialog, type CreateDialogProps } from '../../src/tui/create-dialog/create-dialog.js';
import type { TuiServices } from '../../src/tui/services.js';
import { BACKSPACE, DOWN, ENTER, ESC, LEFT, RIGHT, SHIFT_TAB, SPACE, TAB, UP, ctrl } from '../helpers/keys.js';
import { plain, waitForFrame, waitForInput } from '../helpers/ink.js';
import { waitFor } from '../helpers/wait.js';

// Component tests pass services in by design (side effects enter the TUI as services): this fake
// has what the Create dialog calls and records it; the rest is not the dialog's business.
type DialogServices = Pick<TuiServices, 'recentRepos' | 'completePath' | 'editText'>;
function fakeServices(over: Partial<DialogServices> = {}) {
  const calls = { completePath: [] as string[], editText: [] as string[] };
  const notHere = (): never => {
    throw new Error('the create dialog does not call this');
  };
  const services: TuiServices = {
    createSession: notHere,
    archive: notHere,
    unarchive: notHere,
    deleteSession: notHere,
    reconcile: notHere,
    reload: notHere,
    attach: notHere,
    quit: notHere,
    recentRepos: over.recentRepos ?? (() => Promise.resolve([])),
    completePath: (prefix) => {
      calls.completePath.push(prefix);
      return over.completePath ? over.completePath(prefix) : Promise.resolve([]);
    },
    editText: (initial) => {
      calls.editText.push(initial);
      return over.editText ? over.editText(initial) : Promise.resolve(initial);
    },
  };
  return { services, calls };
}

let ui: ReturnType<typeof render> | null = null;
afterEach(() => {
  ui?.unmount();
  ui = null;
});

async function setup(props: Partial<CreateDialogProps> = {}) {
  const onSubmit = vi.fn<CreateDialogProps['onSubmit']>();
  const onCancel = vi.fn<CreateDialogProps['onCancel']>();
  const base: CreateDialogProps = {
    services: fakeServices().services,
    width: 60,
    submitting: false,
    progress: null,
    formError: null,
    onSubmit,
    onCancel,
    ...props,
  };
  const el = (over: Partial<CreateDialogProps> = {}) => <CreateDialog {...base} {...over} />;
  const r = render(el());
  ui = r;
  const frame = () => r.lastFrame();
  const press = (...keys: string[]) => {
    for (const k of keys) r.stdin.write(k);
  };
  /** Press a key and wait until the frame shows what it should. */
  const step = async (key: string, until: (f: string) => boolean) => {
    press(key);
    return waitForFrame(frame, until);
  };
  await waitForFrame(frame, (f) => f.includes('New session'));
  await waitForInput(r.stdin);
  return { frame, press, step, onSubmit, onCancel, rerender: (over: Partial<CreateDialogProps>) => r.rerender(el(over)), r, el };
}

/** The line of the frame that holds a label. */
const line = (f: string, label: string) => f.split('\n').find((l) => l.includes(label)) ?? '';
const focused = (f: string, label: string) => line(f, label).includes(`› ${label}`);

/** Focus a field by Tab from the prompt (the dialog opens on the prompt). */
const TABS_TO: Record<string, number> = { Repository: 1, Name: 2, Backend: 3, Agent: 4, Access: 5, 'Skip checks': 6, 'Plan mode': 7, Create: 8 };

async function tabTo(step: (k: string, u: (f: string) => boolean) => Promise<string>, label: string) {
  let f = '';
  for (let i = 0; i < (TABS_TO[label] ?? 0); i++) {
    const target = Object.keys(TABS_TO).find((l) => TABS_TO[l] === i + 1) ?? '';
    f = await step(TAB, (fr) => (target === 'Create' ? fr.includes('› [ Create ]') : focused(fr, target)));
  }
  return f;
}

describe('Create dialog', () => {
  it('opens on the prompt with the defaults drawn', async () => {
    const { frame } = await setup();
    const f = plain(frame());
    expect(focused(f, 'Prompt')).toBe(true);
    expect(line(f, 'Backend')).toContain('● default');
    expect(line(f, 'Agent')).toContain('● claude');
    expect(line(f, 'Access')).toContain('● read-write');
    expect(line(f, 'Skip checks')).toContain('[ ] no');
    expect(line(f, 'Plan mode')).toContain('[x] yes');
    expect(f).toContain('[ Create ]');
  });

  it('types a multi-line prompt: Enter adds a line, Backspace deletes, ↓ stays in the prompt', async () => {
    const { press, step, frame } = await setup();
    press('fix the login');
    await waitForFrame(frame, (f) => f.includes('fix the login'));
    await step(ENTER, () => true);
    press('second lineX');
    await waitForFrame(frame, (f) => f.includes('second lineX'));
    let f = await step(BACKSPACE, (fr) => fr.includes('second line') && !fr.includes('lineX'));
    const rows = f.split('\n');
    const first = rows.findIndex((l) => l.includes('fix the login'));
    expect(rows[first + 1]).toContain('second line');
    press(DOWN);
    f = await step(UP, (fr) => fr.includes('second line'));
    expect(focused(f, 'Prompt')).toBe(true);
  });

  it('shows only the tail of a long prompt', async () => {
    const { press, frame } = await setup();
    press(Array.from({ length: 10 }, (_, i) => `line ${i}`).join('\r'));
    const f = await waitForFrame(frame, (fr) => fr.includes('line 9'));
    expect(f).toContain('more lines');
    expect(f).not.toContain('line 0');
  });

  it('Tab and Shift-Tab move focus and wrap; ↓/↑ move it outside the prompt', async () => {
    const { step } = await setup();
    await step(TAB, (f) => focused(f, 'Repository'));
    await step(TAB, (f) => focused(f, 'Name'));
    await step(DOWN, (f) => focused(f, 'Backend'));
    await step(UP, (f) => focused(f, 'Name'));
    await step(SHIFT_TAB, (f) => focused(f, 'Repository'));
    await step(SHIFT_TAB, (f) => focused(f, 'Prompt'));
    await step(SHIFT_TAB, (f) => f.includes('› [ Create ]'));
    await step(TAB, (f) => focused(f, 'Prompt'));
  });

  it('changes backend, agent and access mode with ←/→/Space, and the toggles', async () => {
    const { step } = await setup();
    await tabTo(step, 'Backend');
    await step(RIGHT, (f) => line(f, 'Backend').includes('● zellij'));
    await step(SPACE, (f) => line(f, 'Backend').includes('● tmux'));
    await step(RIGHT, (f) => line(f, 'Backend').includes('● docker'));
    await step(RIGHT, (f) => line(f, 'Backend').includes('● default'));
    await step(LEFT, (f) => line(f, 'Backend').includes('● docker'));
    await step(TAB, (f) => focused(f, 'Agent'));
    await step(RIGHT, (f) => line(f, 'Agent').includes('● codex'));
    await step(TAB, (f) => focused(f, 'Access'));
    await step(LEFT, (f) => line(f, 'Access').includes('● read-only'));
    await step(TAB, (f) => focused(f, 'Skip checks'));
    await step(SPACE, (f) => line(f, 'Skip checks').includes('[x] yes'));
    await step(TAB, (f) => focused(f, 'Plan mode'));
    await step(LEFT, (f) => line(f, 'Plan mode').includes('[ ] no'));
  });

  it('Esc cancels', async () => {
    const { press, onCancel } = await setup();
    press(ESC);
    await waitFor(() => onCancel.mock.calls.length === 1, 'onCancel', 3000);
  });

  it('Enter on Create with an empty prompt shows the error inline, submits nothing and keeps what was typed', async () => {
    const { press, step, frame, onSubmit } = await setup();
    await step(TAB, (f) => focused(f, 'Repository'));
    press('/src/app');
    await waitForFrame(frame, (f) => line(f, 'Repository').includes('/src/app'));
    await step(TAB, (f) => focused(f, 'Name'));
    press('my-name');
    await waitForFrame(frame, (f) => f.includes('my-name'));
    await step(SHIFT_TAB, (f) => focused(f, 'Repository'));
    await step(SHIFT_TAB, (f) => focused(f, 'Prompt'));
    await step(SHIFT_TAB, (f) => f.includes('› [ Create ]'));
    const f = await step(ENTER, (fr) => fr.includes('enter a prompt'));
    expect(focused(f, 'Prompt')).toBe(true); // the first bad field
    expect(line(f, 'Repository')).toContain('/src/app');
    expect(line(f, 'Name')).toContain('my-name');
    expect(onSubmit).not.toHaveBeenCalled();
    // Typing into the field clears its error.
    press('x');
    await waitForFrame(frame, (fr) => !fr.includes('enter a prompt'));
  });

  it('a name that is not valid is shown at the name', async () => {
    const { press, step, frame, onSubmit } = await setup({ initial: { prompt: 'p', repoPath: '/r' } });
    await tabTo(step, 'Name');
    press('Bad Name');
    await waitForFrame(frame, (f) => f.includes('Bad Name'));
    await step(SHIFT_TAB, (f) => focused(f, 'Repository'));
    await step(SHIFT_TAB, (f) => focused(f, 'Prompt'));
    await step(SHIFT_TAB, (f) => f.includes('› [ Create ]'));
    const f = await step(ENTER, (fr) => fr.includes('lowercase'));
    expect(focused(f, 'Name')).toBe(true);
    expect(onSubmit).not.toHaveBeenCalled();
  });

  it('a valid form submits exactly the values', async () => {
    const { press, step, frame, onSubmit } = await setup();
    press('fix the login bug');
    await waitForFrame(frame, (f) => f.includes('fix the login bug'));
    await step(ENTER, () => true);
    press('and add a test');
    await waitForFrame(frame, (f) => f.includes('and add a test'));
    await step(TAB, (f) => focused(f, 'Repository'));
    press('~/src/app');
    await waitForFrame(frame, (f) => line(f, 'Repository').includes('~/src/app'));
    await step(TAB, (f) => focused(f, 'Name'));
    press('login-fix');
    await waitForFrame(frame, (f) => f.includes('login-fix'));
    await step(TAB, (f) => focused(f, 'Backend'));
    await step(RIGHT, (f) => line(f, 'Backend').includes('● zellij'));
    await step(TAB, (f) => focused(f, 'Agent'));
    await step(LEFT, (f) => line(f, 'Agent').includes('● gemini'));
    await step(TAB, (f) => focused(f, 'Access'));
    await step(SPACE, (f) => line(f, 'Access').includes('● read-only'));
    await step(TAB, (f) => focused(f, 'Skip checks'));
    await step(SPACE, (f) => line(f, 'Skip checks').includes('[x]'));
    await step(TAB, (f) => focused(f, 'Plan mode'));
    await step(SPACE, (f) => line(f, 'Plan mode').includes('[ ]'));
    await step(TAB, (f) => f.includes('› [ Create ]'));
    press(ENTER);
    await waitFor(() => onSubmit.mock.calls.length === 1, 'onSubmit', 3000);
    expect(onSubmit.mock.calls[0]?.[0]).toEqual({
      prompt: 'fix the login bug\nand add a test',
      repoPath: '~/src/app',
      name: 'login-fix',
      backend: 'zellij',
      agent: 'gemini',
      accessMode: 'read-only',
      skipChecks: true,
      planMode: false,
    });
  });

  it('Ctrl-E hands the prompt to the editor and shows what comes back; the rest stays', async () => {
    const fake = fakeServices({ editText: (t) => Promise.resolve(`${t}\nedited in vi`) });
    const { press, step, frame } = await setup({ services: fake.services, initial: { repoPath: '/src/app' } });
    press('draft');
    await waitForFrame(frame, (f) => f.includes('draft'));
    const f = await step(ctrl('e'), (fr) => fr.includes('edited in vi'));
    expect(fake.calls.editText).toEqual(['draft']);
    expect(f).toContain('draft');
    expect(line(f, 'Repository')).toContain('/src/app');
    expect(focused(f, 'Prompt')).toBe(true);
  });

  it('keeps the form while the TUI is unmounted for the editor, and delivers the text to the new dialog', async () => {
    let finish: (text: string) => void = () => undefined;
    const fake = fakeServices({ editText: () => new Promise<string>((resolve) => (finish = resolve)) });
    const first = await setup({ services: fake.services });
    first.press('draft');
    await waitForFrame(first.frame, (f) => f.includes('draft'));
    await first.step(TAB, (f) => focused(f, 'Repository'));
    first.press('/src/app');
    await waitForFrame(first.frame, (f) => line(f, 'Repository').includes('/src/app'));
    first.press(ctrl('e'));
    await waitFor(() => fake.calls.editText.length === 1, 'editText', 3000);
    // What run.ts does while $EDITOR has the terminal: unmount, and mount again afterwards.
    first.r.unmount();
    const second = await setup({ services: fake.services });
    expect(line(plain(second.frame()), 'Repository')).toContain('/src/app');
    finish('from the editor');
    const f = await waitForFrame(second.frame, (fr) => fr.includes('from the editor'));
    expect(line(f, 'Repository')).toContain('/src/app');
  });

  it('suggests recent and completed repositories; Ctrl-N highlights and Enter takes one', async () => {
    const fake = fakeServices({
      recentRepos: () => Promise.resolve(['/home/dev/project', '/home/dev/other']),
      completePath: (p) => Promise.resolve(p === '/home/dev/p' ? ['/home/dev/projects-old/', '/home/dev/pub/'] : []),
    });
    const { press, step, frame } = await setup({ services: fake.services });
    // Focused and empty: the recent repositories.
    await step(TAB, (f) => f.includes('/home/dev/other'));
    press('/home/dev/p');
    let f = await waitForFrame(frame, (fr) => fr.includes('/home/dev/pub/'));
    expect(f).toContain('/home/dev/project');
    expect(f).toContain('/home/dev/projects-old/');
    expect(f).not.toContain('/home/dev/other');
    expect(fake.calls.completePath).toContain('/home/dev/p');
    f = await step(ctrl('n'), (fr) => fr.includes('▸ /home/dev/project'));
    f = await step(DOWN, (fr) => fr.includes('▸ /home/dev/projects-old/'));
    expect(line(f, 'Repository')).toContain('/home/dev/p'); // Ctrl-N typed no "n"
    expect(line(f, 'Repository')).not.toContain('/home/dev/pn');
    f = await step(ENTER, (fr) => line(fr, 'Repository').includes('/home/dev/projects-old/') && !fr.includes('▸'));
    expect(focused(f, 'Repository')).toBe(true);
    // Typing goes on at the end of the taken suggestion.
    press('x');
    await waitForFrame(frame, (fr) => line(fr, 'Repository').includes('/home/dev/projects-old/x'));
  });

  it('Ctrl-Y takes the first suggestion; Esc closes an open list without cancelling', async () => {
    const fake = fakeServices({ recentRepos: () => Promise.resolve(['/r/one', '/r/two']) });
    const { step, onCancel } = await setup({ services: fake.services });
    await step(TAB, (f) => f.includes('/r/two'));
    await step(ctrl('n'), (f) => f.includes('▸ /r/one'));
    await step(ESC, (f) => !f.includes('▸'));
    expect(onCancel).not.toHaveBeenCalled();
    const f = await step(ctrl('y'), (fr) => line(fr, 'Repository').includes('/r/one'));
    expect(line(f, 'Repository')).not.toMatch(/\/r\/one.*y/);
  });

  it('shows errors from the parent inline and keeps what was typed', async () => {
    const { press, frame, rerender } = await setup({ initial: { repoPath: '/src/app' } });
    press('my prompt');
    await waitForFrame(frame, (f) => f.includes('my prompt'));
    rerender({ fieldErrors: { name: 'a session named "x" already exists' }, formError: 'the daemon said no' });
    const f = await waitForFrame(frame, (fr) => fr.includes('already exists') && fr.includes('the daemon said no'));
    expect(f).toContain('my prompt');
    expect(line(f, 'Repository')).toContain('/src/app');
    expect(focused(f, 'Name')).toBe(true);
    const rows = f.split('\n');
    expect(rows[rows.findIndex((l) => l.includes('Name')) + 1]).toContain('a session named');
  });

  it('while submitting shows a spinner and the current step, and takes no keys', async () => {
    const { frame, press, rerender, onCancel } = await setup({ initial: { prompt: 'p', repoPath: '/r' } });
    rerender({ submitting: true, progress: { step: 'worktree', state: 'started' } });
    await waitForFrame(frame, (f) => /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] worktree…/.test(f));
    const first = /([⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]) worktree/.exec(plain(frame()))?.[1];
    await waitForFrame(frame, (f) => !f.includes(`${first} worktree`)); // it turns
    press(ESC);
    rerender({ submitting: true, progress: { step: 'backend', state: 'started' } });
    await waitForFrame(frame, (f) => f.includes('backend…'));
    expect(onCancel).not.toHaveBeenCalled();
    rerender({ submitting: false, progress: null });
    const f = await waitForFrame(frame, (fr) => !fr.includes('backend…'));
    expect(f).not.toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/);
  });

  it('fits 60 columns, with long text, suggestions and errors', async () => {
    const long = '/home/developer/a/very/long/path/to/some/repository/that/goes/on';
    const fake = fakeServices({ recentRepos: () => Promise.resolve([`${long}/and/on/and/on`]) });
    const { press, step, frame, rerender } = await setup({ services: fake.services });
    press('x'.repeat(150));
    await waitForFrame(frame, (f) => f.includes('xxxx'));
    await step(TAB, (f) => f.includes('and/on/and/on'));
    press(long);
    await waitForFrame(frame, (f) => f.includes('goes/on'));
    rerender({ formError: 'e'.repeat(130), fieldErrors: { repo: 'r'.repeat(90) } });
    const f = await waitForFrame(frame, (fr) => fr.includes('rrrr') && fr.includes('eeee'));
    for (const l of f.split('\n')) expect(Array.from(l).length, l).toBeLessThanOrEqual(60);
  });
});
