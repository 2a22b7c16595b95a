//! Reclaiming everything Agents-Runner leaves besides workspaces: which item of the
//! footprint may go, and the plan that takes them. Pure: the caller lists and sizes the
//! footprint ([`Footprint`]), plans the backups and deleted environments' folders with
//! the orphan rules ([`super::plan`] of [`super::Action::DeleteOrphans`]), and passes
//! the time.
//!
//! - `settings`: never / ask / on schedule per kind, the schedule's age, the log trim;
//! - `rules`: the verdict on each item ([`assess`]);
//! - this file: the types, the rows per kind ([`summarize`]) and the plan ([`plan`]).

mod rules;
mod settings;

pub use rules::{MIN_AGE_HOURS, assess, trim_candidates};
pub use settings::{
    DEFAULT_SCHEDULE_AGE_HOURS, DEFAULT_TRIM_KEEP_LINES, KindSetting, ReclaimSettings,
};

use super::Step;
use crate::agents_runner::RunnerProcess;
use crate::container::DockerListing;
use crate::store::footprint::{FootprintKind, Inventory, LeftoverShape};
use crate::store::{Snapshot, paths};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::SystemTime;
use thiserror::Error;

/// What docker said.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", content = "detail", rename_all = "snake_case")]
pub enum DockerState {
    /// Agents-Runner's images and containers.
    Listed(DockerListing),
    /// Why docker could not tell (not installed, not running, no answer).
    Unavailable(String),
}

/// The footprint as measured: the sized inventory, docker's answer, and what trimming
/// each candidate record's logs would save (bytes, by record path).
#[derive(Debug, Clone, PartialEq)]
pub struct Footprint {
    /// The files and folders, folders sized.
    pub inventory: Inventory,
    /// Agents-Runner's images and containers, or why they are unknown.
    pub docker: DockerState,
    /// Bytes a log trim saves, for each record [`trim_candidates`] named.
    pub trim_savings: HashMap<PathBuf, u64>,
}

/// The verdict on one item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "verdict", content = "reason", rename_all = "snake_case")]
pub enum Verdict {
    /// It may go.
    Reclaimable,
    /// Left alone by policy (too young, still needed, the setting), with why.
    Kept(String),
    /// Left alone for safety (a running task, a mount point, in use), with why.
    Refused(String),
    /// Refused because a running Agents-Runner holds the task's record in memory.
    HeldByAgentsRunner(String),
}

impl Verdict {
    /// Why it stays, `None` when it may go.
    pub fn reason(&self) -> Option<&str> {
        match self {
            Self::Reclaimable => None,
            Self::Kept(reason) | Self::Refused(reason) | Self::HeldByAgentsRunner(reason) => {
                Some(reason)
            }
        }
    }
}

/// How an item is taken back, named as the executor needs it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "how", rename_all = "snake_case")]
pub enum ReclaimTarget {
    /// A file or folder deleted by the remover in its exact shape.
    Leftover {
        /// The shape it must still have.
        shape: LeftoverShape,
        /// Where it is.
        path: PathBuf,
    },
    /// A backup or deleted environment's folder, as the orphan plan deletes it.
    Folder(Box<Step>),
    /// An archived record whose `logs` are cut to their last `keep` lines.
    TrimLogs {
        /// The record.
        record: PathBuf,
        /// Its task.
        task_id: String,
        /// Lines kept.
        keep: usize,
    },
    /// `docker image rm <reference>`.
    Image {
        /// `repository:tag`.
        reference: String,
    },
    /// `docker rm <id>` of a stopped container.
    Container {
        /// Its id.
        id: String,
        /// Its name.
        name: String,
    },
}

/// One item of the footprint and the verdict on it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    /// Its kind.
    pub kind: FootprintKind,
    /// Where it is, for people (a path, or `docker image agent-runner-env:k1`).
    pub path: String,
    /// Its size on disk (docker's size for an image or a container).
    pub size: u64,
    /// What taking it back frees (a trim: the log bytes it cuts).
    pub bytes: u64,
    /// When it last changed (docker: when it was made).
    pub modified: Option<SystemTime>,
    /// The task it belongs to.
    pub task_id: Option<String>,
    /// Whether it may go, and why not.
    pub verdict: Verdict,
    /// How it is taken back, when it may go.
    #[serde(skip)]
    pub target: Option<ReclaimTarget>,
}

/// Everything a verdict may look at.
pub struct ReclaimInput<'a> {
    /// The footprint, measured.
    pub footprint: &'a Footprint,
    /// The data directory's records and folders.
    pub snapshot: &'a Snapshot,
    /// The settings in force.
    pub settings: &'a ReclaimSettings,
    /// The time ages are measured against.
    pub now: SystemTime,
    /// Only what is older than this (hours), besides each kind's own minimum.
    pub older_than_hours: Option<f64>,
    /// An Agents-Runner running on the data directory.
    pub agents_runner: Option<&'a RunnerProcess>,
    /// The orphan plan of the backups and deleted environments' folders; `None`: not
    /// made, so none of them may go.
    pub orphans: Option<&'a super::Plan>,
}

