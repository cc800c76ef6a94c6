// Side effects enter the TUI as services: components call these, never the daemon client,
// child_process or the file system directly. run.ts builds the real ones; tests may pass their own.
import type { ProgressEvent } from '../shared/events.js';
import type { ReconcileItem } from '../shared/types.js';
import type { AccessMode, AgentName, BackendName, Session } from '../shared/types.js';

export interface CreateFormValues {
  prompt: string;
  /** As typed: may be relative (to the TUI's cwd) or start with ~. */
  repoPath: string;
  /** Empty: let the daemon choose (config default, zellij, or tmux). */
  name: string;
  backend: BackendName | 'default';
  agent: AgentName;
  accessMode: AccessMode;
  skipChecks: boolean;
  planMode: boolean;
}

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
  /** Directory completions for a path prefix as typed (~ and relative paths allowed). */
  completePath(prefix: string): Promise<string[]>;
  /** Edit text in $VISUAL / $EDITOR (terminal handed over); resolves with the new text. */
  editText(initial: string): Promise<string>;
  /** Leave the TUI (restores the terminal). */
  quit(): void;
}
