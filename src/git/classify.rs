//! Where a workspace's work went: the inspection's git calls, and the decision
//! ([`decide`]) from what they found.

use super::repo_files::{GitDir, Refs};
use super::report::{COMPARISON_FORMAT, Comparison, StatusReport};
use super::runner::{self, Git, failure};
use super::{GitState, GitStatus, Inspection, Work};
use std::ffi::OsStr;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Inspects `workspace` (see [`super::inspect_workspace`]).
pub(super) fn inspect(
    program: &OsStr,
    workspace: &Path,
    base_branch: Option<&str>,
    timeout: Duration,
) -> Inspection {
    let (git, git_dir) = match open(program, workspace, timeout) {
        Ok(opened) => opened,
        Err((reason, git_runs)) => {
            return Inspection {
                status: GitStatus::Unknown { reason },
                ignored: Vec::new(),
                git_runs,
                repeatable: false,
            };
        }
    };
    let result = read_state(&git, &git_dir, base_branch);
    let git_runs = git.runs();
    let repeatable = git.every_run_ended() && git_dir.self_contained();
    match result {
        Ok((state, ignored)) => Inspection {
            status: GitStatus::Known(state),
            ignored,
            git_runs,
            repeatable,
        },
        Err(reason) => Inspection {
            status: GitStatus::Unknown { reason },
            ignored: Vec::new(),
            git_runs,
            repeatable,
        },
    }
}

/// The entries git ignores in `workspace` now (see [`super::ignored_entries`]).
pub(super) fn ignored_entries(
    program: &OsStr,
    workspace: &Path,
    timeout: Duration,
) -> Result<Vec<PathBuf>, String> {
    let (git, _) = open(program, workspace, timeout).map_err(|(reason, _)| reason)?;
    Ok(status(&git)?.ignored)
}

/// Git on `workspace` with every filter driver blanked; on failure, why, and how many
/// times git ran.
pub(super) fn open<'a>(
    program: &'a OsStr,
    workspace: &Path,
    timeout: Duration,
) -> Result<(Git<'a>, GitDir), (String, u32)> {
    let workspace = workspace.canonicalize().map_err(|error| {
        let reason = match error.kind() {
            io::ErrorKind::NotFound => "folder is missing".to_owned(),
            _ => format!("cannot open folder: {error}"),
        };
        (reason, 0)
    })?;
    if !workspace.is_dir() {
        return Err(("not a folder".to_owned(), 0));
    }
    let git_dir = GitDir::find(&workspace).map_err(|reason| (reason, 0))?;
    let mut git = Git::new(program, workspace, git_dir.path().to_path_buf(), timeout);
    // A repository config that may define filters is listed whole (one process); else
    // only the user's own configs can, and those are listed once for every workspace.
    let drivers = if git_dir.config_may_define_filters() {
        git.list_filter_drivers()
    } else {
        match runner::user_config(program, runner::FILTER_KEYS, git.remaining()) {
            Some(entries) => Ok(runner::filter_driver_names(&entries)),
            None => git.list_filter_drivers(),
        }
    };
    match drivers {
        Ok(drivers) => git.blank_filter_drivers(&drivers),
        Err(reason) => return Err((reason, git.runs())),
    }
    Ok((git, git_dir))
}

fn status(git: &Git) -> Result<StatusReport, String> {
    let output = git.run_str(&[
        "status",
        "--porcelain=v2",
        "--branch",
        "-z",
        "--untracked-files=normal",
        "--ignored=matching",
        "--ahead-behind",
    ])?;
    if !output.status.success() {
        return Err(failure("status", &output));
    }
    Ok(StatusReport::parse(&output.stdout))
}

/// `git rev-list --count` of `args`.
fn count(git: &Git, args: &[&str]) -> Result<u32, String> {
    let mut all = vec!["rev-list", "--count"];
    all.extend_from_slice(args);
    let output = git.run_str(&all)?;
    if !output.status.success() {
        return Err(failure("rev-list", &output));
    }
    String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .map_err(|_| "unexpected output from git rev-list".to_owned())
}

/// The refs, from the files, else from `git for-each-ref`.
fn refs(git: &Git, git_dir: &GitDir) -> Result<Refs, String> {
    if let Some(refs) = git_dir.refs() {
        return Ok(refs);
    }
    let output = git.run_str(&[
        "for-each-ref",
        "--format=%(refname)%00%(objectname)%00%(symref)",
        "refs/heads",
        "refs/remotes",
    ])?;
    if !output.status.success() {
        return Err(failure("for-each-ref", &output));
    }
    Ok(Refs::from_listing(&output.stdout))
}

