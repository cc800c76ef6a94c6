// Placeholders never leave the machine. Agents hold clauderon's placeholder credentials (see
// agents/proxy-env.ts; every one of them carries the marker below); the proxy replaces them with
// the real credential for the host that earns one. A request that would still carry a
// placeholder upstream — its host earns no credential, or the credential is not configured —
// is answered by the proxy itself, with an error that says how to give clauderon the credential.

/** Every placeholder contains this (test/proxy/placeholders.test.ts checks each one). */
export const PLACEHOLDER_MARK = /clauderon-?placeholder/i;

/** Basic credentials hide the placeholder in base64 (git: `x-access-token:<token>`). */
function decodedBasic(value: string): string {
  const m = /^\s*basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(value);
  return m ? Buffer.from(m[1] ?? '', 'base64').toString('latin1') : '';
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Where an outgoing request still carries a placeholder ("the authorization header", "the URL"), or null. */
export function placeholderIn(headers: Record<string, string | string[] | undefined>, path: string): string | null {
  for (const [name, raw] of Object.entries(headers)) {
    if (raw === undefined) continue;
    for (const v of Array.isArray(raw) ? raw : [raw]) {
      if (PLACEHOLDER_MARK.test(v) || PLACEHOLDER_MARK.test(decodedBasic(v))) return `the ${name} header`;
    }
  }
  if (PLACEHOLDER_MARK.test(path) || PLACEHOLDER_MARK.test(safeDecode(path))) return 'the URL';
  return null;
}
