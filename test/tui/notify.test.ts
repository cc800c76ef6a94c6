// Desktop notifications: the escape sequence chosen for the terminal, cleaned of control
// characters, wrapped for tmux; notify-send run with the title and the body when it is on PATH.
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { desktopNotify, notificationEscape } from '../../src/tui/notify.js';
import { waitFor } from '../helpers/wait.js';

describe('desktop notifications', () => {
  it('OSC 9 by default, OSC 777 in VTE terminals, rxvt and foot, passed through tmux', () => {
    expect(notificationEscape('clauderon: a', 'a waits', { TERM: 'xterm-256color' })).toBe('\u001b]9;clauderon: a: a waits\u0007');
    expect(notificationEscape('t', 'b', { TERM: 'xterm-256color', VTE_VERSION: '7200' })).toBe('\u001b]777;notify;t;b\u0007');
    expect(notificationEscape('t', 'b', { TERM: 'rxvt-unicode-256color' })).toBe('\u001b]777;notify;t;b\u0007');
    expect(notificationEscape('t', 'b', { TERM: 'screen', TMUX: '/tmp/tmux-0/default,1,0' })).toBe('\u001bPtmux;\u001b\u001b]9;t: b\u0007\u001b\\');
  });

  it('keeps control characters and field separators of a session name out of the sequence', () => {
    const seq = notificationEscape('x\u001b]0;evil\u0007', 'a;b\nc', { TERM: 'foot' });
    expect(seq).toBe('\u001b]777;notify;x ]0,evil ;a,b c\u0007');
  });

  it('runs notify-send from PATH with the title and the body, and writes the escape', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clrn-notify-'));
    try {
      const out = join(dir, 'args');
      writeFileSync(join(dir, 'notify-send'), `#!/bin/sh\nprintf '%s|' "$@" > '${out}'\n`);
      chmodSync(join(dir, 'notify-send'), 0o755);
      const written: string[] = [];
      desktopNotify('clauderon: s', 's waits for your input', (s) => written.push(s), { PATH: dir, TERM: 'xterm' });
      expect(written).toEqual(['\u001b]9;clauderon: s: s waits for your input\u0007']);
      await waitFor(() => existsSync(out) && readFileSync(out, 'utf8').endsWith('input|'), 'notify-send to run');
      expect(readFileSync(out, 'utf8')).toBe('--app-name=clauderon|--|clauderon: s|s waits for your input|');
      // not on PATH: nothing runs, nothing throws
      desktopNotify('t', 'b', null, { PATH: join(dir, 'nowhere') });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
