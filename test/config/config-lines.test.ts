// Where a bad key is in config.toml: every error names the file and the line ("<file>:<line>: …"),
// as every command and the TUI's banner show it (issue 11, rough edge 8).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { lineOfKey } from '../../src/config/toml-file.js';

const dir = mkdtempSync(join(tmpdir(), 'clrn-cfg-lines-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function errorOf(toml: string): Promise<string> {
  const file = join(dir, 'config.toml');
  writeFileSync(file, toml);
  const e = await loadConfig(file).then(() => null, (err: unknown) => err);
  expect(e).toBeInstanceOf(Error);
  return (e as Error).message.replace(`${file}:`, 'FILE:');
}

describe('config.toml errors name the line', () => {
  it('a wrong value, an unknown key, a bad table, a syntax error', async () => {
    expect(await errorOf('# mine\n[general]\nmax_sessions = 0\n')).toBe('FILE:3: general.max_sessions: Too small: expected number to be >0 — fix the file or move it aside');
    expect(await errorOf('[http]\nport = 80\n\n[general]\n  colour = "red"\n')).toBe('FILE:5: general.colour: unknown key — fix the file or move it aside');
    expect(await errorOf('[general]\n[nonsense]\nx = 1\n')).toBe('FILE:2: nonsense: unknown key — fix the file or move it aside');
    expect(await errorOf('[proxy]\nport_range = [5, 6]\n')).toMatch(/^FILE:2: proxy\.port_range\.0: /);
    expect(await errorOf('[general]\nmax_sessions = 3\nmax_sessions = 4\n')).toMatch(/^FILE:3: .* \(column \d+\) — fix the file or move it aside$/);
  });

  it('lineOfKey: dotted and quoted keys, tables of tables; null when it cannot be seen', () => {
    const text = '[general]\nmax_sessions = 1\n[agents.claude]\n"command" = "x"\n[tui]\n';
    expect(lineOfKey(text, ['agents', 'claude', 'command'])).toBe(4);
    expect(lineOfKey(text, ['agents', 'claude'])).toBe(3);
    expect(lineOfKey('general.max_sessions = 2\n', ['general', 'max_sessions'])).toBe(1);
    expect(lineOfKey(text, ['http', 'port'])).toBeNull();
    expect(lineOfKey(text, [])).toBeNull();
  });
});
