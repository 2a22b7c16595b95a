//! Where the work went, from the command line: `list --fetch` checks the remotes (a
//! branch merged and deleted there then shows as merged) and asks a fake `gh` on
//! `PATH` for the pull request's state, which is cached for later `list`s.

use crate::common::mini::{ENV, Mini, TestResult};
use crate::common::{cannot_run, git_available, git_setup as git};
use serde_json::Value;
use std::fs;

/// A fake `gh` first on the janitor's `PATH`: logged in, every pull request merged.
#[cfg(unix)]
fn fake_gh(mini: &Mini) -> TestResult {
    use std::os::unix::fs::PermissionsExt;
    let bin = mini.root.path().join("bin");
    fs::create_dir_all(&bin)?;
    let script = bin.join("gh");
    fs::write(
        &script,
        "#!/bin/sh\ncase \"$1 $2\" in\n  'auth status') exit 0 ;;\n  'pr view') echo '{\"state\":\"MERGED\",\"mergedAt\":\"2026-11-30T10:00:00Z\"}' ;;\n  *) exit 1 ;;\nesac\n",
    )?;
    fs::set_permissions(&script, fs::Permissions::from_mode(0o755))?;
    Ok(())
}

fn work_of(listed: &str, id: &str) -> Result<Value, Box<dyn std::error::Error>> {
    let rows: Value = serde_json::from_str(listed)?;
    rows.as_array()
        .and_then(|rows| rows.iter().find(|row| row["task_id"] == id))
        .cloned()
        .ok_or_else(|| format!("no row for {id}: {listed}").into())
}

#[cfg(unix)]
#[test]
fn list_fetch_sees_a_merged_and_deleted_branch_and_the_pr_state() -> TestResult {
    if !git_available() {
        return cannot_run("git is not installed");
    }
    let mini = Mini::new()?;
    fake_gh(&mini)?;
    let remote = mini.root.path().join("remote.git");
    fs::create_dir_all(&remote)?;
    git(&remote, &["init", "--quiet", "--bare"])?;
    let seed = mini.root.path().join("seed");
    fs::create_dir_all(&seed)?;
    git(&seed, &["init", "--quiet"])?;
    fs::write(seed.join("README.md"), "hello\n")?;
    git(&seed, &["add", "README.md"])?;
    git(&seed, &["commit", "--quiet", "-m", "initial"])?;
    git(
        &seed,
        &["push", "--quiet", remote.to_str().ok_or("path")?, "main"],
    )?;
    let record = mini.add_task("merged0001", ENV, "done")?;
    let mut text = fs::read_to_string(&record)?;
    text.push_str("gh_pr_url = \"https://github.com/o/r/pull/7\"\ngh_base_branch = \"main\"\n");
    fs::write(&record, text)?;
    let ws = mini.workspace(ENV, "merged0001");
    fs::create_dir_all(ws.parent().ok_or("no parent")?)?;
    git(
        mini.root.path(),
        &[
            "clone",
            "--quiet",
            remote.to_str().ok_or("path")?,
            ws.to_str().ok_or("path")?,
        ],
    )?;
    git(&ws, &["checkout", "--quiet", "-b", "feature"])?;
    fs::write(ws.join("change.txt"), "the task's work\n")?;
    git(&ws, &["add", "change.txt"])?;
    git(&ws, &["commit", "--quiet", "-m", "work"])?;
    git(&ws, &["push", "--quiet", "origin", "feature"])?;
    // Merged on the remote (fast-forward) and its branch deleted, from elsewhere: the
    // workspace's remote-tracking refs do not know yet.
    git(
        &remote,
        &["update-ref", "refs/heads/main", "refs/heads/feature"],
    )?;
    git(&remote, &["update-ref", "-d", "refs/heads/feature"])?;

    let before = mini.run(&["list", "--json"])?;
    assert_eq!(before.code, Some(0), "{before}");
    let row = work_of(&before.stdout, "merged0001")?;
    assert_eq!(row["work"]["class"], "pushed", "{row}");
    assert!(row["pr_state"].is_null(), "gh asked without --fetch: {row}");

    let fetched = mini.run(&["list", "--json", "--fetch"])?;
    assert_eq!(fetched.code, Some(0), "{fetched}");
    let row = work_of(&fetched.stdout, "merged0001")?;
    assert_eq!(row["work"]["class"], "merged", "{row}");
    assert_eq!(row["pr_state"]["status"], "merged", "{row}");

    // The state is cached: shown again without asking.
    fs::remove_file(mini.root.path().join("bin/gh"))?;
    let again = mini.run(&["list", "--json"])?;
    let row = work_of(&again.stdout, "merged0001")?;
    assert_eq!(row["pr_state"]["status"], "merged", "{row}");
    assert_eq!(row["work"]["class"], "merged", "{row}");
    Ok(())
}

