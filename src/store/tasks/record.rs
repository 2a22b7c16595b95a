//! Reading a task record: the fields cleanup and listing need, each tolerant of a
//! wrong type, and the tail of its `logs` on demand.

use super::logs_lexer;
use crate::status::StatusClass;
use crate::store::environments::WorkspaceType;
use crate::store::{legacy, paths};
use serde::de::{self, Deserializer, IgnoredAny, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::{Path, PathBuf};

/// One task file, as much of it as cleanup and listing need.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskRecord {
    /// The task's id (10 hex characters when Agents-Runner made it; never empty).
    pub task_id: String,
    /// The environment it ran in (empty when the file has none).
    pub environment_id: String,
    /// Agents-Runner's status word as written (`queued` when missing); see
    /// [`TaskRecord::status_class`].
    pub status: String,
    /// The agent container's exit code, once it exited.
    pub exit_code: Option<i64>,
    /// Agents-Runner's error message for a task that failed.
    pub error: Option<String>,
    /// When the task was created, in Unix seconds.
    pub created_at_s: Option<f64>,
    /// When its container started: an ISO 8601 string, as written.
    pub started_at: Option<String>,
    /// When it finished: an ISO 8601 string, as written.
    pub finished_at: Option<String>,
    /// The task's own workspace type (`workspace_type`, or legacy `gh_management_mode`).
    pub workspace_type: Option<WorkspaceType>,
    /// The task's checkout (for a cloned workspace, its folder under `managed-repos/`).
    pub gh_repo_root: Option<String>,
    /// The branch the agent worked on.
    pub gh_branch: Option<String>,
    /// The branch it started from.
    pub gh_base_branch: Option<String>,
    /// The pull request opened for it, if any.
    pub gh_pr_url: Option<String>,
    /// The agent's container (never empty: a blank id is `None`).
    pub container_id: Option<String>,
    /// What the user asked the agent to do.
    pub prompt: Option<String>,
    /// The agent that ran it (`codex`, `claude`, ...).
    pub agent_cli: Option<String>,
    /// `pending`, `running`, `done` or `error`: whether Agents-Runner's clean-up after
    /// the run finished; see [`TaskRecord::is_finalized`].
    pub finalization_state: Option<String>,
    /// Why that clean-up failed.
    pub finalization_error: Option<String>,
    /// Number of lines in `logs`; the lines themselves are read only on demand.
    pub log_count: usize,
    /// True when the file lives in `tasks/done/`.
    pub archived: bool,
    /// True for `<id>.dup-<ns>.toml`: an older copy kept by Agents-Runner after a clash.
    pub duplicate: bool,
    /// True for a JSON record of an older Agents-Runner ([`crate::store::legacy`]): read,
    /// never written, moved or deleted.
    #[serde(default)]
    pub legacy: bool,
    /// The record file it was read from.
    pub file: PathBuf,
}

impl TaskRecord {
    /// What the status means for cleanup (the exit code decides `exited`).
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

/// Parses a task file, TOML or legacy JSON (by its extension). Errors are
/// human-readable reasons (the file is never touched).
pub fn read_record(path: &Path, archived: bool) -> Result<TaskRecord, String> {
    if legacy::is_legacy_record(path) {
        return legacy::read_record(path, archived);
    }
    let bytes = std::fs::read(path).map_err(|err| format!("cannot read: {err}"))?;
    parse_record(&bytes, path, archived)
}

/// [`read_record`] on the bytes of a TOML file read from `path` (which tells an
/// archived duplicate by its name).
pub(in crate::store) fn parse_record(
    bytes: &[u8],
    path: &Path,
    archived: bool,
) -> Result<TaskRecord, String> {
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
        let message = err.message();
        match err.span() {
            Some(span) => {
                let (line, column) = line_and_column(text, span.start);
                format!("not valid TOML at line {line}, column {column}: {message}")
            }
            None => format!("not valid TOML: {message}"),
        }
    })
}

/// The 1-based line and column (in characters) of byte `offset` in `text`.
fn line_and_column(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line_start = before.rfind('\n').map_or(0, |at| at + 1);
    let line = before.matches('\n').count() + 1;
    (line, before[line_start..].chars().count() + 1)
}

/// The fast path for the common file: its top-level `logs` array (thousands of lines)
/// is counted by a light scan and cut out, so the TOML parser sees only the small
/// rest. `None` whenever anything about the array or the rest is unusual; the caller
/// then parses the whole file, which also gives the precise error for a broken one.
fn parse_skipping_logs(text: &str) -> Option<RawTask> {
    let span = logs_lexer::find(text.as_bytes())?;
    let rest = [&text[..span.start], &text[span.end..]].concat();
    let mut raw: RawTask = toml::from_str(&rest).ok()?;
    // A second `logs` key would make the whole file invalid TOML.
    if raw.logs.is_some() {
        return None;
    }
    raw.logs = Some(span.items);
    Some(raw)
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

/// Whether a record for the workspace folder `<env_folder>/tasks/<task_id>` exists now,
/// active or archived, under the name Agents-Runner gives it (`<id>.toml`): a folder
/// planned as an orphan that gains one is a task being created, not a leftover. A file
/// of that name that cannot be read counts, to be safe; one of another environment
/// does not.
pub fn record_exists_for_folder(data_dir: &Path, env_folder: &str, task_id: &str) -> bool {
    let names = [format!("{task_id}.toml"), format!("{task_id}.json")];
    [
        (paths::active_tasks_dir(data_dir), false),
        (paths::archived_tasks_dir(data_dir), true),
    ]
    .iter()
    .flat_map(|(folder, archived)| names.iter().map(move |name| (folder.join(name), *archived)))
    .any(|(path, archived)| {
        path.symlink_metadata().is_ok()
            && read_record(&path, archived).map_or(true, |record| {
                paths::safe_id(&record.environment_id) == env_folder
            })
    })
}

/// The last `count` lines of a record's `logs` array (non-string items are skipped),
/// for the task's details view, from a TOML or a legacy JSON record. Errors are
/// human-readable reasons.
pub fn read_log_tail(path: &Path, count: usize) -> Result<Vec<String>, String> {
    if legacy::is_legacy_record(path) {
        return legacy::read_log_tail(path, count);
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
mod tests;
