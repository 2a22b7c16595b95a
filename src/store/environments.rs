//! `environments.json`: one object per environment; read-only for the janitor.

use super::Problem;
use serde::Serialize;
use serde_json::Value;
use std::path::Path;

/// Who owns an environment's workspace folders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkspaceType {
    /// Agents-Runner clones the repo per task under `managed-repos/`: ours to clean.
    Cloned,
    /// The user's own folder, mounted into the container: never touched.
    Mounted,
    /// No workspace at all.
    None,
}

impl WorkspaceType {
    /// Maps current and legacy spellings (`github`, `git`, `repo`, `local`, `folder`);
    /// empty or unknown means `None`.
    pub fn parse(text: &str) -> Self {
        match text.trim().to_ascii_lowercase().as_str() {
            "cloned" | "github" | "git" | "repo" => Self::Cloned,
            "mounted" | "local" | "folder" => Self::Mounted,
            _ => Self::None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Cloned => "cloned",
            Self::Mounted => "mounted",
            Self::None => "none",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Environment {
    pub env_id: String,
    pub name: String,
    /// Agents-Runner palette name such as `emerald` or `sky`.
    pub color: Option<String>,
    pub workspace_type: WorkspaceType,
    pub workspace_target: Option<String>,
    pub host_workdir: Option<String>,
}

/// Reads `environments.json`. A missing file means no environments; a file that
/// cannot be read or parsed, or an item without an id, becomes a problem.
pub fn load(path: &Path, problems: &mut Vec<Problem>) -> Vec<Environment> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Vec::new(),
        Err(err) => {
            problems.push(Problem::new(path, format!("cannot read: {err}")));
            return Vec::new();
        }
    };
    let document: Value = match serde_json::from_slice(&bytes) {
        Ok(value) => value,
        Err(err) => {
            problems.push(Problem::new(path, format!("not valid JSON: {err}")));
            return Vec::new();
        }
    };
    let items = match &document {
        Value::Array(items) => items,
        Value::Object(map) => match map.get("environments") {
            Some(Value::Array(items)) => items,
            _ => {
                problems.push(Problem::new(path, "no \"environments\" list"));
                return Vec::new();
            }
        },
        _ => {
            problems.push(Problem::new(path, "expected an object or a list"));
            return Vec::new();
        }
    };
    items
        .iter()
        .enumerate()
        .filter_map(|(index, item)| match parse_item(item) {
            Ok(environment) => Some(environment),
            Err(reason) => {
                problems.push(Problem::new(
                    path,
                    format!("environment #{index}: {reason}"),
                ));
                None
            }
        })
        .collect()
}

fn parse_item(item: &Value) -> Result<Environment, &'static str> {
    let text = |key: &str| item.get(key).and_then(Value::as_str).map(str::to_owned);
    let Value::Object(_) = item else {
        return Err("not an object");
    };
    let env_id = text("env_id")
        .or_else(|| text("id"))
        .filter(|id| !id.is_empty())
        .ok_or("has no env_id")?;
    let workspace_type = text("workspace_type")
        .or_else(|| text("gh_management_mode"))
        .map(|raw| WorkspaceType::parse(&raw))
        .unwrap_or(WorkspaceType::None);
    Ok(Environment {
        name: text("name")
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| env_id.clone()),
        env_id,
        color: text("color"),
        workspace_type,
        workspace_target: text("workspace_target"),
        host_workdir: text("host_workdir"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_spellings_map_to_the_three_types() {
        let table = [
            ("cloned", WorkspaceType::Cloned),
            ("GitHub", WorkspaceType::Cloned),
            ("git", WorkspaceType::Cloned),
            ("repo", WorkspaceType::Cloned),
            ("mounted", WorkspaceType::Mounted),
            ("local", WorkspaceType::Mounted),
            ("folder", WorkspaceType::Mounted),
            ("none", WorkspaceType::None),
            ("", WorkspaceType::None),
            ("ftp", WorkspaceType::None),
        ];
        for (raw, want) in table {
            assert_eq!(WorkspaceType::parse(raw), want, "{raw:?}");
        }
    }

    fn load_text(text: &str) -> (Vec<Environment>, Vec<Problem>) {
        let dir = tempfile::tempdir().ok();
        let path = dir
            .as_ref()
            .map(|d| d.path().join("environments.json"))
            .unwrap_or_default();
        let mut problems = Vec::new();
        if std::fs::write(&path, text).is_err() {
            problems.push(Problem::new(&path, "test setup failed"));
        }
        (load(&path, &mut problems), problems)
    }

    #[test]
    fn reads_both_layouts_and_old_id_key() {
        let (envs, problems) = load_text(
            r#"{"environments": [{"env_id": "env-1", "name": "web", "workspace_type": "cloned", "color": "emerald"},
                                  {"id": "env-2", "workspace_type": "local"}]}"#,
        );
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(envs.len(), 2);
        assert_eq!(envs[0].color.as_deref(), Some("emerald"));
        assert_eq!(envs[1].env_id, "env-2");
        assert_eq!(envs[1].name, "env-2");
        assert_eq!(envs[1].workspace_type, WorkspaceType::Mounted);

        let (bare, problems) = load_text(r#"[{"env_id": "env-3"}]"#);
        assert!(problems.is_empty());
        assert_eq!(bare[0].workspace_type, WorkspaceType::None);
    }

    #[test]
    fn bad_files_and_items_become_problems() {
        let (envs, problems) = load_text("{not json");
        assert!(envs.is_empty());
        assert!(
            problems[0].message.contains("not valid JSON"),
            "{problems:?}"
        );

        let (envs, problems) =
            load_text(r#"{"environments": [{"name": "x"}, 3, {"env_id": "ok"}]}"#);
        assert_eq!(envs.len(), 1);
        assert_eq!(problems.len(), 2);
        assert!(problems[0].message.contains("no env_id"));
    }

    #[test]
    fn a_missing_file_is_no_environments_and_no_problem() {
        let mut problems = Vec::new();
        let envs = load(Path::new("/nonexistent/environments.json"), &mut problems);
        assert!(envs.is_empty() && problems.is_empty());
    }
}