/// One kind's line: what it takes, and how much of it may go.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KindRow {
    /// The kind.
    pub kind: FootprintKind,
    /// Where it lives (a folder, or `docker`).
    pub path: String,
    /// Its size, all items.
    pub bytes: u64,
    /// Its items.
    pub count: usize,
    /// What may go now (nothing when its setting is never).
    pub reclaimable_bytes: u64,
    /// Items that may go now.
    pub reclaimable_count: usize,
    /// Its setting.
    pub setting: KindSetting,
    /// Anything to say about the whole kind (docker not running, home not found).
    pub note: Option<String>,
}

/// The rows of every kind, in [`FootprintKind::ALL`] order, from the candidates of
/// [`assess`].
pub fn summarize(candidates: &[Candidate], input: &ReclaimInput) -> Vec<KindRow> {
    let inventory = &input.footprint.inventory;
    let data = &input.snapshot.data_dir;
    let home = inventory.runner_home.as_deref();
    FootprintKind::ALL
        .into_iter()
        .map(|kind| {
            let setting = input.settings.setting(kind);
            let of_kind = candidates.iter().filter(|c| c.kind == kind);
            let reclaimable: Vec<&Candidate> = of_kind
                .clone()
                .filter(|c| c.verdict == Verdict::Reclaimable && setting != KindSetting::Never)
                .collect();
            let (path, note) = location(kind, data, home, &input.footprint.docker);
            KindRow {
                kind,
                path,
                bytes: of_kind.clone().map(|c| c.size).sum(),
                count: of_kind.count(),
                reclaimable_bytes: reclaimable.iter().map(|c| c.bytes).sum(),
                reclaimable_count: reclaimable.len(),
                setting,
                note,
            }
        })
        .collect()
}

/// Where a kind lives, and a note when it cannot be seen.
fn location(
    kind: FootprintKind,
    data: &Path,
    home: Option<&Path>,
    docker: &DockerState,
) -> (String, Option<String>) {
    use FootprintKind as K;
    let in_data = |folder: &str| data.join(folder).display().to_string();
    let in_home = |folder: &str| match home {
        Some(home) => (home.join(folder).display().to_string(), None),
        None => (
            format!("~/.midoriai/agents-runner/{folder}"),
            Some("Agents-Runner's home folder was not found".to_owned()),
        ),
    };
    match kind {
        K::ArchivedRecords => (paths::archived_tasks_dir(data).display().to_string(), None),
        K::LegacyRecords => (paths::active_tasks_dir(data).display().to_string(), None),
        K::Backups | K::DeletedEnvironments => {
            (paths::managed_repos_dir(data).display().to_string(), None)
        }
        K::GithubContext => (in_data(paths::GITHUB_CONTEXT_DIR), None),
        K::PrMetadata => (in_data(paths::PR_METADATA_DIR), None),
        K::CrashLeftovers => (data.display().to_string(), None),
        K::Artifacts | K::DiscardedArtifacts | K::ArtifactStaging => in_home(paths::ARTIFACTS_DIR),
        K::CrashReports => in_home(paths::CRASH_REPORTS_DIR),
        K::DiagnosticLogs => in_home(""),
        K::SpeechModels => in_home(&format!(
            "{}/{}",
            paths::MODELS_DIR,
            paths::SPEECH_MODEL_DIR
        )),
        K::Prompts => in_home(paths::PROMPTS_DIR),
        K::DockerImages | K::DockerContainers => (
            "docker".to_owned(),
            match docker {
                DockerState::Listed(_) => None,
                DockerState::Unavailable(why) => Some(why.clone()),
            },
        ),
    }
}

/// What the user (or the schedule) asked to reclaim.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReclaimRequest {
    /// The kinds to take.
    pub kinds: Vec<FootprintKind>,
    /// Only what is older than this (hours).
    pub older_than_hours: Option<f64>,
}

/// One thing the plan takes back.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReclaimStep {
    /// Its kind.
    pub kind: FootprintKind,
    /// Where it is.
    pub path: String,
    /// What taking it back frees.
    pub bytes: u64,
    /// What it is, for people.
    pub reason: String,
    /// How it is taken back.
    pub target: ReclaimTarget,
}

/// Something of a kind asked for that the plan leaves alone, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReclaimSkip {
    /// Its kind.
    pub kind: FootprintKind,
    /// Where it is.
    pub path: String,
    /// Why it stays.
    pub reason: String,
    /// Left alone for safety, not by policy.
    pub refused: bool,
    /// Refused because Agents-Runner holds its task's record.
    pub held_by_agents_runner: bool,
}

