use super::*;
use std::fs;

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// A relative path under a root, and the shape (with its task) it should have.
type ShapeCase<'a> = (Root, &'a str, Option<(LeftoverShape, Option<String>)>);

#[test]
fn only_the_names_agents_runner_gives_have_a_shape() {
    use LeftoverShape::*;
    use Root::{DataDir, RunnerHome};
    let task = |id: &str| Some(id.to_owned());
    let table: Vec<ShapeCase> = vec![
        (
            DataDir,
            "github-context/github-context-abc123def0.toml",
            Some((GithubContext, task("abc123def0"))),
        ),
        (
            DataDir,
            "pr-metadata/pr-metadata-abc123def0.toml",
            Some((PrMetadata, task("abc123def0"))),
        ),
        (
            DataDir,
            "interactive-finish-abc123def0.txt",
            Some((InteractiveFinish, task("abc123def0"))),
        ),
        (DataDir, "state-k2j4_x.toml", Some((StateTemp, None))),
        (
            DataDir,
            "environments.json.x8f2k.tmp",
            Some((TempFile, None)),
        ),
        (
            DataDir,
            "tasks/abc123def0.toml.q1w2.tmp",
            Some((TempFile, None)),
        ),
        (
            DataDir,
            "tasks/done/.agents-janitor-AbC123.tmp",
            Some((TempFile, None)),
        ),
        (DataDir, "tasks/abc123def0.json", Some((LegacyRecord, None))),
        (
            DataDir,
            "tasks/done/abc123def0.dup-17640.json",
            Some((LegacyRecord, None)),
        ),
        (RunnerHome, "tmp/stt-1a2b.wav", Some((SpeechTemp, None))),
        (
            RunnerHome,
            "crash-reports/crash-20261120-101010.json",
            Some((CrashReport, None)),
        ),
        (RunnerHome, "faulthandler.log", Some((DiagnosticLog, None))),
        (
            RunnerHome,
            "qt-diagnostics.log",
            Some((DiagnosticLog, None)),
        ),
        (
            RunnerHome,
            "artifacts/abc123def0",
            Some((Artifacts, task("abc123def0"))),
        ),
        (
            RunnerHome,
            "artifacts/abc123def0/staging",
            Some((ArtifactStaging, task("abc123def0"))),
        ),
        (
            RunnerHome,
            "models/faster-whisper",
            Some((SpeechModels, None)),
        ),
        // Never: records, other names, other places, other roots, unsafe ids and paths.
        (DataDir, "tasks/abc123def0.toml", None),
        (DataDir, "tasks/done/abc123def0.toml", None),
        (DataDir, "state.toml", None),
        (DataDir, "environments.json", None),
        (DataDir, "state-.toml", None),
        (DataDir, "state-a/b.toml", None),
        (DataDir, ".tmp", None),
        (DataDir, "..tmp", None),
        (DataDir, "github-context/github-context-a.b.toml", None),
        (DataDir, "github-context/github-context-.toml", None),
        (DataDir, "github-context/other.toml", None),
        (DataDir, "github-context-abc.toml", None),
        (DataDir, "interactive-finish-../x.txt", None),
        (DataDir, "../outside.tmp", None),
        (DataDir, "/etc/passwd.tmp", None),
        (DataDir, "managed-repos/env/tasks/t.tmp", None),
        (DataDir, "tasks/other/x.tmp", None),
        (DataDir, "tmp/stt-1.wav", None),
        (DataDir, "faulthandler.log", None),
        (
            RunnerHome,
            "artifacts/abc123def0",
            Some((Artifacts, task("abc123def0"))),
        ),
        (RunnerHome, "artifacts/a.b", None),
        (RunnerHome, "artifacts/..", None),
        (RunnerHome, "artifacts/abc/other", None),
        (RunnerHome, "artifacts", None),
        (RunnerHome, "models", None),
        (RunnerHome, "models/other", None),
        (RunnerHome, "tmp/other.wav", None),
        (RunnerHome, "tmp/stt-x.mp3", None),
        (RunnerHome, "crash-reports/report.json", None),
        (RunnerHome, "prompts/1.md", None),
        (RunnerHome, "interactive-finish-abc.txt", None),
        (RunnerHome, "environments.json.x.tmp", None),
    ];
    for (root, path, want) in table {
        assert_eq!(
            LeftoverShape::of(root, Path::new(path)),
            want,
            "{root:?} {path}"
        );
    }
}

