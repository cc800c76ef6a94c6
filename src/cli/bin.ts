// The `clauderon` bin's entry. `clauderon` alone, in a terminal, opens the TUI straight away: that
// path loads neither commander nor any command's module (the first frame is what a user sees
// first; `npm run bench` measures it beside a bare Ink app). Anything else is the CLI (main.ts).
import { getPaths, resolveHome } from '../config/paths.js';

if (process.argv.length <= 2 && process.stdout.isTTY && process.stdin.isTTY) {
  try {
    const { startTui } = await import('./tui-start.js');
    process.exitCode = await startTui(getPaths(resolveHome()));
  } catch (e) {
    const { printError } = await import('./output.js');
    printError(e, { debug: false, json: false });
    process.exitCode = 1;
  }
} else {
  await import('./main.js');
}
