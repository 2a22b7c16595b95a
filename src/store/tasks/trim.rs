//! Trimming a record's `logs` to its last lines: archived records keep up to 2,000
//! lines each and Agents-Runner never prunes them. Everything but the dropped lines
//! stays byte for byte, so the record still loads in Agents-Runner (`logs` stays an
//! array of strings, unknown keys stay); the write is atomic and keeps the file's mode.

use super::edit::{rewrite_record, task_document};
use super::{StoreError, refuse_legacy};
use serde::Serialize;
use std::path::Path;
use toml_edit::Item;

/// What trimming a record's `logs` does (or did).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TrimOutcome {
    /// Log lines dropped from the start of `logs`.
    pub lines_removed: usize,
    /// The file's length before.
    pub bytes_before: u64,
    /// Its length after.
    pub bytes_after: u64,
}

impl TrimOutcome {
    /// Bytes of text the trim removes.
    pub fn bytes_saved(&self) -> u64 {
        self.bytes_before.saturating_sub(self.bytes_after)
    }
}

/// What [`trim_logs`] would do to the record at `path`, without writing anything.
pub fn preview_trim(path: &Path, task_id: &str, keep: usize) -> Result<TrimOutcome, StoreError> {
    refuse_legacy(path)?;
    let bytes = std::fs::read(path).map_err(|source| StoreError::Read {
        path: path.into(),
        source,
    })?;
    trimmed(&bytes, path, task_id, keep).map(|(_, outcome)| outcome)
}

/// Drops all but the last `keep` lines of the record's `logs`, atomically, keeping its
/// mode and every other byte; re-applied when another writer changes the file
/// meanwhile. A record with `keep` lines or fewer (or no `logs` array) is not written.
/// A file that does not parse, another task's, and a legacy JSON record are refused.
pub fn trim_logs(path: &Path, task_id: &str, keep: usize) -> Result<TrimOutcome, StoreError> {
    refuse_legacy(path)?;
    let bytes = std::fs::read(path).map_err(|source| StoreError::Read {
        path: path.into(),
        source,
    })?;
    let (_, outcome) = trimmed(&bytes, path, task_id, keep)?;
    if outcome.lines_removed == 0 {
        return Ok(outcome);
    }
    rewrite_record(path, &mut |p| std::fs::read(p), &|bytes| {
        trimmed(bytes, path, task_id, keep)
    })
}

/// The record with its `logs` cut to the last `keep` lines, and what that removes.
fn trimmed(
    bytes: &[u8],
    path: &Path,
    task_id: &str,
    keep: usize,
) -> Result<(String, TrimOutcome), StoreError> {
    let mut document = task_document(bytes, path, task_id)?;
    let before = bytes.len() as u64;
    let unchanged = |text: &[u8]| {
        (
            String::from_utf8_lossy(text).into_owned(),
            TrimOutcome {
                lines_removed: 0,
                bytes_before: before,
                bytes_after: before,
            },
        )
    };
    let Some(logs) = document.get_mut("logs").and_then(Item::as_array_mut) else {
        return Ok(unchanged(bytes));
    };
    let drop = logs.len().saturating_sub(keep);
    if drop == 0 {
        return Ok(unchanged(bytes));
    }
    // The new first line takes the old first line's leading layout (`[` then no space).
    let first_prefix = logs
        .get(0)
        .and_then(|first| first.decor().prefix().cloned());
    let mut index = 0;
    logs.retain(|_| {
        index += 1;
        index > drop
    });
    if let (Some(prefix), Some(first)) = (first_prefix, logs.get_mut(0)) {
        first.decor_mut().set_prefix(prefix);
    }
    let text = document.to_string();
    let after = text.len() as u64;
    Ok((
        text,
        TrimOutcome {
            lines_removed: drop,
            bytes_before: before,
            bytes_after: after,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::tasks::read_record;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    fn record(lines: usize) -> String {
        let mut text = String::from(
            "# kept comment\ntask_id = \"t1\"\nstatus = \"done\"  # status comment\nfinished_at = \"2026-11-20T10:00:00.000000+00:00\"\nfuture_key = { nested = [1, 2] }\nlogs = [\n",
        );
        for n in 0..lines {
            text.push_str(&format!("    \"[agent][INFO] line {n}\",\n"));
        }
        text.push_str("]\n\n[git]\nbase = \"main\"\n");
        text
    }

    #[test]
    fn only_the_oldest_lines_go_and_every_other_byte_stays() -> TestResult {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("t1.toml");
        std::fs::write(&path, record(50))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
        }
        let preview = preview_trim(&path, "t1", 10)?;
        assert_eq!(preview.lines_removed, 40);
        assert_eq!(
            std::fs::read_to_string(&path)?,
            record(50),
            "a preview writes nothing"
        );
        let done = trim_logs(&path, "t1", 10)?;
        assert_eq!(done, preview);
        let text = std::fs::read_to_string(&path)?;
        assert_eq!(done.bytes_after, text.len() as u64);
        assert!(done.bytes_saved() > 0);
        let want = record(50).replace(
            &(0..40)
                .map(|n| format!("    \"[agent][INFO] line {n}\",\n"))
                .collect::<String>(),
            "",
        );
        assert_eq!(text, want);
        let read = read_record(&path, true)?;
        assert_eq!(read.log_count, 10);
        assert_eq!(read.task_id, "t1");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&path)?.permissions().mode() & 0o777,
                0o600
            );
        }
        Ok(())
    }

    #[test]
    fn short_logs_unreadable_files_other_tasks_and_legacy_records_are_never_written() -> TestResult
    {
        let dir = tempfile::tempdir()?;
        let short = dir.path().join("short.toml");
        std::fs::write(&short, record(5))?;
        assert_eq!(trim_logs(&short, "t1", 5)?.lines_removed, 0);
        assert_eq!(std::fs::read_to_string(&short)?, record(5));
        let no_logs = dir.path().join("none.toml");
        std::fs::write(&no_logs, "task_id = \"t1\"\nlogs = 3\n")?;
        assert_eq!(trim_logs(&no_logs, "t1", 0)?.lines_removed, 0);
        let broken = dir.path().join("broken.toml");
        std::fs::write(&broken, "task_id = \"t1\"\nlogs = [\n")?;
        assert!(matches!(
            trim_logs(&broken, "t1", 0),
            Err(StoreError::Unparsable { .. })
        ));
        assert!(matches!(
            trim_logs(&short, "other", 0),
            Err(StoreError::WrongTask { .. })
        ));
        let legacy = dir.path().join("t1.json");
        std::fs::write(&legacy, r#"{"task_id": "t1", "logs": ["a", "b"]}"#)?;
        assert!(matches!(
            trim_logs(&legacy, "t1", 0),
            Err(StoreError::Legacy { .. })
        ));
        assert_eq!(
            std::fs::read_to_string(&broken)?,
            "task_id = \"t1\"\nlogs = [\n"
        );
        assert_eq!(std::fs::read_to_string(&short)?, record(5));
        Ok(())
    }

    #[test]
    fn an_inline_logs_array_keeps_its_layout() -> TestResult {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("t1.toml");
        std::fs::write(&path, "task_id = \"t1\"\nlogs = [\"a\", \"b\", \"c\"]\n")?;
        trim_logs(&path, "t1", 1)?;
        assert_eq!(
            std::fs::read_to_string(&path)?,
            "task_id = \"t1\"\nlogs = [\"c\"]\n"
        );
        Ok(())
    }
}
