//! Read-only git state of a task workspace, through the `git` CLI: the unsaved work it
//! holds, and where its work went (merged, squash-merged, pushed, ...).
//!
//! Workspaces are written by agents, so their repository config is not trusted: git is
//! pointed at the workspace explicitly (`GIT_DIR`, `GIT_WORK_TREE`, so `core.worktree` and
//! `core.bare` cannot send it elsewhere), `core.fsmonitor` is off and every filter driver
//! a config defines is blanked, because `git status` would otherwise run those commands
//! (and `safe.directory=*` switches off the ownership check that normally guards against
//! that). No command run here runs hooks.
//!
//! One inspection takes two git processes in the common cases: `git status
//! --porcelain=v2 --branch` (branch, upstream, uncommitted and ignored paths) and one
//! `git rev-list --left-right --cherry-mark` of the branch against its base. The refs,
//! the branch's reflog and the config's mention of filters are read from the `.git`
//! folder directly (small files, never following a final symlink, never blocking on a
//! pipe). A third process runs only to settle a rarer case: a repository whose config
//! may define filters or includes, a branch whose commits are not all in the base by
//! patch (a squash merge of several commits: is the whole diff in the base?), or another
//! local branch whose tip is on no remote.
//!
//! - `runner`: how git is run (environment, config overrides, deadline);
//! - `repo_files`: what is read from `.git` without a process;
//! - `report`: parsing git's output (status, rev-list, refs);
//! - `classify`: deciding where the work went;
//! - `fetch`: "Check remotes" (`git fetch --prune`, with a stricter environment);
//! - [`pull_request`]: the task's pull request state from `gh`, cached per task;
//! - [`state_cache`]: the states `list` keeps while a workspace's tree is unchanged.

mod classify;
mod fetch;
pub mod pull_request;
mod repo_files;
mod report;
mod runner;
pub mod state_cache;

pub use fetch::{FETCH_TIMEOUT, fetch};

use serde::{Deserialize, Serialize};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long the inspection of one workspace may take (every git call of it together).
pub const DEFAULT_GIT_TIMEOUT: Duration = Duration::from_secs(5);

/// Inherited variables (e.g. when run from a git hook) that would point git at
/// another repository than the one in the working directory.
pub const REPOSITORY_OVERRIDES: [&str; 7] = [
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_COMMON_DIR",
    "GIT_NAMESPACE",
];

/// Where a workspace's work went, as far as the local clone can tell (no network; "Check
/// remotes" fetches first).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "class", rename_all = "snake_case")]
pub enum Work {
    /// The branch tip is reachable from the remote-tracking base branch.
    Merged,
    /// Not reachable, but every commit of the branch has an equivalent patch in the base,
    /// or the branch's whole diff is already in the base's tree.
    SquashMerged,
    /// Every local commit is on a remote-tracking branch, and nothing is uncommitted.
    Pushed,
    /// Commits that no remote-tracking branch holds (on the branch or another one).
    Unpushed {
        /// How many (never fewer than there are).
        commits: u32,
    },
    /// Changed, staged, deleted or untracked (not ignored) paths: work in no commit.
    Uncommitted {
        /// How many paths.
        paths: u32,
    },
    /// The branch never got a commit of its own (its reflog holds only its creation),
    /// and nothing is uncommitted or unpushed: the clone is disposable.
    NoCommits,
    /// Git could not say, and why (no remote, a detached HEAD, git failed).
    Unknown {
        /// Why, for people.
        reason: String,
    },
}

impl Work {
    /// Deleting the workspace loses nothing: merged, squash-merged, pushed (and clean),
    /// or no commits.
    pub fn is_safe_to_delete(&self) -> bool {
        matches!(
            self,
            Self::Merged | Self::SquashMerged | Self::Pushed | Self::NoCommits
        )
    }

    /// The work is in the base branch (by ancestry, or by patch or tree).
    pub fn is_merged(&self) -> bool {
        matches!(self, Self::Merged | Self::SquashMerged)
    }

    /// In a few words: "merged", "squash-merged", "unpushed 2", "unknown (no remote)".
    pub fn label(&self) -> String {
        match self {
            Self::Merged => "merged".into(),
            Self::SquashMerged => "squash-merged".into(),
            Self::Pushed => "pushed".into(),
            Self::Unpushed { commits } => format!("unpushed {commits}"),
            Self::Uncommitted { paths } => format!("uncommitted {paths}"),
            Self::NoCommits => "no commits".into(),
            Self::Unknown { reason } => format!("unknown ({reason})"),
        }
    }

    /// What the class means, for a tooltip.
    pub fn explanation(&self) -> &'static str {
        match self {
            Self::Merged => "The branch tip is in the base branch: nothing is lost by deleting it",
            Self::SquashMerged => {
                "The branch's changes are in the base branch (squash or rebase merge): nothing is lost by deleting it"
            }
            Self::Pushed => {
                "Every commit is on the remote and nothing is uncommitted: nothing is lost by deleting it"
            }
            Self::Unpushed { .. } => "Commits that exist nowhere else would be lost",
            Self::Uncommitted { .. } => "Changes that are in no commit would be lost",
            Self::NoCommits => {
                "The branch never got a commit of its own and nothing is uncommitted: the clone is disposable"
            }
            Self::Unknown { .. } => "Git could not tell where the work went",
        }
    }
}

