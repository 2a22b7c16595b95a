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

#[test]
fn pushed_but_open_takes_two_git_processes() -> TestResult {
    if !need_git()? {
        return Ok(());
    }
    let fixture = Fixture::with_pushed_branch()?;
    let inspection = fixture.inspect();
    let state = state(&inspection)?;
    assert_eq!(state.work, Work::Pushed);
    assert_eq!(state.base.as_deref(), Some("origin/main"));
    assert_eq!((state.uncommitted, state.unpushed), (0, 0));
    assert_eq!(inspection.git_runs, 2, "status and one rev-list");
    Ok(())
}

#[test]
fn merged_by_a_merge_commit() -> TestResult {
    if !need_git()? {
        return Ok(());
    }
    let fixture = Fixture::with_pushed_branch()?;
    fixture.refresh_maintainer()?;
    fixture.maintainer(&[
        "merge",
        "--quiet",
        "--no-ff",
        "-m",
        "Merge feat",
        "origin/feat",
    ])?;
    fixture.maintainer(&["push", "--quiet", "origin", "main"])?;
    // Before "Check remotes" the clone cannot know.
    assert_eq!(state(&fixture.inspect())?.work, Work::Pushed);
    fixture.check_remotes()?;
    let inspection = fixture.inspect();
    assert_eq!(state(&inspection)?.work, Work::Merged);
    assert_eq!(inspection.git_runs, 2);
    Ok(())
}

#[test]
fn fast_forward_merge_is_merged_not_no_commits() -> TestResult {
    if !need_git()? {
        return Ok(());
    }
    let fixture = Fixture::with_pushed_branch()?;
    fixture.refresh_maintainer()?;
    fixture.maintainer(&["merge", "--quiet", "--ff-only", "origin/feat"])?;
    fixture.maintainer(&["push", "--quiet", "origin", "main"])?;
    fixture.check_remotes()?;
    // The branch tip is now the base's tip, but the branch did get commits.
    let inspection = fixture.inspect();
    assert_eq!(state(&inspection)?.work, Work::Merged);
    assert!(inspection.git_runs <= 2, "{} git runs", inspection.git_runs);
    Ok(())
}

#[test]
fn squash_merged_and_remote_branch_deleted() -> TestResult {
    if !need_git()? {
        return Ok(());
    }
    let fixture = Fixture::with_pushed_branch()?;
    fixture.refresh_maintainer()?;
    fixture.maintainer(&["merge", "--quiet", "--squash", "origin/feat"])?;
    fixture.maintainer(&["commit", "--quiet", "-m", "feat (#1)"])?;
    // More work lands on main after the squash.
    commit(&fixture.maintainer, "later.txt", "later\n")?;
    fixture.maintainer(&["push", "--quiet", "origin", "main", ":feat"])?;
    fixture.check_remotes()?;
    let inspection = fixture.inspect();
    let state = state(&inspection)?;
    assert_eq!(state.work, Work::SquashMerged);
    // Its two commits are on no remote any more: unsaved, but merged.
    assert_eq!(state.unpushed, 2);
    assert!(inspection.status.unsaved_work_is_merged());
    assert!(inspection.git_runs <= 3, "{} git runs", inspection.git_runs);
    Ok(())
}

#[test]
fn rebased_and_merged() -> TestResult {
    if !need_git()? {
        return Ok(());
    }
    let fixture = Fixture::with_pushed_branch()?;
    fixture.refresh_maintainer()?;
    commit(&fixture.maintainer, "other.txt", "someone else\n")?;
    // New commits with the same patches, as "Rebase and merge" makes them.
    fixture.maintainer(&["cherry-pick", "origin/main..origin/feat"])?;
    fixture.maintainer(&["push", "--quiet", "origin", "main", ":feat"])?;
    fixture.check_remotes()?;
    let inspection = fixture.inspect();
    assert_eq!(state(&inspection)?.work, Work::SquashMerged);
    assert_eq!(inspection.git_runs, 2, "the cherry marks settle it");
    Ok(())
}

