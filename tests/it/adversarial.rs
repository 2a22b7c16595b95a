//! Adversarial deletion cases beyond `safety`: odd ids, symlinked `tasks` and
//! task folders, a workspace swapped for a symlink between planning and deleting (and
//! inside the tree while the delete runs), unreadable and oddly named entries, a
//! symlinked data dir, environments of type `none`, records that claim another
//! environment, and two janitors started at once. Every case runs the real binary on a
//! small data dir (`common::mini`) and checks canary trees byte for byte.

use crate::common;

use agents_janitor::checkpoint;
use agents_janitor::store::paths;
use common::Run;
use common::mini::{Canaries, ENV, Mini, Paused, TestResult, plant, records, status_and_logs};
use std::fs;
use std::path::Path;
#[cfg(unix)]
use std::path::PathBuf;

fn exists(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok()
}

#[cfg(unix)]
fn symlink(target: &Path, link: &Path) -> TestResult {
    std::os::unix::fs::symlink(target, link)?;
    Ok(())
}

/// Some line of the output names `path` and says `reason`.
fn says(run: &Run, path: &Path, reason: &str) -> bool {
    let shown = path.display().to_string();
    run.stdout
        .lines()
        .chain(run.stderr.lines())
        .any(|line| line.contains(&shown) && line.contains(reason))
}

/// The exit codes of `complete` and `discard` for a task whose folder they leave alone.
#[derive(Clone, Copy)]
struct Exits {
    complete: i32,
    discard: i32,
}

/// A folder the name filter would change: `discard` marks the record and leaves the
/// folder (nothing failed), `complete --force` refuses it (exit 1).
const FILTERED_EXITS: Exits = Exits {
    complete: 1,
    discard: 0,
};

/// A workspace refused outright (a symlink): both commands fail.
const REFUSED_EXITS: Exits = Exits {
    complete: 1,
    discard: 1,
};

