import { readFileSync } from 'node:fs';

/**
 * Whether a process is alive. A zombie (exited, not yet reaped by its parent — common for a
 * detached daemon whose parent is an init that reaps slowly, or none at all in a container)
 * counts as gone.
 */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) S …": the state follows the last ')' (comm may contain spaces or parens)
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc (macOS): kill(0) succeeded
  }
}
