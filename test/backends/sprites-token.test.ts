// Where the Sprites backend finds its token (src/backends/sprites/token.ts): SPRITE_TOKEN, then
// SPRITES_TOKEN, then the `api_token` the `sprite` CLI stores in ~/.sprites/sprites.json.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { spritesToken } from '../../src/backends/sprites/token.js';

let home: string | null = null;
afterEach(() => {
  if (home) rmSync(home, { recursive: true, force: true });
  home = null;
});

describe('spritesToken', () => {
  it('prefers SPRITE_TOKEN, then SPRITES_TOKEN, then the CLI file; none gives null', () => {
    home = mkdtempSync(join(tmpdir(), 'sprites-token-'));
    expect(spritesToken({}, home)).toBeNull();
    mkdirSync(join(home, '.sprites'));
    writeFileSync(join(home, '.sprites', 'sprites.json'), JSON.stringify({ orgs: { personal: { api_token: 'from-file' } } }));
    expect(spritesToken({}, home)).toEqual({ token: 'from-file', source: join(home, '.sprites', 'sprites.json') });
    expect(spritesToken({ SPRITES_TOKEN: 'b' }, home)).toEqual({ token: 'b', source: 'SPRITES_TOKEN' });
    expect(spritesToken({ SPRITE_TOKEN: 'a', SPRITES_TOKEN: 'b' }, home)).toEqual({ token: 'a', source: 'SPRITE_TOKEN' });
    expect(spritesToken({ SPRITE_TOKEN: '  ' }, home)?.token).toBe('from-file');
    writeFileSync(join(home, '.sprites', 'sprites.json'), 'not json');
    expect(spritesToken({}, home)).toBeNull();
  });
});