#[test]
fn kinds_parse_by_name_and_runner_names_are_recognised() -> TestResult {
    for kind in FootprintKind::ALL {
        assert_eq!(kind.name().parse::<FootprintKind>()?, kind);
    }
    assert_eq!(
        "crash-leftovers".parse::<FootprintKind>()?,
        FootprintKind::CrashLeftovers
    );
    let err = "nope".parse::<FootprintKind>().err().ok_or("accepted")?;
    assert!(err.contains("archived_records"), "{err}");
    for (repository, want) in [
        ("agent-runner-env", true),
        ("agent-runner-desktop", true),
        ("agent-runner-phase-build", true),
        ("agent-runner-phase-", false),
        ("agents-runner-env", false),
        ("agent-runner-envx", false),
        ("ubuntu", false),
    ] {
        assert_eq!(is_runner_image(repository), want, "{repository}");
    }
    for (name, want) in [
        ("agents-runner-abc123def0", true),
        ("agents-runner-", false),
        ("agent-runner-abc", false),
        ("my-agents-runner-x", false),
    ] {
        assert_eq!(is_runner_container(name), want, "{name}");
    }
    Ok(())
}

fn write(path: &Path, text: &str) -> TestResult {
    fs::create_dir_all(path.parent().ok_or("no parent")?)?;
    fs::write(path, text)?;
    Ok(())
}

fn record(id: &str, status: &str) -> String {
    format!("task_id = \"{id}\"\nenvironment_id = \"env-1\"\nstatus = \"{status}\"\n")
}

/// A data dir and a separate home with one of each kind.
fn fixture(data: &Path, home: &Path) -> TestResult {
    write(
        &data.join("environments.json"),
        r#"{"environments": [{"env_id": "env-1", "workspace_type": "cloned"}]}"#,
    )?;
    write(&data.join("tasks/t1.toml"), &record("t1", "running"))?;
    write(&data.join("tasks/done/t2.toml"), &record("t2", "done"))?;
    write(&data.join("tasks/done/t3.toml"), &record("t3", "discarded"))?;
    write(
        &data.join("tasks/done/t4.json"),
        r#"{"task_id": "t4", "status": "done"}"#,
    )?;
    write(&data.join("tasks/t2.toml.k3j.tmp"), "half")?;
    write(&data.join("state-x1y2.toml"), "half")?;
    write(&data.join("interactive-finish-t2.txt"), "done")?;
    write(&data.join("github-context/github-context-t2.toml"), "x = 1")?;
    write(&data.join("github-context/notes.txt"), "mine")?;
    write(&data.join("pr-metadata/pr-metadata-t9.toml"), "x = 1")?;
    fs::create_dir_all(data.join("managed-repos/env-1/tasks/t2.bak-17"))?;
    fs::create_dir_all(data.join("managed-repos/env-gone/tasks/t5"))?;
    write(&home.join("artifacts/t2/a.enc"), "secret")?;
    write(&home.join("artifacts/t3/a.enc"), "secret")?;
    write(&home.join("artifacts/t3/staging/b.part"), "half")?;
    write(&home.join("tmp/stt-1.wav"), "RIFF")?;
    write(&home.join("crash-reports/crash-1.json"), "{}")?;
    write(&home.join("faulthandler.log"), "")?;
    write(&home.join("models/faster-whisper/model.bin"), "weights")?;
    write(&home.join("prompts/p1.md"), "# prompt")?;
    Ok(())
}

