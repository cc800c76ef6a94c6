// Process lookups shared by the whole-binary tests and the benchmark (no side effects on import).
import { readdirSync, readFileSync } from 'node:fs';

/** Every live clauderon daemon process whose CLAUDERON_HOME is `home` (read from /proc). */
export function daemonPidsFor(home: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (!cmdline.includes('daemon') || !cmdline.some((a) => a.endsWith('clauderon.js'))) continue;
      const environ = readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
      if (environ.includes(`CLAUDERON_HOME=${home}`)) pids.push(Number(entry));
    } catch {
      // exited, or not ours
    }
  }
  return pids;
}