#[test]
fn remote_branch_deleted_without_a_merge_is_unpushed() -> TestResult {
    if !need_git()? {
        return Ok(());
    }
    let fixture = Fixture::with_pushed_branch()?;
    fixture.maintainer(&["push", "--quiet", "origin", ":feat"])?;
    commit(&fixture.maintainer, "other.txt", "main moves on\n")?;
    fixture.maintainer(&["push", "--quiet", "origin", "HEAD:main"])?;
    fixture.check_remotes()?;
    let state = fixture.inspect().status;
    assert_eq!(state.work(), Work::Unpushed { commits: 2 });
    assert!(state.has_unsaved_work() && !state.is_safe_to_delete());
    Ok(())
}

#[test]
fn unpushed_and_uncommitted_work() -> TestResult {
    if !need_git()? {
        return Ok(());
    }
    let fixture = Fixture::with_pushed_branch()?;
    commit(&fixture.workspace, "c.txt", "c\n")?;
    let inspection = fixture.inspect();
    assert_eq!(state(&inspection)?.work, Work::Unpushed { commits: 1 });
    assert_eq!(inspection.git_runs, 2);
    std::fs::write(fixture.workspace.join("a.txt"), "changed\n")?;
    std::fs::write(fixture.workspace.join("new file.txt"), "new\n")?;
    let status = fixture.inspect().status;
    assert_eq!(status.work(), Work::Uncommitted { paths: 2 });
    assert_eq!(status.describe(), "2 uncommitted, 1 unpushed");
    Ok(())
}

#[test]
fn a_branch_that_never_got_a_commit() -> TestResult {
    if !need_git()? {
        return Ok(());
    }
    let fixture = Fixture::new()?;
    git(
        &fixture.workspace,
        &["checkout", "--quiet", "-b", "agents-runner/t1"],
    )?;
    let inspection = fixture.inspect();
    assert_eq!(state(&inspection)?.work, Work::NoCommits);
    assert_eq!(
        inspection.git_runs, 1,
        "the tip is the base: no rev-list needed"
    );
    // The clone's own branch, never moved since the clone, too.
    git(&fixture.workspace, &["checkout", "--quiet", "main"])?;
    assert_eq!(state(&fixture.inspect())?.work, Work::NoCommits);
    // An untracked file is work nonetheless.
    std::fs::write(fixture.workspace.join("notes.txt"), "notes\n")?;
    assert_eq!(
        fixture.inspect().status.work(),
        Work::Uncommitted { paths: 1 }
    );
    Ok(())
}

#[test]
fn merged_but_another_branch_holds_unpushed_work() -> TestResult {
    if !need_git()? {
        return Ok(());
    }
    let fixture = Fixture::new()?;
    let ws = &fixture.workspace;
    git(ws, &["checkout", "--quiet", "-b", "side"])?;
    commit(ws, "side.txt", "side\n")?;
    git(ws, &["checkout", "--quiet", "-b", "task", "main"])?;
    let inspection = fixture.inspect();
    assert_eq!(state(&inspection)?.work, Work::Unpushed { commits: 1 });
    assert_eq!(inspection.git_runs, 2, "one count of the other branch");
    Ok(())
}

#[test]
fn the_task_base_branch_is_compared_with() -> TestResult {
    if !need_git()? {
        return Ok(());
    }
    let fixture = Fixture::with_pushed_branch()?;
    fixture.refresh_maintainer()?;
    fixture.maintainer(&["checkout", "--quiet", "-b", "develop", "origin/feat"])?;
    fixture.maintainer(&["push", "--quiet", "origin", "develop"])?;
    fixture.check_remotes()?;
    let on_develop = inspect_workspace(&fixture.workspace, Some("develop"), DEFAULT_GIT_TIMEOUT);
    let state = state(&on_develop)?;
    assert_eq!(
        (state.work.clone(), state.base.as_deref()),
        (Work::Merged, Some("origin/develop"))
    );
    assert_eq!(state_of(&fixture, None)?, Work::Pushed);
    Ok(())
}

