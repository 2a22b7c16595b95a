//! Task records: `tasks/<id>.toml` (active) and `tasks/done/<id>.toml` (archived).
//!
//! Reading keeps only what a list needs (the `logs` array is counted, not kept).
//! Writing goes through `toml_edit`, so every key we do not change stays as it was.
//! Legacy JSON records ([`super::legacy`]) are read here too and never written.

use super::atomic::{mode_of, sync_folder, write_atomic};
use super::environments::WorkspaceType;
use super::paths::{self, ARCHIVE_DIR, is_exact_safe_id};
use crate::status::StatusClass;
use serde::de::{self, Deserializer, IgnoredAny, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};
use thiserror::Error;
use toml_edit::{DocumentMut, Item, Value};

/// One task file, as much of it as cleanup and listing need.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskRecord {
    pub task_id: String,
    pub environment_id: String,
    pub status: String,
    pub exit_code: Option<i64>,
    pub error: Option<String>,
    pub created_at_s: Option<f64>,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    /// The task's own workspace type (`workspace_type`, or legacy `gh_management_mode`).
    pub workspace_type: Option<WorkspaceType>,
    pub gh_repo_root: Option<String>,
    pub gh_branch: Option<String>,
    pub gh_base_branch: Option<String>,
    pub gh_pr_url: Option<String>,
    pub container_id: Option<String>,
    pub prompt: Option<String>,
    pub agent_cli: Option<String>,
    pub finalization_state: Option<String>,
    pub finalization_error: Option<String>,
    /// Number of lines in `logs`; the lines themselves are read only on demand.
    pub log_count: usize,
    /// True when the file lives in `tasks/done/`.
    pub archived: bool,
    /// True for `<id>.dup-<ns>.toml`: an older copy kept by Agents-Runner after a clash.
    pub duplicate: bool,
    /// True for a JSON record of an older Agents-Runner ([`super::legacy`]): read,
    /// never written, moved or deleted.
    #[serde(default)]
    pub legacy: bool,
    pub file: PathBuf,
}

impl TaskRecord {
    pub fn status_class(&self) -> StatusClass {
        StatusClass::of(&self.status, self.exit_code)
    }

    /// `finalization_state` is `done`, in any case, as Agents-Runner compares it.
    pub fn is_finalized(&self) -> bool {
        self.finalization_state
            .as_deref()
            .is_some_and(|state| state.eq_ignore_ascii_case("done"))
    }
}

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("{path}: cannot read: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: cannot write: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: not a valid task file ({reason}); left untouched")]
    Unparsable { path: PathBuf, reason: String },
    #[error("{path}: belongs to task {found:?}, not {expected:?}; left untouched")]
    WrongTask {
        path: PathBuf,
        expected: String,
        found: String,
    },
    #[error("{path}: another program keeps changing it; gave up after {attempts} attempts")]
    KeepsChanging { path: PathBuf, attempts: u32 },
    #[error("{0:?} is not a plain task id (only letters, digits, '-' and '_')")]
    InvalidTaskId(String),
    #[error("task {task_id} has no archived record in {folder}")]
    NotArchived { task_id: String, folder: PathBuf },
    #[error("task {task_id} already has an active record: {path}; nothing was restored")]
    ActiveExists { task_id: String, path: PathBuf },
    #[error(
        "{path}: a legacy JSON record of an older Agents-Runner, which no longer reads it: the janitor never changes it"
    )]
    Legacy { path: PathBuf },
}

/// Parses a task file, TOML or legacy JSON (by its extension). Errors are
/// human-readable reasons (the file is never touched).
pub fn read_record(path: &Path, archived: bool) -> Result<TaskRecord, String> {
    if super::legacy::is_legacy_record(path) {
        return super::legacy::read_record(path, archived);
    }
    let bytes = std::fs::read(path).map_err(|err| format!("cannot read: {err}"))?;
    parse_record(&bytes, path, archived)
}

fn parse_record(bytes: &[u8], path: &Path, archived: bool) -> Result<TaskRecord, String> {
    let text = std::str::from_utf8(bytes).map_err(|err| format!("not valid UTF-8: {err}"))?;
    let raw = parse_skipping_logs(text).map_or_else(|| parse_raw(text), Ok)?;
    let log_count = raw.logs.unwrap_or(0);
    let task_id = raw
        .task_id
        .filter(|id| !id.trim().is_empty())
        .ok_or("task_id is missing or not a non-empty string")?;
    let duplicate = path
        .file_name()
        .map(|name| name.to_string_lossy().contains(".dup-"))
        .unwrap_or(false);
    Ok(TaskRecord {
        task_id,
        environment_id: raw.environment_id.unwrap_or_default(),
        status: raw.status.unwrap_or_else(|| "queued".to_owned()),
        exit_code: raw.exit_code,
        error: raw.error,
        created_at_s: raw.created_at_s,
        started_at: raw.started_at,
        finished_at: raw.finished_at,
        workspace_type: raw
            .workspace_type
            .or(raw.gh_management_mode)
            .filter(|t| !t.trim().is_empty())
            .map(|t| WorkspaceType::parse(&t)),
        gh_repo_root: raw.gh_repo_root,
        gh_branch: raw.gh_branch,
        gh_base_branch: raw.gh_base_branch,
        gh_pr_url: raw.gh_pr_url,
        container_id: raw.container_id.filter(|id| !id.trim().is_empty()),
        prompt: raw.prompt,
        agent_cli: raw.agent_cli,
        finalization_state: raw.finalization_state,
        finalization_error: raw.finalization_error,
        log_count,
        archived,
        duplicate,
        legacy: false,
        file: path.to_path_buf(),
    })
}

