//! Defence in depth: the delete walk never enters a mount, and trash mode never lets the
//! trash crate pick a folder in the data dir.

use super::{Case, ID};
use crate::common;
use agents_janitor::remove::{Filesystem, RealFilesystem, Remover, Staging, WorkspaceTarget};
use agents_janitor::store::{FolderKind, WorkspaceType};
use common::mini::{Canaries, ENV, TestResult};
use common::mounts;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

/// The real filesystem, but blind to mounts before the walk: the checks that refuse a
/// workspace holding a mount see none, so only the walk's own refusal stands between
/// the delete and the user's folder.
struct BlindToMounts;

impl Filesystem for BlindToMounts {
    fn is_mount_point(&self, _path: &Path) -> io::Result<bool> {
        Ok(false)
    }
    fn mount_points_under(&self, _path: &Path) -> io::Result<Vec<PathBuf>> {
        Ok(Vec::new())
    }
}

/// Defence in depth: a bind mount that moved into staging with its workspace is never
/// entered, whatever the device numbers say; the rest is deleted, and a workspace that
/// is itself a mount point cannot even be moved.
#[test]
fn the_delete_walk_never_enters_a_bind_mount_whatever_the_checks_before_it_said() -> TestResult {
    let case = Case::new()?;
    let Some(inside) = case.bind_notes("d000/mnt")? else {
        return Ok(());
    };
    let canaries = Canaries::new(&case.mini, &[&case.notes]);
    let remover = Remover::with_filesystem(
        &case.mini.data_dir,
        Arc::new(AtomicBool::new(false)),
        Arc::new(BlindToMounts),
    );
    let target = WorkspaceTarget {
        env_id: ENV.into(),
        task_id: ID.into(),
        workspace_type: WorkspaceType::Cloned,
        kind: FolderKind::TaskWorkspace,
    };
    let Staging::Staged(staged) = remover.stage(&target)? else {
        return Err("not staged".into());
    };
    let moved = staged.staged.join(inside.strip_prefix(&case.workspace)?);
    assert_eq!(mounts::mounted_under(&staged.staged), vec![moved.clone()]);
    let report = remover.purge(&staged.staged, &|_, _| {});
    canaries.assert_intact("the blind delete");
    assert!(!report.complete);
    assert_eq!(report.failures.len(), 1, "{report:?}");
    assert_eq!(report.failures[0].path, moved);
    assert!(
        report.failures[0]
            .message
            .contains("it is a mount point or on another filesystem"),
        "{report:?}"
    );
    assert!(
        !staged.staged.join("README.md").exists(),
        "the rest is deleted"
    );
    // The next start's finish refuses it again and still deletes nothing of it.
    let finished = Remover::new(&case.mini.data_dir, Arc::new(AtomicBool::new(false)))
        .finish_staged(&|_, _| {});
    assert!(matches!(&finished, Ok(list) if list.len() == 1 && !list[0].1.complete));
    canaries.assert_intact("finishing it");

    // A workspace that is a mount point: the rename into staging fails (busy).
    let other = "b1d0000002";
    let workspace = case.mini.add_workspace(ENV, other, 3)?;
    if !mounts::bind(&case.notes, &workspace)? {
        return Ok(());
    }
    let result = remover.stage(&WorkspaceTarget {
        task_id: other.into(),
        ..target
    });
    assert!(
        result
            .as_ref()
            .is_err_and(|err| err.to_string().contains("busy")),
        "{result:?}"
    );
    canaries.assert_intact("staging a mount point");
    assert!(RealFilesystem.is_mount_point(&workspace)?);
    Ok(())
}

/// The trash crate picks `$topdir/.Trash-UID` of the workspace's mount when the home
/// trash is in another one: with the data dir a mount point that would be inside it.
/// Trash mode refuses instead, and refuses a home trash inside the data dir too.
#[test]
fn trash_mode_never_lets_the_trash_crate_pick_a_folder_in_the_data_dir() -> TestResult {
    let case = Case::new()?;
    let data = case.mini.data_dir.clone();
    if !mounts::bind(&data, &data)? {
        return Ok(());
    }
    let canaries = case.canaries();
    let output = case.run(&["discard", ID, "--trash"])?;
    canaries.assert_intact("discard --trash with the data dir a mount point");
    assert_eq!(output.code, Some(1), "{output}");
    assert!(
        output.stderr.contains(&format!(
            "the workspace in the one at {}: the trash crate would make a trash folder",
            data.display()
        )),
        "{output}"
    );
    case.assert_no_trash("the data dir a mount point")?;
    assert!(case.workspace.join("README.md").exists());
    drop(case);

    let case = Case::new()?;
    let canaries = case.canaries();
    let inside = case.mini.data_dir.join("xdg");
    let output = case
        .mini
        .janitor(&["discard", ID, "--trash"])?
        .env("XDG_DATA_HOME", &inside)
        .output()?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    canaries.assert_intact("discard --trash with the trash in the data dir");
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("is inside the data directory"), "{stderr}");
    assert!(!inside.exists(), "no trash made in the data dir");
    assert!(case.workspace.join("README.md").exists());
    Ok(())
}
