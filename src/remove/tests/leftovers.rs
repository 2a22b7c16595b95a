//! Leftovers: each deleted only in its exact shape under its root, never through a
//! symlink or a mount, never one of a task that may be running.

use super::*;
use crate::store::footprint::LeftoverShape;

/// A data dir and a separate Agents-Runner home with a leftover of each shape.
struct Homes {
    l: Layout,
    home: PathBuf,
}

fn homes() -> Result<Homes, Box<dyn std::error::Error>> {
    let l = layout()?;
    let home = l.data.with_file_name("home");
    let data = &l.data;
    for (path, text) in [
        (
            data.join("tasks/done/t1.toml"),
            "task_id = \"t1\"\nstatus = \"done\"\n",
        ),
        (
            data.join("tasks/run.toml"),
            "task_id = \"run\"\nstatus = \"running\"\n",
        ),
        (
            data.join("tasks/done/old.json"),
            r#"{"task_id": "old", "environment_id": "env-1", "status": "done"}"#,
        ),
        (
            data.join("tasks/done/live.json"),
            r#"{"task_id": "live", "environment_id": "env-1", "status": "running"}"#,
        ),
        (
            data.join("tasks/done/owns.json"),
            r#"{"task_id": "owns", "environment_id": "env-1", "status": "done"}"#,
        ),
        (data.join("github-context/github-context-t1.toml"), "x = 1"),
        (data.join("github-context/github-context-run.toml"), "x = 1"),
        (data.join("pr-metadata/pr-metadata-t1.toml"), "x = 1"),
        (data.join("interactive-finish-t1.txt"), "done"),
        (data.join("state-ab12.toml"), "half"),
        (data.join("tasks/t1.toml.x1.tmp"), "half"),
        (home.join("artifacts/t1/a.enc"), "secret"),
        (home.join("artifacts/t1/staging/b.part"), "half"),
        (home.join("artifacts/run/a.enc"), "secret"),
        (home.join("tmp/stt-1.wav"), "RIFF"),
        (home.join("crash-reports/crash-1.json"), "{}"),
        (home.join("faulthandler.log"), "trace"),
        (home.join("models/faster-whisper/model.bin"), "weights"),
    ] {
        fs::create_dir_all(path.parent().ok_or("no parent")?)?;
        fs::write(&path, text)?;
    }
    fs::create_dir_all(paths::task_workspace_path(data, "env-1", "owns"))?;
    let home = fs::canonicalize(home)?;
    Ok(Homes { l, home })
}

fn leftover(shape: LeftoverShape, path: PathBuf) -> LeftoverTarget {
    LeftoverTarget { shape, path }
}

fn home_remover(h: &Homes, fs: Arc<dyn Filesystem>) -> Remover {
    remover(&h.l.data, fs).with_runner_home(Some(&h.home))
}

#[test]
fn every_shape_is_deleted_where_agents_runner_puts_it() -> TestResult {
    use LeftoverShape::*;
    let h = homes()?;
    let (data, home) = (&h.l.data, &h.home);
    let r = home_remover(&h, Arc::new(RealFilesystem));
    let files = [
        (
            GithubContext,
            data.join("github-context/github-context-t1.toml"),
        ),
        (PrMetadata, data.join("pr-metadata/pr-metadata-t1.toml")),
        (InteractiveFinish, data.join("interactive-finish-t1.txt")),
        (StateTemp, data.join("state-ab12.toml")),
        (TempFile, data.join("tasks/t1.toml.x1.tmp")),
        (LegacyRecord, data.join("tasks/done/old.json")),
        (SpeechTemp, home.join("tmp/stt-1.wav")),
        (CrashReport, home.join("crash-reports/crash-1.json")),
        (DiagnosticLog, home.join("faulthandler.log")),
    ];
    for (shape, path) in files {
        let removed = r.remove_leftover(&leftover(shape, path.clone()))?;
        assert!(
            matches!(removed, LeftoverRemoval::Removed { .. }),
            "{shape:?}: {removed:?}"
        );
        assert!(!path.exists(), "{}", path.display());
        assert_eq!(
            r.remove_leftover(&leftover(shape, path))?,
            LeftoverRemoval::Missing
        );
    }
    for (shape, path) in [
        (ArtifactStaging, home.join("artifacts/t1/staging")),
        (Artifacts, home.join("artifacts/t1")),
        (SpeechModels, home.join("models/faster-whisper")),
    ] {
        let LeftoverRemoval::Staged(staged) = r.remove_leftover(&leftover(shape, path.clone()))?
        else {
            return Err(format!("{shape:?} not staged").into());
        };
        assert!(!path.exists());
        assert!(
            staged
                .staged
                .starts_with(paths::runner_home_staging_dir(home))
        );
        let report = r.purge_leftover(&staged.staged, &no_progress);
        assert!(report.complete, "{report:?}");
        assert!(!staged.staged.exists());
    }
    // What stays: the running task's files, records, the canary.
    assert!(data.join("github-context/github-context-run.toml").exists());
    assert!(home.join("artifacts/run/a.enc").exists());
    assert!(data.join("tasks/done/t1.toml").exists());
    assert_eq!(
        fs::read_to_string(h.l.outside.join("canary.txt"))?,
        "keep me"
    );
    Ok(())
}

