// git as the session manager sees it: the operations it runs on repositories and worktrees, as a
// service like every other side effect (ManagerDeps.git), so the manager can be tested with an
// in-process fake. The default is src/git/git.ts itself.
import * as git from '../git/git.js';
import type { RepoInfo } from '../git/git.js';
import { branchStart, diffFromBase, type SessionDiff } from '../git/diff.js';

export type { RepoInfo };

export interface GitService {
  /** The repository a path is in (root, subdirectory, HEAD); refuses what is not a usable checkout. */
  resolveRepo(inputPath: string): Promise<RepoInfo>;
  /** Refuses a subdirectory a worktree of `repo.headSha` would not have. */
  checkSubdirectoryInHead(repo: RepoInfo): Promise<void>;
  branchExists(repoRoot: string, branch: string): Promise<boolean>;
  /** A new worktree on a new branch from `startPoint`. */
  addWorktree(repoRoot: string, worktreePath: string, branch: string, startPoint?: string): Promise<void>;
  /** A worktree for a branch that exists (its directory was lost). */
  addExistingWorktree(repoRoot: string, worktreePath: string, branch: string): Promise<void>;
  /** Remove a worktree (a missing directory is fine) and prune. */
  removeWorktree(repoRoot: string, worktreePath: string, opts: { force: boolean }): Promise<void>;
  pruneWorktrees(repoRoot: string): Promise<void>;
  /** Delete a branch unless it has commits on no other branch (unless forced). */
  deleteBranch(repoRoot: string, branch: string, opts: { force: boolean }): Promise<{ deleted: boolean; uniqueCommits: number }>;
  /** Uncommitted changes, ignoring the `ignore` globs. */
  isDirty(worktreePath: string, ignore?: readonly string[]): Promise<boolean>;
  /** The absolute git common dir of a worktree. */
  gitCommonDir(worktreePath: string): Promise<string>;
  /** The main worktree of the repository whose worktree `dir` is the top of; null if none. */
  mainRepoOf(dir: string): Promise<string | null>;
  /** The worktree's changes against `base`: committed, staged, unstaged and untracked (read-only). */
  diffFromBase(worktreePath: string, base: string, o?: { ignore?: readonly string[]; maxBytes?: number }): Promise<SessionDiff>;
  /** The commit a branch was created from (its reflog's first entry), or null. */
  branchStart(repoRoot: string, branch: string): Promise<string | null>;
}

/** The real one: git.ts (its functions are the interface, checked here). */
export const realGit: GitService = { ...git, diffFromBase, branchStart };
