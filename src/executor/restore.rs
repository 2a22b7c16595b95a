//! Taking a task's record back out of the archive.

use super::Emit;
use super::Level;
use super::report::log;
use crate::agents_runner::Probe;
use crate::lock::{DataDirLock, LockError};
use crate::store::tasks::{self, StoreError};
use std::path::{Path, PathBuf};
use thiserror::Error;

/// Why a record could not be restored.
#[derive(Debug, Error)]
pub enum RestoreError {
    /// Another janitor holds the data-dir lock.
    #[error(transparent)]
    Locked(#[from] LockError),
    /// The store refused the move (no archived record, an active one in the way, ...).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Agents-Runner runs on the data directory: a restored record would be an active
    /// record it does not hold, beside the copy it may still hold of the task.
    #[error("{0}")]
    AgentsRunnerRunning(String),
}

/// Un-archives the record of `task_id` (`tasks/done/` back to `tasks/`) under the
/// data-dir lock; see [`tasks::restore_record`]. Refused while `agents_runner` says
/// Agents-Runner runs on the data directory (asked under the lock, right before the
/// move). Returns where the record is now. Either way a `[cleanup]` line says what
/// happened.
pub fn restore(
    data_dir: &Path,
    task_id: &str,
    agents_runner: &dyn Probe,
    emit: Emit,
) -> Result<PathBuf, RestoreError> {
    let restored = DataDirLock::acquire(data_dir, "restore")
        .map_err(RestoreError::from)
        .and_then(|_lock| match agents_runner.check(data_dir) {
            Some(runner) => Err(RestoreError::AgentsRunnerRunning(runner.refusal())),
            None => tasks::restore_record(data_dir, task_id).map_err(RestoreError::from),
        });
    match &restored {
        Ok(path) => log(
            emit,
            Level::Info,
            format!(
                "[cleanup] Restored task {task_id} from the archive: {}",
                path.display()
            ),
        ),
        Err(err) => log(emit, Level::Error, format!("[cleanup] Not restored: {err}")),
    }
    restored
}