#[test]
fn a_path_of_another_shape_or_place_is_refused_and_kept() -> TestResult {
    use LeftoverShape::*;
    let h = homes()?;
    let (data, home) = (&h.l.data, &h.home);
    let r = home_remover(&h, Arc::new(RealFilesystem));
    let refused = [
        // A record is never a temp file, and an active record never goes.
        (
            TempFile,
            data.join("tasks/done/t1.toml"),
            "not a name Agents-Runner gives",
        ),
        (
            LegacyRecord,
            data.join("tasks/done/t1.toml"),
            "not a name Agents-Runner gives",
        ),
        (
            StateTemp,
            data.join("state.toml"),
            "not a name Agents-Runner gives",
        ),
        // The right name at the wrong place, or under the wrong root.
        (
            CrashReport,
            data.join("crash-reports/crash-1.json"),
            "is not under",
        ),
        (
            GithubContext,
            home.join("github-context/github-context-t1.toml"),
            "is not under",
        ),
        (
            Artifacts,
            home.join("artifacts/t1/staging"),
            "not a name Agents-Runner gives",
        ),
        (
            Artifacts,
            home.join("artifacts"),
            "not a name Agents-Runner gives",
        ),
        (
            Artifacts,
            home.join("artifacts/../artifacts/t1"),
            "not a name Agents-Runner gives",
        ),
        (Artifacts, h.l.outside.clone(), "is not under"),
        // A task that may be running, and legacy records that are not done with.
        (
            GithubContext,
            data.join("github-context/github-context-run.toml"),
            "may still be running",
        ),
        (
            Artifacts,
            home.join("artifacts/run"),
            "may still be running",
        ),
        (
            LegacyRecord,
            data.join("tasks/done/live.json"),
            "is not finished",
        ),
        (
            LegacyRecord,
            data.join("tasks/done/owns.json"),
            "still owns its workspace",
        ),
        // A folder where a file is expected.
        (
            DiagnosticLog,
            home.join("qt-diagnostics.log"),
            "not a regular file",
        ),
    ];
    fs::create_dir_all(home.join("qt-diagnostics.log"))?;
    for (shape, path, reason) in refused {
        let err = r
            .remove_leftover(&leftover(shape, path.clone()))
            .err()
            .ok_or_else(|| format!("{shape:?} {} was accepted", path.display()))?;
        assert!(
            err.to_string().contains(reason),
            "{shape:?} {}: {err}",
            path.display()
        );
    }
    for kept in [
        data.join("tasks/done/t1.toml"),
        home.join("artifacts/t1/staging/b.part"),
        home.join("artifacts/run/a.enc"),
        data.join("tasks/done/live.json"),
        data.join("tasks/done/owns.json"),
    ] {
        assert!(kept.exists(), "{}", kept.display());
    }
    // Without a home, nothing under it goes.
    let no_home = remover(data, Arc::new(RealFilesystem));
    let err = no_home
        .remove_leftover(&leftover(
            CrashReport,
            home.join("crash-reports/crash-1.json"),
        ))
        .err()
        .ok_or("accepted without a home")?;
    assert!(
        err.to_string().contains("home folder is not known"),
        "{err}"
    );
    Ok(())
}

