// Side effects enter the TUI as services: components call these, never the daemon client,
// child_process or the file system directly. run.ts builds the real ones; tests may pass their own.
import type { DaemonInfo } from '../protocol/operations.js';
import type { DirectoryListing } from '../shared/directories.js';
import type { UploadResult } from '../shared/images.js';
import type { AttachParams } from './attach-dialog/use-attach-state.js';
import type { ProgressEvent } from '../shared/events.js';
import type { ReconcileItem, SessionDiff } from '../shared/types.js';
import type { AccessMode, AgentName, BackendName, Session } from '../shared/types.js';

export interface CreateFormValues {
  prompt: string;
  /** As typed: may be relative (to the TUI's cwd) or start with ~. */
  repoPath: string;
  /** Empty: let the daemon choose (config default, zellij, or tmux). */
  name: string;
  backend: BackendName | 'default';
  /** The chosen backend's own options (from its registry spec's options), only those set. */
  backendRequest: Record<string, string | number | boolean>;
  agent: AgentName;
  /** Empty: the agent's default model. */
  model: string;
  accessMode: AccessMode;
  skipChecks: boolean;
  planMode: boolean;
}

/** The directory browser's listing (src/shared/directories.ts: the daemon's directories.browse answers the same). */
export type { DirectoryListing } from '../shared/directories.js';

export interface TuiServices {
  /** Create a session; progress arrives step by step. Rejects with the daemon's error. */
  createSession(values: CreateFormValues, onProgress: (p: ProgressEvent) => void): Promise<{ session: Session; warnings: string[] }>;
  archive(id: string): Promise<Session>;
  unarchive(id: string): Promise<Session>;
  deleteSession(id: string, force: boolean): Promise<{ notes: string[] }>;
  reconcile(): Promise<ReconcileItem[]>;
  /** Reload the whole list from the daemon into the store. */
  reload(): Promise<void>;
  /** Hand the terminal to the session's attach command; resolves when the user detaches. */
  attach(id: string): Promise<void>;
  /** Most recently used repositories, newest first. */
  recentRepos(): Promise<string[]>;
  /**
   * Directory completions for a path prefix as typed (~ and relative paths allowed), directories
   * ending in `/`; with `images`, image files too (by their extension: .png, .jpg…).
   */
  completePath(prefix: string, opts?: { images?: boolean }): Promise<string[]>;
  /** Edit text in $VISUAL / $EDITOR (terminal handed over); resolves with the new text. */
  editText(initial: string): Promise<string>;
  /** One directory's subdirectories for the create dialog's browser (~ and relative paths allowed). */
  listDirectory(path: string): Promise<DirectoryListing>;
  /**
   * Attach an image to a session by its path on this host (sessions.upload: the daemon reads and
   * checks the file) and type the message and the agent's path into the agent. Rejects with the
   * daemon's refusal (not an image, too big, a backend that cannot take files…).
   */
  attachImage(params: AttachParams): Promise<UploadResult>;
  /**
   * Allow `host` (and `port`; none: 443 and 80) in the session's egress policy (sessions.egressAllow):
   * the running proxy applies it to the next request. `note` says what changed.
   */
  egressAllow(id: string, host: string, port: number | undefined): Promise<{ note: string }>;
  /** The selected session's changes against the commit it started from. */
  diff(id: string): Promise<SessionDiff>;
  /**
   * Push the session's screen (plain text, newest state) to onScreen while watched: at once, then
   * on change, throttled by the daemon. The returned function stops watching.
   */
  watchScreen(id: string, onScreen: (screen: string) => void, onError: (message: string) => void): () => void;
  /** The daemon's own notes (HTTP API and config problems). */
  daemonInfo(): Promise<DaemonInfo>;
  /** Start the daemon again after the user stopped it (the TUI never does it by itself). */
  startDaemon(): Promise<void>;
  /** A desktop notification (OSC 9 / OSC 777 / notify-send), when [tui] notifications is on. */
  notify(title: string, body: string): void;
  /** Leave the TUI (restores the terminal). */
  quit(code?: number): void;
}
