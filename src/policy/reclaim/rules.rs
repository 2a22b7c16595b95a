//! The verdict on each item of the footprint: what may go, what stays and why.

use super::{Candidate, DockerState, ReclaimInput, ReclaimTarget, Verdict};
use crate::agents_runner::RunnerProcess;
use crate::container::{DockerContainer, DockerImage};
use crate::policy::builder::hours_between;
use crate::status::StatusClass;
use crate::store::footprint::{DiskItem, FootprintKind, LeftoverShape};
use crate::store::time::parse_iso;
use crate::store::{Snapshot, TaskRecord, paths};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// Anything changed in the last hour is left alone: Agents-Runner may be writing it
/// (a task being created, a write in flight, a report being saved).
pub const MIN_AGE_HOURS: f64 = 1.0;

/// Where a task stands, from every record of it.
#[derive(Debug, Clone, Copy)]
enum Standing<'a> {
    /// No record of the task in this data directory.
    NoRecord,
    /// A record says it may be running.
    Running(&'a TaskRecord),
    /// Its record is still active (not archived): finished, or of an unknown status.
    Unsettled(&'a TaskRecord),
    /// Discarded; `archived` once its record is in `tasks/done/`.
    Discarded(&'a TaskRecord, bool),
    /// Every record of it is archived.
    Archived(&'a TaskRecord),
}

impl<'a> Standing<'a> {
    fn of(records: &[&'a TaskRecord]) -> Self {
        if let Some(record) = records
            .iter()
            .find(|r| r.status_class() == StatusClass::Active)
        {
            return Self::Running(record);
        }
        let discarded = |r: &&&TaskRecord| r.status_class() == StatusClass::Discarded;
        if let Some(live) = records.iter().find(|r| !r.archived) {
            return if discarded(&live) {
                Self::Discarded(live, false)
            } else {
                Self::Unsettled(live)
            };
        }
        match (records.iter().find(discarded), records.first()) {
            (Some(record), _) => Self::Discarded(record, true),
            (None, Some(first)) => Self::Archived(first),
            (None, None) => Self::NoRecord,
        }
    }

    /// The record Agents-Runner would hold, when one is active (not archived).
    fn active_record(self) -> Option<&'a TaskRecord> {
        match self {
            Self::Running(record) | Self::Unsettled(record) | Self::Discarded(record, false) => {
                Some(record).filter(|record| !record.archived)
            }
            _ => None,
        }
    }
}

/// The lookups every rule shares.
struct Context<'a> {
    input: &'a ReclaimInput<'a>,
    by_task: HashMap<&'a str, Vec<&'a TaskRecord>>,
    by_file: HashMap<&'a Path, &'a TaskRecord>,
    /// When each archived record last changed (whether Agents-Runner holds it).
    record_modified: HashMap<&'a Path, SystemTime>,
    /// Task workspace folders on disk.
    workspaces: std::collections::HashSet<&'a Path>,
    /// Every item must be older than this (hours).
    min_age: f64,
}

/// The verdict on every item of the footprint, in inventory order, then docker's.
pub fn assess(input: &ReclaimInput) -> Vec<Candidate> {
    let snapshot = input.snapshot;
    let mut by_task: HashMap<&str, Vec<&TaskRecord>> = HashMap::new();
    for task in &snapshot.tasks {
        by_task.entry(task.task_id.as_str()).or_default().push(task);
    }
    let inventory = &input.footprint.inventory;
    let context = Context {
        input,
        by_task,
        by_file: snapshot
            .tasks
            .iter()
            .map(|t| (t.file.as_path(), t))
            .collect(),
        record_modified: inventory
            .items
            .iter()
            .filter(|item| item.kind == FootprintKind::ArchivedRecords)
            .filter_map(|item| Some((item.path.as_path(), item.modified?)))
            .collect(),
        workspaces: snapshot
            .workspaces
            .iter()
            .map(|w| w.path.as_path())
            .collect(),
        min_age: MIN_AGE_HOURS.max(input.older_than_hours.unwrap_or(0.0)),
    };
    let mut candidates: Vec<Candidate> = inventory
        .items
        .iter()
        .map(|item| context.disk(item))
        .collect();
    if let DockerState::Listed(listing) = &input.footprint.docker {
        candidates.extend(listing.images.iter().map(|image| context.image(image)));
        candidates.extend(
            listing
                .containers
                .iter()
                .map(|container| context.container(container)),
        );
    }
    candidates
}

/// Archived records whose logs a trim may cut (trimming is on, the task finished long
/// enough ago, more lines than are kept): the caller measures what each would save.
pub fn trim_candidates(
    snapshot: &Snapshot,
    settings: &super::ReclaimSettings,
    now: SystemTime,
    older_than_hours: Option<f64>,
) -> Vec<(PathBuf, String)> {
    let Some(after) = settings.trim_logs_after_hours else {
        return Vec::new();
    };
    let after = after.max(older_than_hours.unwrap_or(0.0));
    snapshot
        .tasks
        .iter()
        .filter(|task| task.archived && !task.legacy && task.log_count > settings.trim_logs_keep)
        .filter(|task| finished_hours_ago(task, None, now).is_some_and(|age| age >= after))
        .map(|task| (task.file.clone(), task.task_id.clone()))
        .collect()
}

/// Hours since the task finished (`finished_at`), else since its record last changed.
fn finished_hours_ago(
    task: &TaskRecord,
    modified: Option<SystemTime>,
    now: SystemTime,
) -> Option<f64> {
    let finished = task
        .finished_at
        .as_deref()
        .and_then(parse_iso)
        .map(SystemTime::from)
        .or(modified)?;
    Some(hours_between(finished, now))
}

impl<'a> Context<'a> {
    fn standing(&self, task_id: &str) -> Standing<'a> {
        self.by_task
            .get(task_id)
            .map_or(Standing::NoRecord, |records| Standing::of(records))
    }

    fn runner(&self) -> Option<&'a RunnerProcess> {
        self.input.agents_runner
    }

    /// Whether a running Agents-Runner holds the record of a task standing so.
    fn held(&self, standing: Standing) -> Option<String> {
        let runner = self.runner()?;
        let record = match standing {
            Standing::NoRecord => return None,
            Standing::Archived(record) | Standing::Discarded(record, true) => {
                let modified = self.record_modified.get(record.file.as_path()).copied();
                if !runner.may_hold(&record.file, modified) {
                    return None;
                }
                record
            }
            other => other.active_record()?,
        };
        Some(format!("{}: {}", record.file.display(), runner.refusal()))
    }

    /// The age check every item passes: older than the minimum.
    fn old_enough(&self, modified: Option<SystemTime>) -> Result<(), Verdict> {
        let Some(modified) = modified else {
            return Err(Verdict::Kept("not sized yet, so its age is unknown".into()));
        };
        let age = hours_between(modified, self.input.now);
        if age < self.min_age {
            return Err(Verdict::Kept(format!(
                "changed {} ago; only what is older than {} is taken",
                hours_text(age),
                hours_text(self.min_age)
            )));
        }
        Ok(())
    }

    /// Whether the task's leftover may go: `finished_only` kinds (a container) need
    /// the record archived; `no_record_ok` when a task with no record here has none
    /// anywhere.
    fn task_allows(&self, task_id: Option<&str>, rule: TaskRule) -> Result<(), Verdict> {
        let Some(task_id) = task_id else {
            return Err(Verdict::Kept(
                "not a name Agents-Runner gives: left alone".into(),
            ));
        };
        let standing = self.standing(task_id);
        match standing {
            Standing::Running(record) => {
                return Err(Verdict::Refused(format!(
                    "task {task_id} may still be running ({}; {})",
                    record.status,
                    record.file.display()
                )));
            }
            Standing::Unsettled(record) => {
                let finished = record.status_class().is_finished();
                if !(rule.unsettled_finished_ok && finished) {
                    return Err(Verdict::Kept(format!(
                        "task {task_id} is {} and its record is still active: archive or discard it first",
                        record.status
                    )));
                }
            }
            Standing::Discarded(record, false) if rule.archived_only => {
                return Err(Verdict::Kept(format!(
                    "task {task_id} is discarded but not archived yet ({})",
                    record.file.display()
                )));
            }
            Standing::NoRecord
                if !self.input.footprint.inventory.home_is_data_dir && rule.home_bound =>
            {
                return Err(Verdict::Kept(format!(
                    "task {task_id} has no record in this data folder, which is not Agents-Runner's home: it may belong to another data folder"
                )));
            }
            _ => {}
        }
        if let Some(reason) = self.held(standing) {
            return Err(Verdict::HeldByAgentsRunner(reason));
        }
        Ok(())
    }

    fn disk(&self, item: &DiskItem) -> Candidate {
        let mut candidate = Candidate {
            kind: item.kind,
            path: item.path.display().to_string(),
            size: item.bytes,
            bytes: item.bytes,
            modified: item.modified,
            task_id: item.task_id.clone(),
            verdict: Verdict::Reclaimable,
            target: None,
        };
        let decided = match item.kind {
            FootprintKind::ArchivedRecords => self.archived_record(item, &mut candidate),
            FootprintKind::Backups | FootprintKind::DeletedEnvironments => {
                self.folder(item, &mut candidate)
            }
            _ => self.leftover(item),
        };
        match decided {
            Ok(target) => candidate.target = Some(target),
            Err(verdict) => candidate.verdict = verdict,
        }
        if candidate.verdict != Verdict::Reclaimable {
            candidate.bytes = 0;
        }
        candidate
    }

    /// A file or folder the remover deletes in its shape.
    fn leftover(&self, item: &DiskItem) -> Result<ReclaimTarget, Verdict> {
        use FootprintKind as K;
        let shape = item.shape.ok_or_else(|| match item.kind {
            K::Prompts => {
                Verdict::Kept("prompts are shown only: environments may use any of them".into())
            }
            _ => Verdict::Kept("not a name Agents-Runner gives: left alone".into()),
        })?;
        let task = item.task_id.as_deref();
        match item.kind {
            K::Artifacts | K::DiscardedArtifacts => self.task_allows(task, TaskRule::ARTIFACTS)?,
            K::ArtifactStaging => self.task_allows(task, TaskRule::STAGING)?,
            K::GithubContext | K::PrMetadata => self.task_allows(task, TaskRule::DATA_DIR_FILE)?,
            K::CrashLeftovers if shape == LeftoverShape::InteractiveFinish => {
                self.task_allows(task, TaskRule::INTERACTIVE_FINISH)?
            }
            K::DiagnosticLogs | K::SpeechModels => {
                if let Some(runner) = self.runner() {
                    return Err(Verdict::Refused(format!(
                        "Agents-Runner is running (pid {}) and may have it open",
                        runner.pid
                    )));
                }
            }
            K::LegacyRecords => self.legacy_record(item)?,
            _ => {}
        }
        self.old_enough(item.modified)?;
        Ok(ReclaimTarget::Leftover {
            shape,
            path: item.path.clone(),
        })
    }

    /// A legacy record may go when its task finished and it owns no workspace folder.
    fn legacy_record(&self, item: &DiskItem) -> Result<(), Verdict> {
        let Some(record) = self.by_file.get(item.path.as_path()) else {
            return Err(Verdict::Kept("not read as a record".into()));
        };
        if !record.status_class().is_finished() {
            return Err(Verdict::Kept(format!(
                "its task {} is not finished (status {:?})",
                record.task_id, record.status
            )));
        }
        let workspace = paths::task_workspace_path(
            &self.input.snapshot.data_dir,
            &record.environment_id,
            &record.task_id,
        );
        if self.workspaces.contains(workspace.as_path()) {
            return Err(Verdict::Kept(format!(
                "it still owns its workspace {}",
                workspace.display()
            )));
        }
        Ok(())
    }

    /// An archived record: its logs trimmed, when trimming is on and it is worth it.
    fn archived_record(
        &self,
        item: &DiskItem,
        candidate: &mut Candidate,
    ) -> Result<ReclaimTarget, Verdict> {
        let settings = self.input.settings;
        let Some(after) = settings.trim_logs_after_hours else {
            return Err(Verdict::Kept(
                "trimming archived records' logs is off (setting reclaim.trim_logs_after)".into(),
            ));
        };
        let Some(record) = self.by_file.get(item.path.as_path()) else {
            return Err(Verdict::Kept("not read as a record".into()));
        };
        let after = after.max(self.input.older_than_hours.unwrap_or(0.0));
        let age = finished_hours_ago(record, item.modified, self.input.now);
        if age.is_none_or(|age| age < after) {
            return Err(Verdict::Kept(format!(
                "its task finished less than {} ago",
                hours_text(after)
            )));
        }
        let saved = self
            .input
            .footprint
            .trim_savings
            .get(&item.path)
            .copied()
            .unwrap_or(0);
        if saved == 0 {
            return Err(Verdict::Kept(format!(
                "its logs hold {} lines, no more than the {} kept",
                record.log_count, settings.trim_logs_keep
            )));
        }
        if let Some(runner) = self.runner()
            && runner.may_hold(&item.path, item.modified)
        {
            return Err(Verdict::HeldByAgentsRunner(format!(
                "{}: {}",
                item.path.display(),
                runner.refusal()
            )));
        }
        candidate.bytes = saved;
        Ok(ReclaimTarget::TrimLogs {
            record: item.path.clone(),
            task_id: record.task_id.clone(),
            keep: settings.trim_logs_keep,
        })
    }

    /// A backup or deleted environment's folder: as the orphan plan decided.
    fn folder(&self, item: &DiskItem, candidate: &mut Candidate) -> Result<ReclaimTarget, Verdict> {
        self.old_enough(item.modified)?;
        let Some(orphans) = self.input.orphans else {
            return Err(Verdict::Kept("not checked (git, age) yet".into()));
        };
        if let Some(step) = orphans.steps.iter().find(|step| {
            step.workspace
                .as_ref()
                .is_some_and(|workspace| workspace.path == item.path)
        }) {
            candidate.bytes = step.bytes;
            return Ok(ReclaimTarget::Folder(Box::new(step.clone())));
        }
        let folder = item
            .path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        let skipped = orphans
            .skipped
            .iter()
            .find(|skipped| skipped.task_id == folder || skipped.reason.contains(&candidate.path));
        Err(match skipped {
            Some(skipped) if skipped.held_by_agents_runner => {
                Verdict::HeldByAgentsRunner(skipped.reason.clone())
            }
            Some(skipped) if skipped.refused => Verdict::Refused(skipped.reason.clone()),
            Some(skipped) => Verdict::Kept(skipped.reason.clone()),
            None => Verdict::Kept("not taken by the orphan rules".into()),
        })
    }

    fn image(&self, image: &DockerImage) -> Candidate {
        let mut candidate = Candidate {
            kind: FootprintKind::DockerImages,
            path: format!("docker image {}", image.reference),
            size: image.bytes,
            bytes: image.bytes,
            modified: image.created,
            task_id: None,
            verdict: Verdict::Reclaimable,
            target: Some(ReclaimTarget::Image {
                reference: image.reference.clone(),
            }),
        };
        let verdict = if !image.used_by.is_empty() {
            Some(Verdict::Refused(format!(
                "used by container {}",
                image.used_by.join(", ")
            )))
        } else {
            self.docker_age(image.created).err()
        };
        if let Some(verdict) = verdict {
            candidate.verdict = verdict;
            candidate.target = None;
            candidate.bytes = 0;
        }
        candidate
    }

    fn container(&self, container: &DockerContainer) -> Candidate {
        let task = self.task_of_container(container);
        let mut candidate = Candidate {
            kind: FootprintKind::DockerContainers,
            path: format!("docker container {}", container.name),
            size: container.bytes,
            bytes: container.bytes,
            modified: container.created,
            task_id: task.map(str::to_owned),
            verdict: Verdict::Reclaimable,
            target: Some(ReclaimTarget::Container {
                id: container.id.clone(),
                name: container.name.clone(),
            }),
        };
        let decided = if !container.is_stopped() {
            Err(Verdict::Refused(format!("it is {}", container.state)))
        } else {
            match task {
                // Agents-Runner marks a task whose container is gone as failed when it
                // loads it: only the containers of archived tasks, or of none, go.
                Some(task) => self.task_allows(Some(task), TaskRule::CONTAINER),
                None => Ok(()),
            }
            .and_then(|()| self.docker_age(container.created))
        };
        if let Err(verdict) = decided {
            candidate.verdict = verdict;
            candidate.target = None;
            candidate.bytes = 0;
        }
        candidate
    }

    /// Docker objects have no minimum age; `--older-than` needs their creation time.
    fn docker_age(&self, created: Option<SystemTime>) -> Result<(), Verdict> {
        let Some(older_than) = self.input.older_than_hours.filter(|hours| *hours > 0.0) else {
            return Ok(());
        };
        let Some(created) = created else {
            return Err(Verdict::Kept("its age is unknown".into()));
        };
        let age = hours_between(created, self.input.now);
        if age < older_than {
            return Err(Verdict::Kept(format!(
                "made {} ago; only what is older than {} is taken",
                hours_text(age),
                hours_text(older_than)
            )));
        }
        Ok(())
    }

    /// The task whose container this is: its record names the container (by id or
    /// name), else its name is `agents-runner-<task id>`.
    fn task_of_container(&self, container: &DockerContainer) -> Option<&'a str> {
        let named = |id: &str| {
            id == container.name
                || (id.len() >= 12 && container.id.starts_with(id))
                || (container.id.len() >= 12 && id.starts_with(&container.id))
        };
        self.input
            .snapshot
            .tasks
            .iter()
            .find(|task| task.container_id.as_deref().is_some_and(named))
            .map(|task| task.task_id.as_str())
            .or_else(|| {
                let rest = container.name.strip_prefix("agents-runner-")?;
                self.by_task
                    .keys()
                    .find(|id| rest == **id || rest.starts_with(&format!("{id}-")))
                    .copied()
            })
    }
}

