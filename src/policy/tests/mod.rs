//! Table tests of the plan builder: fixtures shared by the topic files below.

mod agents_runner;
mod guards;
mod quotas;
mod safe;
mod seed_table;
mod slim;
mod sweep_orphans;

use super::*;
use crate::agents_runner::RunnerProcess;
use crate::git::{GitState, GitStatus, Work};
use crate::scan::Usage;
use crate::store::paths;
use crate::store::{Environment, FolderKind, Snapshot, TaskRecord, WorkspaceDir, WorkspaceType};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

const DATA: &str = "/data";
const HOUR: Duration = Duration::from_secs(3600);

fn env(id: &str, workspace_type: WorkspaceType) -> Environment {
    Environment {
        env_id: id.into(),
        name: id.into(),
        color: "slate".into(),
        workspace_type,
        workspace_target: None,
        host_workdir: None,
    }
}

fn task(id: &str, env_id: &str, status: &str, exit_code: Option<i64>) -> TaskRecord {
    TaskRecord {
        task_id: id.into(),
        environment_id: env_id.into(),
        status: status.into(),
        exit_code,
        error: None,
        created_at_s: None,
        started_at: None,
        finished_at: None,
        workspace_type: None,
        gh_repo_root: None,
        gh_branch: None,
        gh_base_branch: None,
        gh_pr_url: None,
        container_id: Some(format!("ar-{id}")),
        prompt: None,
        agent_cli: None,
        finalization_state: Some("done".into()),
        finalization_error: None,
        log_count: 0,
        archived: false,
        duplicate: false,
        legacy: false,
        file: PathBuf::from(format!("{DATA}/tasks/{id}.toml")),
    }
}

fn ws_path(env_id: &str, task_id: &str) -> PathBuf {
    crate::store::paths::task_workspace_path(Path::new(DATA), env_id, task_id)
}

/// A data dir with cloned (`env-c`), mounted (`env-m`) and none (`env-n`)
/// environments; every cloned task has a 48-hour-old, 1000-byte workspace.
struct World {
    snapshot: Snapshot,
    usage: HashMap<PathBuf, Usage>,
    git: HashMap<PathBuf, GitStatus>,
    /// The mount table's mount points (`None`: no table, the scans' are used).
    mount_points: Option<BTreeSet<PathBuf>>,
    now: SystemTime,
}

impl World {
    fn new(tasks: Vec<TaskRecord>) -> Self {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let mut world = World {
            snapshot: Snapshot {
                data_dir: PathBuf::from(DATA),
                environments: vec![
                    env("env-c", WorkspaceType::Cloned),
                    env("env-m", WorkspaceType::Mounted),
                    env("env-n", WorkspaceType::None),
                ],
                environment_ids: Some(vec!["env-c".into(), "env-m".into(), "env-n".into()]),
                tasks: Vec::new(),
                workspaces: Vec::new(),
                legacy_checkouts: Vec::new(),
                problems: Vec::new(),
                archived_records_pending: false,
            },
            usage: HashMap::new(),
            git: HashMap::new(),
            mount_points: Some(BTreeSet::new()),
            now,
        };
        for task in tasks {
            if task.environment_id == "env-c" {
                world.add_workspace("env-c", &task.task_id.clone(), 48);
            }
            world.snapshot.tasks.push(task);
        }
        world
    }

    fn add_workspace(&mut self, env_folder: &str, task_folder: &str, age_hours: u32) {
        let path = ws_path(env_folder, task_folder);
        self.snapshot.workspaces.push(WorkspaceDir {
            env_folder: env_folder.into(),
            task_folder: task_folder.into(),
            path: path.clone(),
            is_dir: true,
        });
        let usage = Usage {
            disk_bytes: 1000,
            apparent_bytes: 900,
            newest_mtime: Some(self.now - HOUR * age_hours),
            exists: true,
            complete: true,
            ..Usage::default()
        };
        self.usage.insert(path, usage);
    }