/// What HEAD is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Head {
    /// A branch without a commit yet.
    Unborn,
    /// A commit, no branch.
    Detached,
    /// A branch with commits.
    Branch,
}

/// How the branch stands against its base.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Merge {
    /// No base to compare with.
    NoBase,
    /// The branch tip is reachable from the base.
    Ancestor,
    /// Every commit has an equivalent patch in the base, or the whole diff is there.
    Equivalent,
    /// Some of the branch's work is not in the base.
    NotMerged,
}

/// Everything the decision looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Evidence {
    pub(super) head: Head,
    pub(super) uncommitted: u32,
    /// Commits on no remote (HEAD's and other branches'), never fewer than there are.
    pub(super) unpushed: u32,
    /// Some of `unpushed` are on other local branches than HEAD's.
    pub(super) others_unpushed: bool,
    /// The repository has remote-tracking refs.
    pub(super) has_remote: bool,
    /// The branch's reflog holds only its creation.
    pub(super) created_only: bool,
    pub(super) merge: Merge,
}

/// Where the work went, from the evidence: uncommitted work first (it is in no commit),
/// then the shape of HEAD, work on other branches, a branch that never moved, the base,
/// and the remotes.
pub(super) fn decide(evidence: &Evidence) -> Work {
    if evidence.uncommitted > 0 {
        return Work::Uncommitted {
            paths: evidence.uncommitted,
        };
    }
    let unpushed = Work::Unpushed {
        commits: evidence.unpushed,
    };
    match evidence.head {
        Head::Unborn if evidence.unpushed > 0 => unpushed,
        Head::Unborn => Work::NoCommits,
        Head::Detached if evidence.unpushed > 0 => unpushed,
        Head::Detached => Work::Unknown {
            reason: "detached HEAD".into(),
        },
        Head::Branch if !evidence.has_remote => Work::Unknown {
            reason: "no remote".into(),
        },
        Head::Branch if evidence.others_unpushed => unpushed,
        Head::Branch if evidence.created_only && evidence.unpushed == 0 => Work::NoCommits,
        Head::Branch => match evidence.merge {
            Merge::Ancestor => Work::Merged,
            Merge::Equivalent => Work::SquashMerged,
            Merge::NoBase | Merge::NotMerged if evidence.unpushed == 0 => Work::Pushed,
            Merge::NoBase | Merge::NotMerged => unpushed,
        },
    }
}

fn read_state(
    git: &Git,
    git_dir: &GitDir,
    base_branch: Option<&str>,
) -> Result<(GitState, Vec<PathBuf>), String> {
    let status = status(git)?;
    let refs = refs(git, git_dir)?;
    let has_remote = !refs.remotes().is_empty();
    let mut evidence = Evidence {
        head: match (&status.head, &status.branch) {
            (None, _) => Head::Unborn,
            (Some(_), None) => Head::Detached,
            (Some(_), Some(_)) => Head::Branch,
        },
        uncommitted: status.uncommitted,
        unpushed: 0,
        others_unpushed: false,
        has_remote,
        created_only: false,
        merge: Merge::NoBase,
    };
    let mut base_name = None;
    match (evidence.head, &status.head, &status.branch) {
        (Head::Unborn, _, _) => {
            if refs.branches().next().is_some() {
                evidence.unpushed = count(git, &["--branches", "--not", "--remotes"])?;
            }
        }
        (Head::Branch, Some(head), Some(branch)) if has_remote => {
            evidence.created_only = git_dir.created_only(branch).unwrap_or(false);
            let remote = pick_remote(&refs.remotes(), status.upstream.as_deref());
            match remote.and_then(|remote| base_ref(&refs, remote, base_branch)) {
                Some((name, base)) => {
                    compare(git, &refs, &status, head, branch, &base, &mut evidence)?;
                    base_name = Some(name);
                }
                None => {
                    evidence.unpushed = count(git, &["HEAD", "--branches", "--not", "--remotes"])?;
                }
            }
        }
        (Head::Branch, _, _) => {
            evidence.unpushed = count(git, &["HEAD", "--branches"])?;
        }
        (Head::Detached, _, _) => {
            evidence.unpushed = count(git, &["HEAD", "--branches", "--not", "--remotes"])?;
        }
    }
    let work = decide(&evidence);
    Ok((
        GitState {
            branch: status.branch,
            uncommitted: status.uncommitted,
            unpushed: evidence.unpushed,
            work,
            base: base_name,
        },
        status.ignored,
    ))
}

