//! Tests of the git state: real repositories built with the `git` CLI (a bare "remote"
//! in a temp dir, the workspace cloned from it, and a second clone standing in for the
//! people who merge on the remote), a missing, failing or hung git, and repository
//! config that must not run.

use super::*;
use std::process::Command;

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// Whether git runs here. Without it a test says why and passes, except under CI
/// (`CI` set to anything but empty, `0` or `false`), where it fails: a skipped test must
/// not look like a passed one there.
fn need_git() -> Result<bool, Box<dyn std::error::Error>> {
    let available = Command::new("git")
        .arg("--version")
        .output()
        .is_ok_and(|output| output.status.success());
    if available {
        return Ok(true);
    }
    let why = "`git --version` failed, so git is not usable here";
    eprintln!("skipped: {why}");
    let in_ci =
        std::env::var("CI").is_ok_and(|value| !matches!(value.as_str(), "" | "0" | "false"));
    if in_ci {
        return Err(format!("CI is set and this test cannot run: {why}").into());
    }
    Ok(false)
}

/// Runs git for test setup, isolated from the machine's system and global config.
fn git(dir: &Path, args: &[&str]) -> Result<String, Box<dyn std::error::Error>> {
    let null_config = if cfg!(windows) { "NUL" } else { "/dev/null" };
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args([
            "-c",
            "init.defaultBranch=main",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", null_config)
        .env("GIT_AUTHOR_NAME", "Test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com")
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .output()?;
    if !output.status.success() {
        return Err(format!(
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Writes `file` in `dir` and commits it.
fn commit(dir: &Path, file: &str, contents: &str) -> TestResult {
    std::fs::write(dir.join(file), contents)?;
    git(dir, &["add", file])?;
    git(dir, &["commit", "--quiet", "-m", &format!("change {file}")])?;
    Ok(())
}

/// A bare "remote" whose `main` has one commit, the workspace cloned from it (so
/// `origin/HEAD` names `main`), and a maintainer's clone that merges on the remote.
struct Fixture {
    _root: tempfile::TempDir,
    workspace: PathBuf,
    maintainer: PathBuf,
}

impl Fixture {
    fn new() -> Result<Self, Box<dyn std::error::Error>> {
        let root = tempfile::tempdir()?;
        git(root.path(), &["init", "--quiet", "--bare", "remote.git"])?;
        git(
            root.path(),
            &["clone", "--quiet", "remote.git", "maintainer"],
        )?;
        let maintainer = root.path().join("maintainer");
        commit(&maintainer, "README.md", "hello\n")?;
        git(&maintainer, &["push", "--quiet", "origin", "main"])?;
        git(
            root.path(),
            &["clone", "--quiet", "remote.git", "workspace"],
        )?;
        Ok(Self {
            workspace: root.path().join("workspace"),
            maintainer,
            _root: root,
        })
    }

    /// The workspace on `feat` with two commits of its own, pushed with an upstream.
    fn with_pushed_branch() -> Result<Self, Box<dyn std::error::Error>> {
        let fixture = Self::new()?;
        let ws = &fixture.workspace;
        git(ws, &["checkout", "--quiet", "-b", "feat"])?;
        commit(ws, "a.txt", "a\n")?;
        commit(ws, "b.txt", "b\n")?;
        git(ws, &["push", "--quiet", "-u", "origin", "feat"])?;
        Ok(fixture)
    }

    /// The maintainer's clone, up to date with the remote, on `main`.
    fn maintainer(&self, args: &[&str]) -> Result<String, Box<dyn std::error::Error>> {
        git(&self.maintainer, args)
    }

    fn refresh_maintainer(&self) -> TestResult {
        self.maintainer(&["fetch", "--quiet", "--prune", "origin"])?;
        self.maintainer(&["checkout", "--quiet", "main"])?;
        self.maintainer(&["merge", "--quiet", "--ff-only", "origin/main"])?;
        Ok(())
    }

    /// "Check remotes": the janitor's own fetch.
    fn check_remotes(&self) -> TestResult {
        fetch(&self.workspace, FETCH_TIMEOUT)?;
        Ok(())
    }

    fn inspect(&self) -> Inspection {
        inspect_workspace(&self.workspace, None, DEFAULT_GIT_TIMEOUT)
    }
}

fn state(inspection: &Inspection) -> Result<&GitState, Box<dyn std::error::Error>> {
    match &inspection.status {
        GitStatus::Known(state) => Ok(state),
        other => Err(format!("expected a known state, got {other:?}").into()),
    }
}

/// (branch, uncommitted, unpushed) of a known state.
fn counts(status: &GitStatus) -> Option<(Option<&str>, u32, u32)> {
    match status {
        GitStatus::Known(state) => {
            Some((state.branch.as_deref(), state.uncommitted, state.unpushed))
        }
        GitStatus::Unknown { .. } => None,
    }
}

fn unknown(reason: &str) -> GitStatus {
    GitStatus::Unknown {
        reason: reason.to_owned(),
    }
}

fn known(uncommitted: u32, unpushed: u32, work: Work) -> GitStatus {
    GitStatus::Known(GitState {
        branch: Some("main".into()),
        uncommitted,
        unpushed,
        work,
        base: Some("origin/main".into()),
    })
}

#[test]
fn describe_and_unsaved_work() {
    let cases = [
        (known(0, 0, Work::Pushed), "clean", false),
        (
            known(3, 0, Work::Uncommitted { paths: 3 }),
            "3 uncommitted",
            true,
        ),
        (
            known(0, 1, Work::Unpushed { commits: 1 }),
            "1 unpushed",
            true,
        ),
        (
            known(3, 1, Work::Uncommitted { paths: 3 }),
            "3 uncommitted, 1 unpushed",
            true,
        ),
        (
            unknown(NOT_A_REPOSITORY),
            "unknown (not a git repository)",
            false,
        ),
    ];
    for (status, description, unsaved) in cases {
        assert_eq!(status.describe(), description);
        assert_eq!(status.has_unsaved_work(), unsaved, "{description}");
    }
}

#[test]
fn work_labels_safety_and_merged_unsaved_work() {
    let cases = [
        (Work::Merged, "merged", true, true),
        (Work::SquashMerged, "squash-merged", true, true),
        (Work::Pushed, "pushed", true, false),
        (Work::NoCommits, "no commits", true, false),
        (Work::Unpushed { commits: 2 }, "unpushed 2", false, false),
        (
            Work::Uncommitted { paths: 3 },
            "uncommitted 3",
            false,
            false,
        ),
        (
            Work::Unknown {
                reason: "no remote".into(),
            },
            "unknown (no remote)",
            false,
            false,
        ),
    ];
    for (work, label, safe, merged) in cases {
        assert_eq!(work.label(), label);
        assert_eq!(work.is_safe_to_delete(), safe, "{label}");
        assert_eq!(
            known(0, 2, work.clone()).unsaved_work_is_merged(),
            merged,
            "{label}"
        );
        assert!(!work.explanation().is_empty());
    }
    // Uncommitted work is never in the base, whatever the commits say.
    assert!(!known(1, 0, Work::Merged).unsaved_work_is_merged());
    assert_eq!(
        unknown("git not found").work().label(),
        "unknown (git not found)"
    );
    assert!(!unknown("x").is_safe_to_delete());
}

#[test]
fn serializes_with_a_state_tag_and_flat_fields() -> TestResult {
    assert_eq!(
        serde_json::to_value(known(2, 1, Work::Uncommitted { paths: 2 }))?,
        serde_json::json!({"state": "known", "branch": "main", "uncommitted": 2, "unpushed": 1,
            "work": {"class": "uncommitted", "paths": 2}, "base": "origin/main"})
    );
    assert_eq!(
        serde_json::to_value(Work::SquashMerged)?,
        serde_json::json!({"class": "squash_merged"})
    );
    assert_eq!(
        serde_json::to_value(unknown("git not found"))?,
        serde_json::json!({"state": "unknown", "reason": "git not found"})
    );
    Ok(())
}

mod kept;
mod odd;
mod work;
