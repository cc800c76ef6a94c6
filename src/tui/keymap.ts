// The one keymap. Commands are named ids, bindings are data; the matcher answers "does this key
// mean that command here", and the help screen, the footer, every key hint drawn on screen and the
// README's key table are all generated from this table so they never drift.

/** Where a key is read. A modal that is open consumes keys first. */
export type KeyContext = 'list' | 'filter' | 'text' | 'help' | 'diff' | 'confirm' | 'message' | 'create' | 'suggest' | 'browser' | 'attach';

export type CommandId =
  | 'list.down' | 'list.up' | 'list.first' | 'list.last' | 'list.halfPageDown' | 'list.halfPageUp'
  | 'filter.text' | 'filter.all' | 'filter.running' | 'filter.idle' | 'filter.completed' | 'filter.archived' | 'filter.cycle'
  | 'session.new' | 'session.attach' | 'session.archive' | 'session.unarchive' | 'session.delete' | 'session.preview' | 'session.diff'
  | 'session.upload' | 'session.egressAllow'
  | 'app.reconcile' | 'app.reload' | 'app.startDaemon' | 'app.help' | 'app.quit'
  | 'filter.apply' | 'filter.clear'
  | 'text.left' | 'text.right' | 'text.wordLeft' | 'text.wordRight' | 'text.home' | 'text.end' | 'text.lineUp' | 'text.lineDown'
  | 'text.deleteBack' | 'text.deleteForward' | 'text.deleteWordBack' | 'text.deleteToStart' | 'text.deleteToEnd' | 'text.newline'
  | 'help.down' | 'help.up' | 'help.pageDown' | 'help.pageUp' | 'help.top' | 'help.bottom'
  | 'diff.down' | 'diff.up' | 'diff.pageDown' | 'diff.pageUp' | 'diff.top' | 'diff.bottom' | 'diff.nextFile' | 'diff.prevFile'
  | 'confirm.yes' | 'confirm.no'
  | 'create.nextField' | 'create.prevField' | 'create.next' | 'create.prev' | 'create.toggle' | 'create.submit' | 'create.cancel'
  | 'create.editor' | 'create.browse' | 'create.reset'
  | 'suggest.next' | 'suggest.prev' | 'suggest.accept' | 'suggest.first' | 'suggest.close'
  | 'browser.down' | 'browser.up' | 'browser.open' | 'browser.parent' | 'browser.choose' | 'browser.close'
  | 'attach.nextField' | 'attach.prevField' | 'attach.submit' | 'attach.cancel'
  | 'dialog.close';

/** A footer entry shown only while something holds (the footer lists the keys that work *here*). */
export type FooterCondition = 'daemon-stopped';

export interface CommandDef {
  id: CommandId;
  context: KeyContext;
  /**
   * Normalised key names (see keyName): "j", "G", "down", "enter", "esc", "tab", "shift+tab",
   * "ctrl+d", "meta+b", "ctrl+left", "space", "backspace".
   */
  keys: readonly string[];
  description: string;
  /** Short label for the footer (omitted: not shown there). */
  footer?: string;
  /** Shown in the footer only while this holds. */
  footerIf?: FooterCondition;
  /** Kept in a footer too narrow for every entry (the others give way first, from the end). */
  footerKeep?: boolean;
}

