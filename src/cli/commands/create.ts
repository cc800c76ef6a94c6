// clauderon create: a worktree of the repository and an agent working on the prompt. Progress
// goes to stderr step by step; a warning (e.g. no credential for the agent's API) always does.
import { readFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { expandPath } from '../../client/handoff.js';
import { ClauderonError } from '../../shared/errors.js';
import type { ProgressEvent } from '../../shared/events.js';
import { ACCESS_MODES, AGENTS, BACKENDS } from '../../shared/types.js';
import { backendOptions } from '../../backends/registry.js';
import { EGRESS_POLICIES, PRESETS, type EgressPolicyName } from '../../shared/egress-rules.js';
import type { CliContext } from '../context.js';
import { note, printResult, publicSession } from '../output.js';
import { endLikeSignal } from '../signals.js';
import { checkImageFile, reportUploads, uploadFiles } from './upload.js';
import { EXIT } from '../exit-codes.js';

/** Every backend's own flags, from the backend registry (e.g. Docker's --image, --cpu-limit). */
function addBackendOptions(cmd: Command): Command {
  for (const o of backendOptions()) {
    const opt = new Option(o.flag, o.description);
    cmd.addOption(o.choices ? opt.choices(o.choices) : opt);
  }
  return cmd;
}

/** The create request's backendRequest from the backend flags (absent when none is given). */
function backendRequestFrom(given: Record<string, unknown>): Record<string, string | number> | undefined {
  const out: Record<string, string | number> = {};
  for (const o of backendOptions()) {
    const raw = given[o.key];
    if (typeof raw !== 'string') continue;
    if (o.type === 'number') {
      const n = Number(raw);
      if (!(Number.isFinite(n) && n > 0)) throw new ClauderonError('invalid_input', `invalid ${o.flag.split(' ')[0]} "${raw}": expected ${o.expects ?? 'a number above 0'}`);
      out[o.key] = n;
    } else out[o.key] = raw;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function readPrompt(opt: string | undefined, file: string | undefined): string {
  if (file !== undefined) return readFileSync(file === '-' ? 0 : file, 'utf8').trim();
  if (opt === '-') return readFileSync(0, 'utf8').trim();
  return opt ?? '';
}

/**
 * Create's progress on stderr. Steps only when asked (a terminal, or CLAUDERON_PROGRESS); a warning
 * always, as it arrives — it must reach the user before the agent starts. `warned` collects them so
 * the result's warnings are not printed twice.
 */
function progressPrinter(enabled: boolean, warned: Set<string>): (p: ProgressEvent) => void {
  return (p) => {
    if (p.state === 'warning') {
      if (p.message !== null && !warned.has(p.message)) process.stderr.write(`warning: ${p.message}\n`);
      if (p.message !== null) warned.add(p.message);
      return;
    }
    if (!enabled) return;
    if (p.state === 'started') return;
    const mark = p.state === 'done' ? '✓' : p.state === 'failed' ? '✗' : '↺';
    const extra = p.state === 'rolled_back' ? ' (rolled back)' : p.ms !== null ? ` (${p.ms} ms)` : '';
    process.stderr.write(`  ${mark} ${p.step}${extra}${p.message ? `: ${p.message}` : ''}\n`);
  };
}

export function addCreateCommand(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('create')
    .description('create a session: a worktree of the repository and an agent working on the prompt')
    .option('-r, --repo <path>', 'repository (or a directory inside one)', '.')
    .option('-p, --prompt <text>', 'what the agent should do ("-" reads standard input); without a prompt the agent starts with no task and waits for you to type one (clauderon attach NAME)')
    .option('--prompt-file <file>', 'read the prompt from a file ("-" for standard input)')
    .option('-n, --name <name>', 'session name (default: from the prompt plus a 4-character suffix)')
    .addOption(new Option('-b, --backend <backend>', 'where the agent runs (default: zellij, or tmux when zellij is missing)').choices(BACKENDS))
    .addOption(new Option('-a, --agent <agent>', 'which agent (default: claude)').choices(AGENTS))
    .option('-m, --model <model>', 'model for the agent')
    .addOption(new Option('--access-mode <mode>', 'what the agent may do through the proxy').choices(ACCESS_MODES).default('read-write'))
    .addOption(new Option('--egress <policy>', "which hosts the agent may reach through its proxy: open, allow-list (its own API + allowed hosts), locked (its own API only) (default: config.toml [egress])").choices(EGRESS_POLICIES))
    .option('--allow-host <host>', `with --egress allow-list or locked: also allow a host, *.suffix, host:port, or a preset (${Object.keys(PRESETS).join(', ')}); repeatable`, (v: string, prev: string[] = []) => [...prev, v])
    .option('--dangerous-skip-checks', "skip the agent's permission prompts (e.g. claude --dangerously-skip-permissions)", false)
    .option('--no-plan-mode', 'start the agent out of plan mode')
    .option('--attach <file>', 'an image for the agent (PNG, JPEG, GIF, WebP; repeatable): attached once the session runs and its path typed into the agent (see clauderon upload)', (v: string, prev: string[] = []) => [...prev, v]);
  addBackendOptions(cmd)
    .option('--json', 'print the session as JSON')
    .addHelpText('after', '\nThe daemon goes on creating a session once asked: Ctrl-C stops waiting for it (exit 130), not the create.\nA broken config.toml refuses every create until it is fixed (clauderon config show names the line).')
    .action(async (o: Record<string, unknown> & {
      repo: string; prompt?: string; promptFile?: string; name?: string; backend?: (typeof BACKENDS)[number];
      agent?: (typeof AGENTS)[number]; model?: string; accessMode: (typeof ACCESS_MODES)[number];
      dangerousSkipChecks: boolean; planMode: boolean; json?: boolean; attach?: string[];
      egress?: EgressPolicyName; allowHost?: string[];
    }) => {
      const backendRequest = backendRequestFrom(o);
      // (checked before anything is created: a wrong file refuses the create)
      const attachments = (o.attach ?? []).map(checkImageFile);
      const prompt = readPrompt(o.prompt, o.promptFile);
      const showProgress = !o.json && Boolean(process.stderr.isTTY || process.env.CLAUDERON_PROGRESS);
      const warned = new Set<string>();
      // Ctrl-C stops waiting, not the create (the daemon has it): said, then ended as by SIGINT.
      const onInterrupt = () => {
        process.stderr.write('\nclauderon: interrupted — the daemon goes on with the create (clauderon list shows it)\n');
        process.off('SIGINT', onInterrupt);
        endLikeSignal('SIGINT');
      };
      process.on('SIGINT', onInterrupt);
      const request = {
        repoPath: expandPath(o.repo),
        prompt,
        ...(o.name !== undefined ? { name: o.name } : {}),
        ...(o.backend ? { backend: o.backend } : {}),
        ...(o.agent ? { agent: o.agent } : {}),
        ...(o.model ? { model: o.model } : {}),
        accessMode: o.accessMode,
        skipChecks: o.dangerousSkipChecks,
        planMode: o.planMode,
        ...(o.egress ? { egress: o.egress } : {}),
        ...(o.allowHost ? { allowHosts: o.allowHost } : {}),
        ...(backendRequest ? { backendRequest } : {}),
      };
      const result = await ctx
        .withClient(async (c) => {
          const created = await c.call('sessions.create', request, progressPrinter(showProgress, warned));
          // The images, once the session is there: its agent already has the prompt, so their paths
          // follow as one typed message (the create flow itself is left as it is).
          const uploads = attachments.length > 0 ? await uploadFiles(c, created.session.id, attachments, { message: attachments.length > 1 ? 'Images for this task:' : 'An image for this task:' }) : [];
          return { ...created, uploads };
        })
        .finally(() => process.off('SIGINT', onInterrupt));
      note(result.warnings.filter((w) => !warned.has(w)));
      const s = result.session;
      if (result.uploads.length > 0 && !o.json) reportUploads(result.uploads, o.attach ?? [], {});
      for (const r of o.json ? result.uploads : []) {
        if (r.sendError === null) continue;
        process.stderr.write(`error: an image is attached, but its path could not be typed into the agent: ${r.sendError}\n`);
        process.exitCode = EXIT.error;
      }
      printResult(o, () => ({ ...publicSession(s), ...(result.uploads.length > 0 ? { uploads: result.uploads } : {}) }), () => `Created ${s.name} (${s.agent} on ${s.backend}, branch ${s.branchName})\nAttach: clauderon attach ${s.name}\n`);
    });
}