fn state_of(fixture: &Fixture, base: Option<&str>) -> Result<Work, Box<dyn std::error::Error>> {
    Ok(
        inspect_workspace(&fixture.workspace, base, DEFAULT_GIT_TIMEOUT)
            .status
            .work(),
    )
}

#[test]
fn no_remote_detached_and_unborn() -> TestResult {
    if !need_git()? {
        return Ok(());
    }
    let root = tempfile::tempdir()?;
    git(root.path(), &["init", "--quiet"])?;
    std::fs::write(root.path().join("draft.txt"), "draft\n")?;
    let unborn = inspect(root.path(), DEFAULT_GIT_TIMEOUT);
    assert_eq!(counts(&unborn), Some((Some("main"), 1, 0)));
    assert_eq!(unborn.work(), Work::Uncommitted { paths: 1 });
    commit(root.path(), "draft.txt", "draft\n")?;
    let no_remote = inspect(root.path(), DEFAULT_GIT_TIMEOUT);
    assert_eq!(no_remote.work().label(), "unknown (no remote)");
    assert!(no_remote.has_unsaved_work(), "every commit is unpushed");
    let fixture = Fixture::new()?;
    git(&fixture.workspace, &["checkout", "--quiet", "--detach"])?;
    let detached = fixture.inspect().status;
    assert_eq!(counts(&detached), Some((None, 0, 0)));
    assert_eq!(detached.work().label(), "unknown (detached HEAD)");
    commit(&fixture.workspace, "x.txt", "x\n")?;
    assert_eq!(
        fixture.inspect().status.work(),
        Work::Unpushed { commits: 1 }
    );
    Ok(())
}

#[test]
fn ignored_entries_are_listed_not_counted() -> TestResult {
    if !need_git()? {
        return Ok(());
    }
    let fixture = Fixture::new()?;
    let ws = &fixture.workspace;
    commit(ws, ".gitignore", "target/\n*.pyc\nbuild/\n")?;
    git(ws, &["push", "--quiet", "origin", "main"])?;
    std::fs::create_dir_all(ws.join("target/debug"))?;
    std::fs::write(ws.join("target/debug/app"), "x")?;
    std::fs::create_dir_all(ws.join("src"))?;
    std::fs::write(ws.join("src/mod.pyc"), "x")?;
    // A tracked file in a folder the rules ignore: only the untracked output is listed.
    std::fs::create_dir_all(ws.join("build"))?;
    std::fs::write(ws.join("build/keep.txt"), "keep\n")?;
    git(ws, &["add", "--force", "build/keep.txt"])?;
    git(ws, &["commit", "--quiet", "-m", "keep"])?;
    git(ws, &["push", "--quiet", "origin", "main"])?;
    std::fs::write(ws.join("build/out.o"), "x")?;
    let inspection = fixture.inspect();
    assert_eq!(counts(&inspection.status), Some((Some("main"), 0, 0)));
    let mut ignored = inspection.ignored.clone();
    ignored.sort();
    assert_eq!(
        ignored,
        [
            PathBuf::from("build/out.o"),
            PathBuf::from("src/mod.pyc"),
            PathBuf::from("target"),
        ]
    );
    assert_eq!(ignored_entries(ws, DEFAULT_GIT_TIMEOUT)?.len(), 3);
    Ok(())
}

#[test]
fn rename_counts_as_one_uncommitted_entry() -> TestResult {
    if !need_git()? {
        return Ok(());
    }
    let fixture = Fixture::new()?;
    git(&fixture.workspace, &["mv", "README.md", "READ ME.md"])?;
    assert_eq!(
        counts(&fixture.inspect().status),
        Some((Some("main"), 1, 0))
    );
    Ok(())
}

#[test]
fn plain_folder_is_not_a_repository() -> TestResult {
    let root = tempfile::tempdir()?;
    let folder = root.path().join("plain");
    std::fs::create_dir(&folder)?;
    let inspection = inspect_workspace(&folder, None, DEFAULT_GIT_TIMEOUT);
    assert_eq!(inspection.status, unknown(NOT_A_REPOSITORY));
    assert_eq!(inspection.git_runs, 0);
    Ok(())
}