#[test]
fn the_inventory_finds_every_kind_in_both_roots() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (data, home) = (dir.path().join("data"), dir.path().join("home"));
    fixture(&data, &home)?;
    let snapshot = Snapshot::load(&data)?;
    let found = inventory(&snapshot, Some(&home));
    assert!(found.problems.is_empty(), "{:?}", found.problems);
    assert!(!found.home_is_data_dir);
    let names: Vec<(FootprintKind, String, Option<LeftoverShape>, Option<&str>)> = found
        .items
        .iter()
        .map(|item| {
            let root = if item.path.starts_with(&snapshot.data_dir) {
                &snapshot.data_dir
            } else {
                found.runner_home.as_ref().unwrap_or(&snapshot.data_dir)
            };
            let shown = item.path.strip_prefix(root).unwrap_or(&item.path);
            (
                item.kind,
                shown.display().to_string(),
                item.shape,
                item.task_id.as_deref(),
            )
        })
        .collect();
    use FootprintKind as K;
    use LeftoverShape as S;
    let want = vec![
        (
            K::ArchivedRecords,
            "tasks/done/t2.toml".into(),
            None,
            Some("t2"),
        ),
        (
            K::ArchivedRecords,
            "tasks/done/t3.toml".into(),
            None,
            Some("t3"),
        ),
        (
            K::LegacyRecords,
            "tasks/done/t4.json".into(),
            Some(S::LegacyRecord),
            Some("t4"),
        ),
        (
            K::Backups,
            "managed-repos/env-1/tasks/t2.bak-17".into(),
            None,
            None,
        ),
        (
            K::DeletedEnvironments,
            "managed-repos/env-gone/tasks/t5".into(),
            None,
            None,
        ),
        (
            K::Artifacts,
            "artifacts/t2".into(),
            Some(S::Artifacts),
            Some("t2"),
        ),
        (
            K::DiscardedArtifacts,
            "artifacts/t3".into(),
            Some(S::Artifacts),
            Some("t3"),
        ),
        (
            K::ArtifactStaging,
            "artifacts/t3/staging".into(),
            Some(S::ArtifactStaging),
            Some("t3"),
        ),
        (
            K::GithubContext,
            "github-context/github-context-t2.toml".into(),
            Some(S::GithubContext),
            Some("t2"),
        ),
        (
            K::GithubContext,
            "github-context/notes.txt".into(),
            None,
            None,
        ),
        (
            K::PrMetadata,
            "pr-metadata/pr-metadata-t9.toml".into(),
            Some(S::PrMetadata),
            Some("t9"),
        ),
        (
            K::CrashLeftovers,
            "interactive-finish-t2.txt".into(),
            Some(S::InteractiveFinish),
            Some("t2"),
        ),
        (
            K::CrashLeftovers,
            "state-x1y2.toml".into(),
            Some(S::StateTemp),
            None,
        ),
        (
            K::CrashLeftovers,
            "tasks/t2.toml.k3j.tmp".into(),
            Some(S::TempFile),
            None,
        ),
        (
            K::CrashLeftovers,
            "tmp/stt-1.wav".into(),
            Some(S::SpeechTemp),
            None,
        ),
        (
            K::CrashReports,
            "crash-reports/crash-1.json".into(),
            Some(S::CrashReport),
            None,
        ),
        (
            K::DiagnosticLogs,
            "faulthandler.log".into(),
            Some(S::DiagnosticLog),
            None,
        ),
        (
            K::SpeechModels,
            "models/faster-whisper".into(),
            Some(S::SpeechModels),
            None,
        ),
        (K::Prompts, "prompts/p1.md".into(), None, None),
    ];
    assert_eq!(names, want);
    let file = found
        .items
        .iter()
        .find(|item| item.kind == K::CrashReports)
        .ok_or("no crash report")?;
    assert!(file.sized && file.modified.is_some() && !file.is_dir);
    let folder = found
        .items
        .iter()
        .find(|item| item.kind == K::SpeechModels)
        .ok_or("no model cache")?;
    assert!(!folder.sized && folder.is_dir);
    Ok(())
}

#[test]
fn a_home_that_is_the_data_dir_is_seen_once_and_symlinks_are_never_followed() -> TestResult {
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("data");
    fixture(&data, &data)?;
    let outside = dir.path().join("outside");
    write(&outside.join("t7/secret.enc"), "not ours")?;
    fs::remove_dir_all(data.join("crash-reports"))?;
    #[cfg(unix)]
    std::os::unix::fs::symlink(&outside, data.join("crash-reports"))?;
    let snapshot = Snapshot::load(&data)?;
    let found = inventory(&snapshot, Some(&data));
    assert!(found.home_is_data_dir);
    let diagnostic = found
        .items
        .iter()
        .filter(|item| item.kind == FootprintKind::DiagnosticLogs)
        .count();
    assert_eq!(diagnostic, 1);
    assert!(
        found.items.iter().all(
            |item| !item.path.starts_with(&outside) && item.kind != FootprintKind::CrashReports
        )
    );
    #[cfg(unix)]
    assert!(
        found
            .problems
            .iter()
            .any(|p| p.path.ends_with("crash-reports") && p.message.contains("symlink")),
        "{:?}",
        found.problems
    );
    // No home at all: only the data dir's kinds.
    let none = inventory(&snapshot, None);
    assert!(
        none.items
            .iter()
            .all(|item| item.path.starts_with(&snapshot.data_dir))
    );
    assert!(none.runner_home.is_none());
    Ok(())
}

#[test]
fn a_task_whose_record_may_be_running_blocks_removal() -> TestResult {
    let dir = tempfile::tempdir()?;
    let data = dir.path();
    write(&data.join("tasks/run.toml"), &record("run", "running"))?;
    write(&data.join("tasks/odd.toml"), &record("odd", "unknown"))?;
    write(&data.join("tasks/done/old.toml"), &record("old", "done"))?;
    write(
        &data.join("tasks/done/leg.json"),
        r#"{"task_id": "leg", "status": "queued"}"#,
    )?;
    write(&data.join("tasks/bad.toml"), "not toml [")?;
    write(&data.join("tasks/disc.toml"), &record("disc", "discarded"))?;
    let table = [
        ("run", Some("may still be running")),
        ("odd", Some("may still be running")),
        ("leg", Some("may still be running")),
        ("bad", Some("cannot be read")),
        ("../x", Some("not a plain task id")),
        ("old", None),
        ("disc", None),
        ("none", None),
    ];
    for (task, want) in table {
        let got = task_blocks_removal(data, task);
        match want {
            Some(text) => assert!(
                got.as_deref().is_some_and(|reason| reason.contains(text)),
                "{task}: {got:?}"
            ),
            None => assert_eq!(got, None, "{task}"),
        }
    }
    Ok(())
}
