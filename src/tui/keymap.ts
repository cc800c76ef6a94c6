// The one keymap. Commands are named ids, bindings are data; the matcher answers "does this key
// mean that command here", and the help screen, the footer and the README's key table are all
// generated from this table so they never drift.

/** Where a key is read. A modal that is open consumes keys first. */
export type KeyContext = 'list' | 'filter' | 'confirm' | 'create' | 'help' | 'message';

export type CommandId =
  | 'list.down' | 'list.up' | 'list.first' | 'list.last' | 'list.halfPageDown' | 'list.halfPageUp'
  | 'filter.text' | 'filter.all' | 'filter.running' | 'filter.idle' | 'filter.completed' | 'filter.archived' | 'filter.cycle'
  | 'session.new' | 'session.attach' | 'session.archive' | 'session.unarchive' | 'session.delete'
  | 'app.reconcile' | 'app.reload' | 'app.help' | 'app.quit'
  | 'filter.apply' | 'filter.clear'
  | 'confirm.yes' | 'confirm.no'
  | 'create.nextField' | 'create.prevField' | 'create.next' | 'create.prev' | 'create.toggle' | 'create.submit' | 'create.cancel' | 'create.editor'
  | 'create.suggestNext' | 'create.suggestPrev' | 'create.acceptSuggestion'
  | 'dialog.close';

export interface CommandDef {
  id: CommandId;
  context: KeyContext;
  /** Normalised key names: "j", "G", "down", "enter", "esc", "tab", "shift+tab", "ctrl+d", "space". */
  keys: readonly string[];
  description: string;
  /** Short label for the footer (omitted: not shown there). */
  footer?: string;
}

export const COMMANDS: readonly CommandDef[] = [
  { id: 'list.down', context: 'list', keys: ['j', 'down'], description: 'Move down', footer: 'move' },
  { id: 'list.up', context: 'list', keys: ['k', 'up'], description: 'Move up' },
  { id: 'list.first', context: 'list', keys: ['g', 'home'], description: 'First session' },
  { id: 'list.last', context: 'list', keys: ['G', 'end'], description: 'Last session' },
  { id: 'list.halfPageDown', context: 'list', keys: ['ctrl+d', 'pagedown'], description: 'Half a page down' },
  { id: 'list.halfPageUp', context: 'list', keys: ['ctrl+u', 'pageup'], description: 'Half a page up' },
  { id: 'session.attach', context: 'list', keys: ['enter'], description: "Attach to the session's agent", footer: 'attach' },
  { id: 'session.new', context: 'list', keys: ['n'], description: 'New session', footer: 'new' },
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
  { id: 'app.reconcile', context: 'list', keys: ['r'], description: 'Reconcile (results in a dialog)' },
  { id: 'app.reload', context: 'list', keys: ['R'], description: 'Reload the list' },
  { id: 'app.help', context: 'list', keys: ['?'], description: 'Help', footer: 'help' },
  { id: 'app.quit', context: 'list', keys: ['q', 'ctrl+c'], description: 'Quit', footer: 'quit' },

  { id: 'filter.apply', context: 'filter', keys: ['enter'], description: 'Keep the filter, back to the list', footer: 'keep' },
  { id: 'filter.clear', context: 'filter', keys: ['esc'], description: 'Clear the filter', footer: 'clear' },

  { id: 'confirm.yes', context: 'confirm', keys: ['y', 'Y'], description: 'Yes', footer: 'yes' },
  { id: 'confirm.no', context: 'confirm', keys: ['n', 'N', 'esc', 'enter'], description: 'No (the default)', footer: 'no' },

  { id: 'create.nextField', context: 'create', keys: ['tab', 'down'], description: 'Next field', footer: 'next field' },
  { id: 'create.prevField', context: 'create', keys: ['shift+tab', 'up'], description: 'Previous field' },
  { id: 'create.next', context: 'create', keys: ['right'], description: 'Next choice', footer: 'change' },
  { id: 'create.prev', context: 'create', keys: ['left'], description: 'Previous choice' },
  { id: 'create.toggle', context: 'create', keys: ['space'], description: 'Toggle / next choice' },
  { id: 'create.editor', context: 'create', keys: ['ctrl+e'], description: 'Edit the prompt in $VISUAL / $EDITOR', footer: 'editor' },
  { id: 'create.suggestNext', context: 'create', keys: ['ctrl+n'], description: 'Repository: highlight the next suggestion (in the open list Tab/↓ too)' },
  { id: 'create.suggestPrev', context: 'create', keys: ['ctrl+p'], description: 'Repository: highlight the previous suggestion (in the open list Shift-Tab/↑ too)' },
  { id: 'create.acceptSuggestion', context: 'create', keys: ['ctrl+y'], description: 'Repository: take the highlighted (or first) suggestion (in the open list Enter/→ too; Esc closes the list)' },
  { id: 'create.submit', context: 'create', keys: ['enter'], description: 'Create (on the Create button; in the prompt it adds a line)', footer: 'create' },
  { id: 'create.cancel', context: 'create', keys: ['esc'], description: 'Cancel', footer: 'cancel' },

  { id: 'dialog.close', context: 'help', keys: ['esc', 'q', '?', 'enter'], description: 'Close', footer: 'close' },
  { id: 'dialog.close', context: 'message', keys: ['esc', 'q', 'enter'], description: 'Close', footer: 'close' },
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
  if (key.upArrow) return 'up';
  if (key.downArrow) return 'down';
  if (key.leftArrow) return 'left';
  if (key.rightArrow) return 'right';
  if (key.pageDown) return 'pagedown';
  if (key.pageUp) return 'pageup';
  if (key.home) return 'home';
  if (key.end) return 'end';
  if (key.return) return 'enter';
  if (key.escape) return 'esc';
  if (key.tab) return key.shift ? 'shift+tab' : 'tab';
  if (key.backspace) return 'backspace';
  if (key.delete) return 'delete';
  if (key.ctrl && input) return `ctrl+${input.toLowerCase()}`;
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
  space: 'Space', home: 'Home', end: 'End', pagedown: 'PgDn', pageup: 'PgUp',
};

export function keyLabel(k: string): string {
  if (KEY_LABELS[k]) return KEY_LABELS[k];
  if (k.startsWith('ctrl+')) return `Ctrl-${k.slice(5)}`;
  return k;
}

export function commandsIn(context: KeyContext): readonly CommandDef[] {
  return COMMANDS.filter((c) => c.context === context);
}

/** The footer for a context: "j/↓ move · Enter attach · …". */
export function footerItems(context: KeyContext): { keys: string; label: string }[] {
  return commandsIn(context)
    .filter((c) => c.footer)
    .map((c) => ({ keys: c.keys.filter((k) => k !== 'ctrl+c').slice(0, 2).map(keyLabel).join('/'), label: c.footer ?? '' }));
}

const CONTEXT_TITLES: Record<KeyContext, string> = {
  list: 'Session list',
  filter: 'Text filter (after /)',
  confirm: 'Confirmation',
  create: 'Create dialog',
  help: 'Help',
  message: 'Dialogs',
};

/** The README's key table (Markdown), generated from COMMANDS. */
export function markdownKeyTable(): string {
  const lines: string[] = [];
  for (const ctx of ['list', 'filter', 'confirm', 'create'] as const) {
    lines.push(`| ${CONTEXT_TITLES[ctx]} | |`, '|---|---|');
    for (const c of commandsIn(ctx)) lines.push(`| ${c.keys.map((k) => `\`${keyLabel(k)}\``).join(', ')} | ${c.description} |`);
    lines.push('');
  }
  return lines.join('\n').trimEnd();
}