/// A `git` first on the janitor's `PATH` that logs its arguments and runs the real one.
#[cfg(unix)]
fn logging_git(mini: &Mini) -> Result<std::path::PathBuf, Box<dyn std::error::Error>> {
    use std::os::unix::fs::PermissionsExt;
    let real = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|folder| folder.join("git"))
        .find(|candidate| candidate.is_file())
        .ok_or("git is on PATH")?;
    let bin = mini.root.path().join("bin");
    fs::create_dir_all(&bin)?;
    let log = mini.root.path().join("git.log");
    let script = bin.join("git");
    fs::write(
        &script,
        format!(
            "#!/bin/sh\necho \"$@\" >> '{}'\nexec '{}' \"$@\"\n",
            log.display(),
            real.display()
        ),
    )?;
    fs::set_permissions(&script, fs::Permissions::from_mode(0o755))?;
    Ok(log)
}

#[cfg(unix)]
#[test]
fn list_keeps_a_workspace_s_git_state_until_its_tree_changes() -> TestResult {
    if !git_available() {
        return cannot_run("git is not installed");
    }
    let mini = Mini::new()?;
    let remote = mini.root.path().join("remote.git");
    fs::create_dir_all(&remote)?;
    git(&remote, &["init", "--quiet", "--bare"])?;
    mini.add_task("kept000001", ENV, "done")?;
    let ws = mini.workspace(ENV, "kept000001");
    fs::create_dir_all(ws.parent().ok_or("no parent")?)?;
    let remote_path = remote.to_str().ok_or("path")?;
    git(
        mini.root.path(),
        &["clone", "--quiet", remote_path, ws.to_str().ok_or("path")?],
    )?;
    fs::write(ws.join("README.md"), "hello\n")?;
    git(&ws, &["add", "README.md"])?;
    git(&ws, &["commit", "--quiet", "-m", "initial"])?;
    git(&ws, &["push", "--quiet", "origin", "HEAD:main"])?;
    git(&ws, &["fetch", "--quiet", "origin"])?;
    let log = logging_git(&mini)?;
    let status_runs = || -> Result<usize, Box<dyn std::error::Error>> {
        let logged = fs::read_to_string(&log).unwrap_or_default();
        Ok(logged
            .lines()
            .filter(|line| line.starts_with("status"))
            .count())
    };
    // A state is kept only for a tree whose last change is older than the settle time
    // (2 s) when the walk starts.
    std::thread::sleep(std::time::Duration::from_millis(2200));

    let first = mini.run(&["list", "--json"])?;
    assert_eq!(first.code, Some(0), "{first}");
    let work = work_of(&first.stdout, "kept000001")?["work"].clone();
    assert_eq!(work["class"], "merged", "{work}");
    assert_eq!(status_runs()?, 1);

    let again = mini.run(&["list", "--json"])?;
    assert_eq!(work_of(&again.stdout, "kept000001")?["work"], work);
    assert_eq!(
        status_runs()?,
        1,
        "the tree did not change: git is not asked again"
    );

    fs::write(ws.join("notes.txt"), "the agent's unsaved work\n")?;
    let changed = mini.run(&["list", "--json"])?;
    let row = work_of(&changed.stdout, "kept000001")?;
    assert_eq!(row["work"]["class"], "uncommitted", "{row}");
    assert_eq!(status_runs()?, 2, "a changed tree is shown to git");
    Ok(())
}