#[test]
fn folder_inside_a_parent_repository_is_not_a_repository() -> TestResult {
    if !need_git()? {
        return Ok(());
    }
    let fixture = Fixture::new()?;
    let workspace = &fixture.workspace;
    // Untracked and tracked subfolders of the parent repo alike.
    let untracked = workspace.join("data").join("task");
    std::fs::create_dir_all(&untracked)?;
    std::fs::write(untracked.join("file.txt"), "x")?;
    let tracked = workspace.join("src");
    std::fs::create_dir(&tracked)?;
    std::fs::write(tracked.join("lib.rs"), "")?;
    git(workspace, &["add", "src"])?;
    git(workspace, &["commit", "--quiet", "-m", "src"])?;
    for folder in [&untracked, &tracked] {
        assert_eq!(
            inspect(folder, DEFAULT_GIT_TIMEOUT),
            unknown(NOT_A_REPOSITORY),
            "{}",
            folder.display()
        );
    }
    Ok(())
}

#[test]
fn core_worktree_and_bare_cannot_point_git_elsewhere() -> TestResult {
    if !need_git()? {
        return Ok(());
    }
    let fixture = Fixture::new()?;
    let elsewhere = tempfile::tempdir()?;
    std::fs::write(elsewhere.path().join("stray.txt"), "x")?;
    let elsewhere_path = elsewhere.path().to_string_lossy().into_owned();
    git(
        &fixture.workspace,
        &["config", "core.worktree", &elsewhere_path],
    )?;
    assert_eq!(
        counts(&fixture.inspect().status),
        Some((Some("main"), 0, 0))
    );
    git(&fixture.workspace, &["config", "--unset", "core.worktree"])?;
    git(&fixture.workspace, &["config", "core.bare", "true"])?;
    assert_eq!(
        counts(&fixture.inspect().status),
        Some((Some("main"), 0, 0))
    );
    Ok(())
}

#[test]
fn missing_folder_and_file_are_unknown() -> TestResult {
    let root = tempfile::tempdir()?;
    assert_eq!(
        inspect(&root.path().join("gone"), DEFAULT_GIT_TIMEOUT),
        unknown("folder is missing")
    );
    let file = root.path().join("file.txt");
    std::fs::write(&file, "x")?;
    assert_eq!(inspect(&file, DEFAULT_GIT_TIMEOUT), unknown("not a folder"));
    Ok(())
}

/// A folder with a `.git` of its own, for a git that is missing, failing or hung.
fn folder_with_git_dir() -> Result<tempfile::TempDir, Box<dyn std::error::Error>> {
    let root = tempfile::tempdir()?;
    std::fs::create_dir(root.path().join(".git"))?;
    Ok(root)
}

#[test]
fn missing_git_program_is_unknown() -> TestResult {
    let root = folder_with_git_dir()?;
    let program = root.path().join("no-such-git");
    assert_eq!(
        inspect_with(program.as_os_str(), root.path(), None, DEFAULT_GIT_TIMEOUT).status,
        unknown("git not found")
    );
    Ok(())
}

#[test]
fn failing_git_is_unknown_with_its_message() -> TestResult {
    if !need_git()? {
        return Ok(());
    }
    let fixture = Fixture::new()?;
    std::fs::write(fixture.workspace.join(".git/index"), "not an index")?;
    let status = fixture.inspect().status;
    let GitStatus::Unknown { reason } = &status else {
        return Err(format!("expected Unknown, got {status:?}").into());
    };
    assert!(reason.starts_with("git status failed: "), "{reason}");
    Ok(())
}

#[cfg(unix)]
#[test]
fn hung_git_is_unknown_after_the_timeout() -> TestResult {
    let root = folder_with_git_dir()?;
    let program = root.path().join("slow-git");
    crate::process::write_script(&program, "exec sleep 30")?;
    let started = std::time::Instant::now();
    let status = inspect_with(
        program.as_os_str(),
        root.path(),
        None,
        Duration::from_millis(300),
    )
    .status;
    assert_eq!(status, unknown("git timed out after 300ms"));
    assert!(started.elapsed() < Duration::from_secs(10));
    Ok(())
}

