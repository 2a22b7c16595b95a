//! Task records: `tasks/<id>.toml` (active) and `tasks/done/<id>.toml` (archived).
//!
//! Reading ([`read_record`]) keeps only what a list needs: the `logs` array is counted,
//! not kept. Edits ([`edit_record`]) go through `toml_edit`, so every key we do not
//! change stays as it was; archiving and restoring ([`archive_record`],
//! [`restore_record`]) are renames that never replace a file; [`trim_logs`] cuts an
//! archived record's `logs` to its last lines. Legacy JSON records
//! ([`super::legacy`]) are read here too and never written.

mod archive;
mod edit;
mod logs_lexer;
mod record;
mod trim;

pub use archive::{archive_record, restore_record};
pub use edit::{EditOutcome, TaskEdit, edit_record};
pub(in crate::store) use record::parse_record;
pub use record::{TaskRecord, read_log_tail, read_record, record_exists_for_folder};
pub use trim::{TrimOutcome, preview_trim, trim_logs};

use std::path::{Path, PathBuf};
use thiserror::Error;

/// Why a task record could not be read, changed, archived or restored. Whatever the
/// error, the record on disk is as it was.
#[derive(Debug, Error)]
pub enum StoreError {
    /// The file or folder could not be read.
    #[error("{path}: cannot read: {source}")]
    Read {
        /// What could not be read.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The file, or a rename of it, could not be written.
    #[error("{path}: cannot write: {source}")]
    Write {
        /// What could not be written.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The file is not TOML (or not UTF-8): it is never rewritten.
    #[error("{path}: not a valid task file ({reason}); left untouched")]
    Unparsable {
        /// The task file.
        path: PathBuf,
        /// The parser's message.
        reason: String,
    },
    /// The file holds another task than the one the change was meant for.
    #[error("{path}: belongs to task {found:?}, not {expected:?}; left untouched")]
    WrongTask {
        /// The task file.
        path: PathBuf,
        /// The task id the change was for.
        expected: String,
        /// The `task_id` in the file (empty when it has none).
        found: String,
    },
    /// Another writer changed the file between each of our reads and writes.
    #[error("{path}: another program keeps changing it; gave up after {attempts} attempts")]
    KeepsChanging {
        /// The task file.
        path: PathBuf,
        /// How many times the change was tried.
        attempts: u32,
    },
    /// An id that is not a plain folder name (`../x`, `a/b`, empty): never joined to a path.
    #[error("{0:?} is not a plain task id (only letters, digits, '-' and '_')")]
    InvalidTaskId(String),
    /// Nothing to restore: no archived record of the task.
    #[error("task {task_id} has no archived record in {folder}")]
    NotArchived {
        /// The task asked for.
        task_id: String,
        /// The archive folder searched (`tasks/done/`).
        folder: PathBuf,
    },
    /// The task already has an active record, so restoring would make two.
    #[error("task {task_id} already has an active record: {path}; nothing was restored")]
    ActiveExists {
        /// The task asked for.
        task_id: String,
        /// The active record found.
        path: PathBuf,
    },
    /// A legacy JSON record: read-only for the janitor.
    #[error(
        "{path}: a legacy JSON record of an older Agents-Runner, which no longer reads it: the janitor never changes it"
    )]
    Legacy {
        /// The JSON record.
        path: PathBuf,
    },
}

/// How many times a change starts again when another writer (Agents-Runner) keeps
/// changing the file or taking the name under it.
const EDIT_ATTEMPTS: u32 = 5;

/// Legacy JSON records are read-only: every change is refused before it starts.
fn refuse_legacy(path: &Path) -> Result<(), StoreError> {
    if super::legacy::is_legacy_record(path) {
        return Err(StoreError::Legacy { path: path.into() });
    }
    Ok(())
}

/// A task file as Agents-Runner writes it, comments and a table included (tests of
/// reading and editing share it).
#[cfg(test)]
const SAMPLE: &str = r#"# written by Agents-Runner
task_id = "abc123def0"
environment_id = "env-1"
status = "done"   # keep this comment
exit_code = 0
created_at_s = 1764000000.25
started_at = "2026-11-20T10:00:00.000000+00:00"
prompt = """
Fix the login test
"""
finalization_state = "done"
future_key = { nested = [1, 2, 3] }
logs = [
    "line one",
    "line two",
]

[git]
base = "main"
"#;

#[cfg(test)]
mod tests;
