// `clauderon detachable -- CMD…` (the attach wrapper for programs without detach keys, such as
// `kubectl attach -it`): the terminal passes through both ways, a lone Ctrl-P reaches the program,
// Ctrl-P Ctrl-Q detaches (the program is ended, exit 0), and otherwise the program's status is passed on.
import { spawn } from 'node-pty';
import { describe, expect, it } from 'vitest';
import { BIN } from '../helpers/e2e.js';
import { waitFor } from '../helpers/wait.js';

function start(argv: string[]) {
  const pty = spawn(process.execPath, [BIN, 'detachable', '--', ...argv], { cols: 80, rows: 24, env: process.env });
  let seen = '';
  pty.onData((d) => (seen += d));
  const exit = new Promise<number>((r) => pty.onExit(({ exitCode }) => r(exitCode)));
  return { pty, seen: () => seen, exit };
}

describe('clauderon detachable', () => {
  it('passes the terminal through, lets a lone Ctrl-P through, and detaches on Ctrl-P Ctrl-Q with status 0', async () => {
    // (od shows the bytes the program got: a lone Ctrl-P arrives as 020)
    const t = start(['sh', '-c', 'stty raw -echo; echo STARTED; od -c']);
    await waitFor(() => t.seen().includes('STARTED'), 'the program to start');
    t.pty.write('ab\u0010cd');
    t.pty.write('x'.repeat(16)); // od prints a line per 16 bytes
    await waitFor(() => /a\s+b\s+020\s+c\s+d/.test(t.seen()), 'the bytes, Ctrl-P included, to reach the program');
    t.pty.write('\u0010\u0011');
    expect(await t.exit).toBe(0);
    expect(t.seen()).toContain('detached (the agent keeps running)');
  });

  it("passes the program's own exit status on", async () => {
    const t = start(['sh', '-c', 'exit 7']);
    expect(await t.exit).toBe(7);
  });
});
