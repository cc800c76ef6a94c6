// The trust bundle handed to agents: the system roots plus the clauderon CA (PROXY-NOTES.md,
// "Certificates"). No forge here: the CA's PEM is all it needs.
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';

/** Where distributions keep the system roots, first match wins. */
export const SYSTEM_CA_BUNDLES = [
  '/etc/ssl/certs/ca-certificates.crt', // Debian, Ubuntu, Alpine, Arch
  '/etc/pki/tls/certs/ca-bundle.crt', // Fedora, RHEL
  '/etc/ssl/cert.pem', // macOS, BSDs, Alpine
  '/opt/homebrew/etc/ca-certificates/cert.pem', // Homebrew
] as const;

/**
 * The system roots plus our CA, as one PEM bundle for SSL_CERT_FILE,
 * REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE and GIT_SSL_CAINFO (which replace the trust
 * store rather than add to it). Falls back to Node's built-in roots.
 */
export function bundleWithSystemRoots(caPem: string, candidates: readonly string[] = SYSTEM_CA_BUNDLES): string {
  let roots: string | undefined;
  for (const p of candidates) {
    try {
      const text = readFileSync(p, 'utf8');
      if (text.includes('-----BEGIN CERTIFICATE-----')) {
        roots = text;
        break;
      }
    } catch {
      // absent or unreadable: try the next
    }
  }
  roots ??= rootCertificates.join('\n');
  return `${roots.trimEnd()}\n${caPem.trim()}\n`;
}
