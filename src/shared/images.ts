// Image attachments, the rules every surface shares (the daemon's uploads.ts enforces them; the
// CLI and the web page check the same ones first so a refusal comes before anything is sent):
// which types are accepted and how each is recognised (its magic bytes — the declared type must
// match what the bytes are), the size limits, and how a user's file name becomes a safe basename.
// Pure functions, no I/O: a leaf module the web page imports too.

export const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'] as const;
export type ImageType = (typeof IMAGE_TYPES)[number];

/** One image at most this big (also the HTTP route's body limit). */
export const MAX_IMAGE_BYTES = 10 * 1024 * 1024;
/** What one session's uploads directory may hold: files… */
export const MAX_SESSION_FILES = 50;
/** …and bytes. */
export const MAX_SESSION_BYTES = 100 * 1024 * 1024;
/** A stored name (without the dedupe suffix) is at most this long. */
export const MAX_NAME_LENGTH = 100;

/** The extension a stored file gets for its type; the other names the type goes by. */
const EXTENSIONS: Record<ImageType, { ext: string; also: readonly string[] }> = {
  'image/png': { ext: '.png', also: [] },
  'image/jpeg': { ext: '.jpg', also: ['.jpeg'] },
  'image/gif': { ext: '.gif', also: [] },
  'image/webp': { ext: '.webp', also: [] },
};

/** "PNG, JPEG, GIF or WebP (image/png, …)": what is accepted, for messages. */
export const ACCEPTED_TEXT = `PNG, JPEG, GIF or WebP images (${IMAGE_TYPES.join(', ')})`;

export function isImageType(t: string): t is ImageType {
  return (IMAGE_TYPES as readonly string[]).includes(t);
}

const ascii = (b: Uint8Array, at: number, text: string): boolean => {
  if (b.length < at + text.length) return false;
  for (let i = 0; i < text.length; i++) if (b[at + i] !== text.charCodeAt(i)) return false;
  return true;
};

/** The image type the bytes are (by their magic bytes), or null when they are none of the accepted ones. */
export function sniffImage(b: Uint8Array): ImageType | null {
  if (b.length >= 8 && b[0] === 0x89 && ascii(b, 1, 'PNG\r\n\x1a\n')) return 'image/png';
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  if (ascii(b, 0, 'GIF87a') || ascii(b, 0, 'GIF89a')) return 'image/gif';
  if (ascii(b, 0, 'RIFF') && ascii(b, 8, 'WEBP')) return 'image/webp';
  return null;
}

/** The type a file name's extension suggests (for a CLI that was given a path), or null. */
export function typeFromName(name: string): ImageType | null {
  const lower = name.toLowerCase();
  for (const t of IMAGE_TYPES) {
    const e = EXTENSIONS[t];
    if ([e.ext, ...e.also].some((x) => lower.endsWith(x))) return t;
  }
  return null;
}

/**
 * Why these bytes may not be attached (declared as `declared`, when a type was declared), or null.
 * Every message names what is accepted.
 */
export function imageProblem(bytes: Uint8Array, declared: string | null): string | null {
  if (bytes.length === 0) return `the file is empty: only ${ACCEPTED_TEXT} can be attached`;
  if (bytes.length > MAX_IMAGE_BYTES) return `the image is ${bytes.length} bytes, over the limit of ${MAX_IMAGE_BYTES} bytes (10 MiB)`;
  if (declared !== null && !isImageType(declared)) return `type ${JSON.stringify(declared.slice(0, 100))} is not accepted: only ${ACCEPTED_TEXT} can be attached`;
  const sniffed = sniffImage(bytes);
  if (!sniffed) return `the file is not an image clauderon accepts (its first bytes are no PNG, JPEG, GIF or WebP signature): only ${ACCEPTED_TEXT} can be attached`;
  if (declared !== null && declared !== sniffed) return `the file was sent as ${declared} but its bytes are ${sniffed}: send it with its own type (only ${ACCEPTED_TEXT} are accepted)`;
  return null;
}

/** Why a given file name cannot be used at all (rather than cleaned), or null. */
export function fileNameProblem(name: string): string | null {
  // (a NUL is no mistake a user makes: refused, never cut at)
  if (name.includes('\0')) return 'the file name holds a NUL byte';
  if (name.length > 1000) return 'the file name is over 1000 characters';
  return null;
}

/**
 * A safe basename for `name`, stored as type `type`: only its last path component, letters,
 * digits, `.`, `_` and `-` (anything else becomes `_`), no leading dot or dash, at most
 * MAX_NAME_LENGTH characters before the extension, and the type's own extension (a wrong image
 * extension is replaced; `image` when nothing is left).
 */
export function safeImageName(name: string, type: ImageType): string {
  const last = name.split(/[/\\]/).pop() ?? '';
  let base = last
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/\.{2,}/g, '.')
    .replace(/^[._-]+/, '');
  const lower = base.toLowerCase();
  const e = EXTENSIONS[type];
  // (strip any image extension: the right one is added back below)
  for (const x of Object.values(EXTENSIONS).flatMap((v) => [v.ext, ...v.also])) {
    if (lower.endsWith(x)) {
      base = base.slice(0, -x.length);
      break;
    }
  }
  base = base.slice(0, MAX_NAME_LENGTH).replace(/[._-]+$/, '');
  if (base === '') base = 'image';
  return `${base}${e.ext}`;
}

/** The n-th other name for `name` when it is taken: `shot.png` → `shot-1.png`, `shot-2.png`… */
export function dedupedName(name: string, n: number): string {
  if (n === 0) return name;
  const dot = name.lastIndexOf('.');
  return dot > 0 ? `${name.slice(0, dot)}-${n}${name.slice(dot)}` : `${name}-${n}`;
}

/** sessions.upload's answer. */
export interface UploadResult {
  /** The stored name, in the session's uploads directory. */
  file: string;
  /** Where the agent reads it (inside a container: its mount of the uploads directory). */
  path: string;
  /** Where it is on the daemon's host. */
  hostPath: string;
  type: ImageType;
  size: number;
  sha256: string;
  /** The path (and message) was typed into the agent. */
  sent: boolean;
  /** Why it could not be typed (the file is attached all the same), or null. */
  sendError: string | null;
}
