//! Undo's put back: a workspace out of staging or the trash, only to its exact empty
//! place, through real folders, never from outside staging or across a mount.

use super::*;

fn refused(result: Result<PathBuf, RemoveError>, reason: &str) -> bool {
    matches!(result, Err(RemoveError::Refused { reason: said, .. }) if said.contains(reason))
}

#[test]
fn a_staged_workspace_goes_back_whole_and_only_where_nothing_is() -> TestResult {
    let l = layout()?;
    let ws = make_workspace(&l.data, "env-1", "t1")?;
    let r = remover(&l.data, Arc::new(RealFilesystem));
    let Staging::Staged(staged) = r.stage(&target("env-1", "t1"))? else {
        return Err("not staged".into());
    };
    // A new checkout at the path since: it is never replaced.
    fs::create_dir(&ws)?;
    fs::write(ws.join("new"), "the new checkout")?;
    assert!(refused(
        r.unstage_to(&staged.staged, &target("env-1", "t1")),
        "something is at the workspace path again"
    ));
    assert_eq!(fs::read_to_string(ws.join("new"))?, "the new checkout");
    assert!(staged.staged.is_dir());
    fs::remove_dir_all(&ws)?;
    assert_eq!(r.unstage_to(&staged.staged, &target("env-1", "t1"))?, ws);
    assert_eq!(fs::read_to_string(ws.join("README.md"))?, "hello");
    assert!(!staged.staged.exists());
    // Gone from staging (its delete finished): nothing to put back.
    fs::remove_dir_all(&ws)?;
    assert!(refused(
        r.unstage_to(&staged.staged, &target("env-1", "t1")),
        "no longer in staging"
    ));
    Ok(())
}

#[test]
fn put_back_refuses_what_is_not_in_staging_symlinks_odd_names_and_user_folders() -> TestResult {
    let l = layout()?;
    make_workspace(&l.data, "env-1", "t1")?;
    let r = remover(&l.data, Arc::new(RealFilesystem));
    let Staging::Staged(staged) = r.stage(&target("env-1", "t1"))? else {
        return Err("not staged".into());
    };
    let before = tree_of(&l.outside)?;
    // A folder outside staging is never moved in.
    assert!(refused(
        r.unstage_to(&l.outside, &target("env-1", "t1")),
        "not inside the staging folder"
    ));
    // A symlink in staging is not followed to what it points at.
    #[cfg(unix)]
    {
        let link = r.staging_dir().join("env-1--t2--1");
        std::os::unix::fs::symlink(&l.outside, &link)?;
        assert!(r.unstage_to(&link, &target("env-1", "t2")).is_err());
        assert!(!paths::task_workspace_path(&l.data, "env-1", "t2").exists());
    }
    // Names that are not plain folder names, and folders that are not ours.
    assert!(refused(
        r.unstage_to(&staged.staged, &target("env-1", "../t1")),
        "not plain folder names"
    ));
    let mut mounted = target("env-1", "t1");
    mounted.workspace_type = WorkspaceType::Mounted;
    assert!(refused(
        r.unstage_to(&staged.staged, &mounted),
        "only a task workspace of a cloned environment"
    ));
    // The environment's tasks/ folder swapped for a symlink: refused, nothing moves.
    #[cfg(unix)]
    {
        let tasks = paths::task_workspace_path(&l.data, "env-1", "t1")
            .parent()
            .map(Path::to_path_buf)
            .ok_or("no parent")?;
        fs::rename(&tasks, tasks.with_extension("moved"))?;
        std::os::unix::fs::symlink(&l.outside, &tasks)?;
        assert!(
            r.unstage_to(&staged.staged, &target("env-1", "t1"))
                .is_err()
        );
        assert!(r.untrash(&target("env-1", "t1")).is_err());
        fs::remove_file(&tasks)?;
        fs::rename(tasks.with_extension("moved"), &tasks)?;
    }
    assert_eq!(before, tree_of(&l.outside)?, "outside changed");
    assert!(staged.staged.join("README.md").is_file());
    Ok(())
}

#[test]
fn a_staged_workspace_holding_a_mount_point_is_not_put_back() -> TestResult {
    let l = layout()?;
    make_workspace(&l.data, "env-1", "t1")?;
    let staged_path = {
        let r = remover(&l.data, Arc::new(RealFilesystem));
        match r.stage(&target("env-1", "t1"))? {
            Staging::Staged(staged) => staged.staged,
            other => return Err(format!("not staged: {other:?}").into()),
        }
    };
    let fs_ops = Arc::new(FaultyFilesystem {
        mount_points: Some(vec![staged_path.join("sub")]),
        ..Default::default()
    });
    let r = remover(&l.data, fs_ops);
    assert!(matches!(
        r.unstage_to(&staged_path, &target("env-1", "t1")),
        Err(RemoveError::MountPoint { .. })
    ));
    assert!(staged_path.is_dir());
    Ok(())
}

#[test]
fn the_trash_is_asked_only_once_the_place_is_free() -> TestResult {
    let l = layout()?;
    let ws = make_workspace(&l.data, "env-1", "t1")?;
    let fs_ops = Arc::new(FaultyFilesystem::default());
    let r = remover(&l.data, fs_ops.clone());
    assert!(refused(
        r.untrash(&target("env-1", "t1")),
        "something is at the workspace path again"
    ));
    assert!(
        fs_ops
            .untrashed
            .lock()
            .map_err(|e| e.to_string())?
            .is_empty()
    );
    fs::remove_dir_all(&ws)?;
    assert_eq!(r.untrash(&target("env-1", "t1"))?, ws);
    assert_eq!(
        *fs_ops.untrashed.lock().map_err(|e| e.to_string())?,
        std::slice::from_ref(&ws)
    );
    Ok(())
}

/// Every path under `dir` with its bytes (folders empty).
fn tree_of(dir: &Path) -> io::Result<Vec<(PathBuf, Vec<u8>)>> {
    let mut found = Vec::new();
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            found.push((path.clone(), Vec::new()));
            found.extend(tree_of(&path)?);
        } else {
            found.push((path.clone(), fs::read(&path)?));
        }
    }
    found.sort();
    Ok(found)
}