    fn plan(&self, action: &Action) -> Result<Plan, PlanError> {
        self.plan_beside(action, None)
    }

    /// The plan while `runner` runs on the data directory.
    fn plan_beside(
        &self,
        action: &Action,
        runner: Option<&RunnerProcess>,
    ) -> Result<Plan, PlanError> {
        self.plan_with(action, runner, DeleteMode::Delete)
    }

    /// The plan while `runner` runs, its workspaces going as `delete_mode` says.
    fn plan_with(
        &self,
        action: &Action,
        runner: Option<&RunnerProcess>,
        delete_mode: DeleteMode,
    ) -> Result<Plan, PlanError> {
        plan(
            action,
            &PlanInput {
                snapshot: &self.snapshot,
                usage: &self.usage,
                git: &self.git,
                mount_points: self.mount_points.as_ref(),
                now: self.now,
                agents_runner: runner,
                delete_mode,
            },
        )
    }
}

/// A step in words: "archive+ws", "discard", "keep+ws", "skip", "none".
fn describe(plan: &Plan, task_id: &str) -> String {
    let Some(step) = plan.steps.iter().find(|s| s.task_id == task_id) else {
        let skipped = plan.skipped.iter().any(|s| s.task_id == task_id);
        return if skipped {
            "skip".into()
        } else {
            "none".into()
        };
    };
    let record = match step.record_change {
        RecordChange::Keep => "keep",
        RecordChange::Archive => "archive",
        RecordChange::Discard { archive: true } => "discard",
        RecordChange::Discard { archive: false } => "discard-in-place",
    };
    if step.workspace.is_some() {
        format!("{record}+ws")
    } else {
        record.into()
    }
}

fn quota(limit_bytes: u64, auto_clean: bool) -> Quota {
    Quota {
        limit_bytes,
        warn_percent: 80,
        auto_clean,
    }
}

fn unsaved(world: &mut World, task_id: &str) {
    world.git.insert(
        ws_path("env-c", task_id),
        GitStatus::Known(GitState {
            branch: None,
            uncommitted: 2,
            unpushed: 0,
            work: Work::Uncommitted { paths: 2 },
            base: None,
        }),
    );
}

/// Tasks of env-c, 1000 bytes each: done ones aged 48, 30, 10 (unsaved) and 5 hours,
/// a failed one of 100 hours, a running one of 200, and a 300-hour orphan.
fn quota_world() -> World {
    let mut world = World::new(vec![]);
    for (id, status, age) in [
        ("a", "done", 48),
        ("b", "done", 30),
        ("c", "failed", 100),
        ("d", "running", 200),
        ("e", "done", 10),
        ("f", "done", 5),
    ] {
        world
            .snapshot
            .tasks
            .push(task(id, "env-c", status, Some(0)));
        world.add_workspace("env-c", id, age);
    }
    world.add_workspace("env-c", "orphan", 300);
    unsaved(&mut world, "e");
    world
}

fn deleted(plan: &Plan) -> Vec<&str> {
    plan.steps
        .iter()
        .filter(|s| s.workspace.is_some())
        .map(|s| s.task_id.as_str())
        .collect()
}

fn legacy(mut record: TaskRecord) -> TaskRecord {
    record.legacy = true;
    record.file = record.file.with_extension("json");
    record.finalization_state = None;
    record
}

/// The refusal a plan gives the task `task_id` for a mount point, if any.
fn mount_refusal<'p>(plan: &'p Plan, task_id: &str) -> Option<&'p Skipped> {
    plan.skipped
        .iter()
        .find(|s| s.task_id == task_id && s.refused && s.mount_point.is_some())
}

/// A workspace git answered for, compared with `origin/main`.
fn state(unpushed: u32, uncommitted: u32, work: Work) -> GitStatus {
    GitStatus::Known(GitState {
        branch: Some("b".into()),
        uncommitted,
        unpushed,
        work,
        base: Some("origin/main".into()),
    })
}