export const COMMANDS: readonly CommandDef[] = [
  { id: 'list.down', context: 'list', keys: ['j', 'down'], description: 'Move down', footer: 'move' },
  { id: 'list.up', context: 'list', keys: ['k', 'up'], description: 'Move up' },
  { id: 'list.first', context: 'list', keys: ['g', 'home'], description: 'First session' },
  { id: 'list.last', context: 'list', keys: ['G', 'end'], description: 'Last session' },
  { id: 'list.halfPageDown', context: 'list', keys: ['ctrl+d', 'pagedown'], description: 'Half a page down' },
  { id: 'list.halfPageUp', context: 'list', keys: ['ctrl+u', 'pageup'], description: 'Half a page up' },
  { id: 'session.attach', context: 'list', keys: ['enter'], description: "Attach to the session's agent", footer: 'attach' },
  { id: 'session.new', context: 'list', keys: ['n'], description: 'New session (a kept draft comes back)', footer: 'new' },
  { id: 'session.archive', context: 'list', keys: ['a'], description: 'Archive the session', footer: 'archive' },
  { id: 'session.unarchive', context: 'list', keys: ['u'], description: 'Unarchive the session' },
  { id: 'session.delete', context: 'list', keys: ['d'], description: 'Delete the session (asks y/N)', footer: 'delete' },
  { id: 'filter.text', context: 'list', keys: ['/'], description: 'Filter by text', footer: 'filter' },
  { id: 'filter.all', context: 'list', keys: ['1'], description: 'Show all active sessions' },
  { id: 'filter.running', context: 'list', keys: ['2'], description: 'Show running sessions' },
  { id: 'filter.idle', context: 'list', keys: ['3'], description: 'Show idle sessions' },
  { id: 'filter.completed', context: 'list', keys: ['4'], description: 'Show completed and failed sessions' },
  { id: 'filter.archived', context: 'list', keys: ['5'], description: 'Show archived sessions' },
  { id: 'filter.cycle', context: 'list', keys: ['tab'], description: 'Next status filter', footer: 'view' },
  { id: 'session.preview', context: 'list', keys: ['p'], description: "Preview: the session's live screen beside (or below) the list (toggle)", footer: 'preview' },
  { id: 'session.diff', context: 'list', keys: ['D'], description: "The session's changes: files and a coloured diff", footer: 'diff' },
  { id: 'session.upload', context: 'list', keys: ['i'], description: 'Attach an image (a path) and send it to the agent', footer: 'image' },
  { id: 'session.egressAllow', context: 'list', keys: ['e'], description: "Allow the last host the session's egress policy blocked (asks y/N; n keeps it blocked)" },
  { id: 'app.reconcile', context: 'list', keys: ['r'], description: 'Reconcile (results in a dialog)' },
  { id: 'app.reload', context: 'list', keys: ['R'], description: 'Reload the list' },
  { id: 'app.startDaemon', context: 'list', keys: ['S'], description: 'Start the daemon (when it was stopped)', footer: 'start daemon', footerIf: 'daemon-stopped', footerKeep: true },
  { id: 'app.help', context: 'list', keys: ['?'], description: 'Help', footer: 'help', footerKeep: true },
  { id: 'app.quit', context: 'list', keys: ['q', 'ctrl+c'], description: 'Quit (status 0; Ctrl-c anywhere: status 130)', footer: 'quit', footerKeep: true },

  { id: 'filter.apply', context: 'filter', keys: ['enter'], description: 'Keep the filter, back to the list', footer: 'keep' },
  { id: 'filter.clear', context: 'filter', keys: ['esc'], description: 'Clear the filter', footer: 'clear' },

  // Every text field: the filter line, the dialog's fields, the directory browser's filter.
  { id: 'text.left', context: 'text', keys: ['left', 'ctrl+b'], description: 'Cursor left' },
  { id: 'text.right', context: 'text', keys: ['right', 'ctrl+f'], description: 'Cursor right' },
  { id: 'text.wordLeft', context: 'text', keys: ['meta+left', 'ctrl+left', 'meta+b'], description: 'Word left' },
  { id: 'text.wordRight', context: 'text', keys: ['meta+right', 'ctrl+right', 'meta+f'], description: 'Word right' },
  { id: 'text.home', context: 'text', keys: ['home', 'ctrl+a'], description: 'Start of the line' },
  { id: 'text.end', context: 'text', keys: ['end'], description: 'End of the line' },
  { id: 'text.lineUp', context: 'text', keys: ['up'], description: 'Prompt: line up (from the first line: previous field)' },
  { id: 'text.lineDown', context: 'text', keys: ['down'], description: 'Prompt: line down (from the last line: next field)' },
  { id: 'text.newline', context: 'text', keys: ['enter'], description: 'Prompt: new line' },
  { id: 'text.deleteBack', context: 'text', keys: ['backspace'], description: 'Delete the character before the cursor' },
  { id: 'text.deleteForward', context: 'text', keys: ['ctrl+d'], description: 'Delete the character under the cursor' },
  { id: 'text.deleteWordBack', context: 'text', keys: ['ctrl+w', 'meta+backspace'], description: 'Delete the word before the cursor' },
  { id: 'text.deleteToStart', context: 'text', keys: ['ctrl+u'], description: 'Delete to the start of the line' },
  { id: 'text.deleteToEnd', context: 'text', keys: ['ctrl+k'], description: 'Delete to the end of the line' },

  { id: 'help.down', context: 'help', keys: ['j', 'down'], description: 'Scroll down', footer: 'scroll' },
  { id: 'help.up', context: 'help', keys: ['k', 'up'], description: 'Scroll up' },
  { id: 'help.pageDown', context: 'help', keys: ['pagedown', 'space', 'ctrl+d'], description: 'Page down', footer: 'page' },
  { id: 'help.pageUp', context: 'help', keys: ['pageup', 'ctrl+u'], description: 'Page up' },
  { id: 'help.top', context: 'help', keys: ['g', 'home'], description: 'Top' },
  { id: 'help.bottom', context: 'help', keys: ['G', 'end'], description: 'Bottom' },
  { id: 'dialog.close', context: 'help', keys: ['esc', 'q', '?', 'enter'], description: 'Close the help', footer: 'close', footerKeep: true },

  { id: 'diff.down', context: 'diff', keys: ['j', 'down'], description: 'Scroll down', footer: 'scroll' },
  { id: 'diff.up', context: 'diff', keys: ['k', 'up'], description: 'Scroll up' },
  { id: 'diff.pageDown', context: 'diff', keys: ['pagedown', 'space', 'ctrl+d'], description: 'Page down', footer: 'page' },
  { id: 'diff.pageUp', context: 'diff', keys: ['pageup', 'ctrl+u'], description: 'Page up' },
  { id: 'diff.top', context: 'diff', keys: ['g', 'home'], description: 'Top' },
  { id: 'diff.bottom', context: 'diff', keys: ['G', 'end'], description: 'Bottom' },
  { id: 'diff.nextFile', context: 'diff', keys: ['tab', 'enter', 'n'], description: 'Next file', footer: 'next file' },
  { id: 'diff.prevFile', context: 'diff', keys: ['shift+tab', 'N'], description: 'Previous file' },
  { id: 'dialog.close', context: 'diff', keys: ['esc', 'q', 'D'], description: 'Close the diff', footer: 'close', footerKeep: true },

  { id: 'confirm.yes', context: 'confirm', keys: ['y', 'Y'], description: 'Yes', footer: 'yes' },
  { id: 'confirm.no', context: 'confirm', keys: ['n', 'esc', 'N', 'enter'], description: 'No (the default)', footer: 'no' },

  { id: 'dialog.close', context: 'message', keys: ['esc', 'q', 'enter'], description: 'Close', footer: 'close' },

  { id: 'create.nextField', context: 'create', keys: ['tab', 'down'], description: 'Next field', footer: 'next field' },
  { id: 'create.prevField', context: 'create', keys: ['shift+tab', 'up'], description: 'Previous field' },
  { id: 'create.next', context: 'create', keys: ['right'], description: 'Next choice', footer: 'change' },
  { id: 'create.prev', context: 'create', keys: ['left'], description: 'Previous choice' },
  { id: 'create.toggle', context: 'create', keys: ['space'], description: 'Toggle / next choice' },
  { id: 'create.editor', context: 'create', keys: ['ctrl+e'], description: 'Edit the prompt in $VISUAL / $EDITOR', footer: 'editor' },
  { id: 'create.browse', context: 'create', keys: ['ctrl+o'], description: 'Repository: browse directories', footer: 'browse' },
  { id: 'create.reset', context: 'create', keys: ['ctrl+r'], description: 'Start over: clear every field' },
  { id: 'create.submit', context: 'create', keys: ['enter'], description: 'Create (on the Create button; on another one-line field: next field)', footer: 'create' },
  { id: 'create.cancel', context: 'create', keys: ['esc'], description: 'Close the dialog, keeping what was typed for the next n', footer: 'close' },

  // The repository's suggestions, while they are shown under the field (they take these keys first).
  { id: 'suggest.next', context: 'suggest', keys: ['down', 'ctrl+n'], description: 'Highlight the next suggestion (from the field: the first)', footer: 'choose' },
  { id: 'suggest.prev', context: 'suggest', keys: ['up', 'ctrl+p'], description: 'Highlight the previous one (above the first: back to the field)' },
  { id: 'suggest.accept', context: 'suggest', keys: ['enter'], description: 'Take the highlighted suggestion', footer: 'take' },
  { id: 'suggest.first', context: 'suggest', keys: ['ctrl+y'], description: 'Take the highlighted suggestion, or the first one', footer: 'take first' },
  { id: 'suggest.close', context: 'suggest', keys: ['esc'], description: 'Close the suggestions (the dialog stays)', footer: 'close list' },

  { id: 'browser.down', context: 'browser', keys: ['down', 'ctrl+n'], description: 'Next directory', footer: 'move' },
  { id: 'browser.up', context: 'browser', keys: ['up', 'ctrl+p'], description: 'Previous directory' },
  { id: 'browser.open', context: 'browser', keys: ['right', 'tab'], description: 'Open the highlighted directory', footer: 'open' },
  { id: 'browser.parent', context: 'browser', keys: ['left'], description: 'Parent directory (Backspace too, with no filter typed)', footer: 'up' },
  { id: 'browser.choose', context: 'browser', keys: ['enter'], description: 'Use the highlighted directory as the repository', footer: 'use' },
  { id: 'browser.close', context: 'browser', keys: ['esc'], description: 'Close the browser (the field keeps its text)', footer: 'close' },

  { id: 'attach.nextField', context: 'attach', keys: ['tab', 'down'], description: 'Next field (on the path: complete it first, as far as it goes)', footer: 'next field' },
  { id: 'attach.prevField', context: 'attach', keys: ['shift+tab', 'up'], description: 'Previous field' },
  { id: 'attach.submit', context: 'attach', keys: ['enter'], description: 'Attach the image and type the message and its path into the agent (after a warning: close)', footer: 'attach & send' },
  { id: 'attach.cancel', context: 'attach', keys: ['esc'], description: 'Close the dialog (before Enter: nothing is attached)', footer: 'cancel' },
];

