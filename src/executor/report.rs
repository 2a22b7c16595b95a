//! What the executor tells the outside world while it runs ([`EngineEvent`]s: log lines and
//! progress) and what it hands back ([`Report`], one [`StepOutcome`] per step).

use super::Level;
use crate::policy::Plan;
use crate::store::log_line::janitor_line;
use serde::Serialize;
use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogLine {
    pub level: Level,
    pub text: String,
}

/// How far a running plan has got.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Progress {
    pub steps_done: usize,
    pub steps_total: usize,
    pub entries_removed: u64,
    pub bytes_freed: u64,
}

/// What happened to one step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepOutcome {
    pub task_id: String,
    pub ok: bool,
    /// The record this step changed or logged to, where it is now (it moves when
    /// archived); `None` when the record was left untouched.
    pub record: Option<PathBuf>,
    /// The workspace is gone from its path (deleted, moved to the trash, or already gone).
    pub workspace_removed: bool,
    /// The workspace was moved to the system trash (its space is not freed yet).
    pub workspace_trashed: bool,
    pub bytes_freed: u64,
    /// On-disk bytes moved to the trash: freed when the trash is emptied.
    pub bytes_trashed: u64,
    /// The lines for the task's `logs`, in Agents-Runner's canonical form
    /// (`[cleanup/janitor][INFO] ...`); the janitor's own log says the same as
    /// `[cleanup] ...`.
    pub messages: Vec<String>,
}

impl StepOutcome {
    /// Keeps `message` as a line for the task's record.
    pub(super) fn note(&mut self, level: Level, message: &str) {
        self.messages.push(janitor_line(level, message));
    }
}

/// The result of running a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub action: &'static str,
    pub steps_ok: usize,
    pub steps_failed: usize,
    /// Workspaces gone from their path, those moved to the trash included.
    pub workspaces_removed: usize,
    pub bytes_freed: u64,
    /// Workspaces moved to the system trash.
    pub workspaces_trashed: usize,
    /// Bytes moved to the trash, freed only when the trash is emptied.
    pub bytes_trashed: u64,
    pub cancelled: bool,
    pub outcomes: Vec<StepOutcome>,
}

impl Report {
    pub fn all_ok(&self) -> bool {
        self.steps_failed == 0 && !self.cancelled
    }
}

/// Everything the engine tells the outside world.
pub type Emit<'a> = &'a (dyn Fn(EngineEvent) + Sync);

#[derive(Debug, Clone, PartialEq)]
pub enum EngineEvent {
    Log(LogLine),
    Progress(Progress),
}

pub(super) fn log(emit: Emit, level: Level, text: String) {
    emit(EngineEvent::Log(LogLine { level, text }));
}

/// Says `message` in the janitor's log (`[cleanup] message`) and keeps it for the
/// task's record (`[cleanup/janitor][LEVEL] message`).
pub(super) fn say(emit: Emit, outcome: &mut StepOutcome, level: Level, message: &str) {
    log(emit, level, format!("[cleanup] {message}"));
    outcome.note(level, message);
}

/// Log lines for the plan's refusals that need the user (a workspace that is or holds a
/// mount point: unmount it), so they reach the log, not only the plan.
pub fn mount_point_refusals(plan: &Plan) -> Vec<LogLine> {
    plan.skipped
        .iter()
        .filter(|skipped| skipped.mount_point.is_some())
        .map(|skipped| LogLine {
            level: Level::Error,
            text: format!(
                "[cleanup] ERROR: Refused {}: {}",
                skipped.task_id, skipped.reason
            ),
        })
        .collect()
}
