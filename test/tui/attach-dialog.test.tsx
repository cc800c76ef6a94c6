// The Attach-an-image dialog (the i key) in the TUI root with ink-testing-library: its keys come
// from the keymap, the upload goes through the services with the right params (`~` expanded, the
// message, send), progress is shown while it runs, the daemon's refusal is shown in the dialog with
// everything typed kept, and the confirmation names the agent's path. Layouts at 80×24 and 60×20.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { ClauderonError } from '../../src/shared/errors.js';
import type { UploadResult } from '../../src/shared/images.js';
import { App } from '../../src/tui/app.js';
import { attachParams, attachReducer, completionOf, initialAttachForm, unquotePath, type AttachParams } from '../../src/tui/attach-dialog/use-attach-state.js';
import { actions, createTuiStore } from '../../src/tui/store.js';
import type { TuiServices } from '../../src/tui/services.js';
import { waitForFrame } from '../helpers/ink.js';
import { BACKSPACE, ENTER, ESC, SHIFT_TAB, TAB } from '../helpers/keys.js';
import { waitFor } from '../helpers/wait.js';
import { recordingServices, session } from './fixtures.js';

let ui: ReturnType<typeof render> | null = null;
afterEach(() => {
  ui?.unmount();
  ui = null;
});

const result = (over: Partial<UploadResult> = {}): UploadResult => ({
  file: 'bug.png',
  path: '/home/dev/.clauderon/uploads/id-one/bug.png',
  hostPath: '/home/dev/.clauderon/uploads/id-one/bug.png',
  type: 'image/png',
  size: 67,
  sha256: 'ab'.repeat(32),
  sent: true,
  sendError: null,
  ...over,
});