/** Ink's key flags (a subset of ink's Key type, so this module has no ink import). */
export interface KeyFlags {
  upArrow?: boolean;
  downArrow?: boolean;
  leftArrow?: boolean;
  rightArrow?: boolean;
  pageDown?: boolean;
  pageUp?: boolean;
  home?: boolean;
  end?: boolean;
  return?: boolean;
  escape?: boolean;
  ctrl?: boolean;
  shift?: boolean;
  tab?: boolean;
  backspace?: boolean;
  delete?: boolean;
  meta?: boolean;
}

/** Normalise what ink's useInput gives into one key name. */
export function keyName(input: string, key: KeyFlags): string {
  const mods = `${key.ctrl ? 'ctrl+' : ''}${key.meta ? 'meta+' : ''}`;
  if (key.upArrow) return `${mods}up`;
  if (key.downArrow) return `${mods}down`;
  if (key.leftArrow) return `${mods}left`;
  if (key.rightArrow) return `${mods}right`;
  if (key.pageDown) return 'pagedown';
  if (key.pageUp) return 'pageup';
  if (key.home) return 'home';
  if (key.end) return 'end';
  if (key.return) return key.meta ? 'meta+enter' : 'enter';
  if (key.escape) return 'esc';
  if (key.tab) return key.shift ? 'shift+tab' : 'tab';
  // ink reports the Backspace key (DEL) as `delete` and Ctrl-H as `backspace`, and cannot tell the
  // forward-Delete key from DEL: all of them delete backwards (Ctrl-D deletes forwards).
  if (key.backspace || key.delete) return key.meta ? 'meta+backspace' : 'backspace';
  if (key.ctrl && input) return `ctrl+${input.toLowerCase()}`;
  if (key.meta && input.length === 1) return `meta+${input}`;
  if (input === ' ') return 'space';
  return input;
}