#[cfg(unix)]
#[test]
fn symlinks_are_never_followed_on_the_way_or_at_the_end() -> TestResult {
    use LeftoverShape::*;
    use std::os::unix::fs::symlink;
    let h = homes()?;
    let (data, home, outside) = (&h.l.data, &h.home, &h.l.outside);
    fs::create_dir_all(outside.join("t9"))?;
    fs::write(outside.join("t9/keep.enc"), "not ours")?;
    symlink(outside.join("t9"), home.join("artifacts/t9"))?;
    symlink(
        outside.join("canary.txt"),
        home.join("crash-reports/crash-2.json"),
    )?;
    fs::rename(data.join("pr-metadata"), data.join("pr-metadata.real"))?;
    symlink(data.join("pr-metadata.real"), data.join("pr-metadata"))?;
    let r = home_remover(&h, Arc::new(RealFilesystem));
    for (shape, path) in [
        (Artifacts, home.join("artifacts/t9")),
        (CrashReport, home.join("crash-reports/crash-2.json")),
        (PrMetadata, data.join("pr-metadata/pr-metadata-t1.toml")),
    ] {
        let err = r
            .remove_leftover(&leftover(shape, path.clone()))
            .err()
            .ok_or_else(|| format!("{} was accepted", path.display()))?;
        assert!(err.to_string().contains("symlink"), "{err}");
    }
    assert!(outside.join("t9/keep.enc").exists());
    assert_eq!(fs::read_to_string(outside.join("canary.txt"))?, "keep me");
    assert!(data.join("pr-metadata.real/pr-metadata-t1.toml").exists());
    Ok(())
}

#[test]
fn mount_points_are_refused_before_anything_moves() -> TestResult {
    use LeftoverShape::*;
    let h = homes()?;
    let home = &h.home;
    let artifacts = home.join("artifacts/t1");
    let report = home.join("crash-reports/crash-1.json");
    for (points, target, want) in [
        (
            vec![artifacts.join("staging")],
            leftover(Artifacts, artifacts.clone()),
            "is a mount point",
        ),
        (
            vec![artifacts.clone()],
            leftover(Artifacts, artifacts.clone()),
            "is a mount point",
        ),
        (
            vec![home.join("artifacts")],
            leftover(Artifacts, artifacts.clone()),
            "is a mount point",
        ),
        (
            vec![report.clone()],
            leftover(CrashReport, report.clone()),
            "is a mount point",
        ),
    ] {
        let faulty = FaultyFilesystem {
            mount_points: Some(points),
            ..FaultyFilesystem::default()
        };
        let r = home_remover(&h, Arc::new(faulty));
        let err = r.remove_leftover(&target).err().ok_or("accepted a mount")?;
        assert!(
            err.is_about_mounts() && err.to_string().contains(want),
            "{err}"
        );
    }
    let blind = FaultyFilesystem {
        mount_points: Some(Vec::new()),
        unreadable_mount_table: true,
        ..FaultyFilesystem::default()
    };
    let err = home_remover(&h, Arc::new(blind))
        .remove_leftover(&leftover(Artifacts, artifacts.clone()))
        .err()
        .ok_or("accepted without a mount table")?;
    assert!(err.is_about_mounts(), "{err}");
    assert!(artifacts.join("a.enc").exists() && report.exists());
    assert!(!paths::runner_home_staging_dir(home).exists());
    Ok(())
}

#[test]
fn a_failed_delete_keeps_the_file_and_staged_leftovers_are_finished_later() -> TestResult {
    use LeftoverShape::*;
    let h = homes()?;
    let home = &h.home;
    let report = home.join("crash-reports/crash-1.json");
    let stubborn = FaultyFilesystem {
        fail_rename: true,
        ..FaultyFilesystem::default()
    };
    let r = home_remover(&h, Arc::new(stubborn));
    assert!(
        r.remove_leftover(&leftover(Artifacts, home.join("artifacts/t1")))
            .is_err()
    );
    assert!(home.join("artifacts/t1/a.enc").exists());
    // Staged, then "crashed" before the purge: the next run finishes it.
    let r = home_remover(&h, Arc::new(RealFilesystem));
    let LeftoverRemoval::Staged(staged) =
        r.remove_leftover(&leftover(Artifacts, home.join("artifacts/t1")))?
    else {
        return Err("not staged".into());
    };
    assert!(staged.staged.exists());
    let finished = r.finish_staged_leftovers(&no_progress)?;
    assert_eq!(finished.len(), 1);
    assert!(finished[0].1.complete);
    assert!(!staged.staged.exists());
    // A purge outside the staging folder is refused.
    let outside = r.purge_leftover(&report, &no_progress);
    assert!(!outside.failures.is_empty() && report.exists());
    Ok(())
}
