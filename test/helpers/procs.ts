// Process lookups shared by the whole-binary tests and the benchmark (no side effects on import).
import { readdirSync, readFileSync } from 'node:fs';

/** Every live clauderon daemon process whose CLAUDERON_HOME is `home` (read from /proc). */
export function daemonPidsFor(home: string): number[] {
  const found = new Map<number, number>(); // pid → ppid
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (!cmdline.includes('daemon') || !cmdline.some((a) => a.endsWith('clauderon.js'))) continue;
      const environ = readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
      if (!environ.includes(`CLAUDERON_HOME=${home}`)) continue;
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      found.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // exited, or not ours
    }
  }
  // A child the daemon is forking (git, tmux…) shows the daemon's cmdline and environment until it
  // execs: it is not a second daemon.
  return [...found].filter(([, ppid]) => !found.has(ppid)).map(([pid]) => pid);
}
