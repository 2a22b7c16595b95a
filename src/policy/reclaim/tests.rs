//! Table tests: what of the footprint may go, for each kind and each standing of its task.

use super::*;
use crate::container::{DockerContainer, DockerImage};
use crate::policy::{Action, DeleteMode, PlanInput};
use crate::scan::Usage;
use crate::store::footprint::DiskItem;
use crate::store::{Environment, TaskRecord, WorkspaceDir, WorkspaceType};
use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

const DATA: &str = "/data";
const HOME: &str = "/home/u/.midoriai/agents-runner";
const HOUR: Duration = Duration::from_secs(3600);

fn now() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000)
}

fn task(id: &str, status: &str, archived: bool) -> TaskRecord {
    let folder = if archived { "tasks/done" } else { "tasks" };
    TaskRecord {
        task_id: id.into(),
        environment_id: "env-c".into(),
        status: status.into(),
        exit_code: None,
        error: None,
        created_at_s: None,
        started_at: None,
        finished_at: Some("2026-01-01T00:00:00+00:00".into()),
        workspace_type: None,
        gh_repo_root: None,
        gh_branch: None,
        gh_base_branch: None,
        gh_pr_url: None,
        container_id: None,
        prompt: None,
        agent_cli: None,
        finalization_state: Some("done".into()),
        finalization_error: None,
        log_count: 2000,
        archived,
        duplicate: false,
        legacy: false,
        file: PathBuf::from(format!("{DATA}/{folder}/{id}.toml")),
    }
}

fn item(
    kind: FootprintKind,
    path: &str,
    shape: Option<LeftoverShape>,
    task: Option<&str>,
    age_hours: u64,
) -> DiskItem {
    DiskItem {
        kind,
        path: PathBuf::from(path),
        shape,
        task_id: task.map(str::to_owned),
        is_dir: shape.is_some_and(LeftoverShape::is_folder),
        bytes: 4096,
        modified: Some(now() - HOUR * age_hours as u32),
        sized: true,
    }
}

/// Tasks in every standing: running, unsettled (done, active record), discarded and
/// not archived yet, discarded and archived, archived, unknown-status and active.
fn tasks() -> Vec<TaskRecord> {
    let mut legacy = task("leg", "done", true);
    legacy.legacy = true;
    legacy.file = PathBuf::from(format!("{DATA}/tasks/done/leg.json"));
    let mut legacy_owner = task("lego", "done", true);
    legacy_owner.legacy = true;
    legacy_owner.file = PathBuf::from(format!("{DATA}/tasks/done/lego.json"));
    let mut legacy_live = task("legr", "running", true);
    legacy_live.legacy = true;
    legacy_live.file = PathBuf::from(format!("{DATA}/tasks/done/legr.json"));
    let mut with_container = task("arch2", "done", true);
    with_container.container_id = Some("c2c2c2c2c2c2c2c2".into());
    vec![
        task("run", "running", false),
        task("live", "done", false),
        task("canc", "cancelled", false),
        task("disc", "discarded", false),
        task("odd", "unknown", false),
        task("arch", "done", true),
        task("darch", "discarded", true),
        with_container,
        legacy,
        legacy_owner,
        legacy_live,
    ]
}

fn snapshot() -> Snapshot {
    Snapshot {
        data_dir: PathBuf::from(DATA),
        environments: vec![Environment {
            env_id: "env-c".into(),
            name: "env-c".into(),
            color: "slate".into(),
            workspace_type: WorkspaceType::Cloned,
            workspace_target: None,
            host_workdir: None,
        }],
        environment_ids: Some(vec!["env-c".into()]),
        tasks: tasks(),
        workspaces: vec![
            WorkspaceDir {
                env_folder: "env-c".into(),
                task_folder: "lego".into(),
                path: PathBuf::from(format!("{DATA}/managed-repos/env-c/tasks/lego")),
                is_dir: true,
            },
            WorkspaceDir {
                env_folder: "env-c".into(),
                task_folder: "arch.bak-17".into(),
                path: PathBuf::from(format!("{DATA}/managed-repos/env-c/tasks/arch.bak-17")),
                is_dir: true,
            },
        ],
        legacy_checkouts: Vec::new(),
        problems: Vec::new(),
    }
}

