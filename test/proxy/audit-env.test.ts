import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PLACEHOLDERS, proxyEnv } from '../../src/agents/proxy-env.js';
import { AuditLog, redactPath } from '../../src/proxy/audit.js';

const dir = mkdtempSync(join(tmpdir(), 'clrn-audit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('audit log', () => {
  it('redacts query values and keeps parameter names', () => {
    expect(redactPath('/repos/o/r')).toBe('/repos/o/r');
    expect(redactPath('/x?access_token=ghp_REAL&page=2')).toBe('/x?access_token=…&page=…');
  });

  it('writes one 0600 JSON line per request and scrubs known secrets', async () => {
    const file = join(dir, 'audit.jsonl');
    const log = new AuditLog(file, () => ['ghp_REALSECRET']);
    const base = { ts: '2026-11-24T00:00:00.000Z', session: 's', host: 'api.github.com', method: 'GET', credential: 'github_token', status: 200, durationMs: 3, blocked: null };
    log.write({ ...base, path: '/user?token=ghp_REALSECRET' });
    log.write({ ...base, path: '/weird/ghp_REALSECRET/path', status: 403, blocked: 'read-only session: x' });
    await log.close();
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain('ghp_REALSECRET');
    const lines = text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ host: 'api.github.com', credential: 'github_token', path: '/user?token=…', status: 200 });
    expect(lines[1]).toMatchObject({ path: '/weird/[secret]/path', blocked: 'read-only session: x' });
  });
});

describe('agent proxy environment', () => {
  const base = { proxyUrl: 'http://s:pw@127.0.0.1:41000', caCertPath: '/h/proxy-ca.pem', caBundlePath: '/h/ca-bundle.pem', sandbox: false };
  it('points every client family at the proxy and our CA, with placeholders only', () => {
    const env = proxyEnv({ ...base, anthropic: 'oauth' });
    expect(env).toMatchObject({
      HTTPS_PROXY: base.proxyUrl,
      https_proxy: base.proxyUrl,
      NO_PROXY: 'localhost,127.0.0.1,::1',
      NODE_EXTRA_CA_CERTS: '/h/proxy-ca.pem',
      SSL_CERT_FILE: '/h/ca-bundle.pem',
      GIT_SSL_CAINFO: '/h/ca-bundle.pem',
      CLAUDE_CODE_OAUTH_TOKEN: PLACEHOLDERS.anthropicOauth,
      GH_TOKEN: PLACEHOLDERS.github,
    });
    expect(env.ANTHROPIC_API_KEY).toBeUndefined();
    expect(env.IS_SANDBOX).toBeUndefined();
  });
  it('uses an API-key placeholder when the proxy holds an API key, and IS_SANDBOX when asked', () => {
    const env = proxyEnv({ ...base, anthropic: 'api_key', sandbox: true });
    expect(env.ANTHROPIC_API_KEY).toBe(PLACEHOLDERS.anthropicApiKey);
    expect(env.CLAUDE_CODE_OAUTH_TOKEN).toBeUndefined();
    expect(env.IS_SANDBOX).toBe('1');
  });
});
