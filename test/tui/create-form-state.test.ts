// The Create dialog's state machine, driven without rendering.
import { describe, expect, it } from 'vitest';
import {
  FIELDS,
  createFormMachine,
  initialFormState,
  pickerOpen,
} from '../../src/tui/create-dialog/use-create-form-state.js';

describe('create form state', () => {
  it('starts on the prompt with the defaults', () => {
    const m = createFormMachine();
    expect(m.state.focus).toBe('prompt');
    expect(m.values()).toEqual({
      prompt: '',
      repoPath: '',
      name: '',
      backend: 'default',
      agent: 'claude',
      accessMode: 'read-write',
      skipChecks: false,
      planMode: true,
    });
  });

  it('takes initial values', () => {
    const m = createFormMachine(initialFormState({ repoPath: '/src/app', backend: 'tmux', planMode: false }));
    expect(m.values()).toMatchObject({ repoPath: '/src/app', backend: 'tmux', planMode: false });
  });

  it('moves focus in order and wraps both ways', () => {
    const m = createFormMachine();
    const seen: string[] = [m.state.focus];
    for (let i = 0; i < FIELDS.length; i++) {
      m.focusNext();
      seen.push(m.state.focus);
    }
    expect(seen).toEqual([
      'prompt', 'repo', 'name', 'backend', 'agent', 'accessMode', 'skipChecks', 'planMode', 'create', 'prompt',
    ]);
    m.focusPrev();
    expect(m.state.focus).toBe('create');
    m.focusPrev();
    expect(m.state.focus).toBe('planMode');
  });

  it('cycles choices forwards and backwards, and toggles the booleans', () => {
    const m = createFormMachine();
    m.focus('backend');
    m.nextChoice();
    expect(m.state.backend).toBe('zellij');
    m.nextChoice();
    expect(m.state.backend).toBe('tmux');
    m.toggle();
    expect(m.state.backend).toBe('docker');
    m.nextChoice();
    expect(m.state.backend).toBe('default');
    m.prevChoice();
    expect(m.state.backend).toBe('docker');

    m.focus('agent');
    m.prevChoice();
    expect(m.state.agent).toBe('gemini');
    m.nextChoice();
    expect(m.state.agent).toBe('claude');

    m.focus('accessMode');
    m.nextChoice();
    expect(m.state.accessMode).toBe('read-only');
    m.nextChoice();
    expect(m.state.accessMode).toBe('read-write');

    m.focus('skipChecks');
    m.toggle();
    expect(m.state.skipChecks).toBe(true);
    m.focus('planMode');
    m.prevChoice();
    expect(m.state.planMode).toBe(false);
  });

  it('choice keys do nothing on text fields and the button', () => {
    const m = createFormMachine();
    const before = m.state;
    m.nextChoice();
    m.focus('create');
    m.toggle();
    expect(m.values()).toEqual(createFormMachine(before).values());
  });

  it('edits the focused text field: the prompt keeps lines, the one-line fields drop them', () => {
    const m = createFormMachine();
    m.insertText('first');
    m.insertText('\n');
    m.insertText('second\r\nthird');
    expect(m.state.prompt).toBe('first\nsecond\nthird');
    m.deleteBack();
    expect(m.state.prompt).toBe('first\nsecond\nthir');
    m.focus('name');
    m.insertText('fix\n-it');
    expect(m.state.name).toBe('fix-it');
    m.focus('backend');
    m.insertText('x');
    expect(m.state.backend).toBe('default');
  });

  it('validates: prompt and repository required, the name only when given', () => {
    const m = createFormMachine();
    m.insertText('   \n ');
    expect(Object.keys(m.validate()).sort()).toEqual(['prompt', 'repo']);
    m.setText('prompt', 'do it');
    m.setText('repo', '~/src/app');
    expect(m.validate()).toEqual({});
    m.setText('name', 'Bad Name');
    expect(m.validate().name).toMatch(/lowercase/);
    m.setText('name', 'good-name');
    expect(m.validate()).toEqual({});
  });

  it('setErrors shows errors and focuses the first bad field; editing that field clears its error', () => {
    const m = createFormMachine();
    m.focus('create');
    m.setErrors({ name: 'taken', repo: 'not a git repository' }, 'daemon says no');
    expect(m.state.focus).toBe('repo');
    expect(m.state.formError).toBe('daemon says no');
    m.insertText('x');
    expect(m.state.fieldErrors).toEqual({ name: 'taken' });
    m.setErrors({}, null);
    expect(m.state.focus).toBe('repo');
    expect(m.state.fieldErrors).toEqual({});
  });

  it('values() trims the prompt and repository and keeps the rest as chosen', () => {
    const m = createFormMachine();
    m.setText('prompt', '  fix the login bug\n');
    m.setText('repo', ' ~/src/app ');
    m.setText('name', 'login');
    m.focus('backend');
    m.nextChoice();
    m.focus('skipChecks');
    m.toggle();
    expect(m.values()).toEqual({
      prompt: 'fix the login bug',
      repoPath: '~/src/app',
      name: 'login',
      backend: 'zellij',
      agent: 'claude',
      accessMode: 'read-write',
      skipChecks: true,
      planMode: true,
    });
  });

  it('walks the suggestions as a cycle with "none", and accepting fills the repository', () => {
    const m = createFormMachine();
    m.focus('repo');
    m.setSuggestions(['/a', '/b', '/c', '/d', '/e', '/f']);
    expect(m.state.suggestions).toHaveLength(5);
    expect(pickerOpen(m.state)).toBe(false);
    m.suggestNext();
    expect(m.state.highlight).toBe(0);
    expect(pickerOpen(m.state)).toBe(true);
    m.suggestPrev();
    expect(m.state.highlight).toBe(-1);
    m.suggestPrev();
    expect(m.state.highlight).toBe(4);
    m.suggestNext();
    expect(m.state.highlight).toBe(-1);
    m.suggestNext();
    m.suggestNext();
    m.acceptSuggestion();
    expect(m.state.repo).toBe('/b');
    expect(m.state.highlight).toBe(-1);
  });

  it('accepting with nothing highlighted takes the first suggestion; leaving the field closes the list', () => {
    const m = createFormMachine();
    m.focus('repo');
    m.setSuggestions(['/x/one', '/x/two']);
    m.acceptSuggestion();
    expect(m.state.repo).toBe('/x/one');
    m.setSuggestions(['/x/one/a']);
    m.suggestNext();
    m.focusNext();
    expect(m.state.highlight).toBe(-1);
  });

  it('initial errors are shown and focused', () => {
    const s = initialFormState({}, { fieldErrors: { name: 'taken' }, formError: null });
    expect(s.focus).toBe('name');
    expect(s.fieldErrors).toEqual({ name: 'taken' });
  });
});