const byContext = new Map<KeyContext, Map<string, CommandId>>();
for (const c of COMMANDS) {
  let m = byContext.get(c.context);
  if (!m) byContext.set(c.context, (m = new Map<string, CommandId>()));
  for (const k of c.keys) if (!m.has(k)) m.set(k, c.id);
}

/** The command a key means in a context, or null. */
export function commandFor(context: KeyContext, input: string, key: KeyFlags): CommandId | null {
  return byContext.get(context)?.get(keyName(input, key)) ?? null;
}

const KEY_LABELS: Record<string, string> = {
  down: '↓', up: '↑', left: '←', right: '→', enter: 'Enter', esc: 'Esc', tab: 'Tab', 'shift+tab': 'Shift-Tab',
  space: 'Space', home: 'Home', end: 'End', pagedown: 'PgDn', pageup: 'PgUp', backspace: 'Backspace',
};

export function keyLabel(k: string): string {
  if (KEY_LABELS[k]) return KEY_LABELS[k];
  const mod = /^(ctrl|meta)\+(.+)$/.exec(k);
  if (mod) return `${mod[1] === 'ctrl' ? 'Ctrl' : 'Alt'}-${keyLabel(mod[2] ?? '')}`;
  return k;
}

export function commandsIn(context: KeyContext): readonly CommandDef[] {
  return COMMANDS.filter((c) => c.context === context);
}