/// The fields we read, each tolerant of a wrong type (treated as absent) so one odd
/// value never hides a whole task.
#[derive(Deserialize)]
struct RawTask {
    #[serde(default, deserialize_with = "lenient_string")]
    task_id: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    environment_id: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    status: Option<String>,
    #[serde(default, deserialize_with = "lenient_int")]
    exit_code: Option<i64>,
    #[serde(default, deserialize_with = "lenient_string")]
    error: Option<String>,
    #[serde(default, deserialize_with = "lenient_number")]
    created_at_s: Option<f64>,
    #[serde(default, deserialize_with = "lenient_string")]
    started_at: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    finished_at: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    workspace_type: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    gh_management_mode: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    gh_repo_root: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    gh_branch: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    gh_base_branch: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    gh_pr_url: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    container_id: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    prompt: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    agent_cli: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    finalization_state: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    finalization_error: Option<String>,
    #[serde(default, deserialize_with = "count_items")]
    logs: Option<usize>,
}

fn parse_raw(text: &str) -> Result<RawTask, String> {
    toml::from_str(text).map_err(|err| {
        let message = err.message().to_owned();
        format!("not valid TOML: {message}")
    })
}

/// The fast path for the common file: its top-level `logs` array (thousands of lines)
/// is counted by a light scan and cut out, so the TOML parser sees only the small
/// rest. `None` whenever anything about the array or the rest is unusual; the caller
/// then parses the whole file, which also gives the precise error for a broken one.
fn parse_skipping_logs(text: &str) -> Option<RawTask> {
    let span = logs_scan::find(text.as_bytes())?;
    let rest = [&text[..span.start], &text[span.end..]].concat();
    let mut raw: RawTask = toml::from_str(&rest).ok()?;
    // A second `logs` key would make the whole file invalid TOML.
    if raw.logs.is_some() {
        return None;
    }
    raw.logs = Some(span.items);
    Some(raw)
}

/// A lexer just big enough to find a top-level `logs = [...]` and count its items
/// without building them. It accepts only what it fully understands (strings, with
/// their escapes and control characters checked, numbers, booleans, nested arrays
/// and inline tables, comments) and gives up on anything else.
mod logs_scan {
    /// `text[start..end]` is `logs = [ ... ]`, holding `items` values.
    pub(super) struct Span {
        pub start: usize,
        pub end: usize,
        pub items: usize,
    }

    pub(super) fn find(b: &[u8]) -> Option<Span> {
        let mut i = 0;
        loop {
            i = skip_blank(b, i, true);
            // The end of the file, or a table header: `logs` is not a root key.
            if i >= b.len() || b[i] == b'[' {
                return None;
            }
            let start = i;
            let (key_end, is_logs) = key(b, i)?;
            i = skip_blank(b, key_end, false);
            if b.get(i) != Some(&b'=') {
                return None;
            }
            i = skip_blank(b, i + 1, false);
            if is_logs {
                if b.get(i) != Some(&b'[') {
                    return None;
                }
                let (end, items) = array(b, i)?;
                return Some(Span { start, end, items });
            }
            i = value(b, i)?;
            // Only blanks and a comment may follow a value on its line.
            i = skip_blank(b, i, false);
            match b.get(i) {
                None | Some(b'\n') => {}
                Some(b'\r') if b.get(i + 1) == Some(&b'\n') => {}
                _ => return None,
            }
        }
    }

    /// Skips spaces, tabs and comments, and newlines too when `newlines`.
    fn skip_blank(b: &[u8], mut i: usize, newlines: bool) -> usize {
        while let Some(&c) = b.get(i) {
            match c {
                b' ' | b'\t' => i += 1,
                b'\n' | b'\r' if newlines => i += 1,
                b'#' => {
                    while b.get(i).is_some_and(|&c| c != b'\n') {
                        i += 1;
                    }
                }
                _ => break,
            }
        }
        i
    }

