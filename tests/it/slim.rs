//! `slim`: only what git ignores goes; tracked files in ignored-looking folders,
//! untracked work, `.git` and whatever a symlink points at stay, byte for byte.

use crate::common::mini::{Canaries, ENV, Mini, TestResult};
use crate::common::{cannot_run, git_available, git_setup as git};
use serde_json::Value;
use std::fs;
use std::path::Path;

/// A finished task whose workspace is a repository with ignored build output
/// (`target/` holding a symlink to the canaries outside, `build/out.o`, `app.log`), a
/// tracked file inside the ignored `build/`, untracked work that is not ignored
/// (`notes.txt`, `node_modules/`), and its `.git`.
fn workspace_with_build_output(
    mini: &Mini,
    id: &str,
) -> Result<std::path::PathBuf, Box<dyn std::error::Error>> {
    mini.add_task(id, ENV, "done")?;
    let ws = mini.workspace(ENV, id);
    fs::create_dir_all(&ws)?;
    git(&ws, &["init", "--quiet"])?;
    fs::write(ws.join(".gitignore"), "target/\nbuild/\n*.log\n")?;
    fs::create_dir_all(ws.join("build"))?;
    fs::write(
        ws.join("build/keep.txt"),
        "tracked inside an ignored folder\n",
    )?;
    fs::write(ws.join("README.md"), "tracked\n")?;
    git(&ws, &["add", ".gitignore", "README.md"])?;
    git(&ws, &["add", "--force", "build/keep.txt"])?;
    git(&ws, &["commit", "--quiet", "-m", "initial"])?;
    fs::create_dir_all(ws.join("target/debug/deps"))?;
    fs::write(ws.join("target/debug/deps/big.rlib"), vec![7_u8; 64 * 1024])?;
    #[cfg(unix)]
    std::os::unix::fs::symlink(&mini.outside, ws.join("target/outside-link"))?;
    fs::write(ws.join("build/out.o"), vec![1_u8; 4096])?;
    fs::write(ws.join("app.log"), "log\n")?;
    fs::write(ws.join("notes.txt"), "untracked work\n")?;
    fs::create_dir_all(ws.join("node_modules/pkg"))?;
    fs::write(ws.join("node_modules/pkg/index.js"), "not ignored\n")?;
    Ok(ws)
}

#[test]
fn slim_deletes_only_what_git_ignores() -> TestResult {
    if !git_available() {
        return cannot_run("git is not installed");
    }
    let mini = Mini::new()?;
    let ws = workspace_with_build_output(&mini, "slimtask01")?;
    let kept: Vec<&Path> = vec![
        Path::new("README.md"),
        Path::new(".gitignore"),
        Path::new("build/keep.txt"),
        Path::new("notes.txt"),
        Path::new("node_modules/pkg/index.js"),
        Path::new(".git/HEAD"),
    ];
    let kept_bytes: Vec<Vec<u8>> = kept
        .iter()
        .map(|path| fs::read(ws.join(path)))
        .collect::<Result<_, _>>()?;
    let canaries = Canaries::new(&mini, &[&ws.join(".git")]);

    // The plan lists each ignored entry with its size, and changes nothing.
    let planned = mini.run(&["slim", "slimtask01", "--dry-run", "--json"])?;
    assert_eq!(planned.code, Some(0), "{planned}");
    let doc: Value = serde_json::from_str(&planned.stdout)?;
    let mut entries: Vec<&str> = doc["plan"]["workspaces"][0]["entries"]
        .as_array()
        .ok_or("no entries")?
        .iter()
        .filter_map(|entry| entry["path"].as_str())
        .collect();
    // Largest first.
    assert_eq!(entries.first(), Some(&"target"), "{planned}");
    entries.sort_unstable();
    assert_eq!(entries, ["app.log", "build/out.o", "target"], "{planned}");
    let target_bytes = doc["plan"]["workspaces"][0]["entries"][0]["bytes"]
        .as_u64()
        .ok_or("no size")?;
    assert!(target_bytes >= 64 * 1024, "{planned}");
    assert!(ws.join("target/debug/deps/big.rlib").exists());

    let text = mini.run(&["slim", "slimtask01", "--dry-run"])?;
    assert!(
        text.stdout.contains("Plan (slim): 1 workspace(s)"),
        "{text}"
    );
    assert!(text.stdout.contains("build/out.o"), "{text}");

    let slimmed = mini.run(&["slim", "slimtask01"])?;
    assert_eq!(slimmed.code, Some(0), "{slimmed}");
    assert!(slimmed.stderr.contains("[cleanup] Slimming"), "{slimmed}");
    for gone in ["target", "build/out.o", "app.log"] {
        assert!(
            fs::symlink_metadata(ws.join(gone)).is_err(),
            "{gone} is still there"
        );
    }
    for (path, bytes) in kept.iter().zip(&kept_bytes) {
        assert_eq!(
            &fs::read(ws.join(path))?,
            bytes,
            "{} changed",
            path.display()
        );
    }
    canaries.assert_intact("slim");
    assert!(
        mini.staged().is_empty(),
        "left in staging: {:?}",
        mini.staged()
    );
    Ok(())
}

