// README's agents table, generated from the registry (test/docs-registry.test.ts checks it).
import { allAgentSpecs } from './registry.js';

export function markdownAgentTable(): string {
  const rows = allAgentSpecs().map((a, i) => {
    const launch = { prompt: 'PROMPT', skipChecks: false, planMode: a.supportsPlanMode, model: 'M', sessionId: 'ID', resume: false };
    const cmd = [a.executable, ...a.args(launch)].join(' ');
    const resume = a.supportsResume ? `\`${[a.executable, ...a.args({ ...launch, prompt: '', planMode: false, model: null, resume: true })].join(' ')}\`` : 'restarts without the prompt';
    const status = [a.status.fromHook ? 'its hooks' : '', a.status.screen === 'all' ? 'its screen' : a.status.screen === 'approvals' ? 'its screen (approvals)' : ''].filter(Boolean).join(' and ');
    return `| \`${a.name}\`${i === 0 ? ' (default)' : ''} | \`${cmd}\` | \`${a.skipChecksFlag}\` | ${a.supportsPlanMode ? 'yes' : 'not supported (you are told)'} | ${resume} | ${status} | ${a.modelApis.map((m) => `\`${m.host}\`: ${m.credentials.map((c) => `\`${c}\``).join(' or ')}`).join('; ')} |`;
  });
  return ['| agent | command line clauderon runs | skip checks | plan mode | on unarchive | status from | model API: credential |', '|---|---|---|---|---|---|---|', ...rows].join('\n');
}
