// The Create dialog's state machine, driven without rendering.
import { describe, expect, it } from 'vitest';
import { backendOptions } from '../../src/backends/registry.js';
import { ClauderonError } from '../../src/shared/errors.js';
import { fieldWindow } from '../../src/tui/create-dialog/create-dialog.js';
import {
  browserItems,
  createFormMachine,
  fieldsOf,
  formValues,
  initialFormState,
  isDirty,
  picking,
  placeError,
  suggestionItems,
  suggestionsShown,
  validate,
  valueOf,
  type CreateFormAction,
} from '../../src/tui/create-dialog/use-create-form-state.js';
import type { DirectoryListing } from '../../src/tui/services.js';

const machine = (...actions: CreateFormAction[]) => {
  const m = createFormMachine();
  for (const a of actions) m.dispatch(a);
  return m;
};
const type = (text: string): CreateFormAction => ({ type: 'edit', edit: { type: 'insert', text } });

describe('create form state', () => {
  it('starts on the prompt with the defaults', () => {
    const m = createFormMachine();
    expect(m.state.focus).toBe('prompt');
    expect(formValues(m.state)).toEqual({
      prompt: '',
      repoPath: '',
      name: '',
      backend: 'default',
      backendRequest: {},
      agent: 'claude',
      model: '',
      accessMode: 'read-write',
      skipChecks: false,
      planMode: true,
    });
  });

  it('moves focus in order and wraps both ways', () => {
    const m = createFormMachine();
    const seen: string[] = [m.state.focus];
    for (let i = 0; i < 11; i++) {
      m.dispatch({ type: 'focusNext' });
      seen.push(m.state.focus);
    }
    expect(seen).toEqual(['prompt', 'repo', 'name', 'backend', 'agent', 'model', 'accessMode', 'skipChecks', 'planMode', 'create', 'prompt', 'repo']);
    m.dispatch({ type: 'focusPrev' });
    m.dispatch({ type: 'focusPrev' });
    expect(m.state.focus).toBe('create');
  });

  it("shows the chosen backend's own options from the registry, and only its own", () => {
    const m = machine({ type: 'focus', field: 'backend' });
    const dockerKeys = backendOptions().filter((o) => o.backends.includes('docker')).map((o) => `option:${o.key}`);
    expect(dockerKeys).toEqual(['option:image', 'option:pullPolicy', 'option:cpuLimit', 'option:memoryLimit']);
    for (const b of ['zellij', 'tmux', 'docker'] as const) {
      while (m.state.backend !== b) m.dispatch({ type: 'nextChoice' });
      const fields = fieldsOf(m.state);
      if (b === 'docker') expect(fields.slice(4, 8)).toEqual(dockerKeys);
      else expect(fields.filter((f) => f.startsWith('option:'))).toEqual([]);
    }
  });

  it('sends the options set (numbers as numbers) as backendRequest, and validates numbers like the CLI', () => {
    const m = machine({ type: 'focus', field: 'backend' }, { type: 'nextChoice' }, { type: 'nextChoice' }, { type: 'nextChoice' }); // default → zellij → tmux → docker
    expect(m.state.backend).toBe('docker');
    m.dispatch({ type: 'focus', field: 'option:image' });
    m.dispatch(type('node:20'));
    m.dispatch({ type: 'focus', field: 'option:pullPolicy' });
    m.dispatch({ type: 'nextChoice' }); // (default) → always
    m.dispatch({ type: 'focus', field: 'option:cpuLimit' });
    m.dispatch(type('1.5'));
    m.dispatch({ type: 'focus', field: 'model' });
    m.dispatch(type(' opus '));
    expect(formValues(m.state)).toMatchObject({ backend: 'docker', model: 'opus', backendRequest: { image: 'node:20', pullPolicy: 'always', cpuLimit: 1.5 } });
    m.dispatch({ type: 'focus', field: 'option:cpuLimit' });
    m.dispatch({ type: 'setText', field: 'option:cpuLimit', value: 'lots' });
    expect(validate(m.state)['option:cpuLimit']).toBe('"lots" is not a number of CPUs above 0, e.g. 2 or 0.5');
    // another backend: its options are not sent
    m.dispatch({ type: 'focus', field: 'backend' });
    m.dispatch({ type: 'prevChoice' });
    expect(formValues(m.state).backendRequest).toEqual({});
    expect(validate(m.state)['option:cpuLimit']).toBeUndefined();
  });

  it('cycles choices and toggles the booleans; a choice clears its error', () => {
    const m = machine({ type: 'focus', field: 'agent' }, { type: 'setErrors', fieldErrors: { agent: 'nope' }, formError: null });
    m.dispatch({ type: 'nextChoice' });
    expect(m.state.agent).toBe('codex');
    expect(m.state.fieldErrors.agent).toBeUndefined();
    m.dispatch({ type: 'focus', field: 'planMode' });
    m.dispatch({ type: 'nextChoice' });
    expect(m.state.planMode).toBe(false);
  });

  it('validates the prompt, the repository and the name; errors focus the first field that has one', () => {
    const m = machine({ type: 'focus', field: 'create' });
    const errors = validate(m.state);
    expect(Object.keys(errors)).toEqual(['prompt', 'repo']);
    m.dispatch({ type: 'setErrors', fieldErrors: { repo: errors.repo }, formError: null });
    expect(m.state.focus).toBe('repo');
    m.dispatch(type('/x'));
    expect(m.state.fieldErrors.repo).toBeUndefined();
    m.dispatch({ type: 'setText', field: 'name', value: 'Bad Name!' });
    expect(validate(m.state).name).toBeDefined();
  });

  it('keeps control characters out of text set from outside the keyboard ($EDITOR, a listing)', () => {
    const m = machine({ type: 'setText', field: 'prompt', value: 'a\u001b]52;c;Zm9v\u0007b\nc' }, { type: 'setText', field: 'name', value: 'x\u001b[2Jy' });
    expect(valueOf(m.state, 'prompt')).toBe('a]52;c;Zm9vb\nc');
    expect(valueOf(m.state, 'name')).toBe('x[2Jy');
  });

  it('takes the directory it was started in as the repository, unless something was typed there', () => {
    const m = machine({ type: 'defaultRepo', path: '/src/app' });
    expect(valueOf(m.state, 'repo')).toBe('/src/app');
    expect(isDirty(m.state)).toBe(false); // the default is not a draft
    const typed = machine({ type: 'focus', field: 'repo' }, type('/mine'), { type: 'defaultRepo', path: '/src/app' });
    expect(valueOf(typed.state, 'repo')).toBe('/mine');
    expect(isDirty(typed.state)).toBe(true);
  });
});

