// Desktop notifications for "an agent started waiting for you" ([tui] notifications = "desktop"):
// an OSC escape the terminal turns into a notification (OSC 777 in VTE terminals, foot and
// rxvt-unicode, OSC 9 elsewhere: iTerm2, WezTerm, kitty, Ghostty, Windows Terminal; passed through
// tmux when the TUI runs inside it), and `notify-send` where it is on PATH. Nothing here waits.
import { spawn } from 'node:child_process';
import { which } from '../shared/which.js';

export type NotificationMode = 'off' | 'bell' | 'desktop';

// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]/g;

/** Text safe inside an OSC string (no control character; `;` would split OSC 777's fields). */
function clean(s: string, max = 200): string {
  return Array.from(s.replace(CONTROLS, ' ').replace(/;/g, ',')).slice(0, max).join('');
}

/** The escape sequence for this terminal (from its environment). */
export function notificationEscape(title: string, body: string, env: NodeJS.ProcessEnv = process.env): string {
  const term = env.TERM ?? '';
  const osc777 = Boolean(env.VTE_VERSION) || term.startsWith('rxvt') || term.startsWith('foot') || env.TERM_PROGRAM === 'foot';
  const seq = osc777 ? `\u001b]777;notify;${clean(title)};${clean(body)}\u0007` : `\u001b]9;${clean(title)}: ${clean(body)}\u0007`;
  // inside tmux: the DCS passthrough (tmux 3.3+ with allow-passthrough on hands it to the terminal)
  return env.TMUX ? `\u001bPtmux;${seq.split('\u001b').join('\u001b\u001b')}\u001b\\` : seq;
}

/** Show a desktop notification: the OSC sequence on `out` (when given) and notify-send when present. */
export function desktopNotify(title: string, body: string, out: ((s: string) => void) | null, env: NodeJS.ProcessEnv = process.env): void {
  if (out) out(notificationEscape(title, body, env));
  const notifySend = which('notify-send', env.PATH); // a few stat calls, only when an agent starts waiting
  if (!notifySend) return;
  try {
    const child = spawn(notifySend, ['--app-name=clauderon', '--', clean(title), clean(body, 500)], { stdio: 'ignore', detached: true, env });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    // a notification is a courtesy: never an error
  }
}