/// What a task-bound kind accepts of its task's standing.
#[derive(Debug, Clone, Copy)]
struct TaskRule {
    /// A task whose active record says it finished (not archived yet) will not need it.
    unsettled_finished_ok: bool,
    /// Only once the record is archived (a discarded task's too).
    archived_only: bool,
    /// It lives in Agents-Runner's home, shared by every data folder: "no record here"
    /// means "none anywhere" only when this data folder is the home.
    home_bound: bool,
}

impl TaskRule {
    const ARTIFACTS: Self = Self {
        unsettled_finished_ok: false,
        archived_only: false,
        home_bound: true,
    };
    const STAGING: Self = Self {
        unsettled_finished_ok: true,
        archived_only: false,
        home_bound: true,
    };
    const INTERACTIVE_FINISH: Self = Self {
        unsettled_finished_ok: true,
        archived_only: false,
        home_bound: false,
    };
    const DATA_DIR_FILE: Self = Self {
        unsettled_finished_ok: false,
        archived_only: false,
        home_bound: false,
    };
    const CONTAINER: Self = Self {
        unsettled_finished_ok: false,
        archived_only: true,
        home_bound: false,
    };
}

/// `40 minutes`, `3.5 hours`, `2.0 days`.
fn hours_text(hours: f64) -> String {
    if hours < 1.0 {
        format!("{:.0} minutes", hours * 60.0)
    } else if hours < 48.0 {
        format!("{hours:.1} hours")
    } else {
        format!("{:.1} days", hours / 24.0)
    }
}