/// What git says of a workspace: its branch, the work that exists nowhere else, and
/// where the work went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GitState {
    /// Checked-out branch; `None` when HEAD is detached.
    pub branch: Option<String>,
    /// Changed, staged, deleted and untracked (not ignored) paths.
    pub uncommitted: u32,
    /// Commits on HEAD or any local branch that no remote-tracking branch contains
    /// (an upper bound where counting them exactly would take another git process).
    pub unpushed: u32,
    /// Where the work went.
    pub work: Work,
    /// The remote-tracking branch the work was compared with (`origin/main`), if any.
    pub base: Option<String>,
}

/// A workspace's git state as far as it could be read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum GitStatus {
    /// Git answered.
    Known(GitState),
    /// Git could not answer (no git, not a repository, a timeout, an error).
    Unknown {
        /// Why, for people.
        reason: String,
    },
}

impl GitStatus {
    /// Whether deleting the workspace would lose work that exists nowhere else.
    /// An unknown state says nothing either way, so it is `false`; callers decide how
    /// cautious to be about `Unknown`.
    pub fn has_unsaved_work(&self) -> bool {
        matches!(self, Self::Known(state) if state.uncommitted > 0 || state.unpushed > 0)
    }

    /// The unsaved work in words: "clean", "2 uncommitted, 1 unpushed", "unknown (why)".
    pub fn describe(&self) -> String {
        match self {
            Self::Known(state) => {
                let mut parts = Vec::new();
                if state.uncommitted > 0 {
                    parts.push(format!("{} uncommitted", state.uncommitted));
                }
                if state.unpushed > 0 {
                    parts.push(format!("{} unpushed", state.unpushed));
                }
                if parts.is_empty() {
                    "clean".to_owned()
                } else {
                    parts.join(", ")
                }
            }
            Self::Unknown { reason } => format!("unknown ({reason})"),
        }
    }

    /// Where the work went; [`Work::Unknown`] when git could not answer.
    pub fn work(&self) -> Work {
        match self {
            Self::Known(state) => state.work.clone(),
            Self::Unknown { reason } => Work::Unknown {
                reason: reason.clone(),
            },
        }
    }

    /// Deleting the workspace loses nothing ([`Work::is_safe_to_delete`]).
    pub fn is_safe_to_delete(&self) -> bool {
        matches!(self, Self::Known(state) if state.work.is_safe_to_delete())
    }

    /// Its unsaved work is all in the base branch: unpushed commits that are merged or
    /// squash-merged, and nothing uncommitted.
    pub fn unsaved_work_is_merged(&self) -> bool {
        matches!(self, Self::Known(state) if state.uncommitted == 0 && state.work.is_merged())
    }
}

/// Everything one inspection found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inspection {
    /// The git state.
    pub status: GitStatus,
    /// What git ignores at the top of each ignored part of the workspace (a folder
    /// whose whole content is ignored is one entry), relative to the workspace: what
    /// "Slim" may delete. Empty when git could not answer.
    pub ignored: Vec<PathBuf>,
    /// How many git processes the inspection ran.
    pub git_runs: u32,
    /// Whether the same tree, base branch and git setup give the same answer: every
    /// git run ended by itself, and the repository keeps nothing outside the workspace
    /// (see [`state_cache`]).
    pub repeatable: bool,
}

/// Reads the git state of `workspace`, which must itself be the top level of a work tree
/// (a folder merely inside some other repository is "not a git repository"), comparing
/// the work with the remote's default branch.
///
/// `timeout` bounds the whole inspection: each git call gets what is left of it. Never
/// panics; every failure (no git, timeout, missing folder, git error) becomes `Unknown`.
pub fn inspect(workspace: &Path, timeout: Duration) -> GitStatus {
    inspect_workspace(workspace, None, timeout).status
}

/// [`inspect`], comparing the work with `base_branch` of the remote (the task's
/// `gh_base_branch`; the remote's default branch when `None` or not on the remote), and
/// listing what git ignores.
pub fn inspect_workspace(
    workspace: &Path,
    base_branch: Option<&str>,
    timeout: Duration,
) -> Inspection {
    inspect_with(OsStr::new("git"), workspace, base_branch, timeout)
}

fn inspect_with(
    program: &OsStr,
    workspace: &Path,
    base_branch: Option<&str>,
    timeout: Duration,
) -> Inspection {
    classify::inspect(program, workspace, base_branch, timeout)
}

/// The entries git ignores in `workspace` right now, relative to it (as
/// [`Inspection::ignored`]), or why they could not be listed. One `git status` run.
pub fn ignored_entries(workspace: &Path, timeout: Duration) -> Result<Vec<PathBuf>, String> {
    classify::ignored_entries(OsStr::new("git"), workspace, timeout)
}

const NOT_A_REPOSITORY: &str = "not a git repository";

/// The file of a cache named `kind` kept beside the record cache file `records_file`:
/// same folder, same data-dir hash (`records-<hash>.json` gives `<kind>-<hash>.json`).
fn cache_file_beside(records_file: &Path, kind: &str) -> PathBuf {
    let name = records_file
        .file_name()
        .map(|name| name.to_string_lossy().replacen("records", kind, 1))
        .unwrap_or_else(|| format!("{kind}.json"));
    records_file.with_file_name(name)
}

#[cfg(test)]
mod tests;