fn inventory(home_is_data_dir: bool) -> Inventory {
    use FootprintKind as K;
    use LeftoverShape as S;
    let a = |id: &str| format!("{HOME}/artifacts/{id}");
    let mut items = vec![
        item(
            K::ArchivedRecords,
            &format!("{DATA}/tasks/done/arch.toml"),
            None,
            Some("arch"),
            100,
        ),
        item(
            K::LegacyRecords,
            &format!("{DATA}/tasks/done/leg.json"),
            Some(S::LegacyRecord),
            Some("leg"),
            100,
        ),
        item(
            K::LegacyRecords,
            &format!("{DATA}/tasks/done/lego.json"),
            Some(S::LegacyRecord),
            Some("lego"),
            100,
        ),
        item(
            K::LegacyRecords,
            &format!("{DATA}/tasks/done/legr.json"),
            Some(S::LegacyRecord),
            Some("legr"),
            100,
        ),
        item(
            K::Backups,
            &format!("{DATA}/managed-repos/env-c/tasks/arch.bak-17"),
            None,
            None,
            100,
        ),
        item(
            K::Artifacts,
            &a("run"),
            Some(S::Artifacts),
            Some("run"),
            100,
        ),
        item(
            K::Artifacts,
            &a("live"),
            Some(S::Artifacts),
            Some("live"),
            100,
        ),
        item(
            K::Artifacts,
            &a("arch"),
            Some(S::Artifacts),
            Some("arch"),
            100,
        ),
        item(
            K::Artifacts,
            &a("gone"),
            Some(S::Artifacts),
            Some("gone"),
            100,
        ),
        item(
            K::Artifacts,
            &a("young"),
            Some(S::Artifacts),
            Some("young"),
            0,
        ),
        item(
            K::DiscardedArtifacts,
            &a("disc"),
            Some(S::Artifacts),
            Some("disc"),
            100,
        ),
        item(
            K::ArtifactStaging,
            &format!("{}/staging", a("canc")),
            Some(S::ArtifactStaging),
            Some("canc"),
            100,
        ),
        item(
            K::ArtifactStaging,
            &format!("{}/staging", a("odd")),
            Some(S::ArtifactStaging),
            Some("odd"),
            100,
        ),
        item(
            K::ArtifactStaging,
            &format!("{}/staging", a("disc")),
            Some(S::ArtifactStaging),
            Some("disc"),
            100,
        ),
        item(
            K::GithubContext,
            &format!("{DATA}/github-context/github-context-arch.toml"),
            Some(S::GithubContext),
            Some("arch"),
            100,
        ),
        item(
            K::GithubContext,
            &format!("{DATA}/github-context/github-context-gone.toml"),
            Some(S::GithubContext),
            Some("gone"),
            100,
        ),
        item(
            K::GithubContext,
            &format!("{DATA}/github-context/github-context-live.toml"),
            Some(S::GithubContext),
            Some("live"),
            100,
        ),
        item(
            K::GithubContext,
            &format!("{DATA}/github-context/notes.txt"),
            None,
            None,
            100,
        ),
        item(
            K::PrMetadata,
            &format!("{DATA}/pr-metadata/pr-metadata-run.toml"),
            Some(S::PrMetadata),
            Some("run"),
            100,
        ),
        item(
            K::CrashLeftovers,
            &format!("{DATA}/state-x.toml"),
            Some(S::StateTemp),
            None,
            2,
        ),
        item(
            K::CrashLeftovers,
            &format!("{DATA}/tasks/t.toml.y.tmp"),
            Some(S::TempFile),
            None,
            0,
        ),
        item(
            K::CrashLeftovers,
            &format!("{DATA}/interactive-finish-live.txt"),
            Some(S::InteractiveFinish),
            Some("live"),
            5,
        ),
        item(
            K::CrashLeftovers,
            &format!("{DATA}/interactive-finish-run.txt"),
            Some(S::InteractiveFinish),
            Some("run"),
            5,
        ),
        item(
            K::CrashReports,
            &format!("{HOME}/crash-reports/crash-1.json"),
            Some(S::CrashReport),
            None,
            30,
        ),
        item(
            K::DiagnosticLogs,
            &format!("{HOME}/faulthandler.log"),
            Some(S::DiagnosticLog),
            None,
            30,
        ),
        item(
            K::SpeechModels,
            &format!("{HOME}/models/faster-whisper"),
            Some(S::SpeechModels),
            None,
            300,
        ),
        item(K::Prompts, &format!("{HOME}/prompts/p.md"), None, None, 300),
    ];
    items.sort_by(|a, b| a.kind.cmp(&b.kind).then_with(|| a.path.cmp(&b.path)));
    Inventory {
        items,
        problems: Vec::new(),
        runner_home: Some(PathBuf::from(HOME)),
        home_is_data_dir,
    }
}

