//! Real I/O failures and foreign filesystems, made with `chattr +i` (which stops even
//! root) and tmpfs mounts, end to end through the CLI: every failure names the path and
//! the reason, exits 1, and loses nothing. Each test is skipped, with the reason printed,
//! where the machine cannot make files immutable (not even on a tmpfs mounted for it) or
//! mount a tmpfs, and fails there under CI. Bind mounts of folders on the same filesystem
//! are in `mounts`.

use crate::common;

use agents_janitor::store::paths;
use common::immutable::{self, Immutable};
use common::{Fixture, clean_done_task, run};
use std::error::Error;
use std::path::PathBuf;

type TestResult = Result<(), Box<dyn Error>>;

#[test]
fn an_undeletable_file_is_reported_and_finished_after_it_is_freed() -> TestResult {
    let fixture = Fixture::in_dir(immutable::tempdir()?)?;
    let task = clean_done_task()?;
    let workspace = fixture.workspace(task.env_id, task.id);
    let victim = workspace.join("README.md");
    let canaries = common::tree_digest(&fixture.outside);
    let Some(guard) = Immutable::set(&[&victim], &fixture.data_dir)? else {
        return Ok(());
    };
    let output = run(&fixture, &["discard", task.id])?;
    let stderr = &output.stderr;
    assert_eq!(output.code, Some(1), "{stderr}");
    let failure = stderr
        .lines()
        .find(|l| {
            l.starts_with("[cleanup] ERROR: Failed to remove task workspace:")
                && l.contains("README.md")
        })
        .ok_or_else(|| format!("no failure line naming the file in:\n{stderr}"))?;
    assert!(failure.contains("Operation not permitted"), "{failure}");
    assert!(!workspace.exists(), "the workspace left its real path");
    let staging = paths::staging_dir(&fixture.data_dir);
    let leftovers: Vec<PathBuf> = std::fs::read_dir(&staging)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    assert_eq!(leftovers.len(), 1);
    assert!(leftovers[0].join("README.md").exists());
    assert!(
        !leftovers[0].join(".git").exists(),
        "everything else was deleted"
    );
    let record = std::fs::read_to_string(
        paths::archived_tasks_dir(&fixture.data_dir).join(format!("{}.toml", task.id)),
    )?;
    assert!(record.contains("status = \"discarded\""));
    assert!(
        record.contains("[cleanup/janitor][ERROR] Failed to remove task workspace"),
        "the failure is in the task's logs"
    );

    drop(guard);
    let output = run(&fixture, &["sweep", "--older-than", "1000d"])?;
    let stderr = &output.stderr;
    assert_eq!(output.code, Some(0), "{stderr}");
    assert!(
        stderr.contains("[cleanup] Finishing interrupted delete:"),
        "{stderr}"
    );
    assert_eq!(std::fs::read_dir(&staging)?.count(), 0);
    assert_eq!(common::tree_digest(&fixture.outside), canaries);
    Ok(())
}

#[test]
fn an_unwritable_tasks_folder_stops_the_discard_before_anything_is_deleted() -> TestResult {
    let fixture = Fixture::in_dir(immutable::tempdir()?)?;
    let task = clean_done_task()?;
    let tasks_dir = paths::active_tasks_dir(&fixture.data_dir);
    let workspace = fixture.workspace(task.env_id, task.id);
    let before = common::tree_digest(&fixture.data_dir);
    let Some(_guard) = Immutable::set(&[&tasks_dir], &fixture.data_dir)? else {
        return Ok(());
    };
    let output = run(&fixture, &["discard", task.id])?;
    let stderr = &output.stderr;
    assert_eq!(output.code, Some(1), "{stderr}");
    let record = tasks_dir.join(format!("{}.toml", task.id));
    let line = stderr
        .lines()
        .find(|l| l.contains(&record.display().to_string()) && l.contains("cannot write"))
        .ok_or_else(|| format!("no error naming {}:\n{stderr}", record.display()))?;
    assert!(line.contains("Operation not permitted"), "{line}");
    assert!(
        workspace.join(".git").exists(),
        "the workspace stays while its record cannot say so"
    );
    assert!(
        stderr.contains(&format!("Workspace kept: {}", workspace.display())),
        "staged first, put back when the record refused the change:\n{stderr}"
    );
    let mut after = common::tree_digest(&fixture.data_dir);
    // The staging folder the workspace went through and came back from stays, empty.
    let empty_staging =
        |path: &str, kind: &str| path.ends_with(paths::STAGING) && kind.starts_with("dir");
    after.retain(|path, kind| !path.contains(".agents-janitor.lock") && !empty_staging(path, kind));
    assert_eq!(before, after, "nothing changed");
    Ok(())
}