/// Compares the branch at `head` with the base commit `base`: one `rev-list` (none when
/// they are the same commit), and one more call only where the answer needs it.
fn compare(
    git: &Git,
    refs: &Refs,
    status: &StatusReport,
    head: &str,
    branch: &str,
    base: &str,
    evidence: &mut Evidence,
) -> Result<(), String> {
    let remote_tips: Vec<&str> = refs.remote_tips().collect();
    let comparison = if head == base {
        Comparison::default()
    } else {
        let range = format!("{head}...{base}");
        let output = git.run_str(&[
            "rev-list",
            "--left-right",
            "--cherry-mark",
            "--boundary",
            "--no-commit-header",
            COMPARISON_FORMAT,
            "--no-ext-diff",
            "--no-textconv",
            &range,
            "--",
        ])?;
        if !output.status.success() {
            return Err(failure("rev-list", &output));
        }
        Comparison::parse(&output.stdout)
    };
    let sides = comparison.sides(head, base);
    let mut head_unpushed = sides.left_unpushed(remote_tips.iter().copied());
    if let Some((ahead, _)) = status.ahead_behind {
        head_unpushed = head_unpushed.min(ahead);
    }
    evidence.merge = if sides.left.is_empty() {
        Merge::Ancestor
    } else if sides.all_left_equivalent()
        || whole_diff_in_base(git, &comparison, &sides, head, base)?
    {
        Merge::Equivalent
    } else {
        Merge::NotMerged
    };
    // Another local branch is settled when its tip is HEAD, on a remote, or in the
    // comparison (then HEAD or the base reaches it); else git counts what it holds.
    let unsettled = refs.branches().any(|(name, tip)| {
        name != branch
            && tip != head
            && tip != base
            && !remote_tips.contains(&tip)
            && !comparison.lists(tip)
    });
    let others = if unsettled {
        count(git, &["--branches", "--not", "--remotes", head])?
    } else {
        0
    };
    evidence.unpushed = head_unpushed.saturating_add(others);
    evidence.others_unpushed = others > 0;
    Ok(())
}

/// Whether the branch's whole diff since it left the base is already in the base's tree
/// (a squash merge of several commits): the same tree, or a combined diff of HEAD
/// against where it started and the base that is empty (no path where HEAD differs
/// from both).
fn whole_diff_in_base(
    git: &Git,
    comparison: &Comparison,
    sides: &super::report::Sides,
    head: &str,
    base: &str,
) -> Result<bool, String> {
    if let (Some(head_tree), Some(base_tree)) = (comparison.tree(head), comparison.tree(base))
        && head_tree == base_tree
    {
        return Ok(true);
    }
    // The base has nothing new: only the same tree would do. Several starting points
    // (the branch merged the base in): no single diff to compare, so not settled here.
    let mut starts = sides.left_boundary.iter();
    let (false, Some(start), None) = (sides.right.is_empty(), starts.next(), starts.next()) else {
        return Ok(false);
    };
    let output = git.run_str(&[
        "diff",
        "--raw",
        "-z",
        "--no-renames",
        "--no-ext-diff",
        "--no-textconv",
        head,
        start,
        base,
        "--",
    ])?;
    if !output.status.success() {
        return Err(failure("diff", &output));
    }
    Ok(output.stdout.is_empty())
}

/// The remote the branch works with: its upstream's, else `origin`, else the only one.
fn pick_remote<'r>(remotes: &[&'r str], upstream: Option<&str>) -> Option<&'r str> {
    upstream
        .and_then(|upstream| {
            remotes
                .iter()
                .find(|remote| upstream.starts_with(&format!("{remote}/")))
        })
        .or_else(|| remotes.iter().find(|remote| **remote == "origin"))
        .or(match remotes {
            [only] => Some(only),
            _ => None,
        })
        .copied()
}