    /// A bare or quoted key, possibly dotted. Returns its end and whether it is
    /// exactly `logs`.
    fn key(b: &[u8], start: usize) -> Option<(usize, bool)> {
        let mut i = start;
        let mut parts = 0;
        loop {
            let is_logs;
            let part_start = i;
            match b.get(i)? {
                b'"' | b'\'' => {
                    i = string(b, i)?;
                    // Quoted "logs" is the same key; anything fancier is left to the parser.
                    is_logs = matches!(&b[part_start..i], b"\"logs\"" | b"'logs'");
                }
                _ => {
                    while b
                        .get(i)
                        .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'-')
                    {
                        i += 1;
                    }
                    if i == part_start {
                        return None;
                    }
                    is_logs = &b[part_start..i] == b"logs";
                }
            }
            parts += 1;
            let after = skip_blank(b, i, false);
            if b.get(after) == Some(&b'.') {
                i = skip_blank(b, after + 1, false);
                continue;
            }
            return Some((i, is_logs && parts == 1));
        }
    }

    /// Skips one value; returns where it ends.
    fn value(b: &[u8], i: usize) -> Option<usize> {
        match b.get(i)? {
            b'"' | b'\'' => string(b, i),
            b'[' => array(b, i).map(|(end, _)| end),
            b'{' => inline_table(b, i),
            _ => {
                let mut end = i;
                while b.get(end).is_some_and(|c| {
                    c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.' | b'_' | b':')
                }) {
                    end += 1;
                }
                (end > i).then_some(end)
            }
        }
    }

    /// Skips `[ v, v, ... ]` (newlines and comments allowed); returns its end and how
    /// many values it holds.
    fn array(b: &[u8], open: usize) -> Option<(usize, usize)> {
        let mut i = open + 1;
        let mut items = 0;
        loop {
            i = skip_blank(b, i, true);
            match b.get(i)? {
                b']' => return Some((i + 1, items)),
                _ => {
                    i = value(b, i)?;
                    items += 1;
                    i = skip_blank(b, i, true);
                    match b.get(i)? {
                        b',' => i += 1,
                        b']' => return Some((i + 1, items)),
                        _ => return None,
                    }
                }
            }
        }
    }

    /// Skips `{ k = v, ... }` (on one line, as TOML requires).
    fn inline_table(b: &[u8], open: usize) -> Option<usize> {
        let mut i = skip_blank(b, open + 1, false);
        if b.get(i) == Some(&b'}') {
            return Some(i + 1);
        }
        loop {
            let (key_end, _) = key(b, i)?;
            i = skip_blank(b, key_end, false);
            if b.get(i) != Some(&b'=') {
                return None;
            }
            i = skip_blank(b, i + 1, false);
            i = value(b, i)?;
            i = skip_blank(b, i, false);
            match b.get(i)? {
                b',' => i = skip_blank(b, i + 1, false),
                b'}' => return Some(i + 1),
                _ => return None,
            }
        }
    }

    /// Skips a basic, literal or multi-line string; returns where it ends.
    fn string(b: &[u8], open: usize) -> Option<usize> {
        let quote = b[open];
        let multi = b.get(open..open + 3) == Some(&[quote; 3][..]);
        let mut i = open + if multi { 3 } else { 1 };
        loop {
            i = next_special(b, i, quote);
            let c = *b.get(i)?;
            if c == quote {
                if !multi {
                    return Some(i + 1);
                }
                if b.get(i..i + 3) == Some(&[quote; 3][..]) {
                    // Up to two more quotes belong to the content.
                    let mut end = i + 3;
                    while end < i + 5 && b.get(end) == Some(&quote) {
                        end += 1;
                    }
                    return Some(end);
                }
                i += 1;
            } else if c == b'\\' && quote == b'"' {
                i = escape(b, i + 1, multi)?;
            } else if c == b'\n' || c == b'\r' {
                if !multi {
                    return None;
                }
                i += 1;
            } else if (c < 0x20 && c != b'\t') || c == 0x7f {
                return None;
            } else {
                i += 1;
            }
        }
    }

    /// The first byte from `i` on that a string scan must look at: the quote, a
    /// backslash or a control character. Eight bytes at a time (log lines are long).
    fn next_special(b: &[u8], mut i: usize, quote: u8) -> usize {
        const ONES: u64 = 0x0101_0101_0101_0101;
        const HIGH_BITS: u64 = 0x8080_8080_8080_8080;
        let has_byte = |word: u64, byte: u8| {
            let diff = word ^ (ONES * u64::from(byte));
            diff.wrapping_sub(ONES) & !diff & HIGH_BITS != 0
        };
        while let Some(chunk) = b.get(i..i + 8) {
            let Ok(bytes) = <[u8; 8]>::try_from(chunk) else {
                break;
            };
            let word = u64::from_le_bytes(bytes);
            let has_control = word.wrapping_sub(ONES * 0x20) & !word & HIGH_BITS != 0;
            if has_control || has_byte(word, quote) || has_byte(word, b'\\') || has_byte(word, 0x7f)
            {
                break;
            }
            i += 8;
        }
        while let Some(&c) = b.get(i) {
            if c == quote || c == b'\\' || c < 0x20 || c == 0x7f {
                break;
            }
            i += 1;
        }
        i
    }

    /// Checks the escape after a backslash at `i - 1`; returns where it ends.
    fn escape(b: &[u8], i: usize, multi: bool) -> Option<usize> {
        match b.get(i)? {
            b'b' | b't' | b'n' | b'f' | b'r' | b'"' | b'\\' => Some(i + 1),
            b'u' => hex_digits(b, i + 1, 4),
            b'U' => hex_digits(b, i + 1, 8),
            // A line-ending backslash (multi-line strings only) eats the blanks after it.
            b' ' | b'\t' | b'\r' | b'\n' if multi => {
                let mut j = i;
                while b.get(j).is_some_and(|c| matches!(c, b' ' | b'\t')) {
                    j += 1;
                }
                if !matches!(b.get(j), Some(b'\n' | b'\r')) {
                    return None;
                }
                Some(j)
            }
            _ => None,
        }
    }

    fn hex_digits(b: &[u8], i: usize, count: usize) -> Option<usize> {
        let digits = b.get(i..i + count)?;
        // Whether the code point is a valid char is left to the full parser.
        digits
            .iter()
            .all(u8::is_ascii_hexdigit)
            .then_some(i + count)
    }
}

fn lenient_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match toml::Value::deserialize(d)? {
        toml::Value::String(text) => Some(text),
        _ => None,
    })
}

fn lenient_int<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(toml::Value::deserialize(d)?.as_integer())
}

fn lenient_number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    Ok(match toml::Value::deserialize(d)? {
        toml::Value::Float(f) => Some(f),
        toml::Value::Integer(i) => Some(i as f64),
        _ => None,
    })
}

