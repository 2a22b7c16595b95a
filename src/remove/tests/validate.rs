//! What validation refuses before anything moves: names, shapes, environments, symlinks, mounts.

use super::*;

fn of_kind(env: &str, folder: &str, kind: FolderKind, ty: WorkspaceType) -> WorkspaceTarget {
    WorkspaceTarget {
        kind,
        workspace_type: ty,
        ..target(env, folder)
    }
}

#[test]
fn a_backup_folder_is_deleted_only_in_its_exact_shape_of_a_cloned_environment() -> TestResult {
    use FolderKind::{Backup, TaskWorkspace};
    use WorkspaceType::{Cloned, Mounted};
    let l = layout()?;
    let tasks = paths::managed_repos_dir(&l.data).join("env-1/tasks");
    for name in [
        "t1.bak-1764000000123456789",
        "t1.bak-12x",
        "a.b.bak-1",
        "t1.bak-",
    ] {
        fs::create_dir_all(tasks.join(name).join("src"))?;
    }
    let r = remover(&l.data, Arc::new(RealFilesystem));
    let refused = [
        (
            of_kind("env-1", "t1.bak-12x", Backup, Cloned),
            "not a backup folder name",
        ),
        (
            of_kind("env-1", "a.b.bak-1", Backup, Cloned),
            "not a backup folder name",
        ),
        (
            of_kind("env-1", "t1.bak-", Backup, Cloned),
            "not a backup folder name",
        ),
        (
            of_kind("env-1", "../t1.bak-1", Backup, Cloned),
            "not a backup folder name",
        ),
        (
            of_kind("env-1", "t1", Backup, Cloned),
            "not a backup folder name",
        ),
        (
            of_kind("env-1", "t1.bak-1764000000123456789", TaskWorkspace, Cloned),
            "not a plain folder name",
        ),
        (
            of_kind("env-1", "t1.bak-1764000000123456789", Backup, Mounted),
            "belongs to the user",
        ),
        (
            of_kind("../env-1", "t1.bak-1764000000123456789", Backup, Cloned),
            "not a plain folder name",
        ),
    ];
    for (wanted, reason) in &refused {
        match r.validate(wanted) {
            Err(RemoveError::Refused { reason: got, .. }) => {
                assert!(got.contains(reason), "{wanted:?}: {got}");
            }
            other => return Err(format!("{wanted:?}: {other:?}").into()),
        }
    }
    let good = of_kind("env-1", "t1.bak-1764000000123456789", Backup, Cloned);
    let Staging::Staged(staged) = r.stage(&good)? else {
        return Err("expected the backup staged".into());
    };
    assert_eq!(staged.original, tasks.join("t1.bak-1764000000123456789"));
    assert!(r.purge(&staged.staged, &no_progress).complete);
    for name in ["t1.bak-12x", "a.b.bak-1", "t1.bak-"] {
        assert!(tasks.join(name).join("src").is_dir(), "{name}");
    }
    Ok(())
}

