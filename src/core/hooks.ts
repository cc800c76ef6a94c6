// Live agent status from the agents' own hooks. Claude Code sessions start with
// `--settings ~/.clauderon/hooks-settings.json` (the repository's .claude/settings.json is never
// touched): every hook event runs a short curl that posts the event's JSON to the daemon's hooks
// listener (a loopback port of its own, kept across restarts; see POST_STDIN) with the session's hook token, and always exits 0 within 2 s, so a hook never blocks or
// fails the agent, even when the daemon is down. The file holds no secret and no session data:
// the URL, the token and the session id come from the agent's environment. (When the proxy holds
// an Anthropic API key, Claude Code gets a variant of the file that also has an apiKeyHelper — see
// agentSettingsFile.) Which events an agent has and what they mean is its spec's (agents/). Hook payloads come from the agent: their fields are checked (hookFields).
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { AgentSpec, HookPayload } from '../agents/spec.js';
import type { Paths } from '../config/paths.js';
import type { AgentStatus } from '../shared/types.js';

/**
 * Post stdin (an event's JSON) to the daemon with the session's token: at most 2 s, never through
 * the proxy. Where to: the port in CLAUDERON_HOOK_PORT_FILE (the daemon's hooks port now, read
 * at run time, so a session started before a daemon restart still reaches it), else
 * CLAUDERON_HOOK_URL (inside a container, where that file is not).
 */
const POST_STDIN =
  `{ _cp=$(cat "$CLAUDERON_HOOK_PORT_FILE" 2>/dev/null); ` +
  `case "$_cp" in ''|*[!0-9]*) _cu="$CLAUDERON_HOOK_URL" ;; *) _cu="http://127.0.0.1:$_cp" ;; esac; ` +
  `curl -sS -m 2 --noproxy '*' -o /dev/null -H "authorization: Bearer $CLAUDERON_HOOK_TOKEN" ` +
  `-H 'content-type: application/json' --data-binary @- ` +
  `"$_cu/api/hooks?session=$CLAUDERON_SESSION_ID" >/dev/null 2>&1; }`;

/** The command every hook runs: post the event; never fail. */
export const HOOK_COMMAND = `${POST_STDIN} || true`;

export type { HookPayload };

/** The event the exit report posts. */
export const AGENT_EXIT = 'ClauderonAgentExit';

/** `sh -c EXIT_REPORT clauderon-agent ARGV…`: run the agent, post its exit status, exit with it. */
export const EXIT_REPORT = `"$@"; s=$?; printf '{"hook_event_name":"${AGENT_EXIT}","exit_status":%d}' "$s" | ${POST_STDIN}; exit $s`;

/**
 * The settings file an agent with `settings` (Claude Code: --settings) is started with: its hooks
 * when the HTTP API listens, its API-key helper when its proxy holds the API key; null when neither
 * (or the agent takes none). One deterministic file per combination, so sessions share them and
 * none holds a secret or session data. (The file names are paths.ts's; a second agent with a
 * settings file would get names of its own there.)
 */
export function agentSettingsFile(paths: Paths, agent: AgentSpec, want: { hooks: boolean; apiKeyHelper: boolean }): string | null {
  const s = agent.settings;
  if (!s) return null;
  if (!want.apiKeyHelper) return want.hooks ? writeSettings(paths.hookSettings, s.hooks(HOOK_COMMAND)) : null;
  const file = want.hooks ? paths.hooksApiKeySettings : paths.apiKeySettings;
  return writeSettings(file, { ...(want.hooks ? s.hooks(HOOK_COMMAND) : {}), ...s.apiKeyHelper });
}

function writeSettings(file: string, settings: Record<string, unknown>): string {
  const text = `${JSON.stringify(settings, null, 2)}\n`;
  if (!existsSync(file) || readFileSync(file, 'utf8') !== text) writeFileSync(file, text, { mode: 0o644 });
  return file;
}