fn docker() -> DockerState {
    let image = |reference: &str, used_by: &[&str]| DockerImage {
        id: format!("sha256:{reference}"),
        reference: reference.into(),
        bytes: 1_000_000_000,
        created: Some(now() - HOUR * 300),
        used_by: used_by.iter().map(|s| (*s).to_owned()).collect(),
    };
    let container = |name: &str, id: &str, state: &str| DockerContainer {
        id: id.into(),
        name: name.into(),
        image: "agent-runner-env:k1".into(),
        state: state.into(),
        bytes: 5_000_000,
        created: Some(now() - HOUR * 300),
    };
    DockerState::Listed(DockerListing {
        images: vec![
            image("agent-runner-env:k1", &["agents-runner-arch"]),
            image("agent-runner-desktop:k2", &[]),
        ],
        containers: vec![
            container("agents-runner-arch", "c1c1c1c1c1c1c1c1", "exited"),
            container("agents-runner-x", "c2c2c2c2c2c2c2c2", "exited"),
            container("agents-runner-live", "c3c3c3c3c3c3c3c3", "exited"),
            container("agents-runner-run", "c4c4c4c4c4c4c4c4", "running"),
            container("agents-runner-nobody", "c5c5c5c5c5c5c5c5", "dead"),
        ],
    })
}

struct World {
    snapshot: Snapshot,
    footprint: Footprint,
    settings: ReclaimSettings,
    orphans: super::super::Plan,
}

fn world(home_is_data_dir: bool, trim: bool) -> World {
    let snapshot = snapshot();
    let mut settings = ReclaimSettings::default();
    if trim {
        settings.trim_logs_after_hours = Some(24.0 * 30.0);
    }
    let usage: HashMap<PathBuf, Usage> = snapshot
        .workspaces
        .iter()
        .map(|w| {
            (
                w.path.clone(),
                Usage {
                    disk_bytes: 8192,
                    newest_mtime: Some(now() - HOUR * 100),
                    exists: true,
                    complete: true,
                    ..Usage::default()
                },
            )
        })
        .collect();
    let paths: Vec<PathBuf> = vec![PathBuf::from(format!(
        "{DATA}/managed-repos/env-c/tasks/arch.bak-17"
    ))];
    let git = HashMap::new();
    let mounts = BTreeSet::new();
    let orphans = crate::policy::plan(
        &Action::DeleteOrphans {
            paths,
            allow_unsaved: false,
        },
        &PlanInput {
            snapshot: &snapshot,
            usage: &usage,
            git: &git,
            mount_points: Some(&mounts),
            now: now(),
            agents_runner: None,
            delete_mode: DeleteMode::Delete,
        },
    )
    .unwrap_or_else(|err| panic_free_empty(err.to_string()));
    let trim_savings = trim_candidates(&snapshot, &settings, now(), None)
        .into_iter()
        .map(|(path, _)| (path, 150_000))
        .collect();
    World {
        footprint: Footprint {
            inventory: inventory(home_is_data_dir),
            docker: docker(),
            trim_savings,
        },
        snapshot,
        settings,
        orphans,
    }
}

/// A plan with nothing in it and the reason as its one warning (a failed orphan plan
/// shows up in the assertions).
fn panic_free_empty(reason: String) -> super::super::Plan {
    let mut plan = super::super::Plan::empty(
        Action::DeleteOrphans {
            paths: Vec::new(),
            allow_unsaved: false,
        },
        DeleteMode::Delete,
    );
    plan.warnings.push(reason);
    plan
}

