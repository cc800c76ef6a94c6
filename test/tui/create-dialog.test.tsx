// The Create dialog with ink-testing-library: keys go in through stdin, the frame is read back.
// The dialog keeps its form in the TUI's store, so these tests read the store too.
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { ClauderonError } from '../../src/shared/errors.js';
import type { ProgressEvent } from '../../src/shared/events.js';
import { CreateDialog, dialogHint } from '../../src/tui/create-dialog/create-dialog.js';
import { formOf } from '../../src/tui/create-dialog/use-create-form.js';
import { initialFormState, valueOf } from '../../src/tui/create-dialog/use-create-form-state.js';
import type { CreateFormValues, DirectoryListing, TuiServices } from '../../src/tui/services.js';
import { createTuiStore, type TuiStore } from '../../src/tui/store.js';
import { session } from './fixtures.js';
import { BACKSPACE, DOWN, ENTER, ESC, RIGHT, SHIFT_TAB, TAB, UP, ctrl } from '../helpers/keys.js';
import { plain, waitForFrame, waitForInput } from '../helpers/ink.js';
import { waitFor } from '../helpers/wait.js';

type DialogServices = Pick<TuiServices, 'recentRepos' | 'completePath' | 'editText' | 'listDirectory' | 'createSession'>;

const noRepo = (path: string): DirectoryListing => ({ path: path === '.' ? '/home/dev' : path, parent: '/', repoRoot: null, entries: [], error: null });

function fakeServices(over: Partial<DialogServices> = {}) {
  const calls = { createSession: [] as CreateFormValues[], editText: [] as string[], listDirectory: [] as string[] };
  const notHere = (): never => {
    throw new Error('the create dialog does not call this');
  };
  const services: TuiServices = {
    archive: notHere,
    unarchive: notHere,
    deleteSession: notHere,
    reconcile: notHere,
    reload: notHere,
    attach: notHere,
    attachImage: notHere,
    egressAllow: notHere,
    quit: notHere,
    diff: notHere,
    watchScreen: notHere,
    daemonInfo: notHere,
    startDaemon: notHere,
    notify: notHere,
    recentRepos: over.recentRepos ?? (() => Promise.resolve([])),
    completePath: over.completePath ?? (() => Promise.resolve([])),
    listDirectory: (path) => {
      calls.listDirectory.push(path);
      return (over.listDirectory ?? ((p: string) => Promise.resolve(noRepo(p))))(path);
    },
    editText: (initial) => {
      calls.editText.push(initial);
      return over.editText ? over.editText(initial) : Promise.resolve(initial);
    },
    createSession: (values, onProgress) => {
      calls.createSession.push(values);
      return over.createSession ? over.createSession(values, onProgress) : Promise.reject(new Error('not in this test'));
    },
  };
  return { services, calls };
}

let ui: ReturnType<typeof render> | null = null;
afterEach(() => {
  ui?.unmount();
  ui = null;
});

async function setup(opts: { services?: TuiServices; store?: TuiStore; columns?: number; rows?: number } = {}) {
  const store = opts.store ?? createTuiStore({ modal: { kind: 'create' }, columns: opts.columns ?? 80, rows: opts.rows ?? 24 });
  const services = opts.services ?? fakeServices().services;
  const r = render(<CreateDialog store={store} services={services} />);
  ui = r;
  const frame = () => plain(r.lastFrame());
  const press = (...keys: string[]) => {
    for (const k of keys) r.stdin.write(k);
  };
  /** Press a key and wait until the frame shows what it should. */
  const step = async (key: string, until: (f: string) => boolean) => {
    press(key);
    return waitForFrame(r.lastFrame, until);
  };
  await waitForFrame(r.lastFrame, (f) => f.includes('New session'));
  await waitForInput(r.stdin);
  return { store, frame, press, step, r, form: () => formOf(store) };
}

/** The line of the frame that holds a label. */
const line = (f: string, label: string) => f.split('\n').find((l) => l.includes(label)) ?? '';
const focused = (f: string, label: string) => line(f, label).includes(`› ${label}`);

