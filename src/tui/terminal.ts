// The terminal, owned: the alternate screen while the TUI is up, and a restore that runs on
// every exit path (quit, error, SIGINT/SIGTERM/SIGHUP, process exit) and is safe to repeat.
// Bracketed paste on while the TUI is up: a paste arrives between ESC[200~ and ESC[201~, so a text
// field takes it as one insert (its line breaks are not Enter). Off again on restore.
const ENTER_ALT = '\u001b[?1049h\u001b[2J\u001b[H\u001b[?2004h';
const LEAVE_ALT = '\u001b[?2004l\u001b[?1049l';
const SHOW_CURSOR = '\u001b[?25h';

export class TerminalScreen {
  private inAlt = false;

  constructor(
    private readonly stdout: NodeJS.WriteStream = process.stdout,
    private readonly stdin: NodeJS.ReadStream = process.stdin,
  ) {}

  enter(): void {
    if (this.inAlt) return;
    this.stdout.write(ENTER_ALT);
    this.inAlt = true;
  }

  /** Main screen back, cursor visible, raw mode off. Synchronous, idempotent. */
  restore(): void {
    try {
      if (this.stdin.isTTY && this.stdin.isRaw) this.stdin.setRawMode(false);
    } catch {
      // stdin already closed
    }
    if (!this.inAlt) return;
    this.inAlt = false;
    try {
      this.stdout.write(SHOW_CURSOR + LEAVE_ALT);
    } catch {
      // stdout gone (terminal closed): nothing to restore
    }
  }
}