describe('repository suggestions', () => {
  const recent = ['/home/dev/website', '/src/clauderon', '/src/api-server', '/work/clients/acme'];

  it('offers the recent repositories while empty, and matches them fuzzily (fuzzysort) as one types', () => {
    const m = machine({ type: 'setRecent', recent }, { type: 'focus', field: 'repo' });
    expect(suggestionsShown(m.state)).toBe(true);
    expect(suggestionItems(m.state)).toEqual(recent);
    m.dispatch(type('cldrn'));
    expect(suggestionItems(m.state)[0]).toBe('/src/clauderon');
    m.dispatch({ type: 'setText', field: 'repo', value: 'apisrv' });
    expect(suggestionItems(m.state)).toEqual(['/src/api-server']);
    m.dispatch({ type: 'setText', field: 'repo', value: 'zzzz' });
    expect(suggestionsShown(m.state)).toBe(false);
  });

  it('adds path completions for the text they complete only', () => {
    const m = machine({ type: 'focus', field: 'repo' }, type('/src/c'));
    m.dispatch({ type: 'setCompletions', for: '/src/c', items: ['/src/clauderon/', '/src/cli/'] });
    expect(suggestionItems(m.state)).toEqual(['/src/clauderon/', '/src/cli/']);
    m.dispatch({ type: 'setCompletions', for: '/old', items: ['/older/'] });
    expect(suggestionItems(m.state)).toEqual(['/src/clauderon/', '/src/cli/']);
    m.dispatch(type('l'));
    expect(suggestionItems(m.state)).toEqual([]); // completions of "/src/c" do not complete "/src/cl"
  });

  it('Esc closes the list, not the form; editing opens it again; taking one fills the field', () => {
    const m = machine({ type: 'setRecent', recent }, { type: 'focus', field: 'repo' }, type('acme'));
    m.dispatch({ type: 'suggestMove', by: 1 });
    expect(picking(m.state)).toBe(true);
    m.dispatch({ type: 'suggestMove', by: -1 }); // above the first: the field again
    expect(picking(m.state)).toBe(false);
    m.dispatch({ type: 'suggestMove', by: 1 });
    m.dispatch({ type: 'suggestClose' });
    expect(suggestionsShown(m.state)).toBe(false);
    expect(valueOf(m.state, 'repo')).toBe('acme');
    m.dispatch({ type: 'edit', edit: { type: 'deleteBack' } });
    expect(suggestionsShown(m.state)).toBe(true);
    m.dispatch({ type: 'suggestAccept' });
    expect(valueOf(m.state, 'repo')).toBe('/work/clients/acme');
    expect(suggestionsShown(m.state)).toBe(false);
  });
});

