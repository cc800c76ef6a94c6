import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { processAlive } from '../../src/shared/process.js';
import { waitFor } from '../helpers/wait.js';

describe('processAlive', () => {
  it('is true for a live process and false for a dead pid', () => {
    expect(processAlive(process.pid)).toBe(true);
    expect(processAlive(2 ** 22 + 12345)).toBe(false);
  });

  it('treats an unreaped zombie as gone', async () => {
    // `sleep 0` becomes a child of the exec'd `sleep 30`, which never reaps it: a real zombie.
    const parent = spawn('sh', ['-c', 'sleep 0 & echo $!; exec sleep 30'], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const pid = await new Promise<number>((res) => parent.stdout.once('data', (d: Buffer) => res(Number(d.toString().trim()))));
      await waitFor(() => /\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8')), 'the child to become a zombie');
      expect(() => process.kill(pid, 0)).not.toThrow(); // kill(0) alone would call it alive
      expect(processAlive(pid)).toBe(false);
    } finally {
      parent.kill('SIGKILL');
    }
  });
});