impl World {
    fn input<'a>(
        &'a self,
        runner: Option<&'a RunnerProcess>,
        older_than: Option<f64>,
    ) -> ReclaimInput<'a> {
        ReclaimInput {
            footprint: &self.footprint,
            snapshot: &self.snapshot,
            settings: &self.settings,
            now: now(),
            older_than_hours: older_than,
            agents_runner: runner,
            orphans: Some(&self.orphans),
        }
    }
}

/// `R` reclaimable, `K` kept, `X` refused, `H` held by Agents-Runner.
fn verdicts(candidates: &[Candidate]) -> Vec<(String, char, String)> {
    candidates
        .iter()
        .map(|c| {
            let shown = c
                .path
                .trim_start_matches(&format!("{HOME}/"))
                .trim_start_matches(&format!("{DATA}/"))
                .to_owned();
            let (mark, reason) = match &c.verdict {
                Verdict::Reclaimable => ('R', String::new()),
                Verdict::Kept(r) => ('K', r.clone()),
                Verdict::Refused(r) => ('X', r.clone()),
                Verdict::HeldByAgentsRunner(r) => ('H', r.clone()),
            };
            (shown, mark, reason)
        })
        .collect()
}

fn check(got: &[(String, char, String)], want: &[(&str, char, &str)]) {
    assert_eq!(got.len(), want.len(), "{got:#?}");
    for ((path, mark, reason), (want_path, want_mark, want_reason)) in got.iter().zip(want) {
        assert_eq!(path, want_path);
        assert_eq!(mark, want_mark, "{path}: {reason}");
        assert!(
            reason.contains(want_reason),
            "{path}: {reason:?} lacks {want_reason:?}"
        );
    }
}

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

#[test]
fn the_plan_takes_the_kinds_asked_once_each_and_refuses_never() -> Result<(), ReclaimError> {
    let w = world(true, true);
    let candidates = assess(&w.input(None, None));
    let request = ReclaimRequest {
        kinds: vec![
            FootprintKind::Artifacts,
            FootprintKind::DiscardedArtifacts,
            FootprintKind::ArtifactStaging,
            FootprintKind::Backups,
            FootprintKind::DockerImages,
        ],
        older_than_hours: None,
    };
    let plan = plan(&request, &candidates, &w.settings)?;
    let steps: Vec<(FootprintKind, &str)> = plan
        .steps
        .iter()
        .map(|s| {
            (
                s.kind,
                s.path
                    .trim_start_matches(&format!("{HOME}/"))
                    .trim_start_matches(&format!("{DATA}/")),
            )
        })
        .collect();
    assert_eq!(
        steps,
        vec![
            (
                FootprintKind::Backups,
                "managed-repos/env-c/tasks/arch.bak-17"
            ),
            (FootprintKind::Artifacts, "artifacts/arch"),
            (FootprintKind::Artifacts, "artifacts/gone"),
            (FootprintKind::DiscardedArtifacts, "artifacts/disc"),
            // artifacts/disc/staging goes with its folder.
            (FootprintKind::ArtifactStaging, "artifacts/canc/staging"),
            (
                FootprintKind::DockerImages,
                "docker image agent-runner-desktop:k2"
            ),
        ]
    );
    assert!(matches!(plan.steps[0].target, ReclaimTarget::Folder(_)));
    assert_eq!(
        plan.bytes_to_free,
        plan.steps.iter().map(|s| s.bytes).sum::<u64>()
    );
    assert!(
        plan.skipped
            .iter()
            .any(|s| s.path.ends_with("artifacts/run") && s.refused)
    );
    assert!(
        plan.skipped
            .iter()
            .any(|s| s.path.ends_with("artifacts/live") && !s.refused)
    );
    assert!(plan.skipped.iter().all(|s| request.kinds.contains(&s.kind)));
    // The speech model cache is never by default, prompts always.
    for kind in [FootprintKind::SpeechModels, FootprintKind::Prompts] {
        let never = ReclaimRequest {
            kinds: vec![kind],
            older_than_hours: None,
        };
        assert_eq!(
            super::plan(&never, &candidates, &w.settings),
            Err(ReclaimError::Never(kind))
        );
    }
    let mut settings = w.settings.clone();
    settings
        .kinds
        .insert(FootprintKind::SpeechModels, KindSetting::Ask);
    let models = super::plan(
        &ReclaimRequest {
            kinds: vec![FootprintKind::SpeechModels],
            older_than_hours: None,
        },
        &candidates,
        &settings,
    )?;
    assert_eq!(models.steps.len(), 1);
    assert!(
        models
            .warnings
            .iter()
            .any(|w| w.contains("downloaded again"))
    );
    let bad = ReclaimRequest {
        kinds: vec![],
        older_than_hours: Some(-1.0),
    };
    assert!(matches!(
        super::plan(&bad, &candidates, &w.settings),
        Err(ReclaimError::InvalidAge(_))
    ));
    Ok(())
}