/// A repository whose config would run `marker`-touching commands if git obeyed it.
#[cfg(unix)]
fn hostile_config(fixture: &Fixture, marker: &Path) -> TestResult {
    let ws = &fixture.workspace;
    std::fs::write(ws.join(".gitattributes"), "* filter=evil\n")?;
    git(ws, &["add", ".gitattributes"])?;
    git(ws, &["commit", "--quiet", "-m", "attributes"])?;
    git(ws, &["push", "--quiet", "origin", "main"])?;
    let command = format!("touch '{}'; cat", marker.display());
    for (key, value) in [
        ("filter.evil.clean", command.as_str()),
        ("filter.evil.process", command.as_str()),
        ("filter.evil.required", "true"),
        ("core.fsmonitor", command.as_str()),
        ("core.sshCommand", command.as_str()),
        ("core.askPass", command.as_str()),
        ("credential.helper", &format!("!{command}")),
        (
            "remote.origin.uploadpack",
            &format!("{command}; git-upload-pack"),
        ),
        // A refspec that would overwrite local branches.
        ("remote.origin.fetch", "+refs/heads/*:refs/heads/*"),
    ] {
        git(ws, &["config", key, value])?;
    }
    let hooks = ws.join(".git/hooks");
    for hook in ["reference-transaction", "post-checkout", "pre-auto-gc"] {
        crate::process::write_script(&hooks.join(hook), &format!("touch '{}'", marker.display()))?;
    }
    Ok(())
}

#[cfg(unix)]
#[test]
fn repository_commands_are_not_run_by_inspection_or_fetch() -> TestResult {
    if !need_git()? {
        return Ok(());
    }
    let fixture = Fixture::new()?;
    let marker = fixture.workspace.parent().ok_or("no parent")?.join("ran");
    // A local branch the hostile refspec would overwrite, and news on the remote.
    git(&fixture.workspace, &["branch", "mine", "main"])?;
    fixture.maintainer(&["checkout", "--quiet", "-b", "mine"])?;
    commit(&fixture.maintainer, "theirs.txt", "theirs\n")?;
    fixture.maintainer(&["push", "--quiet", "origin", "mine"])?;
    let before = git(&fixture.workspace, &["rev-parse", "mine"])?;
    hostile_config(&fixture, &marker)?;
    // Same size, new content: status has to read (and so filter) the file.
    std::fs::write(fixture.workspace.join("README.md"), "HELLO\n")?;
    let status = fixture.inspect().status;
    assert_eq!(counts(&status), Some((Some("main"), 1, 0)));
    assert!(!marker.exists(), "a repository-configured command ran");
    fixture.check_remotes()?;
    assert!(
        !marker.exists(),
        "a repository-configured command ran on fetch"
    );
    assert_eq!(git(&fixture.workspace, &["rev-parse", "mine"])?, before);
    assert!(!git(&fixture.workspace, &["rev-parse", "origin/mine"])?.is_empty());
    Ok(())
}

#[test]
fn fetch_prunes_deleted_branches_and_reports_failures() -> TestResult {
    if !need_git()? {
        return Ok(());
    }
    let fixture = Fixture::with_pushed_branch()?;
    fixture.maintainer(&["push", "--quiet", "origin", ":feat"])?;
    fixture.check_remotes()?;
    let refs = git(
        &fixture.workspace,
        &["for-each-ref", "--format=%(refname)", "refs/remotes"],
    )?;
    assert!(!refs.contains("refs/remotes/origin/feat"), "{refs}");
    git(
        &fixture.workspace,
        &["remote", "set-url", "origin", "/nonexistent/remote.git"],
    )?;
    let error = fetch(&fixture.workspace, FETCH_TIMEOUT)
        .err()
        .ok_or("fetch worked")?;
    assert!(error.starts_with("git fetch failed: "), "{error}");
    Ok(())
}