describe('Create dialog', () => {
  it('opens on the prompt with the defaults drawn, Model empty for the agent default', async () => {
    const { frame } = await setup();
    const f = frame();
    expect(focused(f, 'Prompt')).toBe(true);
    expect(line(f, 'Backend')).toContain('● default');
    expect(line(f, 'Agent')).toContain('● claude');
    expect(line(f, 'Model')).toContain("(the agent's default)");
    expect(line(f, 'Access')).toContain('● read-write');
    expect(line(f, 'Skip checks')).toContain('[ ] no');
    expect(line(f, 'Plan mode')).toContain('[x] yes');
    expect(f).toContain('[ Create ]');
  });

  it('starts the repository with the directory clauderon runs in when that is in a git repository', async () => {
    const { services, calls } = fakeServices({ listDirectory: (p) => Promise.resolve({ ...noRepo(p), path: '/src/app/sub', repoRoot: '/src/app' }) });
    const { frame } = await setup({ services });
    await waitForFrame(() => frame(), (f) => line(f, 'Repository').includes('/src/app/sub'));
    expect(calls.listDirectory).toEqual(['.']);
  });

  it('otherwise leaves it empty and offers the recent repositories there', async () => {
    const { services } = fakeServices({ recentRepos: () => Promise.resolve(['/src/one', '/src/two']) });
    const { step } = await setup({ services });
    const f = await step(TAB, (fr) => focused(fr, 'Repository') && fr.includes('/src/two'));
    expect(line(f, 'Repository')).toContain('path to a git repository');
    expect(f).toContain('/src/one');
  });

  it('the prompt is multi-line: Enter adds a line, ↑ on its first line leaves it', async () => {
    const { press, step, form } = await setup();
    press('fix the login');
    await step(ENTER, () => true);
    press('second line');
    let f = await step(ENTER, (fr) => fr.includes('second line'));
    press('third');
    f = await waitForFrame(ui!.lastFrame, (fr) => fr.includes('third'));
    const rows = f.split('\n');
    const first = rows.findIndex((l) => l.includes('fix the login'));
    expect(rows[first + 1]).toContain('second line');
    expect(rows[first + 2]).toContain('third');
    expect(valueOf(form()!, 'prompt')).toBe('fix the login\nsecond line\nthird');
    press(UP, UP);
    f = await step(UP, (fr) => focused(fr, 'Plan mode') || !focused(fr, 'Prompt'));
    expect(form()?.focus).toBe('create'); // from the first line ↑ went to the previous field (wrapping)
  });

  it('Esc with the suggestions open closes only them; the next Esc closes the dialog and keeps the draft; n brings it back', async () => {
    const { services } = fakeServices({ recentRepos: () => Promise.resolve(['/src/clauderon', '/src/api']) });
    const { store, press, step, frame } = await setup({ services });
    press('keep this prompt');
    await waitForFrame(() => frame(), (f) => f.includes('keep this prompt'));
    await step(TAB, (f) => f.includes('/src/api'));
    press('cl');
    let f = await waitForFrame(() => frame(), (fr) => fr.includes('/src/clauderon') && !fr.includes('/src/api'));
    f = await step(ESC, (fr) => !fr.includes('/src/clauderon'));
    expect(store.getState().modal).toEqual({ kind: 'create' });
    expect(f).toContain('keep this prompt');
    press(ESC);
    await waitFor(() => store.getState().modal === null, 'the dialog closed');
    ui?.unmount();
    // `n`: the app opens the modal again; a new dialog shows the draft
    store.setState({ modal: { kind: 'create' } });
    const again = await setup({ services, store });
    f = again.frame();
    expect(f).toContain('keep this prompt');
    expect(line(f, 'Repository')).toContain('cl');
    // Ctrl-R starts over
    f = await again.step(ctrl('r'), (fr) => !fr.includes('keep this prompt'));
    expect(line(f, 'Prompt')).toContain('what should the agent do?');
  });

  it('an untouched dialog left with Esc keeps no draft', async () => {
    const { store, press } = await setup();
    press(ESC);
    await waitFor(() => store.getState().modal === null, 'the dialog closed');
    expect(store.getState().createDraft).toBeNull();
  });

  it('picks a recent repository fuzzily: ↓ highlights the first, ↓ the next, Enter takes it', async () => {
    const recent = ['/home/dev/website', '/src/clauderon', '/src/cli-tools'];
    const { services } = fakeServices({ recentRepos: () => Promise.resolve(recent) });
    const { press, step, frame, form } = await setup({ services });
    await step(TAB, (f) => f.includes('/home/dev/website'));
    press('cl');
    await waitForFrame(() => frame(), (f) => !f.includes('website') && f.includes('/src/cli-tools'));
    let f = await step(DOWN, (fr) => fr.includes('▸ '));
    expect(line(f, '▸ ')).toContain('/src/cl');
    const firstPick = line(f, '▸ ').trim();
    f = await step(DOWN, (fr) => line(fr, '▸ ').trim() !== firstPick);
    const chosen = /▸ (\S+)/.exec(line(f, '▸ '))?.[1] ?? '';
    f = await step(ENTER, (fr) => !fr.includes('▸ '));
    expect(valueOf(form()!, 'repo')).toBe(chosen);
    expect(line(f, 'Repository')).toContain(chosen);
  });

  it('browses directories with Ctrl-O: → opens, ← goes up, typing filters, Enter chooses, Esc leaves the field alone', async () => {
    const tree: Record<string, DirectoryListing> = {
      '/src': { path: '/src', parent: '/', repoRoot: null, entries: [{ name: 'api', repo: true }, { name: 'clauderon', repo: true }], error: null },
      '/src/clauderon': { path: '/src/clauderon', parent: '/src', repoRoot: '/src/clauderon', entries: [{ name: 'docs', repo: false }], error: null },
    };
    const { services } = fakeServices({ listDirectory: (p) => Promise.resolve(tree[p] ?? noRepo(p)) });
    const { press, step, frame, form } = await setup({ services });
    await step(TAB, (f) => focused(f, 'Repository'));
    press('/src');
    await waitForFrame(() => frame(), (f) => line(f, 'Repository').includes('/src'));
    let f = await step(ctrl('o'), (fr) => fr.includes('api/') && fr.includes('clauderon/'));
    expect(f).toContain('./ (this directory)');
    f = await step('cl', (fr) => !fr.includes('api/'));
    f = await step(RIGHT, (fr) => fr.includes('docs/'));
    expect(f).toContain('/src/clauderon (git)');
    f = await step(BACKSPACE, (fr) => fr.includes('api/')); // Backspace with no filter: up
    expect(line(f, '▸')).toContain('clauderon/'); // back on the one we came from
    f = await step(ESC, (fr) => fr.includes('› Repository'));
    expect(valueOf(form()!, 'repo')).toBe('/src');
    await step(ctrl('o'), (fr) => fr.includes('api/'));
    await step(DOWN, (fr) => line(fr, '▸').includes('api/'));
    f = await step(ENTER, (fr) => fr.includes('› Repository'));
    expect(valueOf(form()!, 'repo')).toBe('/src/api');
  });

  it("shows Docker's options (from the backend registry) only while Docker is chosen", async () => {
    const { step, frame } = await setup();
    for (let i = 0; i < 3; i++) await step(TAB, () => true);
    await waitForFrame(() => frame(), (f) => focused(f, 'Backend'));
    expect(frame()).not.toContain('Pull policy');
    // (the chosen one: ● on a row that shows every choice, ‹ › with its position when they do not fit)
    const chosen = (fr: string, name: string) => new RegExp(`● ${name}|‹ ${name} ›`).test(line(fr, 'Backend'));
    let f = await step(RIGHT, (fr) => chosen(fr, 'zellij'));
    f = await step(RIGHT, (fr) => chosen(fr, 'tmux'));
    expect(f).not.toContain('Image');
    f = await step(RIGHT, (fr) => chosen(fr, 'docker'));
    for (const l of ['Image', 'Pull policy', 'CPU limit', 'Memory limit']) expect(f).toContain(l);
    expect(line(f, 'Pull policy')).toContain('● (default)');
    // Kubernetes: its own options from its registry entry (and the shared image/limits)
    f = await step(RIGHT, (fr) => chosen(fr, 'kubernetes'));
    expect(f).not.toContain('Pull policy');
    for (const l of ['Context', 'Namespace', 'Storage class', 'Image']) expect(f).toContain(l);
    f = await step(RIGHT, (fr) => chosen(fr, 'sprites'));
    f = await step(RIGHT, (fr) => chosen(fr, 'default'));
    expect(f).not.toContain('Pull policy');
  });

  it('a bracketed paste is one insert: newlines kept in the prompt, dropped in a one-line field', async () => {
    const { press, step, frame, form } = await setup();
    press('\u001B[200~first line\rsecond line\u001B[201~');
    await waitForFrame(() => frame(), (f) => f.includes('second line'));
    expect(valueOf(form()!, 'prompt')).toBe('first line\nsecond line');
    await step(TAB, (f) => focused(f, 'Repository'));
    await step(TAB, (f) => focused(f, 'Name'));
    press('\u001B[200~pasted\rname\u001B[201~');
    await waitForFrame(() => frame(), (f) => f.includes('pasted name'));
    expect(valueOf(form()!, 'name')).toBe('pasted name');
    expect(form()?.focus).toBe('name'); // the pasted \r was not Enter
  });

  it('Ctrl-W, Ctrl-U and Alt-Backspace edit the focused field', async () => {
    const { press, form, frame } = await setup();
    press('fix the login bug');
    await waitForFrame(() => frame(), (f) => f.includes('login bug'));
    press(ctrl('w'));
    await waitForFrame(() => frame(), (f) => !f.includes('bug'));
    press('\u001B\u007F');
    await waitForFrame(() => frame(), (f) => !f.includes('login'));
    expect(valueOf(form()!, 'prompt')).toBe('fix the ');
    press(ctrl('u'));
    await waitForFrame(() => frame(), (f) => !f.includes('fix the'));
    expect(valueOf(form()!, 'prompt')).toBe('');
  });

  it('Ctrl-E hands the prompt to the editor and shows what comes back', async () => {
    const { services, calls } = fakeServices({ editText: (t) => Promise.resolve(`${t}, edited\nwith a second line`) });
    const { press, step } = await setup({ services });
    press('draft');
    await waitForFrame(ui!.lastFrame, (f) => f.includes('draft'));
    const f = await step(ctrl('e'), (fr) => fr.includes('draft, edited'));
    expect(calls.editText).toEqual(['draft']);
    expect(f).toContain('with a second line');
  });

  it('creates: shows each step as it runs, sends the values, then closes and drops the draft', async () => {
    let progress: (p: ProgressEvent) => void = () => undefined;
    let finish: () => void = () => undefined;
    const { services, calls } = fakeServices({
      listDirectory: (p) => Promise.resolve({ ...noRepo(p), path: '/src/app', repoRoot: '/src/app' }),
      createSession: (_v, onProgress) => {
        progress = onProgress;
        return new Promise((resolve) => (finish = () => resolve({ session: session({ name: 'do-it-ab12' }), warnings: ['no credential for api.anthropic.com'] })));
      },
    });
    const { store, press, step, frame } = await setup({ services });
    await waitForFrame(() => frame(), (f) => line(f, 'Repository').includes('/src/app'));
    press('do it');
    await waitForFrame(() => frame(), (f) => f.includes('do it'));
    await step(SHIFT_TAB, (f) => f.includes('› [ Create ]'));
    press(ENTER);
    await waitFor(() => calls.createSession.length === 1, 'the create sent');
    expect(calls.createSession[0]).toMatchObject({ prompt: 'do it', repoPath: '/src/app', backend: 'default', model: '', backendRequest: {} });
    const ev = (step: string, state: ProgressEvent['state'], ms: number | null = null, message: string | null = null): ProgressEvent => ({ type: 'create.progress', name: 'do-it-ab12', step: step as ProgressEvent['step'], state, ms, message });
    progress(ev('validate', 'started'));
    progress(ev('validate', 'done', 3));
    progress(ev('worktree', 'started'));
    const f = await waitForFrame(() => frame(), (fr) => fr.includes('✓ validate 3 ms') && fr.includes('worktree…'));
    expect(f).toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] worktree…/);
    progress(ev('agent', 'warning', null, 'no credential for api.anthropic.com'));
    await waitForFrame(() => frame(), (fr) => fr.includes('! no credential for api.anthropic.com'));
    finish();
    await waitFor(() => store.getState().modal === null, 'the dialog closed');
    expect(store.getState().createDraft).toBeNull();
    expect(store.getState().status?.text).toBe('Created do-it-ab12 — no credential for api.anthropic.com');
  });

  it("puts the daemon's error on the field it names, worded by the dialog, and keeps what was typed", async () => {
    const { services } = fakeServices({
      createSession: (_v, onProgress) => {
        onProgress({ type: 'create.progress', name: 'x', step: 'validate', state: 'failed', ms: 2, message: null });
        return Promise.reject(new ClauderonError('invalid_input', '/tmp/plain is not inside a git repository', { field: 'repo' }));
      },
    });
    const { step, press, frame } = await setup({ services });
    press('doomed');
    await waitForFrame(() => frame(), (f) => f.includes('doomed'));
    await step(TAB, (f) => focused(f, 'Repository'));
    press('/tmp/plain');
    await waitForFrame(() => frame(), (f) => f.includes('/tmp/plain'));
    await step(SHIFT_TAB, () => true);
    await step(SHIFT_TAB, (f) => f.includes('› [ Create ]'));
    const f = await step(ENTER, (fr) => fr.includes('is not inside a git repository'));
    const rows = f.split('\n');
    const repoRow = rows.findIndex((l) => l.includes('Repository'));
    expect(rows[repoRow + 1]).toMatch(/^│ {15}\/tmp\/plain is not inside a git repository — Ctrl-o browses/);
    expect(f).toContain('✗ validate 2 ms');
    expect(f).not.toContain('--repo');
    expect(focused(f, 'Repository')).toBe(true);
    expect(f).toContain('doomed');
  });

  it('puts an error about a backend option on that option', async () => {
    const { services, calls } = fakeServices({ createSession: () => Promise.reject(new ClauderonError('invalid_input', 'invalid memoryLimit for the docker backend: bad size', { field: 'option:memoryLimit' })) });
    const store = createTuiStore({ modal: { kind: 'create' }, columns: 100, rows: 40 });
    // a draft waiting, Docker chosen with a memory limit, focus on the Create button
    const draft = initialFormState({ prompt: 'p', repoPath: '/r', backend: 'docker', backendRequest: { memoryLimit: 'lots' } });
    store.setState({ createDraft: { ...draft, focus: 'create' } });
    const { step } = await setup({ services, store });
    const f = await step(ENTER, (fr) => fr.includes('bad size'));
    expect(calls.createSession[0]?.backendRequest).toEqual({ memoryLimit: 'lots' });
    const rows = f.split('\n');
    expect(rows[rows.findIndex((l) => l.includes('Memory limit')) + 1]).toContain('invalid memoryLimit for the docker backend: bad size');
    expect(focused(f, 'Memory limit')).toBe(true);
  });

  it('draws every key hint from the keymap', async () => {
    const { services } = fakeServices({ recentRepos: () => Promise.resolve(['/src/a']) });
    const { step, frame, store, form } = await setup({ services, columns: 100 });
    const hintLine = () => frame().split('\n').at(-2)?.replace(/^│ /, '').replace(/ *│$/, '') ?? '';
    expect(hintLine()).toBe(dialogHint(form()!));
    await step(TAB, (f) => f.includes('/src/a'));
    expect(hintLine()).toBe(dialogHint(form()!));
    expect(hintLine()).toContain('↓ choose · Ctrl-y take first · Esc close list');
    await step(ctrl('o'), (f) => f.includes('this directory'));
    expect(hintLine()).toBe(dialogHint(formOf(store)!));
    expect(hintLine()).toContain('→ open · ← up · Enter use · Esc close');
  });

  it('fits 60×20 with Docker chosen: nothing wider than the screen, the focused field always shown', async () => {
    const { step, press, frame } = await setup({ columns: 60, rows: 20 });
    press('a long prompt that goes well past the width of the value column at sixty columns');
    await waitForFrame(() => frame(), (f) => f.includes('sixty'));
    for (let i = 0; i < 3; i++) await step(TAB, () => true);
    // (at 60 columns the choices no longer fit on the row: it shows the chosen one, ‹ docker › 4/6)
    let f = await step(RIGHT + RIGHT + RIGHT, (fr) => /● docker|‹ docker ›/.test(fr));
    for (const l of f.split('\n')) expect(Array.from(l).length, l).toBeLessThanOrEqual(60);
    expect(f.split('\n').length).toBeLessThanOrEqual(16); // the body of a 20-row screen
    for (let i = 0; i < 10; i++) {
      f = await step(TAB, () => true);
      expect(f).toMatch(/› /);
      expect(f.split('\n').length).toBeLessThanOrEqual(16);
    }
    expect(f).toContain('› [ Create ]');
    expect(f).toMatch(/↑ \d+ more fields?/);
  });
});
