// Where a daemon error about a create request belongs in the dialog, so it can be shown inline
// at the field (the daemon's messages name the option they are about).
import type { CreateState } from './store.js';

export function placeCreateError(message: string): Pick<CreateState, 'formError' | 'fieldErrors'> {
  const rules: [RegExp, keyof CreateState['fieldErrors']][] = [
    [/--name|session named|name "/, 'name'],
    [/git repository|repository path|has no commits|is not a directory|bare repository|--repo/, 'repo'],
    [/--agent|\[agents\./, 'agent'],
    [/--backend|multiplexer|default_backend/, 'backend'],
  ];
  for (const [re, field] of rules) if (re.test(message)) return { formError: null, fieldErrors: { [field]: message } };
  return { formError: message, fieldErrors: {} };
}
