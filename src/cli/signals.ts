// How a command ends on a signal: as the signal's default action would have ended it, so that a
// shell sees 128 + N (Ctrl-C: 130) and a script running the command stops as well. Commands that
// have nothing to undo leave Node's default in place (it is exactly that); those that hold
// something (attach: a program with the terminal) catch the signal, let go, and end with this.
import { constants } from 'node:os';

export function endLikeSignal(sig: NodeJS.Signals): void {
  process.exitCode = 128 + (constants.signals[sig] ?? 0);
  // Re-raised with no handler left: the default action ends the process by that signal.
  if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
}
