// Codex CLI (OpenAI). No hooks: its status comes from its screen.
import { defineAgent } from './spec.js';

export const codexSpec = defineAgent({
  name: 'codex',
  displayName: 'Codex CLI',
  executable: 'codex',
  install: 'npm install -g @openai/codex',
  skipChecksFlag: '--dangerously-bypass-approvals-and-sandbox',
  supportsPlanMode: false,
  supportsResume: false,
  args(o) {
    const a: string[] = [];
    if (o.skipChecks) a.push('--dangerously-bypass-approvals-and-sandbox');
    if (o.model) a.push('--model', o.model);
    if (!o.resume && o.prompt) a.push('--', o.prompt);
    return a;
  },
  modelApi: {
    host: 'api.openai.com',
    credentials: ['openai_api_key'],
    headers: (_c, token) => ({ authorization: `Bearer ${token}` }),
    readPosts: [/^\/v1\/(chat\/completions|completions|responses|embeddings|moderations)(\?|$)/],
    missing: (dir) =>
      `no OpenAI credential: the agent's requests will be refused by its proxy — set OPENAI_API_KEY (or CODEX_API_KEY), or write ${dir}/openai_api_key, then restart the daemon: clauderon daemon stop`,
  },
  status: { method: 'screen' },
  home: { files: [], state: () => [] },
});
