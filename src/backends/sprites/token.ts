// The Sprites API token, as the docs say a client finds it: `SPRITE_TOKEN` (docs.sprites.dev/api/rest
// and the SDK pages) or `SPRITES_TOKEN` (the SDK's README, sprites.dev/api), else the one the `sprite`
// CLI stores (`sprite org auth`; with the keyring disabled it is the `api_token` in
// ~/.sprites/sprites.json — docs.sprites.dev/api/rest "Getting a Token"). That file's layout beyond
// holding an `api_token` string is not documented on the pages read, so it is searched for one.
// The token stays in the daemon: it is sent only in the Authorization header to the API.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

function findApiToken(v: unknown, depth = 0): string | null {
  if (depth > 6 || typeof v !== 'object' || v === null) return null;
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (k === 'api_token' && typeof x === 'string' && x.trim() !== '') return x.trim();
  }
  for (const x of Object.values(v as Record<string, unknown>)) {
    const t = findApiToken(x, depth + 1);
    if (t) return t;
  }
  return null;
}

/** The token and where it came from (for messages), or null. */
export function spritesToken(env: NodeJS.ProcessEnv | Record<string, string | undefined>, home = homedir()): { token: string; source: string } | null {
  for (const k of ['SPRITE_TOKEN', 'SPRITES_TOKEN']) {
    const v = env[k]?.trim();
    if (v) return { token: v, source: k };
  }
  const file = join(home, '.sprites', 'sprites.json');
  if (!existsSync(file)) return null;
  try {
    const t = findApiToken(JSON.parse(readFileSync(file, 'utf8')) as unknown);
    return t ? { token: t, source: file } : null;
  } catch {
    return null;
  }
}
