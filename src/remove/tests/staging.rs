//! The staging folder: renames into it, leftovers finished, and a staging folder that cannot be trusted.

use super::*;

#[test]
fn a_staging_folder_that_is_a_mount_point_is_neither_used_nor_purged() -> TestResult {
    let l = layout()?;
    make_workspace(&l.data, "env-1", "t1")?;
    let staging = paths::staging_dir(&l.data);
    let leftover = staging.join("env-1--t9--123");
    fs::create_dir_all(&leftover)?;
    fs::write(leftover.join("file"), "the user's")?;
    let fs_ops = Arc::new(FaultyFilesystem {
        mount_points: Some(vec![staging.clone()]),
        ..Default::default()
    });
    let r = remover(&l.data, fs_ops);
    let refused = |result: Result<(), RemoveError>| match result {
        Err(RemoveError::MountPoint { mount_point, .. }) => mount_point == staging,
        _ => false,
    };
    assert!(refused(r.stage(&target("env-1", "t1")).map(|_| ())));
    assert!(refused(r.finish_staged(&no_progress).map(|_| ())));
    let report = r.purge(&leftover, &no_progress);
    assert!(!report.complete, "{report:?}");
    assert!(report.failures[0].message.contains("is a mount point"));
    assert_eq!(fs::read_to_string(leftover.join("file"))?, "the user's");
    Ok(())
}

#[test]
fn a_failed_rename_leaves_the_workspace_in_place() -> TestResult {
    let l = layout()?;
    let ws = make_workspace(&l.data, "env-1", "t1")?;
    let fs_ops = Arc::new(FaultyFilesystem {
        fail_rename: true,
        ..Default::default()
    });
    let err = remover(&l.data, fs_ops).stage(&target("env-1", "t1"));
    match err {
        Err(RemoveError::Io { message, .. }) => {
            assert!(message.to_lowercase().contains("permission denied"))
        }
        other => return Err(format!("expected an I/O error, got {other:?}").into()),
    }
    assert!(ws.join("README.md").exists());
    Ok(())
}

#[test]
fn leftovers_in_staging_are_finished_and_nothing_outside_is_purged() -> TestResult {
    let l = layout()?;
    let r = remover(&l.data, Arc::new(RealFilesystem));
    let leftover = r.staging_dir().join("env-1--t9--123");
    fs::create_dir_all(leftover.join("sub"))?;
    fs::write(leftover.join("sub/file"), "x")?;
    let finished = r.finish_staged(&no_progress)?;
    assert_eq!(finished.len(), 1);
    assert!(finished[0].1.complete);
    assert!(!leftover.exists());
    let report = r.purge(&l.outside, &no_progress);
    assert!(!report.complete && report.failures[0].message.contains("staging"));
    assert!(l.outside.join("canary.txt").exists());
    Ok(())
}

#[cfg(unix)]
#[test]
fn staging_behind_a_symlinked_managed_repos_is_never_purged() -> TestResult {
    let l = layout()?;
    fs::create_dir_all(&l.data)?;
    let elsewhere = l.outside.join("managed");
    fs::create_dir_all(elsewhere.join(paths::STAGING).join("victim"))?;
    fs::write(elsewhere.join(paths::STAGING).join("victim/file"), "keep")?;
    std::os::unix::fs::symlink(&elsewhere, paths::managed_repos_dir(&l.data))?;
    let r = remover(&l.data, Arc::new(RealFilesystem));
    match r.finish_staged(&no_progress) {
        Err(RemoveError::Refused { reason, .. }) => {
            assert!(reason.contains("symlink"), "{reason}")
        }
        other => return Err(format!("expected a refusal, got {other:?}").into()),
    }
    let report = r.purge(&r.staging_dir().join("victim"), &no_progress);
    assert!(
        !report.complete && report.failures[0].message.contains("symlink"),
        "{report:?}"
    );
    assert_eq!(
        fs::read_to_string(elsewhere.join(paths::STAGING).join("victim/file"))?,
        "keep"
    );
    Ok(())
}

#[test]
fn a_workspace_with_the_longest_id_can_be_staged() -> TestResult {
    let l = layout()?;
    let task = "t".repeat(NAME_MAX);
    make_workspace(&l.data, "env-1", &task)?;
    let r = remover(&l.data, Arc::new(RealFilesystem));
    let Staging::Staged(staged) = r.stage(&target("env-1", &task))? else {
        return Err("expected staged".into());
    };
    let name = staged.staged.file_name().map_or(0, |n| n.len());
    assert_eq!(name, NAME_MAX);
    assert!(r.purge(&staged.staged, &no_progress).complete);
    Ok(())
}

/// A workspace staged under a name that carries its intent comes back from staging to
/// its real path; where a folder took that path meanwhile, it goes beside it as a
/// `<task>.bak-<nanos>` backup, and neither folder loses anything.
#[test]
fn a_staged_workspace_goes_back_home_or_beside_a_folder_that_took_its_place() -> TestResult {
    let l = layout()?;
    let r = remover(&l.data, Arc::new(RealFilesystem));
    let ws = make_workspace(&l.data, "env-1", "t1")?;
    let Staging::Staged(staged) =
        r.stage_with_intent(&target("env-1", "t1"), StagedIntent::Discard)?
    else {
        return Err("not staged".into());
    };
    let name = staged
        .staged
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("");
    let parsed = StagedName::parse(name).ok_or("the staged name carries no intent")?;
    assert_eq!(
        (
            parsed.env_id.as_str(),
            parsed.folder.as_str(),
            parsed.intent
        ),
        ("env-1", "t1", StagedIntent::Discard)
    );
    assert_eq!(r.unstage(&staged)?, ws);
    assert!(ws.join("README.md").exists());

    let Staging::Staged(staged) =
        r.stage_with_intent(&target("env-1", "t1"), StagedIntent::Archive)?
    else {
        return Err("not staged".into());
    };
    fs::create_dir_all(&ws)?;
    fs::write(ws.join("new"), "a task started again")?;
    let aside = r.unstage(&staged)?;
    let folder = aside.file_name().and_then(|n| n.to_str()).unwrap_or("");
    assert_eq!(paths::backup_task_folder(folder), Some("t1"), "{aside:?}");
    assert!(aside.join("README.md").exists());
    assert_eq!(fs::read_to_string(ws.join("new"))?, "a task started again");
    assert!(fs::read_dir(r.staging_dir())?.next().is_none());
    Ok(())
}