/** The port the daemon received hooks on last (it takes it again at its next start), or null. */
export function readHookPort(paths: Pick<Paths, 'hookPort'>): number | null {
  try {
    const n = Number(readFileSync(paths.hookPort, 'utf8').trim());
    return Number.isInteger(n) && n > 0 && n < 65536 ? n : null;
  } catch {
    return null;
  }
}

/** Where the hook command of every host session reads the port from (hook-port, see POST_STDIN). */
export function writeHookPort(paths: Pick<Paths, 'hookPort'>, port: number): void {
  // (rewritten in place: the same file, so nothing that holds it open or mounted loses it)
  writeFileSync(paths.hookPort, `${port}\n`, { mode: 0o600 });
}

/** Per-session hook tokens: an HMAC of the session id under a key of this home (never stored). */
export class HookTokens {
  private readonly key: Buffer;

  constructor(paths: Paths) {
    const file = paths.hookAuthKey;
    if (!existsSync(file)) {
      try {
        writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' });
      } catch {
        // made by a racing daemon: read it
      }
    }
    this.key = Buffer.from(readFileSync(file, 'utf8').trim(), 'hex');
  }

  tokenFor(sessionId: string): string {
    return createHmac('sha256', this.key).update(`hook:${sessionId}`).digest('hex').slice(0, 40);
  }

  verify(sessionId: string, token: string): boolean {
    const want = Buffer.from(this.tokenFor(sessionId));
    const got = Buffer.from(token);
    return got.length === want.length && timingSafeEqual(got, want);
  }
}

/** Longest transcript path taken from a hook (PATH_MAX). */
export const MAX_TRANSCRIPT_PATH = 4096;

/**
 * The fields of a hook payload clauderon keeps, checked at the edge: a payload comes from the agent,
 * which may be hostile. transcript_path: an absolute path of bounded length without NUL, else
 * null (where it may point is checked again when it is read). exit_status: an integer 0–255, else null.
 */
export function hookFields(p: HookPayload): { transcriptPath: string | null; exitStatus: number | null } {
  const t = p.transcript_path;
  const transcriptPath = typeof t === 'string' && t.startsWith('/') && t.length <= MAX_TRANSCRIPT_PATH && !t.includes('\0') ? t : null;
  const e = p.exit_status;
  const exitStatus = typeof e === 'number' && Number.isInteger(e) && e >= 0 && e <= 255 ? e : null;
  return { transcriptPath, exitStatus };
}

/** An approval question near the bottom of an agent's screen. */
const APPROVAL = /\((y\/n|Y\/n|y\/N)\)|\[(y\/n|Y\/n|y\/N)\]|\b(allow|approve|permit)\b[^\n]*\?|do you want to (run|proceed|allow|make)/i;
/** An input prompt as the last line: a bare prompt character, or the agents' "type here" hints. */
const INPUT = /^\s*[>›❯]\s*$|type your message|ask codex|send a message|what would you like/i;

/**
 * The screen fallback for agents without hooks: waiting_input when the last line is a prompt,
 * waiting_approval when the last lines ask for an approval, working when the screen changed since
 * the last look; null (leave it) otherwise.
 */
/**
 * An approval question anywhere in the bottom `lines` lines (a dialog box: its question sits above
 * its options, and the agent may print warnings below it).
 */
export function approvalAsked(screen: string, lines = 24): boolean {
  const tail = screen.split('\n').map((l) => l.trimEnd()).filter((l) => l.trim() !== '').slice(-lines).join('\n');
  return APPROVAL.test(tail);
}

export function agentStatusForScreen(screen: string, changed: boolean): AgentStatus | null {
  const lines = screen.split('\n').map((l) => l.trimEnd()).filter((l) => l.trim() !== '');
  const tail = lines.slice(-6).join('\n');
  // a prompt on the last line wins: a question above it has been answered
  if (INPUT.test(lines.at(-1) ?? '')) return 'waiting_input';
  if (APPROVAL.test(tail)) return 'waiting_approval';
  return changed ? 'working' : null;
}
