// clauderon detachable -- CMD…: run an attach program that has no detach keys of its own
// (`kubectl attach -it` ends only when it is killed) in a pseudo-terminal of ours, pass the
// terminal through, and detach on Ctrl-P Ctrl-Q as `docker attach` does: the attach program is
// ended, the agent keeps running, this exits 0 and the terminal is given back as it was.
// A backend's attach command names it (the Kubernetes backend's); it is not for typing.
import type { Command } from 'commander';

const CTRL_P = 0x10;
const CTRL_Q = 0x11;

export function addDetachableCommand(program: Command): void {
  program
    .command('detachable', { hidden: true })
    .description('run an attach program under a pty, detaching on Ctrl-P Ctrl-Q')
    .argument('<command...>', 'the attach program and its arguments')
    .action(async (argv: string[]) => {
      process.exitCode = await runDetachable(argv);
    });
}

export async function runDetachable(argv: string[]): Promise<number> {
  const [cmd = '', ...args] = argv;
  const { spawn } = await import('node-pty');
  const stdin = process.stdin;
  const cols = process.stdout.columns || 80;
  const rows = process.stdout.rows || 24;
  const env = Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined));
  let child: ReturnType<typeof spawn>;
  try {
    child = spawn(cmd, args, { cols, rows, env, name: process.env.TERM ?? 'xterm-256color' });
  } catch (e) {
    process.stderr.write(`clauderon: could not run ${cmd}: ${e instanceof Error ? e.message : String(e)}\n`);
    return 127;
  }
  const raw = stdin.isTTY;
  if (raw) stdin.setRawMode(true);
  stdin.resume();
  let held = false;
  let detached = false;
  const onInput = (d: Buffer) => {
    const out: number[] = [];
    for (const b of d) {
      if (held) {
        held = false;
        if (b === CTRL_Q) {
          detached = true;
          child.kill('SIGTERM');
          return;
        }
        out.push(CTRL_P); // (a lone Ctrl-P is the agent's)
      }
      if (b === CTRL_P) held = true;
      else out.push(b);
    }
    if (out.length > 0) child.write(Buffer.from(out));
  };
  stdin.on('data', onInput);
  const onResize = () => child.resize(process.stdout.columns || cols, process.stdout.rows || rows);
  process.stdout.on('resize', onResize);
  child.onData((d) => process.stdout.write(d));
  const code = await new Promise<number>((resolve) => child.onExit(({ exitCode }) => resolve(exitCode)));
  stdin.off('data', onInput);
  process.stdout.off('resize', onResize);
  if (raw) stdin.setRawMode(false);
  stdin.pause();
  if (detached) {
    process.stderr.write('\r\ndetached (the agent keeps running)\r\n');
    return 0;
  }
  return code;
}
