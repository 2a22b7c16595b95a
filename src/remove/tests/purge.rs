//! The deleting walk over a staged tree: symlinks, read-only folders, failures, cancel.

use super::*;

#[test]
fn stages_then_purges_a_workspace() -> TestResult {
    let l = layout()?;
    let ws = make_workspace(&l.data, "env-1", "t1")?;
    let r = remover(&l.data, Arc::new(RealFilesystem));
    let Staging::Staged(staged) = r.stage(&target("env-1", "t1"))? else {
        return Err("expected a staged workspace".into());
    };
    assert!(!ws.exists(), "gone from its real path right after staging");
    assert!(staged.staged.starts_with(r.staging_dir()));
    let report = r.purge(&staged.staged, &no_progress);
    assert!(report.complete && report.failures.is_empty(), "{report:?}");
    assert_eq!(report.entries_removed, 6);
    assert!(report.bytes_freed >= 10_000);
    assert!(!staged.staged.exists());
    Ok(())
}

#[test]
fn a_missing_workspace_is_a_success() -> TestResult {
    let l = layout()?;
    fs::create_dir_all(&l.data)?;
    let r = remover(&l.data, Arc::new(RealFilesystem));
    assert!(matches!(
        r.stage(&target("env-1", "nothere"))?,
        Staging::Missing(_)
    ));
    make_workspace(&l.data, "env-1", "other")?;
    assert!(matches!(
        r.stage(&target("env-1", "nothere"))?,
        Staging::Missing(_)
    ));
    Ok(())
}

#[test]
fn symlinks_inside_are_removed_not_followed() -> TestResult {
    let l = layout()?;
    let ws = make_workspace(&l.data, "env-1", "t1")?;
    std::os::unix::fs::symlink(&l.outside, ws.join("to-outside"))?;
    std::os::unix::fs::symlink(l.outside.join("canary.txt"), ws.join("canary-link"))?;
    let r = remover(&l.data, Arc::new(RealFilesystem));
    let Staging::Staged(staged) = r.stage(&target("env-1", "t1"))? else {
        return Err("expected staged".into());
    };
    let report = r.purge(&staged.staged, &no_progress);
    assert!(report.complete, "{report:?}");
    assert_eq!(fs::read_to_string(l.outside.join("canary.txt"))?, "keep me");
    Ok(())
}

#[cfg(unix)]
#[test]
fn a_folder_swapped_for_a_symlink_mid_walk_is_not_followed() -> TestResult {
    let l = layout()?;
    make_workspace(&l.data, "env-1", "t1")?;
    let staged = match remover(&l.data, Arc::new(RealFilesystem)).stage(&target("env-1", "t1"))? {
        Staging::Staged(staged) => staged.staged,
        Staging::Missing(_) => return Err("expected staged".into()),
    };
    let swapped = staged.join(".git");
    let fs_ops = Arc::new(FaultyFilesystem {
        swap_for_symlink: Some((swapped.clone(), l.outside.clone())),
        ..Default::default()
    });
    let report = remover(&l.data, fs_ops).purge(&staged, &no_progress);
    assert!(!report.complete);
    assert!(
        report.failures.iter().any(|f| f.path == swapped),
        "{report:?}"
    );
    assert_eq!(fs::read_to_string(l.outside.join("canary.txt"))?, "keep me");
    assert!(
        fs::symlink_metadata(&swapped)?.file_type().is_symlink(),
        "the link is left for the next run"
    );
    Ok(())
}

#[test]
fn read_only_folders_are_made_writable_and_retried() -> TestResult {
    let l = layout()?;
    let ws = make_workspace(&l.data, "env-1", "t1")?;
    let fs_ops = Arc::new(FaultyFilesystem::default());
    let r = remover(&l.data, fs_ops.clone());
    let Staging::Staged(staged) = r.stage(&target("env-1", "t1"))? else {
        return Err("expected staged".into());
    };
    let pack = staged.staged.join(".git/objects/pack");
    if let Ok(mut set) = fs_ops.read_only.lock() {
        set.insert(pack.clone());
        set.insert(staged.staged.clone());
    }
    let report = r.purge(&staged.staged, &no_progress);
    assert!(report.complete, "{report:?}");
    assert!(!staged.staged.exists() && !ws.exists());
    let made = fs_ops
        .made_writable
        .lock()
        .map(|v| v.clone())
        .unwrap_or_default();
    assert!(
        made.contains(&pack) && made.contains(&staged.staged),
        "{made:?}"
    );
    Ok(())
}

#[test]
fn one_failing_entry_does_not_stop_the_rest() -> TestResult {
    let l = layout()?;
    make_workspace(&l.data, "env-1", "t1")?;
    let staged_name = |r: &Remover| -> Result<PathBuf, Box<dyn std::error::Error>> {
        match r.stage(&target("env-1", "t1"))? {
            Staging::Staged(s) => Ok(s.staged),
            Staging::Missing(_) => Err("expected staged".into()),
        }
    };
    let staged = staged_name(&remover(&l.data, Arc::new(RealFilesystem)))?;
    let stubborn = staged.join(".git/objects/pack/pack-1.pack");
    let fs_ops = Arc::new(FaultyFilesystem {
        stubborn: HashSet::from([stubborn.clone()]),
        ..Default::default()
    });
    let r = remover(&l.data, fs_ops);
    let report = r.purge(&staged, &no_progress);
    assert!(!report.complete);
    assert_eq!(report.failures.len(), 1, "{report:?}");
    assert_eq!(report.failures[0].path, stubborn);
    assert!(
        report.failures[0]
            .message
            .to_lowercase()
            .contains("permission denied"),
        "{report:?}"
    );
    assert!(
        !staged.join("README.md").exists(),
        "siblings are still deleted"
    );
    assert!(stubborn.exists());
    Ok(())
}

/// Mount points found through the seam (the real ones are made in tests/it/mounts/).

#[test]
fn cancel_stops_a_purge_and_leaves_the_rest_staged() -> TestResult {
    let l = layout()?;
    make_workspace(&l.data, "env-1", "t1")?;
    let cancel = Arc::new(AtomicBool::new(false));
    let r = Remover::with_filesystem(&l.data, cancel.clone(), Arc::new(RealFilesystem));
    let Staging::Staged(staged) = r.stage(&target("env-1", "t1"))? else {
        return Err("expected staged".into());
    };
    cancel.store(true, Ordering::Relaxed);
    let report = r.purge(&staged.staged, &no_progress);
    assert!(!report.complete);
    assert!(staged.staged.exists(), "left in staging for the next start");
    Ok(())
}
