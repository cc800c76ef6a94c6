// Key sequences for component tests (what a terminal sends in raw mode), written to ink's stdin.
export const UP = '\u001B[A';
export const DOWN = '\u001B[B';
export const RIGHT = '\u001B[C';
export const LEFT = '\u001B[D';
export const ENTER = '\r';
export const ESC = '\u001B';
export const TAB = '\t';
export const SHIFT_TAB = '\u001B[Z';
/** What terminals send for the Backspace key (ink reports it as `key.delete`). */
export const BACKSPACE = '\u007F';
export const SPACE = ' ';

/** Ctrl plus a letter: char codes 1–26. */
export function ctrl(letter: string): string {
  const code = letter.toLowerCase().charCodeAt(0) - 96;
  if (letter.length !== 1 || code < 1 || code > 26) throw new Error(`ctrl(): not a letter: ${JSON.stringify(letter)}`);
  return String.fromCharCode(code);
}
