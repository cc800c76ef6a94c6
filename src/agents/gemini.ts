// Gemini CLI (Google). No hooks: its status comes from its screen.
import { defineAgent } from './spec.js';

export const geminiSpec = defineAgent({
  name: 'gemini',
  displayName: 'Gemini CLI',
  executable: 'gemini',
  install: 'npm install -g @google/gemini-cli',
  skipChecksFlag: '--yolo',
  supportsPlanMode: false,
  models: [
    { id: 'auto', about: 'Gemini CLI picks per prompt (alias)' },
    { id: 'pro', about: 'the current Pro model (alias)' },
    { id: 'flash', about: 'the current Flash model (alias)' },
    { id: 'flash-lite', about: 'the current Flash-Lite model (alias)' },
    { id: 'gemini-2.5-pro', about: 'Gemini 2.5 Pro' },
    { id: 'gemini-2.5-flash', about: 'Gemini 2.5 Flash' },
    { id: 'gemini-3-pro-preview', about: 'Gemini 3 Pro (preview)' },
  ],
  supportsResume: false,
  args(o) {
    const a: string[] = [];
    if (o.skipChecks) a.push('--yolo');
    if (o.model) a.push('--model', o.model);
    if (!o.resume && o.prompt) a.push(`--prompt-interactive=${o.prompt}`);
    return a;
  },
  modelApis: [
    {
      host: 'generativelanguage.googleapis.com',
      credentials: ['gemini_api_key'],
      headers: (_c, token) => ({ 'x-goog-api-key': token }),
      readPosts: [/:(generateContent|streamGenerateContent|countTokens|embedContent)(\?|$)/],
      missing: (dir) =>
        `no Gemini credential: the agent's requests will be refused by its proxy — set GEMINI_API_KEY (or GOOGLE_API_KEY), or write ${dir}/gemini_api_key, then restart the daemon: clauderon daemon stop`,
    },
  ],
  status: { screen: true },
  home: { files: [], state: () => [] },
});
