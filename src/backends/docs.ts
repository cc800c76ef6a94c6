// README's backends table, generated from the registry (test/docs-registry.test.ts checks it).
import { allBackendSpecs } from './registry.js';

export function markdownBackendTable(): string {
  const rows = allBackendSpecs().map((s) => {
    const name = `\`${s.name}\`${s.capabilities.fallbackRank === 0 ? ' (default)' : ''}`;
    const options = s.options.length > 0 ? s.options.map((o) => `\`${o.flag.split(' ')[0] ?? o.flag}\``).join(', ') : '—';
    return `| ${name} | ${s.runsIn} | ${s.requirements} | ${options} | ${s.verified} |`;
  });
  return ['| backend | runs in, and how to attach | requirements | create options | verified against |', '|---|---|---|---|---|', ...rows].join('\n');
}
