import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

/** Resolve an executable the way a shell would (PATH lookup), or null. Cheap: no process spawned. */
export function which(command: string, pathEnv: string | undefined = process.env.PATH): string | null {
  const candidates = command.includes('/')
    ? [command]
    : (pathEnv ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, command));
  for (const c of candidates) {
    if (!isAbsolute(c) && !command.includes('/')) continue;
    try {
      accessSync(c, constants.X_OK);
      if (statSync(c).isFile()) return c;
    } catch {
      // not here
    }
  }
  return null;
}