/** The command's keys as drawn in a hint: "n", "n/Esc" (at most `max` of them). */
export function keysOf(context: KeyContext, id: CommandId, max = 2): string {
  const c = COMMANDS.find((x) => x.id === id && x.context === context);
  if (!c) throw new Error(`no command ${id} in ${context}`);
  return c.keys.filter((k) => k !== 'ctrl+c').slice(0, max).map(keyLabel).join('/');
}

/** A hint line from the keymap: `hint('confirm', [['confirm.yes', 'delete'], …])` → "y/Y delete · n/N keep". */
export function hint(context: KeyContext, items: readonly (readonly [CommandId, string, number?])[]): string {
  return items.map(([id, label, max]) => `${keysOf(context, id, max ?? 1)} ${label}`).join(' · ');
}

/** The footer for a context: "j/↓ move · Enter attach · …". */
export function footerItems(context: KeyContext, holds: ReadonlySet<FooterCondition> = new Set()): { keys: string; label: string; keep: boolean }[] {
  return commandsIn(context)
    .filter((c) => c.footer && (!c.footerIf || holds.has(c.footerIf)))
    .map((c) => ({ keys: c.keys.filter((k) => k !== 'ctrl+c').slice(0, 2).map(keyLabel).join('/'), label: c.footer ?? '', keep: c.footerKeep === true }));
}

/** The footer line for `width` columns: entries in keymap order; when not all fit, the ones not kept give way from the end. */
export function footerLine(context: KeyContext, width: number, holds: ReadonlySet<FooterCondition> = new Set()): string {
  const items = footerItems(context, holds);
  const text = (list: typeof items) => list.map((it) => `${it.keys} ${it.label}`).join('  ');
  const shown = items.slice();
  const len = (list: typeof items) => Array.from(text(list)).length;
  while (shown.length > 0 && len(shown) > width) {
    let drop = -1;
    for (let i = shown.length - 1; i >= 0; i--) if (!shown[i]?.keep) { drop = i; break; }
    shown.splice(drop >= 0 ? drop : shown.length - 1, 1);
  }
  return text(shown);
}

export const CONTEXT_TITLES: Record<KeyContext, string> = {
  list: 'Session list',
  filter: 'Text filter (after /)',
  text: 'Text fields (filter, dialog, browser)',
  help: 'Help screen',
  diff: 'Diff view (D)',
  confirm: 'Confirmation',
  message: 'Message dialogs',
  create: 'Create dialog',
  suggest: 'Repository suggestions (while shown)',
  browser: 'Directory browser (Ctrl-o in the dialog)',
  attach: 'Attach-an-image dialog (i)',
};

/** The contexts in the order help and README list them. */
export const HELP_CONTEXTS: readonly KeyContext[] = ['list', 'filter', 'diff', 'create', 'suggest', 'browser', 'attach', 'text', 'confirm', 'message', 'help'];

/** The README's key table (Markdown), generated from COMMANDS. */
export function markdownKeyTable(): string {
  const lines: string[] = [];
  for (const ctx of HELP_CONTEXTS) {
    lines.push(`| ${CONTEXT_TITLES[ctx]} | |`, '|---|---|');
    for (const c of commandsIn(ctx)) lines.push(`| ${c.keys.map((k) => `\`${keyLabel(k)}\``).join(', ')} | ${c.description} |`);
    lines.push('');
  }
  return lines.join('\n').trimEnd();
}