#[test]
fn rows_sum_each_kind_and_count_nothing_reclaimable_when_never() {
    let w = world(true, true);
    let input = w.input(None, None);
    let candidates = assess(&input);
    let rows = summarize(&candidates, &input);
    assert_eq!(rows.len(), FootprintKind::ALL.len());
    let row = |kind: FootprintKind| rows.iter().find(|r| r.kind == kind).cloned();
    let artifacts = row(FootprintKind::Artifacts).ok_or("no row");
    assert_eq!(
        artifacts.map(|r| (
            r.count,
            r.bytes,
            r.reclaimable_count,
            r.reclaimable_bytes,
            r.setting
        )),
        Ok((5, 5 * 4096, 2, 2 * 4096, KindSetting::Ask))
    );
    let models = row(FootprintKind::SpeechModels).ok_or("no row");
    assert_eq!(
        models.map(|r| (r.count, r.reclaimable_bytes, r.setting)),
        Ok((1, 0, KindSetting::Never))
    );
    let records = row(FootprintKind::ArchivedRecords).ok_or("no row");
    assert_eq!(records.map(|r| r.reclaimable_bytes), Ok(150_000));
    assert_eq!(
        row(FootprintKind::CrashLeftovers).map(|r| r.setting),
        Some(KindSetting::Schedule)
    );
    // Docker not running: its rows say so and count nothing.
    let mut down = world(true, false);
    down.footprint.docker =
        DockerState::Unavailable("docker is not running: Cannot connect".into());
    let input = down.input(None, None);
    let rows = summarize(&assess(&input), &input);
    let images = rows
        .iter()
        .find(|r| r.kind == FootprintKind::DockerImages)
        .map(|r| (r.count, r.note.clone()));
    assert_eq!(
        images,
        Some((0, Some("docker is not running: Cannot connect".into())))
    );
}

#[test]
fn settings_default_to_schedule_for_crash_leftovers_and_discarded_artifacts() {
    let settings = ReclaimSettings::default();
    assert_eq!(
        settings.scheduled_kinds(),
        vec![
            FootprintKind::DiscardedArtifacts,
            FootprintKind::CrashLeftovers
        ]
    );
    let asked = settings.asked_kinds();
    assert!(!asked.contains(&FootprintKind::SpeechModels));
    assert!(!asked.contains(&FootprintKind::Prompts));
    assert_eq!(asked.len(), FootprintKind::ALL.len() - 2);
    let mut prompts = settings.clone();
    prompts
        .kinds
        .insert(FootprintKind::Prompts, KindSetting::Ask);
    assert_eq!(prompts.setting(FootprintKind::Prompts), KindSetting::Never);
    assert_eq!(settings.schedule_age_hours, 168.0);
    for setting in KindSetting::ALL {
        assert_eq!(setting.as_str().parse::<KindSetting>(), Ok(setting));
    }
}

#[test]
fn trim_candidates_are_old_archived_toml_records_with_more_lines_than_kept() {
    let mut snapshot = snapshot();
    let mut short = task("short", "done", true);
    short.log_count = 10;
    let mut recent = task("recent", "done", true);
    recent.finished_at = Some(crate::store::time::format_iso(now() - HOUR));
    snapshot.tasks.extend([short, recent]);
    let mut settings = ReclaimSettings::default();
    assert!(trim_candidates(&snapshot, &settings, now(), None).is_empty());
    settings.trim_logs_after_hours = Some(24.0);
    let ids: Vec<String> = trim_candidates(&snapshot, &settings, now(), None)
        .into_iter()
        .map(|(_, id)| id)
        .collect();
    assert_eq!(ids, vec!["arch", "darch", "arch2"]);
}
