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
        archived_records_pending: false,
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

mod plans;
mod verdicts;
