// The processes a session's agent left on this host. Ending a tmux or zellij session only sends
// SIGHUP: an agent that ignores it (Gemini CLI's relaunching parent does) or takes its time to exit
// would be left running, still writing into the session's files after delete removed them. Every
// agent clauderon starts on this host carries CLAUDERON_SESSION_ID in its environment (and its
// children inherit it), so after the backend object is gone, what is left of the session is found
// by that, waited for a moment and then killed — no session leaves a process behind. (Linux: /proc;
// elsewhere nothing is found and the backend's own ending is all there is.)
import { readdir, readFile } from 'node:fs/promises';

/** Pids of this user's processes whose environment holds CLAUDERON_SESSION_ID=`sessionId`. */
export async function processesOfSession(sessionId: string): Promise<number[]> {
  if (process.platform !== 'linux' || !/^[0-9a-f-]{8,64}$/i.test(sessionId)) return [];
  const needle = Buffer.from(`\0CLAUDERON_SESSION_ID=${sessionId}\0`);
  const out: number[] = [];
  for (const d of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    // (another user's process cannot be read: skipped)
    const environ = await readFile(`/proc/${d}/environ`).catch(() => null);
    if (environ && Buffer.concat([Buffer.from([0]), environ]).includes(needle)) out.push(Number(d));
  }
  return out;
}

/** Wait up to `graceMs` for the session's processes to exit, then SIGKILL the ones left; returns those. */
export async function reapSession(sessionId: string, graceMs = 3000): Promise<number[]> {
  const until = Date.now() + graceMs;
  let left = await processesOfSession(sessionId);
  while (left.length > 0 && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 100));
    left = await processesOfSession(sessionId);
  }
  for (const pid of left) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
  return left;
}