#[test]
fn a_deleted_environments_folder_goes_only_while_environments_json_names_it_nowhere() -> TestResult
{
    use FolderKind::DeletedEnvironment;
    use WorkspaceType::None;
    let l = layout()?;
    let gone = make_workspace(&l.data, "env-gone", "t1")?;
    let backup = paths::managed_repos_dir(&l.data).join("env-gone/tasks/t2.bak-5");
    fs::create_dir_all(&backup)?;
    make_workspace(&l.data, "env-1", "t1")?;
    let envs = paths::environments_file(&l.data);
    let r = remover(&l.data, Arc::new(RealFilesystem));
    let wanted = of_kind("env-gone", "t1", DeletedEnvironment, None);
    let reason_of = |target: &WorkspaceTarget| match r.validate(target) {
        Err(RemoveError::Refused { reason, .. }) => reason,
        other => format!("not refused: {other:?}"),
    };
    // No environments.json, or one that does not read whole: no one can tell.
    assert!(reason_of(&wanted).contains("there is no environments.json"));
    fs::write(&envs, "{broken")?;
    assert!(reason_of(&wanted).contains("not valid JSON"));
    fs::write(&envs, r#"[{"env_id": "env-1"}, {"env_id": 2.5}]"#)?;
    assert!(reason_of(&wanted).contains("cannot tell"));
    // Named by an item, even one Agents-Runner ignores.
    fs::write(
        &envs,
        r#"[{"env_id": "env-1"}, {"env_id": "env-gone", "version": 2}]"#,
    )?;
    assert!(reason_of(&wanted).contains("belongs to an environment"));
    assert!(
        reason_of(&of_kind("env-1", "t1", DeletedEnvironment, None))
            .contains("belongs to an environment")
    );
    for odd in ["../t1", "t1.bak-x", "a.b"] {
        assert!(
            reason_of(&of_kind("env-gone", odd, DeletedEnvironment, None))
                .contains("not a plain folder name"),
            "{odd}"
        );
    }
    assert!(gone.is_dir() && backup.is_dir());

    fs::write(&envs, r#"{"environments": [{"env_id": "env-1"}]}"#)?;
    for (folder, path) in [("t1", &gone), ("t2.bak-5", &backup)] {
        let Staging::Staged(staged) =
            r.stage(&of_kind("env-gone", folder, DeletedEnvironment, None))?
        else {
            return Err(format!("{folder}: expected it staged").into());
        };
        assert_eq!(&staged.original, path);
        assert!(r.purge(&staged.staged, &no_progress).complete);
    }
    assert!(paths::task_workspace_path(&l.data, "env-1", "t1").is_dir());
    Ok(())
}

#[test]
fn refuses_everything_but_a_plain_managed_folder() -> TestResult {
    let l = layout()?;
    make_workspace(&l.data, "env-1", "good")?;
    let managed = paths::managed_repos_dir(&l.data);
    // A workspace that is a symlink to a folder outside.
    let tasks = managed.join("env-1/tasks");
    #[cfg(unix)]
    std::os::unix::fs::symlink(&l.outside, tasks.join("linked"))?;
    // A file where a folder is expected.
    fs::write(tasks.join("afile"), "x")?;
    // An environment folder that is a symlink.
    #[cfg(unix)]
    std::os::unix::fs::symlink(managed.join("env-1"), managed.join("env-2"))?;
    let r = remover(&l.data, Arc::new(RealFilesystem));
    let mounted = WorkspaceTarget {
        workspace_type: WorkspaceType::Mounted,
        ..target("env-1", "good")
    };
    let none = WorkspaceTarget {
        workspace_type: WorkspaceType::None,
        ..target("env-1", "good")
    };
    let mut cases = vec![
        (target("env-1", "../good"), "not a plain folder name"),
        (target("..", "good"), "not a plain folder name"),
        (target("env-1", ""), "not a plain folder name"),
        (target("env-1/../env-1", "good"), "not a plain folder name"),
        (mounted, "belongs to the user"),
        (none, "no managed workspace"),
        (target("env-1", "afile"), "not a folder"),
    ];
    if cfg!(unix) {
        cases.push((target("env-1", "linked"), "symlink"));
        cases.push((target("env-2", "good"), "symlink"));
    }
    for (case, want) in cases {
        match r.stage(&case) {
            Err(RemoveError::Refused { reason, .. }) => {
                assert!(reason.contains(want), "{case:?}: {reason}")
            }
            other => return Err(format!("{case:?} was not refused: {other:?}").into()),
        }
    }
    assert_eq!(fs::read_to_string(l.outside.join("canary.txt"))?, "keep me");
    assert!(
        paths::task_workspace_path(&l.data, "env-1", "good")
            .join("README.md")
            .exists()
    );
    Ok(())
}

#[cfg(unix)]
#[test]
fn a_workspace_that_is_under_is_or_holds_a_mount_point_is_refused_before_anything_moves()
-> TestResult {
    let l = layout()?;
    let ws = make_workspace(&l.data, "env-1", "t1")?;
    let tasks = paths::managed_repos_dir(&l.data).join("env-1/tasks");
    for mount_point in [
        ws.clone(),
        ws.join(".git"),
        ws.join(".git/objects/pack"),
        tasks.clone(),
    ] {
        let fs_ops = Arc::new(FaultyFilesystem {
            mount_points: Some(vec![mount_point.clone()]),
            ..Default::default()
        });
        let r = remover(&l.data, fs_ops.clone());
        let staged = r.stage(&target("env-1", "t1")).map(|_| ());
        let trashed = r.trash(&target("env-1", "t1")).map(|_| ());
        for result in [staged, trashed] {
            match result {
                Err(RemoveError::MountPoint {
                    path,
                    mount_point: named,
                }) => {
                    assert_eq!((&path, &named), (&ws, &mount_point))
                }
                other => {
                    return Err(format!("{mount_point:?}: not refused: {other:?}").into());
                }
            }
        }
        let trashed = fs_ops.trashed.lock().map(|v| v.len()).ok();
        assert_eq!(trashed, Some(0), "nothing reaches the trash");
        assert!(ws.join(".git/objects/pack/pack-1.pack").exists());
        assert!(r.staging_dir().read_dir().is_err(), "nothing was staged");
    }
    let err = RemoveError::MountPoint {
        path: ws.clone(),
        mount_point: ws.join("mnt"),
    };
    assert_eq!(
        err.to_string(),
        format!(
            "Refusing to remove {}: {}/mnt is a mount point: unmount it first",
            ws.display(),
            ws.display()
        )
    );
    Ok(())
}

#[test]
fn a_workspace_is_refused_when_its_mount_points_cannot_be_listed() -> TestResult {
    let l = layout()?;
    let ws = make_workspace(&l.data, "env-1", "t1")?;
    let fs_ops = Arc::new(FaultyFilesystem {
        unreadable_mount_table: true,
        ..Default::default()
    });
    let r = remover(&l.data, fs_ops);
    for result in [
        r.stage(&target("env-1", "t1")).map(|_| ()),
        r.trash(&target("env-1", "t1")).map(|_| ()),
    ] {
        match result {
            Err(err @ RemoveError::MountsUnknown { .. }) => {
                assert!(err.is_about_mounts());
                assert_eq!(
                    err.to_string(),
                    format!(
                        "Refusing to remove {}: cannot tell whether {} holds a mount point: /proc/self/mountinfo: injected: no such file",
                        ws.display(),
                        ws.display()
                    )
                );
            }
            other => return Err(format!("not refused: {other:?}").into()),
        }
    }
    assert!(ws.join("README.md").exists());
    Ok(())
}