describe('directory browser state', () => {
  const listing = (path: string, names: string[], repos: string[] = []): DirectoryListing => ({
    path,
    parent: path === '/' ? null : path.slice(0, path.lastIndexOf('/')) || '/',
    repoRoot: null,
    entries: names.map((name) => ({ name, repo: repos.includes(name) })),
    error: null,
  });

  it('lists, filters (fuzzily), opens, goes up to where it came from, and chooses', () => {
    const m = machine({ type: 'browserOpen', path: '/src' });
    expect(m.state.browser?.requested).toBe('/src');
    m.dispatch({ type: 'browserListing', requested: '/elsewhere', listing: listing('/elsewhere', ['x']) });
    expect(m.state.browser?.listing).toBeNull(); // a listing for another request is dropped
    m.dispatch({ type: 'browserListing', requested: '/src', listing: listing('/src', ['api-server', 'clauderon', 'docs'], ['clauderon']) });
    expect(browserItems(m.state.browser!).map((i) => i.name)).toEqual(['.', 'api-server', 'clauderon', 'docs']);
    m.dispatch({ type: 'browserEdit', edit: { type: 'insert', text: 'cld' } });
    expect(browserItems(m.state.browser!).map((i) => [i.name, i.repo])).toEqual([['clauderon', true]]);
    m.dispatch({ type: 'browserOpenHighlighted' });
    expect(m.state.browser?.requested).toBe('/src/clauderon');
    m.dispatch({ type: 'browserListing', requested: '/src/clauderon', listing: listing('/src/clauderon', ['src', 'test']) });
    m.dispatch({ type: 'browserParent' });
    m.dispatch({ type: 'browserListing', requested: '/src', listing: listing('/src', ['api-server', 'clauderon', 'docs']) });
    expect(browserItems(m.state.browser!)[m.state.browser!.highlight]?.name).toBe('clauderon');
    m.dispatch({ type: 'browserMove', by: 1 });
    m.dispatch({ type: 'browserChoose' });
    expect(m.state.browser).toBeNull();
    expect(valueOf(m.state, 'repo')).toBe('/src/docs');
    expect(m.state.focus).toBe('repo');
  });

  it('Esc closes the browser and keeps the field as it was', () => {
    const m = machine({ type: 'focus', field: 'repo' }, type('/typed'), { type: 'browserOpen', path: '/typed' }, { type: 'browserClose' });
    expect(m.state.browser).toBeNull();
    expect(valueOf(m.state, 'repo')).toBe('/typed');
  });
});

describe("the daemon's errors", () => {
  it('go on the field ClauderonError.field names, a backend option on its own field', () => {
    const s = machine({ type: 'focus', field: 'backend' }, { type: 'nextChoice' }, { type: 'nextChoice' }, { type: 'nextChoice' }).state; // docker
    expect(placeError(s, new ClauderonError('invalid_input', '/x is not inside a git repository', { field: 'repo' }))).toEqual({ fieldErrors: { repo: '/x is not inside a git repository' }, formError: null });
    expect(placeError(s, new ClauderonError('invalid_input', 'bad memory', { field: 'option:memoryLimit' }))).toEqual({ fieldErrors: { 'option:memoryLimit': 'bad memory' }, formError: null });
    expect(placeError(s, new ClauderonError('backend', 'docker is down'))).toEqual({ fieldErrors: {}, formError: 'docker is down' });
    // a field the dialog does not show (another backend's option): under the form
    const tmux = initialFormState({ backend: 'tmux' });
    expect(placeError(tmux, new ClauderonError('invalid_input', 'bad image', { field: 'option:image' }))).toEqual({ fieldErrors: {}, formError: 'bad image' });
    // no regex on English: a message that names --repo is not placed by its words
    expect(placeError(tmux, new Error('pass --repo a directory'))).toEqual({ fieldErrors: {}, formError: 'pass --repo a directory' });
  });
});

describe('field window', () => {
  it('shows everything when it fits, else the focused block and what fits around it', () => {
    expect(fieldWindow([1, 1, 1], 0, 5)).toEqual({ first: 0, last: 2 });
    expect(fieldWindow([1, 1, 1, 1, 1, 1, 1, 1], 0, 5)).toEqual({ first: 0, last: 3 }); // one "more" line below
    expect(fieldWindow([1, 1, 1, 1, 1, 1, 1, 1], 7, 5)).toEqual({ first: 4, last: 7 });
    const mid = fieldWindow([1, 1, 1, 1, 1, 1, 1, 1], 4, 5); // both sides cut: two "more" lines
    expect(mid.last - mid.first + 1).toBe(3);
    expect(mid.first <= 4 && mid.last >= 4).toBe(true);
    expect(fieldWindow([3, 6, 1], 1, 4)).toEqual({ first: 1, last: 1 }); // a tall block alone
  });
});
