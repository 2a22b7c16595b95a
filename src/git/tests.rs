//! Tests of the git state: real repositories built with the `git` CLI, a missing, failing or hung git, and repository config that must not run.

use super::*;

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

/// A bare "remote" and a clone of it with one pushed commit: `(tempdir, workspace)`.
fn pushed_clone() -> Result<(tempfile::TempDir, PathBuf), Box<dyn std::error::Error>> {
    let root = tempfile::tempdir()?;
    git(root.path(), &["init", "--quiet", "--bare", "remote.git"])?;
    git(
        root.path(),
        &["clone", "--quiet", "remote.git", "workspace"],
    )?;
    let workspace = root.path().join("workspace");
    std::fs::write(workspace.join("README.md"), "hello\n")?;
    git(&workspace, &["add", "README.md"])?;
    git(&workspace, &["commit", "--quiet", "-m", "first"])?;
    git(&workspace, &["push", "--quiet", "origin", "main"])?;
    Ok((root, workspace))
}

fn known(branch: Option<&str>, uncommitted: u32, unpushed: u32) -> GitStatus {
    GitStatus::Known(GitState {
        branch: branch.map(str::to_owned),
        uncommitted,
        unpushed,
    })
}

fn unknown(reason: &str) -> GitStatus {
    GitStatus::Unknown {
        reason: reason.to_owned(),
    }
}

