//! What goes into the worker ([`Command`]) and what comes out ([`Event`]).

use crate::executor::{LogLine, Progress, Report, UndoItem, UndoOutcome};
use crate::git::GitStatus;
use crate::git::pull_request::PrState;
use crate::policy::DeleteMode;
use crate::policy::reclaim::{ReclaimPlan, ReclaimRequest, ReclaimSettings};
use crate::policy::{Action, Plan, SlimPlan, SlimSelection};
use crate::scan::Usage;
use crate::store::Snapshot;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use super::{FootprintView, ReclaimFinished};

/// What the worker is asked to do, one at a time, in the order sent.
#[derive(Debug, Clone)]
pub enum Command {
    /// Finish deletes left in staging, then read the data directory.
    Load,
    /// Size every workspace of the last snapshot, again.
    Scan,
    /// Size the workspaces of the last snapshot that have no size yet.
    ScanNew,
    /// Read the data directory again (something changed on disk); unlike `Load` it
    /// does not finish interrupted deletes, which needs the lock another janitor may hold.
    Reload,
    /// Forget the sizes of these folders (they changed on disk), so the next
    /// `ScanNew` sizes them again.
    ForgetSizes(Vec<PathBuf>),
    /// Ask git about these workspace folders (unsaved work), answering with
    /// [`Event::GitInspected`] for each.
    InspectGit(Vec<PathBuf>),
    /// Build the plan for an action (sizes and git states as needed), its workspaces to
    /// go the given way.
    Plan(Action, DeleteMode),
    /// Carry out a plan the user confirmed, then reload.
    Execute(Plan),
    /// Build the slim plan for these tasks (what git ignores in their workspaces,
    /// sized), answering with [`Event::SlimPlanReady`] or [`Event::PlanFailed`].
    PlanSlim(SlimSelection),
    /// Carry out a slim plan the user confirmed, then reload (the slimmed workspaces'
    /// sizes are forgotten, to be sized again).
    ExecuteSlim(SlimPlan),
    /// "Check remotes": `git fetch --prune` these workspaces (progress, cancel), then
    /// ask git about them again ([`Event::GitInspected`] for each).
    CheckRemotes(Vec<PathBuf>),
    /// Un-archive a task's record, answering with [`Event::Restored`], then reload.
    Restore(String),
    /// Plan and carry out an action nobody confirms (the schedule): the plan goes to
    /// the log, the outcome comes back as [`Event::Unattended`].
    RunUnattended(Action, DeleteMode),
    /// Measure the rest of Agents-Runner's footprint under these settings, answering
    /// with [`Event::Footprint`].
    MeasureFootprint(ReclaimSettings),
    /// Plan a reclaim, answering with [`Event::ReclaimPlanReady`].
    PlanReclaim(ReclaimRequest, ReclaimSettings),
    /// Carry out a reclaim plan the user confirmed, then reload and measure again.
    ExecuteReclaim(Box<ReclaimPlan>, ReclaimSettings),
    /// Plan and carry out the reclaim of the kinds set to "schedule" (the schedule).
    ReclaimScheduled(ReclaimSettings),
    /// Finish the deletes a cancel left in staging, with progress, answering with
    /// [`Event::StagingFinished`], then reload.
    FinishStaged,
    /// Put back what a change moved to staging or the trash, answering with
    /// [`Event::Undone`], then reload.
    Undo(Vec<UndoItem>),
    /// Which of these workspace paths the system trash holds an item from, answered
    /// with [`Event::InTrash`].
    LookInTrash(Vec<PathBuf>),
}

/// How an unattended cleanup ended.
#[derive(Debug, Clone)]
pub enum Unattended {
    /// The plan ran.
    Done {
        /// What it did.
        report: Report,
        /// The plan's warnings (unsaved work lost...).
        warnings: Vec<String>,
    },
    /// The plan had no step.
    NothingToDo {
        /// The plan's warnings, still worth a look.
        warnings: Vec<String>,
    },
    /// No plan could be made, or it could not start; why.
    Failed(String),
}

