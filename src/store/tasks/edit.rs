//! Changing a task record: only the keys an edit names, the rest byte-for-byte, and
//! never over a change another writer made meanwhile.

use super::{EDIT_ATTEMPTS, StoreError, refuse_legacy};
use crate::store::atomic::{mode_of, write_atomic};
use crate::store::time::parse_iso;
use std::path::Path;
use toml_edit::{DocumentMut, Item, Value};

/// A change to a task record. Everything it does not name stays byte-for-byte as it was.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TaskEdit {
    /// The new `status`, replacing the value but keeping its line's comment and spacing.
    pub status: Option<String>,
    /// Set as `finished_at` only when the record has none, as Agents-Runner's discard
    /// does: no key, or a value that is not a date string it can read. An ISO 8601
    /// string (never a TOML datetime: Agents-Runner's loader crashes on those).
    pub finished_at_if_unset: Option<String>,
    /// Lines added at the end of `logs`, in the layout of the last line there.
    pub append_logs: Vec<String>,
}

/// What [`edit_record`] did.
#[derive(Debug, Clone, PartialEq)]
pub struct EditOutcome {
    /// False when `logs` exists but is not an array, so the lines were not added.
    pub logs_appended: bool,
}

/// Applies `edit` to the task file at `path`, atomically, keeping its mode.
/// If another program rewrites the file meanwhile, the edit is re-applied to the
/// new content instead of overwriting it; a file that does not parse is never written,
/// nor is a legacy JSON record.
pub fn edit_record(path: &Path, task_id: &str, edit: &TaskEdit) -> Result<EditOutcome, StoreError> {
    refuse_legacy(path)?;
    edit_record_reading(path, task_id, edit, &mut |p| std::fs::read(p))
}

/// [`edit_record`] with the file reads behind a seam, so tests can play the other
/// writer that changes the file between our read and our write.
fn edit_record_reading(
    path: &Path,
    task_id: &str,
    edit: &TaskEdit,
    read: &mut dyn FnMut(&Path) -> std::io::Result<Vec<u8>>,
) -> Result<EditOutcome, StoreError> {
    rewrite_record(path, read, &|bytes| apply_edit(bytes, path, task_id, edit))
}

/// What a rewrite makes of a record's bytes: the new text and what to report, or why
/// the file is refused.
pub(super) type Change<'a, T> = &'a dyn Fn(&[u8]) -> Result<(String, T), StoreError>;

/// Replaces the record at `path` with what `change` makes of its bytes, atomically and
/// keeping its mode; when another writer changes the file between the read and the
/// write, `change` starts again from the new content. `change` refusing the file (it
/// does not parse, it is another task's) leaves it untouched.
pub(super) fn rewrite_record<T>(
    path: &Path,
    read: &mut dyn FnMut(&Path) -> std::io::Result<Vec<u8>>,
    change: Change<'_, T>,
) -> Result<T, StoreError> {
    let read_err = |source| StoreError::Read {
        path: path.into(),
        source,
    };
    for _ in 0..EDIT_ATTEMPTS {
        let before = read(path).map_err(read_err)?;
        let mode = std::fs::metadata(path).ok().as_ref().and_then(mode_of);
        let (document, outcome) = change(&before)?;
        // Another writer (Agents-Runner) changed the file meanwhile: start again from its version.
        if read(path).map_err(read_err)? != before {
            continue;
        }
        write_atomic(path, document.as_bytes(), mode).map_err(|source| StoreError::Write {
            path: path.into(),
            source,
        })?;
        return Ok(outcome);
    }
    Err(StoreError::KeepsChanging {
        path: path.into(),
        attempts: EDIT_ATTEMPTS,
    })
}

/// The record's document when it parses and belongs to `task_id`; otherwise why it
/// may not be changed.
pub(super) fn task_document(
    bytes: &[u8],
    path: &Path,
    task_id: &str,
) -> Result<DocumentMut, StoreError> {
    let unparsable = |reason: String| StoreError::Unparsable {
        path: path.into(),
        reason,
    };
    let text =
        std::str::from_utf8(bytes).map_err(|err| unparsable(format!("not valid UTF-8: {err}")))?;
    let document: DocumentMut = text
        .parse()
        .map_err(|err: toml_edit::TomlError| unparsable(err.message().to_owned()))?;
    let found = document
        .get("task_id")
        .and_then(Item::as_str)
        .unwrap_or_default();
    if found != task_id {
        return Err(StoreError::WrongTask {
            path: path.into(),
            expected: task_id.into(),
            found: found.into(),
        });
    }
    Ok(document)
}

/// The edited document, or why the file may not be edited (not TOML, another task).
fn apply_edit(
    bytes: &[u8],
    path: &Path,
    task_id: &str,
    edit: &TaskEdit,
) -> Result<(String, EditOutcome), StoreError> {
    let mut document = task_document(bytes, path, task_id)?;
    if let Some(status) = &edit.status {
        set_string(&mut document, "status", status);
    }
    if let Some(finished_at) = &edit.finished_at_if_unset {
        let has_one = document
            .get("finished_at")
            .and_then(Item::as_str)
            .and_then(parse_iso)
            .is_some();
        if !has_one {
            set_string(&mut document, "finished_at", finished_at);
        }
    }
    let logs_appended = append_logs(&mut document, &edit.append_logs);
    Ok((document.to_string(), EditOutcome { logs_appended }))
}

/// Replaces a value but keeps the key's surrounding layout (comments, spacing).
fn set_string(document: &mut DocumentMut, key: &str, text: &str) {
    match document.get_mut(key).and_then(Item::as_value_mut) {
        Some(existing) => {
            let decor = existing.decor().clone();
            *existing = Value::from(text);
            *existing.decor_mut() = decor;
        }
        None => document[key] = toml_edit::value(text),
    }
}

/// Appends to `logs` (created when missing); false when `logs` is not an array.
fn append_logs(document: &mut DocumentMut, lines: &[String]) -> bool {
    if lines.is_empty() {
        return true;
    }
    let item = document
        .entry("logs")
        .or_insert_with(|| toml_edit::value(toml_edit::Array::new()));
    let Some(array) = item.as_array_mut() else {
        return false;
    };
    // New lines copy the layout of the last one, so a one-line-per-entry array stays that way.
    let decor = array.iter().last().map(|last| last.decor().clone());
    for line in lines {
        let mut value = Value::from(line.as_str());
        if let Some(decor) = &decor {
            *value.decor_mut() = decor.clone();
        }
        array.push_formatted(value);
    }
    true
}

#[cfg(test)]
mod tests;