#[test]
fn describe_and_unsaved_work() {
    let cases = [
        (known(Some("main"), 0, 0), "clean", false),
        (known(Some("main"), 3, 0), "3 uncommitted", true),
        (known(None, 0, 1), "1 unpushed", true),
        (known(Some("main"), 3, 1), "3 uncommitted, 1 unpushed", true),
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
fn serializes_with_a_state_tag_and_flat_fields() -> TestResult {
    assert_eq!(
        serde_json::to_value(known(Some("main"), 2, 1))?,
        serde_json::json!({"state": "known", "branch": "main", "uncommitted": 2, "unpushed": 1})
    );
    assert_eq!(
        serde_json::to_value(known(None, 0, 0))?,
        serde_json::json!({"state": "known", "branch": null, "uncommitted": 0, "unpushed": 0})
    );
    assert_eq!(
        serde_json::to_value(unknown("git not found"))?,
        serde_json::json!({"state": "unknown", "reason": "git not found"})
    );
    Ok(())
}

#[test]
fn status_entries_count_renames_once() {
    assert_eq!(count_status_entries(b""), 0);
    assert_eq!(
        count_status_entries(b"R  new name\0old name\0 M a.txt\0?? b c\0"),
        3
    );
    assert_eq!(count_status_entries(b"C  copy\0orig\0D  gone\0"), 2);
}

#[test]
fn clean_pushed_clone_is_clean() -> TestResult {
    if !need_git()? {
        return Ok(());
    }
    let (_root, workspace) = pushed_clone()?;
    let status = inspect(&workspace, DEFAULT_GIT_TIMEOUT);
    assert_eq!(status, known(Some("main"), 0, 0));
    assert_eq!(status.describe(), "clean");
    assert!(!status.has_unsaved_work());
    Ok(())
}

#[test]
fn modified_and_untracked_files_are_uncommitted() -> TestResult {
    if !need_git()? {
        return Ok(());
    }
    let (_root, workspace) = pushed_clone()?;
    std::fs::write(workspace.join("README.md"), "changed\n")?;
    std::fs::write(workspace.join("new file.txt"), "new\n")?;
    let status = inspect(&workspace, DEFAULT_GIT_TIMEOUT);
    assert_eq!(status, known(Some("main"), 2, 0));
    assert_eq!(status.describe(), "2 uncommitted");
    assert!(status.has_unsaved_work());
    Ok(())
}

#[test]
fn ignored_files_are_not_uncommitted() -> TestResult {
    if !need_git()? {
        return Ok(());
    }
    let (_root, workspace) = pushed_clone()?;
    std::fs::write(workspace.join(".gitignore"), "target/\n")?;
    git(&workspace, &["add", ".gitignore"])?;
    git(&workspace, &["commit", "--quiet", "-m", "ignore"])?;
    git(&workspace, &["push", "--quiet", "origin", "main"])?;
    std::fs::create_dir(workspace.join("target"))?;
    std::fs::write(workspace.join("target").join("build.o"), "x")?;
    assert_eq!(
        inspect(&workspace, DEFAULT_GIT_TIMEOUT),
        known(Some("main"), 0, 0)
    );
    Ok(())
}

#[test]
fn rename_counts_as_one_uncommitted_entry() -> TestResult {
    if !need_git()? {
        return Ok(());
    }
    let (_root, workspace) = pushed_clone()?;
    git(&workspace, &["mv", "README.md", "READ ME.md"])?;
    assert_eq!(
        inspect(&workspace, DEFAULT_GIT_TIMEOUT),
        known(Some("main"), 1, 0)
    );
    Ok(())
}

#[test]
fn local_commit_is_unpushed() -> TestResult {
    if !need_git()? {
        return Ok(());
    }
    let (_root, workspace) = pushed_clone()?;
    std::fs::write(workspace.join("README.md"), "second\n")?;
    git(&workspace, &["commit", "--quiet", "-am", "second"])?;
    let status = inspect(&workspace, DEFAULT_GIT_TIMEOUT);
    assert_eq!(status, known(Some("main"), 0, 1));
    assert_eq!(status.describe(), "1 unpushed");
    assert!(status.has_unsaved_work());

    std::fs::write(workspace.join("README.md"), "third\n")?;
    assert_eq!(
        inspect(&workspace, DEFAULT_GIT_TIMEOUT).describe(),
        "1 uncommitted, 1 unpushed"
    );
    Ok(())
}

#[test]
fn unpushed_commit_on_another_local_branch_counts() -> TestResult {
    if !need_git()? {
        return Ok(());
    }
    let (_root, workspace) = pushed_clone()?;
    git(&workspace, &["checkout", "--quiet", "-b", "feature"])?;
    std::fs::write(workspace.join("README.md"), "feature\n")?;
    git(&workspace, &["commit", "--quiet", "-am", "feature work"])?;
    git(&workspace, &["checkout", "--quiet", "main"])?;
    assert_eq!(
        inspect(&workspace, DEFAULT_GIT_TIMEOUT),
        known(Some("main"), 0, 1)
    );
    Ok(())
}

#[test]
fn detached_head_has_no_branch_and_counts_its_commits() -> TestResult {
    if !need_git()? {
        return Ok(());
    }
    let (_root, workspace) = pushed_clone()?;
    git(&workspace, &["checkout", "--quiet", "--detach"])?;
    assert_eq!(inspect(&workspace, DEFAULT_GIT_TIMEOUT), known(None, 0, 0));
    std::fs::write(workspace.join("README.md"), "detached\n")?;
    git(&workspace, &["commit", "--quiet", "-am", "detached work"])?;
    assert_eq!(inspect(&workspace, DEFAULT_GIT_TIMEOUT), known(None, 0, 1));
    Ok(())
}

#[test]
fn repository_without_commits_has_nothing_unpushed() -> TestResult {
    if !need_git()? {
        return Ok(());
    }
    let root = tempfile::tempdir()?;
    git(root.path(), &["init", "--quiet"])?;
    std::fs::write(root.path().join("draft.txt"), "draft\n")?;
    assert_eq!(
        inspect(root.path(), DEFAULT_GIT_TIMEOUT),
        known(Some("main"), 1, 0)
    );
    Ok(())
}

#[test]
fn plain_folder_is_not_a_repository() -> TestResult {
    if !need_git()? {
        return Ok(());
    }
    let root = tempfile::tempdir()?;
    let folder = root.path().join("plain");
    std::fs::create_dir(&folder)?;
    assert_eq!(
        inspect(&folder, DEFAULT_GIT_TIMEOUT),
        unknown(NOT_A_REPOSITORY)
    );
    Ok(())
}

#[test]
fn folder_inside_a_parent_repository_is_not_a_repository() -> TestResult {
    if !need_git()? {
        return Ok(());
    }
    let (_root, workspace) = pushed_clone()?;
    // Untracked and tracked subfolders of the parent repo alike.
    let untracked = workspace.join("data").join("task");
    std::fs::create_dir_all(&untracked)?;
    std::fs::write(untracked.join("file.txt"), "x")?;
    let tracked = workspace.join("src");
    std::fs::create_dir(&tracked)?;
    std::fs::write(tracked.join("lib.rs"), "")?;
    git(&workspace, &["add", "src"])?;
    git(&workspace, &["commit", "--quiet", "-m", "src"])?;
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

#[test]
fn missing_git_program_is_unknown() -> TestResult {
    let root = tempfile::tempdir()?;
    let program = root.path().join("no-such-git");
    assert_eq!(
        inspect_with(program.as_os_str(), root.path(), DEFAULT_GIT_TIMEOUT),
        unknown("git not found")
    );
    Ok(())
}

#[test]
fn failing_git_is_unknown_with_its_message() -> TestResult {
    if !need_git()? {
        return Ok(());
    }
    let root = tempfile::tempdir()?;
    git(root.path(), &["init", "--quiet", "--bare", "bare.git"])?;
    let status = inspect(&root.path().join("bare.git"), DEFAULT_GIT_TIMEOUT);
    let GitStatus::Unknown { reason } = &status else {
        return Err(format!("expected Unknown, got {status:?}").into());
    };
    assert!(reason.starts_with("git rev-parse failed: "), "{reason}");
    Ok(())
}

#[cfg(unix)]
#[test]
fn hung_git_is_unknown_after_the_timeout() -> TestResult {
    let root = tempfile::tempdir()?;
    let program = root.path().join("slow-git");
    crate::process::write_script(&program, "exec sleep 30")?;
    assert_eq!(
        inspect_with(program.as_os_str(), root.path(), Duration::from_millis(200)),
        unknown("git timed out after 200ms")
    );
    Ok(())
}

#[cfg(unix)]
#[test]
fn repository_filter_drivers_and_fsmonitor_are_not_run() -> TestResult {
    if !need_git()? {
        return Ok(());
    }
    let (root, workspace) = pushed_clone()?;
    std::fs::write(workspace.join(".gitattributes"), "* filter=evil\n")?;
    git(&workspace, &["add", ".gitattributes"])?;
    git(&workspace, &["commit", "--quiet", "-m", "attributes"])?;
    git(&workspace, &["push", "--quiet", "origin", "main"])?;
    let marker = root.path().join("ran");
    let command = format!("touch '{}'; cat", marker.display());
    git(&workspace, &["config", "filter.evil.clean", &command])?;
    git(&workspace, &["config", "filter.evil.process", &command])?;
    git(&workspace, &["config", "filter.evil.required", "true"])?;
    git(&workspace, &["config", "core.fsmonitor", &command])?;
    // Same size, new content: status has to read (and so filter) the file.
    std::fs::write(workspace.join("README.md"), "HELLO\n")?;
    let status = inspect(&workspace, DEFAULT_GIT_TIMEOUT);
    assert_eq!(status, known(Some("main"), 1, 0));
    assert!(!marker.exists(), "a repository-configured command ran");
    Ok(())
}
