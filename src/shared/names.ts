// Session names: a slug of the prompt (or the user's --name, taken as given) plus a 4-character
// suffix. A name must be valid as a git branch component, a tmux and zellij session name
// (no '.' or ':'; zellij's socket path must stay under 108 bytes) and a Docker container name.
import { randomBytes } from 'node:crypto';

export const NAME_MAX = 40;
const NAME_RE = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;
const SUFFIX_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789';
const SLUG_MAX = 24;

/** Why a user-given name is invalid, or null when it is fine. */
export function nameProblem(name: string): string | null {
  if (name.length === 0) return 'the name is empty';
  if (name.length > NAME_MAX) return `the name is ${name.length} characters long (at most ${NAME_MAX})`;
  if (!NAME_RE.test(name)) {
    return 'use lowercase letters, digits and "-" (not first or last), e.g. fix-login';
  }
  if (name.includes('--')) return 'the name must not contain "--"';
  return null;
}

export function slugify(text: string, max = SLUG_MAX): string {
  const words = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 0);
  let slug = '';
  for (const w of words) {
    const next = slug ? `${slug}-${w}` : w;
    if (next.length > max) {
      if (!slug) slug = w.slice(0, max);
      break;
    }
    slug = next;
  }
  return slug.replace(/-+$/, '') || 'session';
}

export function randomSuffix(length = 4): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const b of bytes) out += SUFFIX_CHARS[b % SUFFIX_CHARS.length];
  return out;
}

/** A fresh name for a prompt; `taken` says whether a candidate is already used. */
export function generateName(prompt: string, taken: (name: string) => boolean): string {
  const slug = slugify(prompt);
  for (let i = 0; i < 50; i++) {
    const candidate = `${slug}-${randomSuffix()}`;
    if (!taken(candidate)) return candidate;
  }
  throw new Error('could not find a free session name');
}

export function branchNameFor(name: string): string {
  return `clauderon/${name}`;
}
