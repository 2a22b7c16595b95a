//! The verdict on each item: by kind, by its task's standing, beside Agents-Runner, by age.

use super::*;

#[test]
fn every_kind_and_every_standing_of_its_task_has_its_verdict() {
    let w = world(true, true);
    let got = verdicts(&assess(&w.input(None, None)));
    check(
        &got,
        &[
            ("tasks/done/arch.toml", 'R', ""),
            ("tasks/done/leg.json", 'R', ""),
            ("tasks/done/lego.json", 'K', "still owns its workspace"),
            ("tasks/done/legr.json", 'K', "not finished"),
            ("managed-repos/env-c/tasks/arch.bak-17", 'R', ""),
            ("artifacts/arch", 'R', ""),
            ("artifacts/gone", 'R', ""),
            ("artifacts/live", 'K', "archive or discard it first"),
            ("artifacts/run", 'X', "may still be running"),
            ("artifacts/young", 'K', "changed 0 minutes ago"),
            ("artifacts/disc", 'R', ""),
            ("artifacts/canc/staging", 'R', ""),
            ("artifacts/disc/staging", 'R', ""),
            ("artifacts/odd/staging", 'K', "archive or discard it first"),
            ("github-context/github-context-arch.toml", 'R', ""),
            ("github-context/github-context-gone.toml", 'R', ""),
            (
                "github-context/github-context-live.toml",
                'K',
                "still active",
            ),
            (
                "github-context/notes.txt",
                'K',
                "not a name Agents-Runner gives",
            ),
            (
                "pr-metadata/pr-metadata-run.toml",
                'X',
                "may still be running",
            ),
            ("interactive-finish-live.txt", 'R', ""),
            ("interactive-finish-run.txt", 'X', "may still be running"),
            ("state-x.toml", 'R', ""),
            ("tasks/t.toml.y.tmp", 'K', "changed 0 minutes ago"),
            ("crash-reports/crash-1.json", 'R', ""),
            ("faulthandler.log", 'R', ""),
            ("models/faster-whisper", 'R', ""),
            ("prompts/p.md", 'K', "shown only"),
            (
                "docker image agent-runner-env:k1",
                'X',
                "used by container agents-runner-arch",
            ),
            ("docker image agent-runner-desktop:k2", 'R', ""),
            ("docker container agents-runner-arch", 'R', ""),
            // Named by the record of archived task arch2.
            ("docker container agents-runner-x", 'R', ""),
            (
                "docker container agents-runner-live",
                'K',
                "record is still active",
            ),
            ("docker container agents-runner-run", 'X', "it is running"),
            ("docker container agents-runner-nobody", 'R', ""),
        ],
    );
    let candidates = assess(&w.input(None, None));
    let trim = candidates
        .iter()
        .find(|c| c.kind == FootprintKind::ArchivedRecords)
        .ok_or("no record")
        .map(|c| (c.bytes, c.target.clone()));
    assert_eq!(
        trim,
        Ok((
            150_000,
            Some(ReclaimTarget::TrimLogs {
                record: PathBuf::from(format!("{DATA}/tasks/done/arch.toml")),
                task_id: "arch".into(),
                keep: DEFAULT_TRIM_KEEP_LINES
            })
        ))
    );
    let container_task = candidates
        .iter()
        .find(|c| c.path.ends_with("agents-runner-x"))
        .and_then(|c| c.task_id.clone());
    assert_eq!(container_task.as_deref(), Some("arch2"));
}

#[test]
fn beside_agents_runner_held_records_running_files_and_open_logs_stay() {
    let w = world(true, true);
    let runner = RunnerProcess {
        pid: 4242,
        unsure: None,
        // Started after every archived record changed: it holds none of them.
        started: Some(now() - HOUR),
    };
    let got = verdicts(&assess(&w.input(Some(&runner), None)));
    let marks: HashMap<&str, (char, &str)> = got
        .iter()
        .map(|(path, mark, reason)| (path.as_str(), (*mark, reason.as_str())))
        .collect();
    for (path, mark, reason) in [
        ("tasks/done/arch.toml", 'R', ""),
        ("artifacts/arch", 'R', ""),
        ("artifacts/disc", 'H', "pid 4242"),
        ("artifacts/canc/staging", 'H', "pid 4242"),
        ("interactive-finish-live.txt", 'H', "pid 4242"),
        ("faulthandler.log", 'X', "may have it open"),
        ("models/faster-whisper", 'X', "may have it open"),
        ("crash-reports/crash-1.json", 'R', ""),
    ] {
        let (got_mark, got_reason) = marks.get(path).copied().unwrap_or(('?', ""));
        assert_eq!(got_mark, mark, "{path}: {got_reason}");
        assert!(got_reason.contains(reason), "{path}: {got_reason}");
    }
    // Started before the archived record last changed: it may hold it.
    let early = RunnerProcess {
        started: Some(now() - HOUR * 1000),
        ..runner
    };
    let got = verdicts(&assess(&w.input(Some(&early), None)));
    assert!(
        got.iter()
            .any(|(path, mark, _)| path == "tasks/done/arch.toml" && *mark == 'H'),
        "{got:#?}"
    );
}

#[test]
fn a_data_dir_that_is_not_the_home_leaves_record_less_artifacts_alone() {
    let w = world(false, false);
    let got = verdicts(&assess(&w.input(None, None)));
    let find = |path: &str| got.iter().find(|(p, _, _)| p == path).cloned();
    assert_eq!(
        find("artifacts/gone").map(|(_, mark, _)| mark),
        Some('K'),
        "{got:#?}"
    );
    assert!(
        find("artifacts/gone")
            .is_some_and(|(_, _, r)| r.contains("may belong to another data folder"))
    );
    // A record here still decides; a data-dir file with no record may go.
    assert_eq!(find("artifacts/arch").map(|(_, m, _)| m), Some('R'));
    assert_eq!(
        find("github-context/github-context-gone.toml").map(|(_, m, _)| m),
        Some('R')
    );
    // Trimming off: archived records stay.
    assert!(
        find("tasks/done/arch.toml").is_some_and(
            |(_, m, r)| m == 'K' && r.contains("trimming archived records' logs is off")
        )
    );
}

#[test]
fn older_than_raises_every_minimum_age() {
    let w = world(true, true);
    let got = verdicts(&assess(&w.input(None, Some(50.0))));
    let mark = |path: &str| got.iter().find(|(p, _, _)| p == path).map(|(_, m, _)| *m);
    // 100 hours old: taken; 2, 5 and 30 hours: kept.
    assert_eq!(mark("artifacts/arch"), Some('R'));
    assert_eq!(mark("state-x.toml"), Some('K'));
    assert_eq!(mark("interactive-finish-live.txt"), Some('K'));
    assert_eq!(mark("crash-reports/crash-1.json"), Some('K'));
    // Docker objects 300 hours old: taken.
    assert_eq!(mark("docker image agent-runner-desktop:k2"), Some('R'));
    let got = verdicts(&assess(&w.input(None, Some(400.0))));
    let mark = |path: &str| got.iter().find(|(p, _, _)| p == path).map(|(_, m, _)| *m);
    assert_eq!(mark("docker image agent-runner-desktop:k2"), Some('K'));
    assert_eq!(mark("models/faster-whisper"), Some('K'));
}
