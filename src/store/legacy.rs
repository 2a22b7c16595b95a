//! Task records of Agents-Runner before mid-January 2026: `tasks/<id>.json` (active),
//! `tasks/done/<id>.json` (archived; clashes `<id>.dup-<nanoseconds>.json`). Today's
//! Agents-Runner reads none of them and migrated nothing, so upgraded data dirs still
//! hold them beside the workspaces they own.
//!
//! The janitor reads them and nothing more: it never writes, moves or deletes one (the
//! writing functions of [`super::tasks`] refuse these paths).

use super::environments::WorkspaceType;
use super::tasks::TaskRecord;
use serde_json::{Map, Value};
use std::path::Path;

/// Whether `path` names a legacy JSON record (by its extension, in any case).
pub fn is_legacy_record(path: &Path) -> bool {
    path.extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("json"))
}

/// Parses a legacy JSON record. Errors are human-readable reasons (the file is never
/// touched). The keys are today's, with `gh_management_mode` for `workspace_type`;
/// JSON `null`s and values of a wrong type read as absent.
pub fn read_record(path: &Path, archived: bool) -> Result<TaskRecord, String> {
    let bytes = std::fs::read(path).map_err(|err| format!("cannot read: {err}"))?;
    parse_record(&bytes, path, archived)
}

fn parse_record(bytes: &[u8], path: &Path, archived: bool) -> Result<TaskRecord, String> {
    let document: Value =
        serde_json::from_slice(bytes).map_err(|err| format!("not valid JSON: {err}"))?;
    let Value::Object(map) = document else {
        return Err("not a JSON object".to_owned());
    };
    let text = |key: &str| map.get(key).and_then(Value::as_str).map(str::to_owned);
    let task_id = text("task_id")
        .filter(|id| !id.trim().is_empty())
        .ok_or("task_id is missing or not a non-empty string")?;
    let duplicate = path
        .file_name()
        .is_some_and(|name| name.to_string_lossy().contains(".dup-"));
    Ok(TaskRecord {
        task_id,
        environment_id: text("environment_id").unwrap_or_default(),
        status: text("status").unwrap_or_else(|| "queued".to_owned()),
        exit_code: map.get("exit_code").and_then(Value::as_i64),
        error: text("error"),
        created_at_s: map.get("created_at_s").and_then(Value::as_f64),
        started_at: text("started_at"),
        finished_at: text("finished_at"),
        workspace_type: workspace_type(&map),
        gh_repo_root: text("gh_repo_root"),
        gh_branch: text("gh_branch"),
        gh_base_branch: text("gh_base_branch"),
        gh_pr_url: text("gh_pr_url"),
        container_id: text("container_id").filter(|id| !id.trim().is_empty()),
        prompt: text("prompt"),
        agent_cli: text("agent_cli"),
        finalization_state: text("finalization_state"),
        finalization_error: text("finalization_error"),
        log_count: map
            .get("logs")
            .and_then(Value::as_array)
            .map_or(0, Vec::len),
        archived,
        duplicate,
        legacy: true,
        file: path.to_path_buf(),
    })
}

/// `workspace_type`, else the older `gh_management_mode` (`github`, `local`, `none`).
fn workspace_type(map: &Map<String, Value>) -> Option<WorkspaceType> {
    ["workspace_type", "gh_management_mode"]
        .iter()
        .filter_map(|key| map.get(*key).and_then(Value::as_str))
        .find(|value| !value.trim().is_empty())
        .map(WorkspaceType::parse)
}

/// The last `count` lines of a legacy record's `logs` (non-string items skipped).
pub fn read_log_tail(path: &Path, count: usize) -> Result<Vec<String>, String> {
    let bytes = std::fs::read(path).map_err(|err| format!("cannot read: {err}"))?;
    let document: Value =
        serde_json::from_slice(&bytes).map_err(|err| format!("not valid JSON: {err}"))?;
    let lines: Vec<String> = document
        .get("logs")
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let skip = lines.len().saturating_sub(count);
    Ok(lines.into_iter().skip(skip).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::StatusClass;

    /// A record as Agents-Runner wrote it in early January 2026 (`json.dump`, indent 2,
    /// sorted keys, `null`s kept).
    const OLD_RECORD: &str = r#"{
  "agent_cli": "codex",
  "artifacts": [],
  "container_id": "",
  "created_at_s": 1767225600.5,
  "environment_id": "env-old",
  "error": null,
  "exit_code": 0,
  "finished_at": "2026-01-01T00:10:00+00:00",
  "gh_branch": "agent/fix-login",
  "gh_management_mode": "github",
  "logs": ["[12:00:00] cloning", "[12:09:59] done", 3],
  "prompt": "Fix the login test",
  "runner_config": null,
  "started_at": "2026-01-01T00:00:00+00:00",
  "status": "done",
  "task_id": "0ld7a5k001"
}"#;

    #[test]
    fn reads_an_old_record_with_nulls() -> Result<(), String> {
        let record = parse_record(
            OLD_RECORD.as_bytes(),
            Path::new("/d/tasks/done/0ld7a5k001.json"),
            true,
        )?;
        assert_eq!(record.task_id, "0ld7a5k001");
        assert_eq!(record.environment_id, "env-old");
        assert_eq!(record.status_class(), StatusClass::Succeeded);
        assert_eq!(record.workspace_type, Some(WorkspaceType::Cloned));
        assert_eq!(record.container_id, None);
        assert_eq!(record.error, None);
        assert_eq!(record.log_count, 3);
        assert_eq!(record.created_at_s, Some(1767225600.5));
        assert!(record.legacy && record.archived && !record.duplicate);
        assert!(
            !record.is_finalized(),
            "old records have no finalization_state"
        );
        Ok(())
    }

    #[test]
    fn duplicates_and_defaults() -> Result<(), String> {
        let record = parse_record(
            br#"{"task_id": "t1", "status": null, "exit_code": "0", "logs": null}"#,
            Path::new("/d/tasks/done/t1.dup-1767225600000000000.json"),
            true,
        )?;
        assert!(record.duplicate);
        assert_eq!(record.status, "queued");
        assert_eq!(record.exit_code, None);
        assert_eq!(record.log_count, 0);
        assert_eq!(record.workspace_type, None);
        Ok(())
    }

    #[test]
    fn unusable_files_give_reasons() {
        let path = Path::new("/d/tasks/x.json");
        let table: &[(&[u8], &str)] = &[
            (b"{\"task_id\": ", "not valid JSON"),
            (b"\xff\xfe", "not valid JSON"),
            (b"[1, 2]", "not a JSON object"),
            (b"{\"status\": \"done\"}", "task_id"),
            (b"{\"task_id\": \" \"}", "task_id"),
            (b"{\"task_id\": 7}", "task_id"),
        ];
        for (bytes, want) in table {
            let got = parse_record(bytes, path, false).err().unwrap_or_default();
            assert!(got.contains(want), "{got:?} should mention {want:?}");
        }
    }

    #[test]
    fn the_log_tail_keeps_the_last_string_lines() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("t.json");
        std::fs::write(&path, OLD_RECORD)?;
        assert_eq!(read_log_tail(&path, 1)?, ["[12:09:59] done"]);
        assert!(is_legacy_record(&path));
        assert!(is_legacy_record(Path::new("T.JSON")));
        assert!(!is_legacy_record(Path::new("t.toml")));
        Ok(())
    }
}
