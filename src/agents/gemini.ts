// Gemini CLI (Google). No hooks: its status comes from its screen.
import { defineAgent } from './spec.js';

export const geminiSpec = defineAgent({
  name: 'gemini',
  displayName: 'Gemini CLI',
  executable: 'gemini',
  install: 'npm install -g @google/gemini-cli',
  skipChecksFlag: '--yolo',
  supportsPlanMode: false,
  supportsResume: false,
  args(o) {
    const a: string[] = [];
    if (o.skipChecks) a.push('--yolo');
    if (o.model) a.push('--model', o.model);
    if (!o.resume && o.prompt) a.push(`--prompt-interactive=${o.prompt}`);
    return a;
  },
  modelApi: {
    host: 'generativelanguage.googleapis.com',
    credentials: ['gemini_api_key'],
    headers: (_c, token) => ({ 'x-goog-api-key': token }),
    readPosts: [/:(generateContent|streamGenerateContent|countTokens|embedContent)(\?|$)/],
    missing: (dir) =>
      `no Gemini credential: the agent's requests will be refused by its proxy — set GEMINI_API_KEY (or GOOGLE_API_KEY), or write ${dir}/gemini_api_key, then restart the daemon: clauderon daemon stop`,
  },
  status: { method: 'screen' },
  home: { files: [], state: () => [] },
});
