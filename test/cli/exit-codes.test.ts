// The exit statuses of src/cli/exit-codes.ts (README's table is made from it), through the built CLI.
import { afterEach, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { makeEnv, type Env } from '../helpers/e2e.js';

let env: Env;
afterEach(() => env?.cleanup());

describe('exit statuses', () => {
  it('0 success, 1 error (with --json the error object), 2 usage, 3 no daemon for daemon status', () => {
    env = makeEnv();
    expect(env.run(['--version']).code).toBe(EXIT.ok);
    expect(env.run(['config', 'nope']).code).toBe(EXIT.usage);
    expect(env.run(['create', '--backend', 'vagrant']).code).toBe(EXIT.usage);
    const status = env.run(['daemon', 'status']);
    expect(status).toMatchObject({ code: EXIT.daemonNotRunning, stdout: 'not running\n' });
    expect(env.run(['daemon', 'status', '--json'])).toMatchObject({ code: EXIT.ok, stdout: '{\n  "running": false\n}\n' });

    const missing = env.run(['show', 'no-such-session', '--json']);
    expect(missing.code).toBe(EXIT.error);
    expect(missing.stderr).toMatch(/^clauderon: .*no-such-session.*\n$/);
    expect(JSON.parse(missing.stdout)).toMatchObject({ error: { code: 'not_found' } });
    expect(env.run(['daemon', 'status']).code).toBe(EXIT.ok);
  });
});