/// What the worker tells the UI; after each one it calls the wake-up callback.
#[derive(Debug, Clone)]
pub enum Event {
    /// A line for the log panel.
    Log(LogLine),
    /// The data directory was read (after [`Command::Load`] or [`Command::Reload`]).
    /// After [`Command::Load`] it comes twice: first with only the active records
    /// ([`Snapshot::archived_records_pending`]), then whole.
    Loaded(Arc<Snapshot>),
    /// The data directory could not be read; why.
    LoadFailed(String),
    /// One workspace (or legacy checkout) was sized.
    Scanned {
        /// The folder.
        path: PathBuf,
        /// Its size (incomplete when the scan was cancelled).
        usage: Usage,
    },
    /// A scan is over.
    ScanFinished {
        /// It was cancelled before every folder was sized.
        cancelled: bool,
    },
    /// Git answered for one workspace of [`Command::InspectGit`].
    GitInspected {
        /// The workspace.
        path: PathBuf,
        /// Its git state.
        status: GitStatus,
    },
    /// What "Slim" would free in one workspace of [`Command::InspectGit`]: the on-disk
    /// bytes of what git ignores in it (sent after its [`Event::GitInspected`]).
    Reclaimable {
        /// The workspace.
        path: PathBuf,
        /// The bytes.
        bytes: u64,
    },
    /// The last lines of a task record's `logs`, asked for with [`super::Worker::read_log_tail`].
    LogTail {
        /// The record asked about.
        record: PathBuf,
        /// Its last lines, or why they could not be read.
        lines: Result<Vec<String>, String>,
    },
    /// The plan of a [`Command::Plan`], for the user to confirm.
    PlanReady(Plan),
    /// The plan of a [`Command::PlanSlim`], for the user to confirm.
    SlimPlanReady(SlimPlan),
    /// No plan could be made; why.
    PlanFailed(String),
    /// How far the running plan has got.
    Progress(Progress),
    /// The plan of a [`Command::Execute`] ran.
    Finished(Report),
    /// The plan could not start (e.g. another janitor holds the lock).
    ExecuteFailed(String),
    /// The last known pull request states by task id (from the cache after a load,
    /// fresh from `gh` after [`Command::CheckRemotes`]).
    PullRequests(HashMap<String, PrState>),
    /// A [`Command::CheckRemotes`] is over; git is being asked again.
    RemotesChecked {
        /// Workspaces whose remote was fetched.
        fetched: usize,
        /// Workspaces asked for.
        total: usize,
    },
    /// How a [`Command::RunUnattended`] ended.
    Unattended(Unattended),
    /// The footprint of a [`Command::MeasureFootprint`].
    Footprint(Box<FootprintView>),
    /// The plan of a [`Command::PlanReclaim`], for the user to confirm.
    ReclaimPlanReady(Box<ReclaimPlan>),
    /// A reclaim ran (or the schedule's did).
    ReclaimFinished(Box<ReclaimFinished>),
    /// No footprint, plan or run: why.
    ReclaimFailed(String),
    /// Deletes left in staging were finished (by [`Command::FinishStaged`], or the
    /// start of a [`Command::Load`]), freeing this much.
    StagingFinished {
        /// On-disk bytes freed.
        bytes_freed: u64,
        /// False when it could not run (the lock is held, the staging folder is not a
        /// real one): what was there is still there.
        ran: bool,
    },
    /// How a [`Command::Undo`] went: one outcome per item, or why nothing was done.
    Undone(Result<Vec<UndoOutcome>, String>),
    /// The paths of a [`Command::LookInTrash`] the trash holds an item from.
    InTrash(Vec<PathBuf>),
    /// The outcome of [`Command::Restore`]: where the record is now, or why not.
    Restored {
        /// The task asked about.
        task_id: String,
        /// Where its record is now, or why it was not restored.
        result: Result<PathBuf, String>,
    },
}
