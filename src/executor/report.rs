//! What the executor tells the outside world while it runs ([`EngineEvent`]s: log lines and
//! progress) and what it hands back ([`Report`], one [`StepOutcome`] per step).

use super::Level;
use crate::policy::Plan;
use crate::store::log_line::janitor_line;
use serde::Serialize;
use std::path::PathBuf;

/// One line for the janitor's log (the GUI's log panel, the CLI's stderr).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogLine {
    /// How bad it is.
    pub level: Level,
    /// The line, `[cleanup] ...` for what the executor did.
    pub text: String,
}

/// How far a running plan has got.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Progress {
    /// Steps carried out up to the deletion (their workspaces staged).
    pub steps_done: usize,
    /// Steps in the plan.
    pub steps_total: usize,
    /// Files and folders deleted so far.
    pub entries_removed: u64,
    /// On-disk bytes freed so far.
    pub bytes_freed: u64,
}

/// What happened to one step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepOutcome {
    /// The step's task id (or folder name).
    pub task_id: String,
    /// False when anything of the step failed or was refused at the last check.
    pub ok: bool,
    /// The record this step changed or logged to, where it is now (it moves when
    /// archived); `None` when the record was left untouched.
    pub record: Option<PathBuf>,
    /// The workspace is gone from its path (deleted, moved to the trash, or already gone).
    pub workspace_removed: bool,
    /// The workspace was moved to the system trash (its space is not freed yet).
    pub workspace_trashed: bool,
    /// On-disk bytes the delete gave back.
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
    /// The plan's action ([`Action::verb`](crate::policy::Action::verb)).
    pub action: &'static str,
    /// Steps that went through.
    pub steps_ok: usize,
    /// Steps that failed, or were refused at the last check.
    pub steps_failed: usize,
    /// Workspaces gone from their path, those moved to the trash included.
    pub workspaces_removed: usize,
    /// On-disk bytes the deletes gave back.
    pub bytes_freed: u64,
    /// Workspaces moved to the system trash.
    pub workspaces_trashed: usize,
    /// Bytes moved to the trash, freed only when the trash is emptied.
    pub bytes_trashed: u64,
    /// The user cancelled: steps after that were not started, and workspaces left in
    /// staging are finished at the next start.
    pub cancelled: bool,
    /// One per step started, in plan order.
    pub outcomes: Vec<StepOutcome>,
    /// Workspaces a cancel left in staging: gone from their path, not yet deleted.
    pub left_in_staging: Vec<LeftInStaging>,
}

/// A workspace a cancel left in staging: its space is freed when the delete is
/// finished (at the next load), or it is put back by Undo.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LeftInStaging {
    /// The step's task id.
    pub task_id: String,
    /// Where it was.
    pub original: PathBuf,
    /// Where it is now, in the staging folder.
    pub staged: PathBuf,
    /// Bytes still to free, as the plan counted them less what the delete freed.
    pub bytes: u64,
    /// Its delete had not removed anything yet: the workspace is whole, and Undo may
    /// put it back (a partly deleted one is only finished).
    pub untouched: bool,
}

impl Report {
    /// Every step went through and nothing was cancelled (the CLI's exit status).
    pub fn all_ok(&self) -> bool {
        self.steps_failed == 0 && !self.cancelled
    }

    /// The level of the run's summary line: an error when a step failed.
    pub(super) fn summary_level(&self) -> Level {
        if self.steps_failed > 0 {
            Level::Error
        } else {
            Level::Info
        }
    }
}

/// Where the engine tells the outside world what happens (from any thread).
pub type Emit<'a> = &'a (dyn Fn(EngineEvent) + Sync);

/// What the engine tells the outside world while it runs.
#[derive(Debug, Clone, PartialEq)]
pub enum EngineEvent {
    /// A line for the janitor's log.
    Log(LogLine),
    /// How far the plan has got (throttled while deleting).
    Progress(Progress),
}

/// Emits `text` as a log line.
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
