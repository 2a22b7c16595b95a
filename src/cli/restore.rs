//! `restore ID`: un-archive a task, moving its record from tasks/done/ back to tasks/.

use super::bad_input;
use super::run_plan::print_log;
use super::snapshot::data_dir;
use crate::agents_runner::LiveProbe;
use crate::executor::{self, RestoreError};
use crate::store::{StoreError, paths};
use anyhow::Result;
use serde_json::json;
use std::io::Write;
use std::path::Path;

/// `restore ID`: 0 when restored, 1 when refused (an active record, no archived one, the
/// lock held), 2 for an id that is not a plain task id or a missing data directory.
pub(super) fn restore(explicit: Option<&Path>, task_id: &str, json: bool) -> Result<u8> {
    let data_dir = data_dir(explicit)?;
    let data_dir = std::fs::canonicalize(&data_dir)
        .ok()
        .filter(|dir| dir.is_dir())
        .ok_or_else(|| {
            bad_input(format!(
                "data directory {} does not exist (give --data-dir DIR or set {})",
                data_dir.display(),
                paths::STATE_PATH_VAR
            ))
        })?;
    let result = executor::restore(&data_dir, task_id, &LiveProbe, &print_log);
    let mut out = std::io::stdout().lock();
    if json {
        let doc = match &result {
            Ok(record) => json!({"task_id": task_id, "restored": true, "record": record}),
            Err(err) => json!({"task_id": task_id, "restored": false, "error": err.to_string()}),
        };
        writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
    }
    match result {
        Ok(record) => {
            if !json {
                writeln!(out, "Restored task {task_id}: {}", record.display())?;
            }
            Ok(0)
        }
        // The `[cleanup]` line on stderr already said why.
        Err(RestoreError::Store(StoreError::InvalidTaskId(_))) => Ok(2),
        Err(_) => Ok(1),
    }
}