/** An upload the test answers when it wants (to see the progress, then the answer). */
function deferred() {
  let resolve: (r: UploadResult) => void = () => undefined;
  let reject: (e: unknown) => void = () => undefined;
  const promise = new Promise<UploadResult>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

function setup(opts: { columns?: number; rows?: number; attachImage?: TuiServices['attachImage']; completePath?: TuiServices['completePath'] } = {}) {
  const store = createTuiStore({ columns: opts.columns ?? 100, rows: opts.rows ?? 24, connection: 'connected' });
  actions(store).setSessions([session({ name: 'one' }), session({ name: 'two' })]);
  const params: AttachParams[] = [];
  const rec = recordingServices({
    ...(opts.completePath ? { completePath: opts.completePath } : {}),
    attachImage: (p) => {
      params.push(p);
      return opts.attachImage ? opts.attachImage(p) : Promise.resolve(result());
    },
  });
  ui = render(<App store={store} services={rec.services} />);
  const frame = () => ui?.lastFrame() ?? '';
  const press = (k: string) => ui?.stdin.write(k);
  return { store, params, frame, press, rec };
}

const lines = (f: string) => f.split('\n');
/** The frame's text with the dialog's borders and line breaks out (wrapped text joined). */
const flat = (f: string) => f.replace(/[│\s]+/g, ' ');
const open = (f: string) => f.includes('Attach an image to one');

describe('attach dialog: the state machine', () => {
  it('reads a path as typed or dropped on a terminal (quoted, or spaces escaped)', () => {
    expect(unquotePath(" '/tmp/a b.png' ")).toBe('/tmp/a b.png');
    expect(unquotePath('"/tmp/a b.png"')).toBe('/tmp/a b.png');
    expect(unquotePath('/tmp/Screen\\ Shot\\ 1.png')).toBe('/tmp/Screen Shot 1.png');
    expect(unquotePath('/tmp/plain.png')).toBe('/tmp/plain.png');
  });

  it('builds sessions.upload params: ~ expanded, relative from the cwd, the message only when typed, always sent', () => {
    let s = initialAttachForm();
    for (const ch of '~/shots/bug.png') s = attachReducer(s, { type: 'edit', edit: { type: 'insert', text: ch } });
    expect(attachParams('id-x', s)).toEqual({ name: 'id-x', path: join(homedir(), 'shots/bug.png'), send: true });
    s = attachReducer(s, { type: 'focusNext' });
    s = attachReducer(s, { type: 'edit', edit: { type: 'insert', text: '  look at this ' } });
    expect(attachParams('id-x', s)).toEqual({ name: 'id-x', path: join(homedir(), 'shots/bug.png'), message: 'look at this', send: true });
    const rel = attachReducer(initialAttachForm(), { type: 'edit', edit: { type: 'insert', text: 'shot.png' } });
    expect(attachParams('id-x', rel).path).toBe(join(process.cwd(), 'shot.png'));
  });

  it('Tab completes the path as far as its completions agree, then moves on', () => {
    let s = attachReducer(initialAttachForm(), { type: 'edit', edit: { type: 'insert', text: '~/sh' } });
    s = attachReducer(s, { type: 'setCompletions', for: '~/other', items: ['~/other/'] }); // stale: ignored
    expect(completionOf(s)).toBeNull();
    s = attachReducer(s, { type: 'setCompletions', for: '~/sh', items: ['~/shots/bug.png', '~/shots/bad.png'] });
    s = attachReducer(s, { type: 'tab' });
    expect(s).toMatchObject({ focus: 'path', path: { value: '~/shots/b', cursor: 9 } });
    s = attachReducer(s, { type: 'setCompletions', for: '~/shots/b', items: ['~/shots/bug.png', '~/shots/bad.png'] });
    expect(attachReducer(s, { type: 'tab' }).focus).toBe('message'); // nothing more they share
  });

  it('a refusal keeps what was typed and gives the path the focus', () => {
    let s = attachReducer(initialAttachForm(), { type: 'edit', edit: { type: 'insert', text: '/tmp/notes.txt' } });
    s = attachReducer(attachReducer(s, { type: 'focusNext' }), { type: 'start' });
    expect(s.busy).toBe(true);
    s = attachReducer(s, { type: 'failed', error: 'not an image' });
    expect(s).toMatchObject({ busy: false, error: 'not an image', focus: 'path', path: { value: '/tmp/notes.txt' } });
  });
});

describe('attach dialog in the TUI', () => {
  for (const [columns, rows] of [[80, 24], [60, 20]] as const) {
    it(`at ${columns}×${rows}: i opens it, Tab moves, Enter uploads the path with the message and sends it; the status names the agent's path`, async () => {
      const { frame, press, params } = setup({ columns, rows });
      await waitForFrame(frame, (f) => f.includes('one'));
      press('i');
      let f = await waitForFrame(frame, open);
      for (const l of lines(f)) expect([...l].length).toBeLessThanOrEqual(columns);
      expect(lines(f)).toHaveLength(rows);
      expect(f).toContain('Enter attach & send · Tab next field · Esc cancel');
      expect(f).toMatch(/Tab\/↓ next field +Enter attach & send +Esc cancel/); // the footer: the dialog's keys
      press('~/shots/bug.png');
      await waitForFrame(frame, (x) => x.includes('~/shots/bug.png'));
      press(TAB);
      press('look at this');
      await waitForFrame(frame, (x) => x.includes('look at this'));
      press(ENTER);
      f = await waitForFrame(frame, (x) => !open(x) && x.includes('Attached /home/dev/.clauderon'));
      expect(params).toEqual([{ name: 'id-one', path: join(homedir(), 'shots/bug.png'), message: 'look at this', send: true }]);
      for (const l of lines(f)) expect([...l].length).toBeLessThanOrEqual(columns);
    });
  }

  it('shows progress while it works, then the daemon\'s refusal in the dialog with the path kept; fixing the path and Enter again attaches', async () => {
    const first = deferred();
    const second = deferred();
    const answers = [first, second];
    const { frame, press, params, rec } = setup({ columns: 60, rows: 20, attachImage: () => (answers.shift() ?? second).promise });
    await waitForFrame(frame, (f) => f.includes('one'));
    press('i');
    await waitForFrame(frame, open);
    press('/tmp/notes.txt');
    await waitForFrame(frame, (x) => x.includes('/tmp/notes.txt'));
    press(ENTER);
    await waitForFrame(frame, (x) => x.includes('Attaching and sending…'));
    press('zz'); // keys wait while it runs
    const refusal = 'the file is not an image clauderon accepts (its first bytes are no PNG, JPEG, GIF or WebP signature): only PNG, JPEG, GIF or WebP images (image/png, image/jpeg, image/gif, image/webp) can be attached';
    first.reject(new ClauderonError('invalid_input', refusal));
    let f = await waitForFrame(frame, (x) => x.includes('✗ the file is not an image'));
    expect(open(f)).toBe(true);
    expect(f).not.toContain('Attaching');
    expect(f).toContain('/tmp/notes.txt');
    expect(f).not.toContain('zz');
    expect(flat(f)).toContain('can be attached');
    for (const l of lines(f)) expect([...l].length).toBeLessThanOrEqual(60);
    expect(lines(f)).toHaveLength(20);
    // the path is still in the field, with the cursor at its end: fix it and try again
    for (let i = 0; i < 'notes.txt'.length; i++) press(BACKSPACE);
    press('bug.png');
    await waitForFrame(frame, (x) => x.includes('/tmp/bug.png'));
    press(ENTER);
    await waitForFrame(frame, (x) => x.includes('Attaching and sending…'));
    // attached, not typed: the warning stays in the dialog (a 60-column status line would cut it)
    second.resolve(result({ sent: false, sendError: 'the agent is not running' }));
    f = await waitForFrame(frame, (x) => flat(x).includes('could not be typed into the agent: the agent is not running'));
    expect(f).toContain('✓ Attached /home/dev/.clauderon/uploads/id-one/bug.png');
    expect(f).toContain('Enter/Esc close');
    for (const l of lines(f)) expect([...l].length).toBeLessThanOrEqual(60);
    press('x'); // nothing to edit any more
    press(ENTER);
    f = await waitForFrame(frame, (x) => !open(x) && x.includes('Attached /home/dev'));
    expect(f).not.toContain('/tmp/bug.pngx');
    expect(rec.calls.map((c) => c[0])).not.toContain('attach'); // the Enter that closed it was not the list's
    expect(params.map((p) => p.path)).toEqual(['/tmp/notes.txt', '/tmp/bug.png']);
    expect(params.every((p) => p.send && p.message === undefined && p.name === 'id-one')).toBe(true);
  });

  it('Tab completes image paths from the completer (images on), one part at a time, with the matches shown', async () => {
    const files: Record<string, string[]> = { '~/sh': ['~/shots/'], '~/shots/': ['~/shots/bad.png', '~/shots/bug.png'], '~/shots/bu': ['~/shots/bug.png'], '~/shots/bug.png': ['~/shots/bug.png'] };
    const asked: [string, unknown][] = [];
    const { frame, press, store } = setup({
      completePath: (prefix, o) => {
        asked.push([prefix, o]);
        return Promise.resolve(files[prefix] ?? []);
      },
    });
    /** The dialog holds the completions of `text` (what Tab works from). */
    const completed = (text: string) =>
      waitFor(() => {
        const m = store.getState().modal;
        return m?.kind === 'attach' && m.form.completions.for === text;
      }, `the completions of ${text}`);
    await waitForFrame(frame, (f) => f.includes('one'));
    press('i');
    await waitForFrame(frame, open);
    press('~/sh');
    await completed('~/sh');
    press(TAB);
    await waitForFrame(frame, (x) => x.includes('Tab: bad.png  bug.png'));
    expect(frame()).toMatch(/Image\s+~\/shots\/ /);
    press('bu');
    await completed('~/shots/bu');
    await waitForFrame(frame, (x) => x.includes('~/shots/bu') && !x.includes('Tab: bad.png'));
    press(TAB);
    await completed('~/shots/bug.png');
    await waitForFrame(frame, (x) => x.includes('~/shots/bug.png'));
    press(TAB); // complete already: the next field
    await waitForFrame(frame, (x) => /› Message/.test(x));
    expect(asked.every(([, o]) => (o as { images?: boolean } | undefined)?.images === true)).toBe(true);
  });

  it('Esc cancels without a call; Enter with no path says what to type; Shift-Tab goes back', async () => {
    const { frame, press, params } = setup();
    await waitForFrame(frame, (f) => f.includes('one'));
    press('j'); // the second session
    press('i');
    await waitForFrame(frame, (x) => x.includes('Attach an image to two'));
    press(ENTER);
    await waitForFrame(frame, (x) => x.includes('✗ type the path of an image'));
    press(TAB);
    press('hello');
    await waitForFrame(frame, (x) => x.includes('hello'));
    press(SHIFT_TAB);
    press('/x.png');
    await waitForFrame(frame, (x) => /Image\s+\/x\.png/.test(x));
    press(ESC);
    await waitForFrame(frame, (x) => !x.includes('Attach an image') && x.includes('NAME'));
    expect(params).toEqual([]);
  });

  it('Esc while it runs closes the dialog; the answer comes in the status line', async () => {
    const d = deferred();
    const { frame, press } = setup({ attachImage: () => d.promise });
    await waitForFrame(frame, (f) => f.includes('one'));
    press('i');
    await waitForFrame(frame, open);
    press('/tmp/a.txt');
    await waitForFrame(frame, (x) => x.includes('/tmp/a.txt'));
    press(ENTER);
    await waitForFrame(frame, (x) => x.includes('Attaching'));
    press(ESC);
    await waitForFrame(frame, (x) => !open(x));
    d.reject(new ClauderonError('invalid_input', 'uploads are not supported for Kubernetes sessions yet'));
    await waitForFrame(frame, (x) => x.includes('Cannot attach /tmp/a.txt to one: uploads are not supported'));
  });

  it('with no session, i says how to make one', async () => {
    const store = createTuiStore({ columns: 80, rows: 24, connection: 'connected' });
    ui = render(<App store={store} services={recordingServices().services} />);
    const frame = () => ui?.lastFrame() ?? '';
    await waitForFrame(frame, (f) => f.includes('No sessions yet.'));
    ui.stdin.write('i');
    await waitForFrame(frame, (f) => f.includes('No session selected'));
  });
});