/// Counts the items of an array without keeping them; any other type counts as 0.
fn count_items<'de, D: Deserializer<'de>>(d: D) -> Result<Option<usize>, D::Error> {
    struct Counter;
    impl<'de> Visitor<'de> for Counter {
        type Value = usize;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an array")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<usize, A::Error> {
            let mut count = 0;
            while seq.next_element::<IgnoredAny>()?.is_some() {
                count += 1;
            }
            Ok(count)
        }
        fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<usize, A::Error> {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            Ok(0)
        }
        fn visit_str<E: de::Error>(self, _: &str) -> Result<usize, E> {
            Ok(0)
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<usize, E> {
            Ok(0)
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<usize, E> {
            Ok(0)
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<usize, E> {
            Ok(0)
        }
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<usize, E> {
            Ok(0)
        }
    }
    d.deserialize_any(Counter).map(Some)
}

/// A change to a task record. Everything it does not name stays byte-for-byte as it was.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TaskEdit {
    pub status: Option<String>,
    /// Set as `finished_at` only when the record has none, as Agents-Runner's discard
    /// does: no key, or a value that is not a date string it can read. An ISO 8601
    /// string (never a TOML datetime: Agents-Runner's loader crashes on those).
    pub finished_at_if_unset: Option<String>,
    pub append_logs: Vec<String>,
}

/// What [`edit_record`] did.
#[derive(Debug, Clone, PartialEq)]
pub struct EditOutcome {
    /// False when `logs` exists but is not an array, so the lines were not added.
    pub logs_appended: bool,
}

const EDIT_ATTEMPTS: u32 = 5;

/// Applies `edit` to the task file at `path`, atomically, keeping its mode.
/// If another program rewrites the file meanwhile, the edit is re-applied to the
/// new content instead of overwriting it; a file that does not parse is never written,
/// nor is a legacy JSON record.
pub fn edit_record(path: &Path, task_id: &str, edit: &TaskEdit) -> Result<EditOutcome, StoreError> {
    refuse_legacy(path)?;
    edit_record_reading(path, task_id, edit, &mut |p| std::fs::read(p))
}

/// Legacy JSON records are read-only: every change is refused before it starts.
fn refuse_legacy(path: &Path) -> Result<(), StoreError> {
    if super::legacy::is_legacy_record(path) {
        return Err(StoreError::Legacy { path: path.into() });
    }
    Ok(())
}

/// [`edit_record`] with the file reads behind a seam, so tests can play the other
/// writer that changes the file between our read and our write.
fn edit_record_reading(
    path: &Path,
    task_id: &str,
    edit: &TaskEdit,
    read: &mut dyn FnMut(&Path) -> std::io::Result<Vec<u8>>,
) -> Result<EditOutcome, StoreError> {
    let read_err = |source| StoreError::Read {
        path: path.into(),
        source,
    };
    for _ in 0..EDIT_ATTEMPTS {
        let before = read(path).map_err(read_err)?;
        let mode = std::fs::metadata(path).ok().as_ref().and_then(mode_of);
        let (document, outcome) = apply_edit(&before, path, task_id, edit)?;
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

fn apply_edit(
    bytes: &[u8],
    path: &Path,
    task_id: &str,
    edit: &TaskEdit,
) -> Result<(String, EditOutcome), StoreError> {
    let unparsable = |reason: String| StoreError::Unparsable {
        path: path.into(),
        reason,
    };
    let text =
        std::str::from_utf8(bytes).map_err(|err| unparsable(format!("not valid UTF-8: {err}")))?;
    let mut document: DocumentMut = text
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
    if let Some(status) = &edit.status {
        set_string(&mut document, "status", status);
    }
    if let Some(finished_at) = &edit.finished_at_if_unset {
        let has_one = document
            .get("finished_at")
            .and_then(Item::as_str)
            .and_then(super::time::parse_iso)
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

/// Whether a record for the workspace folder `<env_folder>/tasks/<task_id>` exists now,
/// active or archived, under the name Agents-Runner gives it (`<id>.toml`): a folder
/// planned as an orphan that gains one is a task being created, not a leftover. A file
/// of that name that cannot be read counts, to be safe; one of another environment
/// does not.
pub fn record_exists_for_folder(data_dir: &Path, env_folder: &str, task_id: &str) -> bool {
    let names = [format!("{task_id}.toml"), format!("{task_id}.json")];
    [
        (super::paths::active_tasks_dir(data_dir), false),
        (super::paths::archived_tasks_dir(data_dir), true),
    ]
    .iter()
    .flat_map(|(folder, archived)| names.iter().map(move |name| (folder.join(name), *archived)))
    .any(|(path, archived)| {
        path.symlink_metadata().is_ok()
            && read_record(&path, archived).map_or(true, |record| {
                super::paths::safe_id(&record.environment_id) == env_folder
            })
    })
}

/// Moves an active record into `tasks/done/` under its own file name, its content
/// untouched (a rename), so a crash leaves the record in exactly one place. When an
/// archived record of that name exists, it ends as Agents-Runner's save leaves a
/// clash: the record being archived becomes `done/<name>.toml` (the newest copy, the
/// one list, policy and restore take), and the older archived copy moves to
/// `done/<name>.dup-<nanoseconds>.toml`. Neither rename replaces a file; a legacy
/// JSON record is refused.
pub fn archive_record(path: &Path) -> Result<PathBuf, StoreError> {
    refuse_legacy(path)?;
    let write_err = |source| StoreError::Write {
        path: path.into(),
        source,
    };
    let folder = path
        .parent()
        .ok_or_else(|| write_err(std::io::Error::other("no parent folder")))?;
    let done = folder.join(ARCHIVE_DIR);
    std::fs::create_dir_all(&done).map_err(write_err)?;
    let name = path
        .file_name()
        .ok_or_else(|| write_err(std::io::Error::other("no file name")))?;
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let target = done.join(name);
    // Another writer may put a file at the target between our two renames: try again.
    let mut last_clash = None;
    for _ in 0..EDIT_ATTEMPTS {
        if target.symlink_metadata().is_ok() {
            let nanos = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0);
            let older = done.join(format!("{stem}.dup-{nanos}.toml"));
            match move_no_replace(&target, &older) {
                Ok(()) => {}
                // Gone meanwhile, or the name taken: look again.
                Err(err)
                    if matches!(
                        err.kind(),
                        std::io::ErrorKind::NotFound | std::io::ErrorKind::AlreadyExists
                    ) => {}
                Err(err) => {
                    return Err(StoreError::Write {
                        path: target.clone(),
                        source: err,
                    });
                }
            }
        }
        match move_no_replace(path, &target) {
            Ok(()) => {
                sync_folder(&done)
                    .and_then(|()| sync_folder(folder))
                    .map_err(write_err)?;
                return Ok(target);
            }
            Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => last_clash = Some(err),
            Err(err) => return Err(write_err(err)),
        }
    }
    Err(write_err(last_clash.unwrap_or_else(|| {
        std::io::Error::other("the archived name keeps being taken")
    })))
}

/// Un-archives the record of `task_id`: moves it from `tasks/done/` back to
/// `tasks/<id>.toml`, its content untouched (a rename), never replacing a file.
///
/// Refused when the id is not a plain folder name, when an active record of the task
/// exists (a file of that name, or any active file whose `task_id` is the id), and when
/// no archived record is found. Of several archived records of the task (Agents-Runner
/// stores a clash as `<id>.dup-<nanoseconds>.toml`, see [`archive_record`]) the
/// original `<id>.toml` is restored, else a non-duplicate of another name, else the
/// newest duplicate; the others stay archived.
pub fn restore_record(data_dir: &Path, task_id: &str) -> Result<PathBuf, StoreError> {
    if !is_exact_safe_id(task_id) {
        return Err(StoreError::InvalidTaskId(task_id.to_owned()));
    }
    let active_dir = paths::active_tasks_dir(data_dir);
    let archive_dir = paths::archived_tasks_dir(data_dir);
    let file_name = format!("{task_id}.toml");
    let target = active_dir.join(&file_name);
    let active_exists = |path: PathBuf| StoreError::ActiveExists {
        task_id: task_id.to_owned(),
        path,
    };
    if target.symlink_metadata().is_ok() {
        return Err(active_exists(target));
    }
    if let Some(active) = records_of(&active_dir, task_id)?.into_iter().next() {
        return Err(active_exists(active.file));
    }
    let original = archive_dir.join(&file_name);
    let source = records_of(&archive_dir, task_id)?
        .into_iter()
        .min_by_key(|record| {
            (
                record.duplicate,
                record.file != original,
                std::cmp::Reverse(dup_nanos(&record.file)),
            )
        })
        .map(|record| record.file);
    let Some(source) = source else {
        // Only a legacy JSON record: say so rather than "not archived".
        let legacy = archive_dir.join(format!("{task_id}.json"));
        if legacy.symlink_metadata().is_ok() {
            return Err(StoreError::Legacy { path: legacy });
        }
        return Err(StoreError::NotArchived {
            task_id: task_id.to_owned(),
            folder: archive_dir.clone(),
        });
    };
    move_no_replace(&source, &target).map_err(|err| {
        if err.kind() == std::io::ErrorKind::AlreadyExists {
            active_exists(target.clone())
        } else {
            StoreError::Write {
                path: source.clone(),
                source: err,
            }
        }
    })?;
    sync_folder(&active_dir)
        .and_then(|()| sync_folder(&archive_dir))
        .map_err(|source| StoreError::Write {
            path: target.clone(),
            source,
        })?;
    Ok(target)
}

/// The readable task records in `folder` (regular `*.toml` files, not hidden) whose
/// `task_id` is `task_id`. Unreadable files are skipped: the store reports them.
fn records_of(folder: &Path, task_id: &str) -> Result<Vec<TaskRecord>, StoreError> {
    let entries = match std::fs::read_dir(folder) {
        Ok(entries) => entries,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(StoreError::Read {
                path: folder.to_path_buf(),
                source,
            });
        }
    };
    let archived = folder.file_name().is_some_and(|name| name == ARCHIVE_DIR);
    Ok(entries
        .filter_map(Result::ok)
        .filter(|entry| super::is_task_file(&entry.path()))
        .filter(|entry| entry.file_type().is_ok_and(|kind| kind.is_file()))
        .filter_map(|entry| read_record(&entry.path(), archived).ok())
        .filter(|record| record.task_id == task_id)
        .collect())
}

/// The nanoseconds of a `<id>.dup-<nanoseconds>.toml` name (0 for other names).
fn dup_nanos(path: &Path) -> u128 {
    path.file_stem()
        .and_then(|stem| stem.to_str())
        .and_then(|stem| stem.rsplit_once(".dup-"))
        .and_then(|(_, nanos)| nanos.parse().ok())
        .unwrap_or(0)
}

/// Renames `from` to `to`, failing with `AlreadyExists` rather than replacing a file
/// at `to`.
fn move_no_replace(from: &Path, to: &Path) -> std::io::Result<()> {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        use rustix::fs::{CWD, RenameFlags, renameat_with};
        match renameat_with(CWD, from, CWD, to, RenameFlags::NOREPLACE) {
            Ok(()) => return Ok(()),
            // The filesystem cannot rename without replacing: link and unlink instead.
            Err(rustix::io::Errno::INVAL | rustix::io::Errno::NOSYS) => {}
            Err(errno) => return Err(errno.into()),
        }
    }
    // A hard link is never made over an existing file.
    std::fs::hard_link(from, to)?;
    if let Err(err) = std::fs::remove_file(from) {
        // Not left in both places: the new link goes again.
        let _ = std::fs::remove_file(to);
        return Err(err);
    }
    Ok(())
}

/// The last `count` lines of a record's `logs` array (non-string items are skipped),
/// for the task's details view, from a TOML or a legacy JSON record. Errors are
/// human-readable reasons.
pub fn read_log_tail(path: &Path, count: usize) -> Result<Vec<String>, String> {
    if super::legacy::is_legacy_record(path) {
        return super::legacy::read_log_tail(path, count);
    }
    #[derive(Deserialize)]
    struct LogsOnly {
        #[serde(default)]
        logs: Option<toml::Value>,
    }
    let bytes = std::fs::read(path).map_err(|err| format!("cannot read: {err}"))?;
    let text = std::str::from_utf8(&bytes).map_err(|err| format!("not valid UTF-8: {err}"))?;
    let parsed: LogsOnly =
        toml::from_str(text).map_err(|err| format!("not valid TOML: {}", err.message()))?;
    let Some(toml::Value::Array(items)) = parsed.logs else {
        return Ok(Vec::new());
    };
    let lines: Vec<String> = items
        .into_iter()
        .filter_map(|item| match item {
            toml::Value::String(line) => Some(line),
            _ => None,
        })
        .collect();
    let skip = lines.len().saturating_sub(count);
    Ok(lines.into_iter().skip(skip).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn log_tail_keeps_the_last_string_lines() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("t.toml");
        std::fs::write(&path, "task_id = \"t\"\nlogs = [\"a\", 3, \"b\", \"c\"]\n")?;
        assert_eq!(
            read_log_tail(&path, 2)?,
            vec!["b".to_owned(), "c".to_owned()]
        );
        assert_eq!(read_log_tail(&path, 10)?, vec!["a", "b", "c"]);
        std::fs::write(&path, "task_id = \"t\"\nlogs = \"not a list\"\n")?;
        assert!(read_log_tail(&path, 5)?.is_empty());
        std::fs::write(&path, "logs = [")?;
        assert!(read_log_tail(&path, 5).is_err_and(|e| e.starts_with("not valid TOML")));
        Ok(())
    }

    #[test]
    fn reads_the_fields_and_counts_logs() -> Result<(), String> {
        let record = parse_record(
            SAMPLE.as_bytes(),
            Path::new("/d/tasks/abc123def0.toml"),
            false,
        )?;
        assert_eq!(record.task_id, "abc123def0");
        assert_eq!(record.status_class(), StatusClass::Succeeded);
        assert_eq!(record.created_at_s, Some(1764000000.25));
        assert_eq!(record.log_count, 2);
        assert!(record.is_finalized());
        assert!(!record.duplicate);
        Ok(())
    }

    #[test]
    fn wrong_types_are_absent_and_defaults_apply() -> Result<(), String> {
        let text = "task_id = \"t1\"\nstatus = 5\nexit_code = \"zero\"\ncreated_at_s = 12\nlogs = \"oops\"\ncontainer_id = \"\"\nstarted_at = 2026-11-20T10:00:00Z\n";
        let record = parse_record(text.as_bytes(), Path::new("/d/tasks/t1.dup-1.toml"), true)?;
        assert_eq!(record.status, "queued");
        assert_eq!(record.exit_code, None);
        assert_eq!(record.created_at_s, Some(12.0));
        assert_eq!(record.log_count, 0);
        assert_eq!(record.container_id, None);
        assert_eq!(record.started_at, None);
        assert!(record.duplicate);
        Ok(())
    }

    /// The fast path either declines or agrees with a full parse, on every shape of
    /// file; broken files are still reported as broken.
    #[test]
    fn skipping_logs_agrees_with_the_full_parse() {
        let cases: &[&str] = &[
            SAMPLE,
            "task_id = \"t\"\nlogs = []\n",
            "task_id = \"t\"\nlogs = [ \"a\" , 'b', \"\"\"c\nd\"\"\"\" , '''e]'''  ] # done\n",
            "task_id = \"t\"\nlogs = [\n  \"x\\\"y\\\\\", # a comment, with ]\n  \"\\u00e9\\U0001F600\",\n]\n",
            "task_id = \"t\"\nlogs = [[1, 2], {a = 1, b = [3]}, 4, true, 1979-05-27T07:32:00Z]\n",
            "task_id = \"t\"\n\"logs\" = [\"q\"]\n",
            "task_id = \"t\"\nprompt = \"\"\"\nlogs = [\"not the key\"]\n\"\"\"\nlogs = [\"real\", \"two\"]\n",
            "task_id = \"t\"\nlogs.x = [\"dotted\"]\n",
            "task_id = \"t\"\nlogs = \"oops\"\n",
            "task_id = \"t\"\n[git]\nlogs = [\"in a table\"]\n",
            "task_id = \"t\"\nlogs = [\"a\"]\nlogs = [\"twice\"]\n",
            "task_id = \"t\"\nlogs = [\"bad \\q escape\"]\n",
            "task_id = \"t\"\nlogs = [\"unclosed]\n",
            "task_id = \"t\"\nlogs = [\"a\" \"b\"]\n",
            "task_id = \"t\"\nlogs = [\"tab\tok\", \"bell\u{7}\"]\n",
            "task_id = \"t\"\nlogs = [\"\"\"line \\\n   continued\"\"\"]\nstatus = \"done\"\n",
            "task_id = \"t\"\r\nlogs = [\r\n  \"crlf\",\r\n]\r\nstatus = \"done\"\r\n",
        ];
        let path = Path::new("/d/tasks/t.toml");
        for text in cases {
            let full = parse_raw(text).map(|raw| raw.logs);
            if let Some(fast) = parse_skipping_logs(text) {
                assert_eq!(Ok(fast.logs), full, "{text:?}");
            }
            let record = parse_record(text.as_bytes(), path, false);
            assert_eq!(record.is_ok(), full.is_ok(), "{text:?}: {record:?}");
        }
        assert!(
            parse_skipping_logs(SAMPLE).is_some(),
            "the usual file takes the fast path"
        );
        let many = format!(
            "task_id = \"t\"\nlogs = [\n{}]\n[git]\nbranch = \"b\"\n",
            "    \"[12:00:00] [agent] line\",\n".repeat(2000)
        );
        assert_eq!(
            parse_skipping_logs(&many).and_then(|raw| raw.logs),
            Some(2000)
        );
    }

    #[test]
    fn unusable_files_give_reasons() {
        let path = Path::new("/d/tasks/x.toml");
        let table: &[(&[u8], &str)] = &[
            (b"task_id = [unclosed", "not valid TOML"),
            (b"\xff\xfe", "not valid UTF-8"),
            (b"status = \"done\"", "task_id"),
            (b"task_id = \"  \"", "task_id"),
            (b"task_id = 7", "task_id"),
        ];
        for (bytes, want) in table {
            let got = parse_record(bytes, path, false).err().unwrap_or_default();
            assert!(got.contains(want), "{got:?} should mention {want:?}");
        }
    }

    #[test]
    fn an_edit_changes_only_what_it_names() -> Result<(), Box<dyn std::error::Error>> {
        let edit = TaskEdit {
            status: Some("discarded".into()),
            finished_at_if_unset: Some("2026-11-25T10:41:43.617551+00:00".into()),
            append_logs: vec!["[cleanup] Workspace cleaned up".into()],
        };
        let (text, outcome) = apply_edit(SAMPLE.as_bytes(), Path::new("x"), "abc123def0", &edit)?;
        assert!(outcome.logs_appended);
        // Only the status value, the new finished_at key (toml_edit appends new keys after
        // the existing top-level ones) and the new log line differ from the original.
        let want = SAMPLE
            .replace("status = \"done\"   #", "status = \"discarded\"   #")
            .replace(
                "    \"line two\",\n]\n",
                "    \"line two\",\n    \"[cleanup] Workspace cleaned up\",\n]\nfinished_at = \"2026-11-25T10:41:43.617551+00:00\"\n",
            );
        assert_eq!(text, want);
        let reparsed = parse_record(text.as_bytes(), Path::new("x"), false)?;
        assert_eq!(reparsed.status, "discarded");
        assert_eq!(reparsed.log_count, 3);
        assert_eq!(
            reparsed.finished_at.as_deref(),
            Some("2026-11-25T10:41:43.617551+00:00")
        );
        Ok(())
    }

    #[test]
    fn an_existing_finished_at_is_kept_and_an_unreadable_one_replaced()
    -> Result<(), Box<dyn std::error::Error>> {
        let edit = TaskEdit {
            status: Some("discarded".into()),
            finished_at_if_unset: Some("2026-11-25T10:41:43.617551+00:00".into()),
            ..TaskEdit::default()
        };
        let table = [
            (
                "finished_at = \"2026-11-20T09:00:00Z\"",
                "finished_at = \"2026-11-20T09:00:00Z\"",
            ),
            (
                "finished_at = \"2026-11-20T09:00:00.5+02:00\"",
                "finished_at = \"2026-11-20T09:00:00.5+02:00\"",
            ),
            (
                "finished_at = \"\"",
                "finished_at = \"2026-11-25T10:41:43.617551+00:00\"",
            ),
            (
                "finished_at = \"soon\"",
                "finished_at = \"2026-11-25T10:41:43.617551+00:00\"",
            ),
            (
                "finished_at = 5",
                "finished_at = \"2026-11-25T10:41:43.617551+00:00\"",
            ),
        ];
        for (before, after) in table {
            let text = format!("task_id = \"t\"\n{before}\n");
            let (edited, _) = apply_edit(text.as_bytes(), Path::new("x"), "t", &edit)?;
            assert_eq!(
                edited,
                format!("task_id = \"t\"\n{after}\nstatus = \"discarded\"\n"),
                "{before}"
            );
        }
        Ok(())
    }

    #[test]
    fn legacy_json_records_are_never_written_moved_or_restored()
    -> Result<(), Box<dyn std::error::Error>> {
        let data = tempfile::tempdir()?;
        let active = paths::active_tasks_dir(data.path());
        let done = paths::archived_tasks_dir(data.path());
        std::fs::create_dir_all(&done)?;
        let json = "{\"task_id\": \"t1\", \"status\": \"done\"}";
        std::fs::write(active.join("t1.json"), json)?;
        std::fs::write(done.join("t2.json"), json.replace("t1", "t2"))?;
        let edit = TaskEdit {
            status: Some("discarded".into()),
            append_logs: vec!["x".into()],
            ..TaskEdit::default()
        };
        assert!(matches!(
            edit_record(&active.join("t1.json"), "t1", &edit),
            Err(StoreError::Legacy { .. })
        ));
        assert!(matches!(
            archive_record(&active.join("t1.json")),
            Err(StoreError::Legacy { .. })
        ));
        let restored = restore_record(data.path(), "t2");
        assert!(
            matches!(&restored, Err(StoreError::Legacy { path }) if *path == done.join("t2.json")),
            "{restored:?}"
        );
        assert_eq!(std::fs::read_to_string(active.join("t1.json"))?, json);
        assert!(done.join("t2.json").exists() && !active.join("t2.toml").exists());
        assert_eq!(read_record(&active.join("t1.json"), false)?.task_id, "t1");
        Ok(())
    }

    #[test]
    fn an_edit_refuses_another_task_and_bad_logs_are_left_alone()
    -> Result<(), Box<dyn std::error::Error>> {
        let err = apply_edit(
            SAMPLE.as_bytes(),
            Path::new("x"),
            "other",
            &TaskEdit::default(),
        );
        assert!(matches!(err, Err(StoreError::WrongTask { .. })));
        let edit = TaskEdit {
            append_logs: vec!["x".into()],
            ..TaskEdit::default()
        };
        let (text, outcome) =
            apply_edit(b"task_id = \"t\"\nlogs = 3\n", Path::new("x"), "t", &edit)?;
        assert!(!outcome.logs_appended);
        assert_eq!(text, "task_id = \"t\"\nlogs = 3\n");
        let (text, _) = apply_edit(b"task_id = \"t\"\n", Path::new("x"), "t", &edit)?;
        assert!(text.contains("logs = [\"x\"]"), "{text}");
        Ok(())
    }

    #[test]
    fn edit_record_keeps_mode_and_never_writes_a_broken_file()
    -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("abc123def0.toml");
        std::fs::write(&path, SAMPLE)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
        }
        let edit = TaskEdit {
            status: Some("discarded".into()),
            ..TaskEdit::default()
        };
        edit_record(&path, "abc123def0", &edit)?;
        assert_eq!(read_record(&path, false)?.status, "discarded");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&path)?.permissions().mode() & 0o777,
                0o600
            );
        }
        let broken = dir.path().join("broken.toml");
        std::fs::write(&broken, "task_id = [")?;
        assert!(matches!(
            edit_record(&broken, "x", &edit),
            Err(StoreError::Unparsable { .. })
        ));
        assert_eq!(std::fs::read(&broken)?, b"task_id = [");
        Ok(())
    }

    #[test]
    fn a_change_by_another_writer_is_kept_and_our_edit_reapplied()
    -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("t1.toml");
        std::fs::write(&path, "task_id = \"t1\"\nstatus = \"done\"\nlogs = []\n")?;
        let mut reads = 0;
        let mut reader = |p: &Path| {
            reads += 1;
            if reads == 2 {
                // Agents-Runner rewrites the file between our read and our write.
                std::fs::write(
                    p,
                    "task_id = \"t1\"\nstatus = \"done\"\npr = \"added\"\nlogs = []\n",
                )?;
            }
            std::fs::read(p)
        };
        let edit = TaskEdit {
            append_logs: vec!["[cleanup] x".into()],
            ..TaskEdit::default()
        };
        edit_record_reading(&path, "t1", &edit, &mut reader)?;
        assert_eq!(reads, 4, "read, changed, read again, confirmed");
        let text = std::fs::read_to_string(&path)?;
        assert!(text.contains("pr = \"added\""), "{text}");
        assert!(text.contains("[cleanup] x"), "{text}");
        Ok(())
    }

    #[test]
    fn a_file_that_keeps_changing_is_left_to_the_other_writer()
    -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("t1.toml");
        std::fs::write(&path, "task_id = \"t1\"\n")?;
        let mut generation = 0;
        let mut reader = |p: &Path| {
            generation += 1;
            std::fs::write(p, format!("task_id = \"t1\"\ngeneration = {generation}\n"))?;
            std::fs::read(p)
        };
        let edit = TaskEdit {
            status: Some("discarded".into()),
            ..TaskEdit::default()
        };
        let result = edit_record_reading(&path, "t1", &edit, &mut reader);
        assert!(
            matches!(
                result,
                Err(StoreError::KeepsChanging {
                    attempts: EDIT_ATTEMPTS,
                    ..
                })
            ),
            "{result:?}"
        );
        assert!(!std::fs::read_to_string(&path)?.contains("discarded"));
        Ok(())
    }

    #[test]
    fn an_archive_clash_ends_like_agents_runners_the_new_record_takes_the_name()
    -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let active = dir.path().join("t1.toml");
        std::fs::write(&active, "task_id = \"t1\"\nstatus = \"first\"\n")?;
        let first = archive_record(&active)?;
        assert_eq!(first, dir.path().join("done").join("t1.toml"));
        assert!(!active.exists());

        std::fs::write(&active, "task_id = \"t1\"\nstatus = \"second\"\n")?;
        let second = archive_record(&active)?;
        assert_eq!(
            second, first,
            "the record being archived takes done/<id>.toml"
        );
        assert!(std::fs::read_to_string(&second)?.contains("second"));
        let names: Vec<String> = std::fs::read_dir(dir.path().join("done"))?
            .map(|entry| entry.map(|e| e.file_name().to_string_lossy().into_owned()))
            .collect::<Result<_, _>>()?;
        let dups: Vec<&String> = names.iter().filter(|n| n.starts_with("t1.dup-")).collect();
        assert_eq!(names.len(), 2, "{names:?}");
        let [dup] = dups.as_slice() else {
            return Err(format!("{names:?}").into());
        };
        assert!(dup.ends_with(".toml"), "{dup}");
        assert!(
            std::fs::read_to_string(dir.path().join("done").join(dup))?.contains("first"),
            "the older copy moved aside"
        );
        Ok(())
    }

    #[test]
    fn restore_takes_the_archived_original_then_the_newest_duplicate()
    -> Result<(), Box<dyn std::error::Error>> {
        let data = tempfile::tempdir()?;
        let active = paths::active_tasks_dir(data.path());
        let done = paths::archived_tasks_dir(data.path());
        std::fs::create_dir_all(&done)?;
        let write = |name: &str, text: &str| std::fs::write(done.join(name), text);
        write(
            "t1.dup-100.toml",
            "task_id = \"t1\"\nstatus = \"old dup\"\n",
        )?;
        write("t1.toml", "task_id = \"t1\"\nstatus = \"original\"\n")?;
        write(
            "t1.dup-200.toml",
            "task_id = \"t1\"\nstatus = \"new dup\"\n",
        )?;
        write("other.toml", "task_id = \"t2\"\n")?;

        let restored = restore_record(data.path(), "t1")?;
        assert_eq!(restored, active.join("t1.toml"));
        assert!(std::fs::read_to_string(&restored)?.contains("original"));
        assert!(done.join("t1.dup-100.toml").exists() && done.join("t1.dup-200.toml").exists());

        // With the original gone (restored, then moved away), the newest duplicate.
        std::fs::rename(&restored, data.path().join("elsewhere.toml"))?;
        let restored = restore_record(data.path(), "t1")?;
        assert!(std::fs::read_to_string(&restored)?.contains("new dup"));
        assert!(!done.join("t1.dup-200.toml").exists());

        // A task id under another file name is found by its content.
        let restored = restore_record(data.path(), "t2")?;
        assert_eq!(restored, active.join("t2.toml"));
        assert!(!done.join("other.toml").exists());
        Ok(())
    }

    #[test]
    fn restore_refuses_and_changes_nothing() -> Result<(), Box<dyn std::error::Error>> {
        let data = tempfile::tempdir()?;
        let active = paths::active_tasks_dir(data.path());
        let done = paths::archived_tasks_dir(data.path());
        std::fs::create_dir_all(&done)?;
        std::fs::write(done.join("t1.toml"), "task_id = \"t1\"\n")?;
        for id in ["", ".", "..", "../t1", "done/t1", "t1.toml", "a b"] {
            assert!(
                matches!(
                    restore_record(data.path(), id),
                    Err(StoreError::InvalidTaskId(_))
                ),
                "{id:?}"
            );
        }
        assert!(matches!(
            restore_record(data.path(), "t9"),
            Err(StoreError::NotArchived { .. })
        ));
        // An active record under another name, then one that does not parse under the
        // task's own name: both block the restore.
        std::fs::write(active.join("renamed.toml"), "task_id = \"t1\"\n")?;
        assert!(matches!(
            restore_record(data.path(), "t1"),
            Err(StoreError::ActiveExists { path, .. }) if path == active.join("renamed.toml")
        ));
        std::fs::remove_file(active.join("renamed.toml"))?;
        std::fs::write(active.join("t1.toml"), "not toml [")?;
        assert!(matches!(
            restore_record(data.path(), "t1"),
            Err(StoreError::ActiveExists { .. })
        ));
        assert_eq!(
            std::fs::read_to_string(active.join("t1.toml"))?,
            "not toml ["
        );
        assert_eq!(
            std::fs::read_to_string(done.join("t1.toml"))?,
            "task_id = \"t1\"\n"
        );
        Ok(())
    }

    #[test]
    fn moving_without_replacing_never_overwrites() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let (from, to) = (dir.path().join("a"), dir.path().join("b"));
        std::fs::write(&from, "a")?;
        std::fs::write(&to, "b")?;
        let err = move_no_replace(&from, &to).err().ok_or("replaced a file")?;
        assert_eq!(err.kind(), std::io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read_to_string(&to)?, "b");
        std::fs::remove_file(&to)?;
        move_no_replace(&from, &to)?;
        assert_eq!(std::fs::read_to_string(&to)?, "a");
        assert!(!from.exists());
        Ok(())
    }
}