/// What reclaiming will do, decided before anything is touched.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReclaimPlan {
    /// What was asked for.
    pub request: ReclaimRequest,
    /// What will be taken back.
    pub steps: Vec<ReclaimStep>,
    /// What is left alone, and why.
    pub skipped: Vec<ReclaimSkip>,
    /// What the user should know before confirming.
    pub warnings: Vec<String>,
    /// Bytes the steps free.
    pub bytes_to_free: u64,
}

impl ReclaimPlan {
    /// True when nothing would be taken back.
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }
}

/// Why no reclaim plan could be made: the request itself is wrong.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum ReclaimError {
    /// A kind whose setting is never, or that is never reclaimed (prompts).
    #[error("{kind} is set to never be reclaimed (agents-janitor config set reclaim.{kind} ask)", kind = .0.name())]
    Never(FootprintKind),
    /// An age that is negative or not a number.
    #[error("invalid age {0}: give a positive number of hours")]
    InvalidAge(String),
}

/// Builds the plan for `request` from the candidates of [`assess`]: every reclaimable
/// item of the kinds asked for, an artifact's `staging/` only when its whole folder is
/// not taken anyway; the rest of those kinds listed as skipped.
pub fn plan(
    request: &ReclaimRequest,
    candidates: &[Candidate],
    settings: &ReclaimSettings,
) -> Result<ReclaimPlan, ReclaimError> {
    if let Some(hours) = request.older_than_hours
        && !(hours.is_finite() && hours >= 0.0)
    {
        return Err(ReclaimError::InvalidAge(hours.to_string()));
    }
    if let Some(kind) = request
        .kinds
        .iter()
        .find(|kind| settings.setting(**kind) == KindSetting::Never)
    {
        return Err(ReclaimError::Never(*kind));
    }
    let asked: HashSet<FootprintKind> = request.kinds.iter().copied().collect();
    let chosen: Vec<&Candidate> = candidates
        .iter()
        .filter(|c| asked.contains(&c.kind))
        .collect();
    let whole_folders: Vec<&str> = chosen
        .iter()
        .filter(|c| {
            c.verdict == Verdict::Reclaimable
                && matches!(
                    c.kind,
                    FootprintKind::Artifacts | FootprintKind::DiscardedArtifacts
                )
        })
        .map(|c| c.path.as_str())
        .collect();
    let mut plan = ReclaimPlan {
        request: request.clone(),
        steps: Vec::new(),
        skipped: Vec::new(),
        warnings: Vec::new(),
        bytes_to_free: 0,
    };
    for candidate in chosen {
        match (&candidate.verdict, &candidate.target) {
            (Verdict::Reclaimable, Some(target)) => {
                let inside_whole = candidate.kind == FootprintKind::ArtifactStaging
                    && whole_folders
                        .iter()
                        .any(|folder| Path::new(&candidate.path).starts_with(folder));
                if inside_whole {
                    continue;
                }
                plan.steps.push(ReclaimStep {
                    kind: candidate.kind,
                    path: candidate.path.clone(),
                    bytes: candidate.bytes,
                    reason: describe(candidate, settings),
                    target: target.clone(),
                });
            }
            (verdict, _) => plan.skipped.push(ReclaimSkip {
                kind: candidate.kind,
                path: candidate.path.clone(),
                reason: verdict
                    .reason()
                    .unwrap_or("nothing to take back")
                    .to_owned(),
                refused: matches!(
                    verdict,
                    Verdict::Refused(_) | Verdict::HeldByAgentsRunner(_)
                ),
                held_by_agents_runner: matches!(verdict, Verdict::HeldByAgentsRunner(_)),
            }),
        }
    }
    if plan
        .steps
        .iter()
        .any(|step| step.kind == FootprintKind::SpeechModels)
    {
        plan.warnings.push(
            "the speech model cache is downloaded again the next time speech input is used".into(),
        );
    }
    plan.bytes_to_free = plan.steps.iter().map(|step| step.bytes).sum();
    Ok(plan)
}

/// What a step does, for people.
fn describe(candidate: &Candidate, settings: &ReclaimSettings) -> String {
    let task = candidate
        .task_id
        .as_deref()
        .map(|id| format!(" of task {id}"))
        .unwrap_or_default();
    match candidate.kind {
        FootprintKind::ArchivedRecords => format!(
            "trim the logs{task} to the last {} lines",
            settings.trim_logs_keep
        ),
        FootprintKind::DockerImages => "remove the image (no container uses it)".into(),
        FootprintKind::DockerContainers => format!("remove the stopped container{task}"),
        kind => format!("delete {}{task}", kind.label().to_lowercase()),
    }
}

#[cfg(test)]
mod tests;
