// How Claude Code gets its Anthropic placeholder: from the apiKeyHelper of its --settings file when
// the proxy holds an API key (a key in ANTHROPIC_API_KEY makes it ask "use this API key?"), else
// the OAuth placeholder in CLAUDE_CODE_OAUTH_TOKEN — never both.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PLACEHOLDERS, proxyEnv } from '../../src/agents/proxy-env.js';
import { getPaths } from '../../src/config/paths.js';
import { API_KEY_HELPER, claudeSpec, hookSettings as claudeHooks } from '../../src/agents/claude.js';
import { agentSettingsFile, HOOK_COMMAND } from '../../src/core/hooks.js';


const home = mkdtempSync(join(tmpdir(), 'clrn-settings-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));
const paths = getPaths(home);
const claudeSettingsFile = (p: typeof paths, want: { hooks: boolean; apiKeyHelper: boolean }) => agentSettingsFile(p, claudeSpec, want);
const hookSettings = () => claudeHooks(HOOK_COMMAND);

describe('Claude Code settings files', () => {
  it('one deterministic file per need, holding no secret: hooks, the API-key helper, or both', () => {
    expect(claudeSettingsFile(paths, { hooks: false, apiKeyHelper: false })).toBeNull();
    const hooksOnly = claudeSettingsFile(paths, { hooks: true, apiKeyHelper: false });
    expect(hooksOnly).toBe(join(home, 'hooks-settings.json'));
    expect(JSON.parse(readFileSync(hooksOnly ?? '', 'utf8'))).toEqual(hookSettings());
    const helperOnly = claudeSettingsFile(paths, { hooks: false, apiKeyHelper: true });
    expect(helperOnly).toBe(join(home, 'api-key-settings.json'));
    expect(JSON.parse(readFileSync(helperOnly ?? '', 'utf8'))).toEqual({ apiKeyHelper: `echo ${PLACEHOLDERS.anthropicApiKey}` });
    const both = claudeSettingsFile(paths, { hooks: true, apiKeyHelper: true });
    expect(both).toBe(join(home, 'hooks-api-key-settings.json'));
    expect(JSON.parse(readFileSync(both ?? '', 'utf8'))).toEqual({ ...hookSettings(), apiKeyHelper: API_KEY_HELPER });
    // the same request gives the same file
    expect(claudeSettingsFile(paths, { hooks: true, apiKeyHelper: true })).toBe(both);
  });
});

describe('the Anthropic placeholder in the environment', () => {
  const base = { proxyUrl: 'http://s:pw@127.0.0.1:41000', caCertPath: '/h/ca.pem', caBundlePath: '/h/bundle.pem', sandbox: false };
  it('API key + helper: no Anthropic variable at all (the helper gives the key; the OAuth one would clash with it)', () => {
    const env = proxyEnv({ ...base, anthropic: 'api_key', apiKeyHelper: true });
    expect(env.ANTHROPIC_API_KEY).toBeUndefined();
    expect(env.CLAUDE_CODE_OAUTH_TOKEN).toBeUndefined();
  });
  it('API key without a helper (other agents): the API-key placeholder; OAuth: the OAuth placeholder either way', () => {
    expect(proxyEnv({ ...base, anthropic: 'api_key', apiKeyHelper: false }).ANTHROPIC_API_KEY).toBe(PLACEHOLDERS.anthropicApiKey);
    for (const apiKeyHelper of [true, false]) {
      const env = proxyEnv({ ...base, anthropic: 'oauth', apiKeyHelper });
      expect(env.CLAUDE_CODE_OAUTH_TOKEN).toBe(PLACEHOLDERS.anthropicOauth);
      expect(env.ANTHROPIC_API_KEY).toBeUndefined();
    }
  });
});
