// Every exit status of the `clauderon` bin, in one table: the commands use EXIT, and README's table
// (between <!-- exit-codes:start --> and <!-- exit-codes:end -->) is generated from EXIT_CODES
// (test/docs-cli.test.ts keeps the two in step).

export const EXIT = {
  ok: 0,
  error: 1,
  usage: 2,
  daemonNotRunning: 3,
} as const;

export interface ExitCodeDoc {
  /** The status, or a rule for a range of them. */
  code: string;
  meaning: string;
}

export const EXIT_CODES: readonly ExitCodeDoc[] = [
  { code: String(EXIT.ok), meaning: 'success (also `--help` and `--version`)' },
  {
    code: String(EXIT.error),
    meaning:
      'an error: one line on stderr saying what to do (`--debug` adds the stack trace); with `--json` also `{"error":{"code","message","field"}}` on stdout (`field`: the input it belongs to, when it belongs to one). A broken config.toml is such an error for every command that needs the configuration (`create`, `attach`, `output`, `env`, `config show`…); `list`, `show` and `daemon status` answer and warn `config credentials` (without `--json`) also exits 1 when the daemon could not read a credential source',
  },
  { code: String(EXIT.usage), meaning: 'a usage error: an unknown command or option, a missing argument, a value that is not one of the choices' },
  { code: String(EXIT.daemonNotRunning), meaning: '`daemon status`: no daemon is running for this home (with `--json` the status is 0 and the answer says `"running": false`)' },
  { code: '128 + N', meaning: 'ended by signal N: Ctrl-C (SIGINT) 130, SIGHUP 129, SIGTERM 143 — any command and the TUI (`attach` ends the attach program first; an interrupted `create` goes on in the daemon). A closed stdout (`clauderon list | head -1`) is not an error: the rest of the output is dropped' },
  { code: 'any other', meaning: "`attach`: the attach program's own status when it ends other than by a detach" },
];

/** README's exit-code table. */
export function markdownExitCodeTable(): string {
  return ['| exit status | meaning |', '|---|---|', ...EXIT_CODES.map((e) => `| ${e.code} | ${e.meaning} |`)].join('\n');
}
