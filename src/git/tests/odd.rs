//! What git ignores, folders that are not repositories, a missing, failing or hung git,
//! hostile repository config, and fetch.

use super::*;

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
    let inspection = inspect_with(program.as_os_str(), root.path(), None, DEFAULT_GIT_TIMEOUT);
    assert_eq!(inspection.status, unknown("git not found"));
    assert!(!inspection.repeatable, "another run may find git");
    Ok(())
}

#[test]
fn failing_git_is_unknown_with_its_message() -> TestResult {
    if !need_git()? {
        return Ok(());
    }
    let fixture = Fixture::new()?;
    std::fs::write(fixture.workspace.join(".git/index"), "not an index")?;
    let inspection = fixture.inspect();
    let GitStatus::Unknown { reason } = &inspection.status else {
        return Err(format!("expected Unknown, got {:?}", inspection.status).into());
    };
    assert!(reason.starts_with("git status failed: "), "{reason}");
    assert!(
        inspection.repeatable,
        "git ended by itself: the same tree fails the same way"
    );
    Ok(())
}

#[cfg(unix)]
#[test]
fn hung_git_is_unknown_after_the_timeout() -> TestResult {
    let root = folder_with_git_dir()?;
    let program = root.path().join("slow-git");
    crate::process::write_script(&program, "exec sleep 30")?;
    let started = std::time::Instant::now();
    let inspection = inspect_with(
        program.as_os_str(),
        root.path(),
        None,
        Duration::from_millis(300),
    );
    assert_eq!(inspection.status, unknown("git timed out after 300ms"));
    assert!(!inspection.repeatable, "a timeout says nothing of the tree");
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
