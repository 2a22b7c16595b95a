//! "May this task still be running?": one rule for the plan builder, which asks it of the
//! snapshot's record, and for the executor, which asks it again of the record it re-reads
//! right before it acts (the task may have been restarted since the plan was made).

use crate::store::TaskRecord;

/// How a task's status stands against a cleanup that deletes its workspace or changes
/// its record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Activity {
    /// Its status is a final one (done, failed, discarded...): free to clean.
    Finished,
    /// Active or of unknown status, but the action is forced: cleaned, with a warning.
    Forced,
    /// Active or of unknown status, so it may still be running: left alone.
    MayBeRunning,
}

/// Where `task` stands, given whether the action forces active tasks
/// ([`Action::forces_active`](super::Action::forces_active)). An unknown status counts as
/// running: deleting a live workspace loses work, keeping a dead one costs a retry.
pub(crate) fn activity(task: &TaskRecord, force: bool) -> Activity {
    if task.status_class().is_finished() {
        Activity::Finished
    } else if force {
        Activity::Forced
    } else {
        Activity::MayBeRunning
    }
}