/// The remote-tracking base branch (`origin/main`) and its commit: `base_branch` of
/// `remote`, else the remote's default branch (its HEAD, else `main`, else `master`).
fn base_ref(refs: &Refs, remote: &str, base_branch: Option<&str>) -> Option<(String, String)> {
    let named = base_branch
        .map(str::trim)
        .filter(|branch| !branch.is_empty())
        .map(|branch| branch.strip_prefix("refs/heads/").unwrap_or(branch));
    named
        .into_iter()
        .chain(["HEAD", "main", "master"])
        .find_map(|branch| {
            let (name, oid) = refs.resolve(&format!("refs/remotes/{remote}/{branch}"))?;
            let short = name.strip_prefix("refs/remotes/").unwrap_or(name);
            Some((short.to_owned(), oid.to_owned()))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn evidence() -> Evidence {
        Evidence {
            head: Head::Branch,
            uncommitted: 0,
            unpushed: 0,
            others_unpushed: false,
            has_remote: true,
            created_only: false,
            merge: Merge::NotMerged,
        }
    }

    #[test]
    fn the_decision_table() {
        let unknown = |reason: &str| Work::Unknown {
            reason: reason.into(),
        };
        let cases: Vec<(Evidence, Work)> = vec![
            (evidence(), Work::Pushed),
            (
                Evidence {
                    unpushed: 2,
                    ..evidence()
                },
                Work::Unpushed { commits: 2 },
            ),
            (
                Evidence {
                    uncommitted: 3,
                    merge: Merge::Ancestor,
                    ..evidence()
                },
                Work::Uncommitted { paths: 3 },
            ),
            (
                Evidence {
                    merge: Merge::Ancestor,
                    ..evidence()
                },
                Work::Merged,
            ),
            // Squash-merged work is on no remote once its branch is deleted.
            (
                Evidence {
                    merge: Merge::Equivalent,
                    unpushed: 4,
                    ..evidence()
                },
                Work::SquashMerged,
            ),
            // Merged, but another branch holds work that is nowhere else.
            (
                Evidence {
                    merge: Merge::Ancestor,
                    unpushed: 1,
                    others_unpushed: true,
                    ..evidence()
                },
                Work::Unpushed { commits: 1 },
            ),
            (
                Evidence {
                    merge: Merge::Ancestor,
                    created_only: true,
                    ..evidence()
                },
                Work::NoCommits,
            ),
            // A fast-forwarded branch moved: merged, not "no commits".
            (
                Evidence {
                    merge: Merge::Ancestor,
                    created_only: false,
                    ..evidence()
                },
                Work::Merged,
            ),
            (
                Evidence {
                    created_only: true,
                    unpushed: 1,
                    ..evidence()
                },
                Work::Unpushed { commits: 1 },
            ),
            (
                Evidence {
                    merge: Merge::NoBase,
                    ..evidence()
                },
                Work::Pushed,
            ),
            (
                Evidence {
                    has_remote: false,
                    unpushed: 3,
                    ..evidence()
                },
                unknown("no remote"),
            ),
            (
                Evidence {
                    head: Head::Detached,
                    ..evidence()
                },
                unknown("detached HEAD"),
            ),
            (
                Evidence {
                    head: Head::Detached,
                    unpushed: 1,
                    ..evidence()
                },
                Work::Unpushed { commits: 1 },
            ),
            (
                Evidence {
                    head: Head::Unborn,
                    has_remote: false,
                    ..evidence()
                },
                Work::NoCommits,
            ),
            (
                Evidence {
                    head: Head::Unborn,
                    unpushed: 2,
                    ..evidence()
                },
                Work::Unpushed { commits: 2 },
            ),
            (
                Evidence {
                    head: Head::Unborn,
                    uncommitted: 1,
                    ..evidence()
                },
                Work::Uncommitted { paths: 1 },
            ),
        ];
        for (evidence, want) in cases {
            assert_eq!(decide(&evidence), want, "{evidence:?}");
        }
    }

    #[test]
    fn the_remote_and_base_a_branch_is_compared_with() {
        let a = "a".repeat(40);
        let b = "b".repeat(40);
        let mut refs = Refs::default();
        refs.oids
            .insert("refs/remotes/origin/main".into(), a.clone());
        refs.oids
            .insert("refs/remotes/origin/develop".into(), b.clone());
        refs.oids
            .insert("refs/remotes/fork/trunk".into(), b.clone());
        refs.symrefs.insert(
            "refs/remotes/origin/HEAD".into(),
            "refs/remotes/origin/main".into(),
        );
        let remotes = refs.remotes();
        assert_eq!(pick_remote(&remotes, Some("fork/feature")), Some("fork"));
        assert_eq!(pick_remote(&remotes, None), Some("origin"));
        assert_eq!(pick_remote(&["a", "b"], None), None);
        assert_eq!(pick_remote(&["up"], None), Some("up"));
        let base = |remote, branch| base_ref(&refs, remote, branch);
        assert_eq!(
            base("origin", Some("develop")),
            Some(("origin/develop".into(), b.clone()))
        );
        assert_eq!(
            base("origin", Some("refs/heads/develop")),
            Some(("origin/develop".into(), b.clone()))
        );
        // Not on the remote, or not given: the remote's default branch.
        assert_eq!(
            base("origin", Some("gone")),
            Some(("origin/main".into(), a.clone()))
        );
        assert_eq!(base("origin", Some(" ")), Some(("origin/main".into(), a)));
        assert_eq!(base("fork", None), None);
    }
}