#[test]
fn slim_refuses_running_tasks_and_unknown_ids() -> TestResult {
    if !git_available() {
        return cannot_run("git is not installed");
    }
    let mini = Mini::new()?;
    let ws = workspace_with_build_output(&mini, "slimtask02")?;
    mini.add_task("slimtask02", ENV, "running")?;
    let refused = mini.run(&["slim", "slimtask02"])?;
    assert_eq!(refused.code, Some(1), "{refused}");
    assert!(refused.stdout.contains("may still be running"), "{refused}");
    assert!(ws.join("target/debug/deps/big.rlib").exists());

    let unknown = mini.run(&["slim", "../slimtask02"])?;
    assert_eq!(unknown.code, Some(2), "{unknown}");
    let neither = mini.run(&["slim"])?;
    assert_eq!(neither.code, Some(2), "{neither}");

    // --all-finished passes the running task by.
    let all = mini.run(&["slim", "--all-finished", "--json"])?;
    assert_eq!(all.code, Some(0), "{all}");
    assert!(ws.join("target/debug/deps/big.rlib").exists());
    Ok(())
}

#[test]
fn archive_slims_the_failed_tasks_it_keeps_when_set() -> TestResult {
    if !git_available() {
        return cannot_run("git is not installed");
    }
    let mini = Mini::new()?;
    let ws = workspace_with_build_output(&mini, "failed0001")?;
    mini.add_task("failed0001", ENV, "failed")?;
    // Without the setting, archive keeps it whole.
    let kept_whole = mini.run(&["archive", "--dry-run"])?;
    assert_eq!(kept_whole.code, Some(0), "{kept_whole}");
    assert!(!kept_whole.stdout.contains("Plan (slim)"), "{kept_whole}");
    let set = mini.run(&["config", "set", "archive_slims_failed", "true"])?;
    assert_eq!(set.code, Some(0), "{set}");
    let archived = mini.run(&["archive"])?;
    assert_eq!(archived.code, Some(0), "{archived}");
    assert!(
        archived.stdout.contains("Plan (slim): 1 workspace(s)"),
        "{archived}"
    );
    assert!(mini.archived_record("failed0001").exists(), "{archived}");
    assert!(ws.join("notes.txt").exists() && ws.join("build/keep.txt").exists());
    assert!(!ws.join("target").exists(), "{archived}");
    Ok(())
}

/// An ignored folder holding a repository of its own (a vendored checkout with a commit
/// that exists nowhere else) stays out of the plan, is named as kept with why, and the
/// slim of the rest succeeds; git never looks inside it, so only the janitor can tell.
#[test]
fn an_ignored_folder_holding_a_repository_stays_out_of_the_plan() -> TestResult {
    if !git_available() {
        return cannot_run("git is not installed");
    }
    let mini = Mini::new()?;
    let ws = workspace_with_build_output(&mini, "slimtask04")?;
    let vendored = ws.join("build/vendor/lib");
    fs::create_dir_all(&vendored)?;
    git(&vendored, &["init", "--quiet"])?;
    fs::write(vendored.join("work.rs"), "only here\n")?;
    git(&vendored, &["add", "work.rs"])?;
    git(&vendored, &["commit", "--quiet", "-m", "local work"])?;

    let planned = mini.run(&["slim", "slimtask04", "--dry-run", "--json"])?;
    assert_eq!(planned.code, Some(0), "{planned}");
    let doc: Value = serde_json::from_str(&planned.stdout)?;
    let entries: Vec<&str> = doc["plan"]["workspaces"][0]["entries"]
        .as_array()
        .ok_or("no entries")?
        .iter()
        .filter_map(|entry| entry["path"].as_str())
        .collect();
    // `build/` holds a tracked file, so git names what it ignores inside it.
    assert!(!entries.contains(&"build/vendor"), "{planned}");
    assert!(entries.contains(&"target"), "{planned}");
    assert!(entries.contains(&"build/out.o"), "{planned}");
    let kept = &doc["plan"]["left_alone"][0];
    assert_eq!(
        kept["path"].as_str(),
        ws.join("build/vendor").to_str(),
        "{planned}"
    );
    assert!(
        kept["reason"]
            .as_str()
            .is_some_and(|reason| reason.contains("holds a git repository")),
        "{planned}"
    );
    let text = mini.run(&["slim", "slimtask04", "--dry-run"])?;
    assert!(text.stdout.contains("Left where they are:"), "{text}");

    let slimmed = mini.run(&["slim", "slimtask04"])?;
    assert_eq!(slimmed.code, Some(0), "{slimmed}");
    assert!(fs::symlink_metadata(ws.join("target")).is_err());
    assert_eq!(fs::read_to_string(vendored.join("work.rs"))?, "only here\n");
    assert!(vendored.join(".git/HEAD").exists());
    Ok(())
}
