// Is this a machine Apple's `container` runs on (macOS 26+ on Apple silicon), and is the CLI there?
// macOS 26 is Darwin 25 (`os.release()`, no subprocess on the daemon's start path). Tests on Linux
// say which platform to pretend with CLAUDERON_TEST_PLATFORM=macos-26 (test-only; never documented
// for users), and put the CLI double on PATH.
import { accessSync, constants } from 'node:fs';
import { release } from 'node:os';
import { delimiter, join } from 'node:path';

export const MIN_MACOS = 26;
export const TEST_PLATFORM_VAR = 'CLAUDERON_TEST_PLATFORM';

export interface Platform {
  os: string;
  arch: string;
  /** The macOS major version, null elsewhere. */
  macos: number | null;
}

/** Darwin kernel major → macOS major: Darwin 20–24 are macOS 11–15, Darwin 25 is macOS 26. */
export function macosFromDarwin(darwinRelease: string): number | null {
  const major = Number(/^(\d+)\./.exec(darwinRelease)?.[1] ?? NaN);
  if (!Number.isFinite(major) || major < 20) return null;
  return major >= 25 ? major + 1 : major - 9;
}

export function currentPlatform(env: Record<string, string | undefined>): Platform {
  const fake = env[TEST_PLATFORM_VAR];
  if (fake) {
    const m = /^macos-(\d+)$/.exec(fake);
    return m ? { os: 'darwin', arch: 'arm64', macos: Number(m[1]) } : { os: fake, arch: process.arch, macos: null };
  }
  return { os: process.platform, arch: process.arch, macos: process.platform === 'darwin' ? macosFromDarwin(release()) : null };
}

/** Null when Apple's container can run here, else what to do. */
export function platformProblem(p: Platform): string | null {
  if (p.os !== 'darwin') return `the apple backend needs macOS ${MIN_MACOS}+ on Apple silicon (Apple's container CLI runs nowhere else; this is ${p.os}) — use the docker backend here`;
  if (p.arch !== 'arm64') return `the apple backend needs Apple silicon (this Mac is ${p.arch}) — use the docker backend`;
  if (p.macos === null || p.macos < MIN_MACOS) return `the apple backend needs macOS ${MIN_MACOS}+ (this is macOS ${p.macos ?? 'of an unknown version'}) — update macOS or use the docker backend`;
  return null;
}

/** The executable `name` on PATH, or null. */
export function onPath(name: string, pathEnv: string | undefined): string | null {
  for (const dir of (pathEnv ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return null;
}
