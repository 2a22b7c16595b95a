//! Trash mode: validated like a delete, and what the system trash refuses.

use super::*;

#[test]
fn trash_validates_like_a_delete_and_keeps_the_workspace_when_the_trash_fails() -> TestResult {
    let l = layout()?;
    let ws = make_workspace(&l.data, "env-1", "t1")?;
    let tasks = ws.parent().ok_or("no parent")?.to_path_buf();
    #[cfg(unix)]
    std::os::unix::fs::symlink(&l.outside, tasks.join("linked"))?;
    let fs_ops = Arc::new(FaultyFilesystem::default());
    let r = remover(&l.data, fs_ops.clone());
    let mounted = WorkspaceTarget {
        workspace_type: WorkspaceType::Mounted,
        ..target("env-1", "t1")
    };
    let mut refused = vec![target("env-1", "../t1"), mounted];
    if cfg!(unix) {
        refused.push(target("env-1", "linked"));
    }
    for case in refused {
        assert!(
            matches!(r.trash(&case), Err(RemoveError::Refused { .. })),
            "{case:?}"
        );
    }
    assert!(matches!(
        r.trash(&target("env-1", "nothere"))?,
        Trashed::Missing(_)
    ));
    let calls = |fs_ops: &FaultyFilesystem| fs_ops.trashed.lock().map(|v| v.clone()).ok();
    assert_eq!(
        calls(&fs_ops),
        Some(vec![]),
        "nothing refused reaches the trash"
    );
    assert_eq!(r.trash(&target("env-1", "t1"))?, Trashed::Moved(ws.clone()));
    assert_eq!(
        calls(&fs_ops),
        Some(vec![ws.clone()]),
        "the real path, not a staged copy"
    );

    let failing = Arc::new(FaultyFilesystem {
        fail_trash: true,
        ..Default::default()
    });
    match remover(&l.data, failing).trash(&target("env-1", "t1")) {
        Err(RemoveError::Trash { path, message }) => {
            assert_eq!(path, ws);
            assert!(message.contains("injected"), "{message}");
        }
        other => return Err(format!("expected a trash error, got {other:?}").into()),
    }
    assert!(ws.join("README.md").exists());
    assert!(r.staging_dir().read_dir().is_err(), "no staging was made");
    Ok(())
}

/// The last checks before the real trash: none of these cases reaches the `trash`
/// crate, so the test's own home trash is never used.
#[cfg(unix)]
#[test]
fn the_system_trash_refuses_symlinks_files_and_parents_that_resolve_elsewhere() -> TestResult {
    let l = layout()?;
    let ws = make_workspace(&l.data, "env-1", "t1")?;
    let tasks = ws.parent().ok_or("no parent")?.to_path_buf();
    let link = tasks.join("linked");
    std::os::unix::fs::symlink(&l.outside, &link)?;
    let file = tasks.join("afile");
    fs::write(&file, "x")?;
    let linked_tasks = l.data.join("linked-tasks");
    std::os::unix::fs::symlink(&tasks, &linked_tasks)?;
    for (path, want) in [
        (link.clone(), "no longer a real folder"),
        (file.clone(), "no longer a real folder"),
        (linked_tasks.join("t1"), "resolves to another place"),
    ] {
        match move_to_system_trash(&path, &l.data) {
            Err(err) => assert!(err.to_string().contains(want), "{path:?}: {err}"),
            Ok(()) => return Err(format!("{path:?} went to the trash").into()),
        }
    }
    assert!(fs::symlink_metadata(&link)?.file_type().is_symlink());
    assert_eq!(fs::read_to_string(l.outside.join("canary.txt"))?, "keep me");
    assert!(file.exists() && ws.join("README.md").exists());
    Ok(())
}