#[test]
fn an_unwritable_archive_folder_keeps_records_and_workspaces() -> TestResult {
    let fixture = Fixture::in_dir(immutable::tempdir()?)?;
    let done_dir = paths::archived_tasks_dir(&fixture.data_dir);
    let active = paths::active_tasks_dir(&fixture.data_dir);
    let before: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(&active)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .map(|p| std::fs::read(&p).map(|bytes| (p, bytes)))
        .collect::<Result<_, _>>()?;
    let Some(_guard) = Immutable::set(&[&done_dir], &fixture.data_dir)? else {
        return Ok(());
    };
    let output = run(&fixture, &["archive"])?;
    let stderr = &output.stderr;
    assert_eq!(output.code, Some(1), "{stderr}");
    assert!(
        stderr
            .lines()
            .any(|l| l.contains("[cleanup] ERROR:") && l.contains("Operation not permitted")),
        "{stderr}"
    );
    for (path, bytes) in before {
        assert_eq!(std::fs::read(&path)?, bytes, "{} unchanged", path.display());
    }
    let task = clean_done_task()?;
    assert!(
        fixture
            .workspace(task.env_id, task.id)
            .join(".git")
            .exists()
    );
    Ok(())
}

/// A tmpfs (its own device) inside a workspace: refused before anything moves, like a
/// bind mount (see `mounts`); the delete walk's own refusal to enter it is tested
/// there too. The fixture takes the mount down when dropped.
#[cfg(target_os = "linux")]
#[test]
fn a_tmpfs_inside_a_workspace_is_refused_before_anything_moves() -> TestResult {
    let fixture = Fixture::new()?;
    let task = clean_done_task()?;
    let workspace = fixture.workspace(task.env_id, task.id);
    let mount_point = workspace.join("cache");
    std::fs::create_dir_all(&mount_point)?;
    if !common::mounts::tmpfs(&mount_point)? {
        return Ok(());
    }
    std::fs::write(mount_point.join("canary.txt"), "on another filesystem")?;
    let before = common::tree_digest(&workspace);
    let output = run(&fixture, &["discard", task.id])?;
    assert_eq!(output.code, Some(1), "{output}");
    output.assert_left_alone(
        &workspace,
        &format!(
            "{} is a mount point: unmount it first",
            mount_point.display()
        ),
    );
    assert_eq!(common::tree_digest(&workspace), before, "nothing moved");
    assert!(
        !paths::staging_dir(&fixture.data_dir).exists()
            || std::fs::read_dir(paths::staging_dir(&fixture.data_dir))?
                .next()
                .is_none(),
        "nothing was staged"
    );
    Ok(())
}

#[cfg(target_os = "linux")]
#[test]
fn a_workspace_that_is_a_tmpfs_mount_point_is_refused() -> TestResult {
    let fixture = Fixture::new()?;
    let task = clean_done_task()?;
    let workspace = fixture.workspace(task.env_id, task.id);
    if !common::mounts::tmpfs(&workspace)? {
        return Ok(());
    }
    std::fs::write(workspace.join("canary.txt"), "a whole filesystem")?;
    let output = run(&fixture, &["discard", task.id])?;
    assert_eq!(output.code, Some(1), "{output}");
    output.assert_left_alone(
        &workspace,
        &format!("{} is a mount point: unmount it first", workspace.display()),
    );
    assert_eq!(
        std::fs::read_to_string(workspace.join("canary.txt"))?,
        "a whole filesystem"
    );
    Ok(())
}