/// `discard ID --force` and `complete ID --force --delete-failed` leave the canaries
/// alone and say where and why. (A sweep is not asked: a folder without a record of its
/// own in a cloned environment is the sweep's to delete, as in Agents-Runner.)
fn assert_every_command_leaves_it(
    mini: &Mini,
    id: &str,
    shown: &Path,
    reason: &str,
    exits: Exits,
    canaries: &Canaries,
) -> TestResult {
    for (args, code) in [
        (
            vec!["complete", id, "--force", "--delete-failed"],
            exits.complete,
        ),
        (vec!["discard", id, "--force"], exits.discard),
    ] {
        let run = mini.run(&args)?;
        assert_eq!(run.code, Some(code), "{args:?}: {run}");
        assert!(says(&run, shown, reason), "{args:?}: no {reason:?}:\n{run}");
        canaries.assert_intact(&args.join(" "));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Ids
// ---------------------------------------------------------------------------------------

/// Ids that the folder-name filter changes name another folder (or none); that folder
/// is never deleted on their behalf.
fn odd_task_id(id: &str) -> TestResult {
    let mini = Mini::new()?;
    mini.add_task(id, ENV, "done")?;
    let filtered = mini.workspace(ENV, id);
    plant(&filtered, "the folder the filter names")?;
    let canaries = Canaries::new(&mini, &[&filtered]);
    assert_every_command_leaves_it(
        &mini,
        id,
        &filtered,
        "plain folder name",
        FILTERED_EXITS,
        &canaries,
    )
}

#[test]
fn a_task_id_with_a_slash_is_refused() -> TestResult {
    odd_task_id("c0ffee/0001")
}

#[test]
fn a_task_id_dot_is_refused() -> TestResult {
    odd_task_id(".")
}

#[test]
fn a_task_id_dot_dot_alone_is_refused() -> TestResult {
    odd_task_id("..")
}

#[test]
fn task_ids_with_odd_bytes_are_refused() -> TestResult {
    for id in [
        "c0ffee 0002",
        "c0ffee\t0003",
        "c0ffee\n0004",
        "caf\u{e9}00005",
        "c0ffee\u{202e}0006",
        "c0ffee\\0007",
    ] {
        odd_task_id(id)?;
    }
    Ok(())
}

#[test]
fn an_environment_id_with_a_slash_is_refused() -> TestResult {
    let mini = Mini::new()?;
    let env = "env-5afe0001/../env-5afe0002";
    mini.write_environments(&[(ENV, "cloned"), (env, "cloned")])?;
    let id = "e5105a0001";
    mini.add_task(id, env, "done")?;
    let filtered = mini.workspace(env, id);
    plant(&filtered, "folder of the env the filter names")?;
    // A naive join lands in another environment's task folder.
    let naive = mini.workspace("env-5afe0002", id);
    plant(&naive, "naive join target")?;
    let canaries = Canaries::new(&mini, &[&filtered, &naive]);
    assert_every_command_leaves_it(
        &mini,
        id,
        &filtered,
        "plain folder name",
        FILTERED_EXITS,
        &canaries,
    )
}

#[test]
fn very_long_task_ids_work_up_to_the_name_limit_and_fail_cleanly_past_it() -> TestResult {
    let mini = Mini::new()?;
    // The longest folder name there can be: an ordinary workspace.
    let longest = "b".repeat(250);
    mini.add_task(&longest, ENV, "done")?;
    let workspace = mini.add_workspace(ENV, &longest, 10)?;
    // Longer than any file name may be: its folder cannot exist (its record has a short
    // file name), and nothing else is touched.
    let too_long = "a".repeat(300);
    let record = paths::active_tasks_dir(&mini.data_dir).join("too-long.toml");
    common::write_private(
        &record,
        common::mini::task_toml(&too_long, ENV, "done")?.as_bytes(),
    )?;
    let canaries = Canaries::new(&mini, &[]);
    let run = mini.run(&["discard", &longest, &too_long])?;
    assert_eq!(run.code, Some(0), "{run}");
    assert!(!exists(&workspace), "{run}");
    canaries.assert_intact("discard");
    let found = records(&mini.data_dir)?;
    assert_eq!(found.get(&too_long).map(Vec::len), Some(1), "{found:?}");
    assert_eq!(found.get(&longest).map(Vec::len), Some(1), "{found:?}");
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Symlinks on the way
// ---------------------------------------------------------------------------------------

#[cfg(unix)]
#[test]
fn a_symlinked_tasks_folder_is_never_followed() -> TestResult {
    let mini = Mini::new()?;
    let other_env = "env-5afe0002";
    mini.write_environments(&[(ENV, "cloned"), (other_env, "cloned")])?;
    let id = "7a5c5a0001";
    // In the other environment, a folder named like the task: through the symlink it
    // would look like the task's workspace.
    let other_tasks = paths::managed_repos_dir(&mini.data_dir)
        .join(other_env)
        .join("tasks");
    let other = other_tasks.join(id);
    plant(&other, "another environment's folder")?;
    plant(&mini.outside.join(id), "outside, named like the task")?;
    let tasks = paths::managed_repos_dir(&mini.data_dir)
        .join(ENV)
        .join("tasks");
    fs::remove_dir(&tasks)?;
    let outside_only = Canaries::new(&mini, &[]);
    let canaries = Canaries::new(&mini, &[&other]);
    for victim in [
        other_tasks.clone(),
        mini.outside.clone(),
        PathBuf::from("/"),
    ] {
        let _ = fs::remove_file(mini.archived_record(id));
        mini.add_task(id, ENV, "done")?;
        symlink(&victim, &tasks)?;
        for args in [
            vec!["discard", id, "--force"],
            vec!["complete", id, "--force", "--delete-failed"],
        ] {
            let run = mini.run(&args)?;
            assert_eq!(run.code, Some(0), "{args:?}: {run}");
            assert!(
                says(&run, &tasks, "symlink"),
                "{args:?} -> {}:\n{run}",
                victim.display()
            );
            canaries.assert_intact(&format!("{args:?} with tasks -> {}", victim.display()));
        }
        assert_eq!(fs::read_link(&tasks)?, victim);
        fs::remove_file(&tasks)?;
    }
    // A sweep lists nothing behind the symlink. (The other environment's folder has no
    // record, so a sweep may delete it through its real path: it is not a canary here.)
    symlink(&mini.outside, &tasks)?;
    let sweep = mini.run(&["sweep", "--force", "--older-than", "0"])?;
    assert_eq!(sweep.code, Some(0), "{sweep}");
    assert!(says(&sweep, &tasks, "symlink"), "{sweep}");
    outside_only.assert_intact("sweep --force");
    Ok(())
}

#[cfg(unix)]
#[test]
fn a_task_folder_symlinked_to_another_task_or_to_root_is_refused() -> TestResult {
    let mini = Mini::new()?;
    let owner = "7a5c5a0002";
    mini.add_task(owner, ENV, "running")?;
    let owners_workspace = mini.add_workspace(ENV, owner, 30)?;
    let canaries = Canaries::new(&mini, &[&owners_workspace]);
    for (id, victim) in [
        ("7a5c5a0003", owners_workspace.clone()),
        ("7a5c5a0004", PathBuf::from("/")),
    ] {
        mini.add_task(id, ENV, "done")?;
        let link = mini.workspace(ENV, id);
        symlink(&victim, &link)?;
        assert_every_command_leaves_it(&mini, id, &link, "symlink", REFUSED_EXITS, &canaries)?;
        assert_eq!(fs::read_link(&link)?, victim);
    }
    assert!(exists(&mini.active_record(owner)));
    Ok(())
}

#[cfg(unix)]
#[test]
fn managed_repos_symlinked_to_root_is_never_followed() -> TestResult {
    let mini = Mini::new()?;
    let managed = paths::managed_repos_dir(&mini.data_dir);
    let id = "7a5c5a0005";
    mini.add_task(id, ENV, "done")?;
    fs::remove_dir_all(&managed)?;
    symlink(Path::new("/"), &managed)?;
    let canaries = Canaries::new(&mini, &[]);
    for args in [
        vec!["discard", id, "--force"],
        vec!["sweep", "--force", "--older-than", "0"],
        vec!["archive", "--force", "--delete-failed"],
    ] {
        let run = mini.run(&args)?;
        assert_eq!(run.code, Some(0), "{args:?}: {run}");
        assert!(says(&run, &managed, "symlink"), "{args:?}:\n{run}");
        canaries.assert_intact(&args.join(" "));
    }
    assert_eq!(fs::read_link(&managed)?, Path::new("/"));
    Ok(())
}

#[cfg(unix)]
#[test]
fn a_symlinked_data_dir_is_resolved_once_and_works() -> TestResult {
    let mini = Mini::new()?;
    let id = "7a5c5a0006";
    mini.add_task(id, ENV, "done")?;
    let workspace = mini.add_workspace(ENV, id, 50)?;
    let link = mini.root.path().join("data-link");
    symlink(&mini.data_dir, &link)?;
    let canaries = Canaries::new(&mini, &[]);
    let output = mini.janitor_at(&link, &["discard", id])?.output()?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(!exists(&workspace), "{stderr}");
    assert_eq!(fs::read_link(&link)?, mini.data_dir);
    assert_eq!(status_and_logs(&mini.archived_record(id))?.0, "discarded");
    canaries.assert_intact("discard through a symlinked data dir");
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Swaps while the janitor runs
// ---------------------------------------------------------------------------------------

/// The plan is made while the workspace is a real folder; before the first step runs,
/// the folder is swapped for a symlink to the canaries. The delete must not follow it.
#[cfg(unix)]
#[test]
fn a_workspace_swapped_for_a_symlink_after_planning_is_refused() -> TestResult {
    let mini = Mini::new()?;
    let id = "5a4b000001";
    mini.add_task(id, ENV, "done")?;
    let workspace = mini.add_workspace(ENV, id, 40)?;
    let canaries = Canaries::new(&mini, &[]);
    let paused = Paused::start(&mini, &["discard", id], checkpoint::EXECUTE_START)?;
    let moved = mini.root.path().join("moved-workspace");
    fs::rename(&workspace, &moved)?;
    symlink(&mini.outside, &workspace)?;
    let moved_digest = common::tree_digest(&moved);
    let run = paused.resume()?;
    assert_eq!(run.code, Some(1), "{run}");
    run.assert_refused(&workspace, "symlink");
    assert_eq!(fs::read_link(&workspace)?, mini.outside);
    assert!(
        common::tree_digest(&moved) == moved_digest,
        "the moved folder changed"
    );
    assert!(mini.staged().is_empty(), "{run}");
    canaries.assert_intact("discard after the swap");
    Ok(())
}

/// While the staged tree is being deleted, one of its folders not deleted yet is swapped
/// for a symlink to the canaries: the walk removes the link (or reports the swap), never
/// what it points at, and a later start finishes the rest.
#[cfg(unix)]
#[test]
fn a_folder_swapped_for_a_symlink_during_the_delete_is_not_followed() -> TestResult {
    let mini = Mini::new()?;
    let id = "5a4b000002";
    mini.add_task(id, ENV, "done")?;
    mini.add_workspace(ENV, id, 3_000)?;
    let canaries = Canaries::new(&mini, &[]);
    let point = format!("{}=10", checkpoint::PURGE_ENTRY);
    let paused = Paused::start(&mini, &["discard", id], &point)?;
    let staged = mini.staged();
    assert_eq!(staged.len(), 1, "{}", paused.before);
    let held = mini.root.path().join("held");
    fs::create_dir_all(&held)?;
    let mut swapped = 0;
    for entry in fs::read_dir(&staged[0])? {
        let path = entry?.path();
        let Some(name) = path.file_name().map(|n| n.to_owned()) else {
            continue;
        };
        if fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir())
            && fs::rename(&path, held.join(&name)).is_ok()
        {
            symlink(&mini.outside, &path)?;
            swapped += 1;
        }
    }
    assert!(swapped > 0, "no folder left to swap");
    let run = paused.resume()?;
    // The swapped folders are refused, and a refusal is a failure of the run.
    assert_eq!(run.code, Some(1), "{run}");
    canaries.assert_intact("discard with folders swapped mid-delete");
    let next = mini.run(&["sweep", "--older-than", "1000w"])?;
    assert_eq!(next.code, Some(0), "{next}");
    assert!(mini.staged().is_empty(), "{next}");
    canaries.assert_intact("the next start");
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Environments and records that do not own the folder
// ---------------------------------------------------------------------------------------

#[test]
fn a_folder_under_an_environment_of_type_none_is_left_alone() -> TestResult {
    let mini = Mini::new()?;
    let env = "env-5afe0003";
    mini.write_environments(&[(ENV, "cloned"), (env, "none")])?;
    let id = "0e0e000001";
    mini.add_task(id, env, "done")?;
    let folder = mini.workspace(env, id);
    plant(&folder, "a folder under a none environment")?;
    let canaries = Canaries::new(&mini, &[&folder]);
    for args in [
        vec!["discard", id, "--force"],
        vec!["complete", id, "--force", "--delete-failed"],
        vec!["sweep", "--force", "--older-than", "0"],
        vec!["archive", "--force", "--delete-failed"],
    ] {
        let run = mini.run(&args)?;
        assert_eq!(run.code, Some(0), "{args:?}: {run}");
        canaries.assert_intact(&args.join(" "));
    }
    Ok(())
}

#[test]
fn a_task_that_calls_itself_cloned_in_a_mounted_environment_is_left_alone() -> TestResult {
    let mini = Mini::new()?;
    let env = "env-5afe0004";
    mini.write_environments(&[(ENV, "cloned"), (env, "mounted")])?;
    let id = "0e0e000002";
    let record = mini.add_task(id, env, "done")?;
    let text = fs::read_to_string(&record)? + "workspace_type = \"cloned\"\n";
    common::write_private(&record, text.as_bytes())?;
    let folder = mini.workspace(env, id);
    plant(&folder, "managed path of a mounted env")?;
    let canaries = Canaries::new(&mini, &[&folder]);
    for (args, code) in [
        (vec!["discard", id, "--force"], 0),
        (vec!["complete", id, "--force", "--delete-failed"], 1),
    ] {
        let run = mini.run(&args)?;
        assert_eq!(run.code, Some(code), "{args:?}: {run}");
        assert!(
            run.stdout.contains("mounted") || run.stderr.contains("mounted"),
            "{run}"
        );
        canaries.assert_intact(&args.join(" "));
    }
    Ok(())
}

/// A record moved to another environment (its `environment_id` edited) names that
/// environment's folder only; the folder it came from and the other environment's
/// unrelated task folders stay.
#[test]
fn a_record_that_claims_another_environment_touches_only_that_path() -> TestResult {
    let mini = Mini::new()?;
    let other = "env-5afe0005";
    mini.write_environments(&[(ENV, "cloned"), (other, "cloned")])?;
    let id = "0e0e000003";
    mini.add_task(id, other, "done")?;
    let home = mini.add_workspace(ENV, id, 20)?;
    let neighbour = "0e0e000004";
    mini.add_task(neighbour, other, "running")?;
    let neighbours = mini.add_workspace(other, neighbour, 20)?;
    let canaries = Canaries::new(&mini, &[&home, &neighbours]);
    let run = mini.run(&["discard", id])?;
    assert_eq!(run.code, Some(0), "{run}");
    assert_eq!(status_and_logs(&mini.archived_record(id))?.0, "discarded");
    canaries.assert_intact("discard");
    let complete = mini.run(&["complete", id, "--force", "--delete-failed"])?;
    assert_eq!(complete.code, Some(0), "{complete}");
    canaries.assert_intact("complete --force");
    Ok(())
}

// ---------------------------------------------------------------------------------------
// What is inside a workspace
// ---------------------------------------------------------------------------------------

#[cfg(unix)]
#[test]
fn entries_with_no_permissions_at_all_are_deleted_completely() -> TestResult {
    use std::os::unix::fs::PermissionsExt;
    let mini = Mini::new()?;
    let id = "0a0a000001";
    mini.add_task(id, ENV, "done")?;
    let workspace = mini.add_workspace(ENV, id, 10)?;
    let locked = workspace.join("locked").join("deeper");
    fs::create_dir_all(&locked)?;
    fs::write(locked.join("secret"), "no permissions")?;
    fs::write(workspace.join("locked").join("file"), "no permissions")?;
    for path in [
        locked.join("secret"),
        workspace.join("locked").join("file"),
        locked.clone(),
        workspace.join("locked"),
    ] {
        fs::set_permissions(&path, fs::Permissions::from_mode(0o000))?;
    }
    fs::set_permissions(
        workspace.join("README.md"),
        fs::Permissions::from_mode(0o000),
    )?;
    let canaries = Canaries::new(&mini, &[]);
    let run = mini.run(&["discard", id])?;
    assert_eq!(run.code, Some(0), "{run}");
    assert!(!exists(&workspace), "{run}");
    assert!(mini.staged().is_empty(), "{run}");
    canaries.assert_intact("discard");
    Ok(())
}

#[cfg(unix)]
#[test]
fn names_with_newlines_and_invalid_utf8_are_deleted_and_their_twins_outside_kept() -> TestResult {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let mini = Mini::new()?;
    let id = "0a0a000002";
    mini.add_task(id, ENV, "done")?;
    let workspace = mini.add_workspace(ENV, id, 10)?;
    let names: [&[u8]; 4] = [
        b"line\nbreak",
        b"caf\xe9",
        b"\xff\xfe",
        b"-rf --no-preserve-root",
    ];
    for name in names {
        let name = OsStr::from_bytes(name);
        fs::write(workspace.join(name), "odd name inside")?;
        fs::create_dir_all(workspace.join("dir").join(name))?;
        fs::write(mini.outside.join(name), "odd name outside")?;
    }
    let canaries = Canaries::new(&mini, &[]);
    let run = mini.run(&["discard", id])?;
    assert_eq!(run.code, Some(0), "{run}");
    assert!(!exists(&workspace), "{run}");
    assert!(mini.staged().is_empty(), "{run}");
    canaries.assert_intact("discard");
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Two janitors
// ---------------------------------------------------------------------------------------

#[test]
fn two_janitors_started_at_once_never_delete_together() -> TestResult {
    let mini = Mini::new()?;
    let first = "2a2a000001";
    let second = "2a2a000002";
    mini.add_task(first, ENV, "done")?;
    mini.add_task(second, ENV, "done")?;
    let first_ws = mini.add_workspace(ENV, first, 20)?;
    let second_ws = mini.add_workspace(ENV, second, 20)?;
    let canaries = Canaries::new(&mini, &[&second_ws, &mini.active_record(second)]);
    let holder = Paused::start(&mini, &["discard", first], checkpoint::EXECUTE_START)?;
    let blocked = mini.run(&["discard", second])?;
    assert_eq!(blocked.code, Some(1), "{blocked}");
    let said = blocked.stderr.lines().any(|line| {
        line.contains("another agents-janitor")
            && line.contains(&*mini.data_dir.to_string_lossy())
            && line.contains("discard")
    });
    assert!(said, "{blocked}");
    canaries.assert_intact("the second janitor");
    let done = holder.resume()?;
    assert_eq!(done.code, Some(0), "{done}");
    assert!(!exists(&first_ws), "{done}");
    let again = mini.run(&["discard", second])?;
    assert_eq!(again.code, Some(0), "{again}");
    assert!(!exists(&second_ws), "{again}");
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Another filesystem, without mounting anything
// ---------------------------------------------------------------------------------------

/// The real filesystem, except that the workspace folder reports the device of another
/// filesystem (`/proc`): the check that keeps deletes on the data dir's filesystem,
/// tested where mounts cannot be made (`faults` mounts a real tmpfs).
#[cfg(target_os = "linux")]
struct ElsewhereFs {
    workspace: PathBuf,
}

#[cfg(target_os = "linux")]
impl agents_janitor::remove::Filesystem for ElsewhereFs {
    fn symlink_metadata(&self, path: &Path) -> std::io::Result<fs::Metadata> {
        if path == self.workspace {
            fs::symlink_metadata("/proc")
        } else {
            fs::symlink_metadata(path)
        }
    }
}

#[cfg(target_os = "linux")]
#[test]
fn a_workspace_on_another_filesystem_is_refused_by_the_device_check() -> TestResult {
    use agents_janitor::remove::{Filesystem, RemoveError, Remover, WorkspaceTarget};
    use agents_janitor::store::WorkspaceType;
    use std::os::unix::fs::MetadataExt;
    let mini = Mini::new()?;
    let id = "f5f5000001";
    let workspace = mini.add_workspace(ENV, id, 10)?;
    if fs::metadata("/proc")?.dev() == fs::metadata(&mini.data_dir)?.dev() {
        return common::cannot_run("/proc is on the data dir's filesystem here");
    }
    let canaries = Canaries::new(&mini, &[&workspace]);
    let elsewhere: std::sync::Arc<dyn Filesystem> = std::sync::Arc::new(ElsewhereFs {
        workspace: workspace.clone(),
    });
    let remover = Remover::with_filesystem(
        &mini.data_dir,
        std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false)),
        elsewhere,
    );
    let target = WorkspaceTarget {
        env_id: ENV.into(),
        task_id: id.into(),
        workspace_type: WorkspaceType::Cloned,
        kind: agents_janitor::store::FolderKind::TaskWorkspace,
    };
    match remover.stage(&target) {
        Err(RemoveError::Refused { path, reason }) => {
            assert_eq!(path, workspace);
            assert!(reason.contains("another filesystem"), "{reason}");
        }
        other => return Err(format!("not refused: {other:?}").into()),
    }
    assert!(mini.staged().is_empty());
    canaries.assert_intact("stage");
    Ok(())
}
