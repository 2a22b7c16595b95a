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
    /// A task record's `workspace_type` (or legacy `gh_management_mode`), current and
    /// legacy spellings (`github`, `git`, `repo`, `local`, `folder`) in any case;
    /// empty or unknown means `None`.
    pub fn parse(text: &str) -> Self {
        match text.trim().to_ascii_lowercase().as_str() {
            "cloned" | "github" | "git" | "repo" => Self::Cloned,
            "mounted" | "local" | "folder" => Self::Mounted,
            _ => Self::None,
        }
    }

    /// An environment's `workspace_type` as Agents-Runner's `normalize_workspace_type`
    /// reads it: exact, case-sensitive spellings only (`GitHub` is `None`).
    pub fn of_environment(text: &str) -> Self {
        match text {
            "cloned" | "github" | "git" | "repo" => Self::Cloned,
            "mounted" | "local" | "folder" => Self::Mounted,
            _ => Self::None,
        }
    }

    /// The type as the janitor shows it (`cloned`, `mounted`, `none`).
    pub fn label(self) -> &'static str {
        match self {
            Self::Cloned => "cloned",
            Self::Mounted => "mounted",
            Self::None => "none",
        }
    }
}

/// The colours Agents-Runner offers; anything else shows as `slate`.
pub const PALETTE: [&str; 12] = [
    "slate", "cyan", "emerald", "violet", "rose", "amber", "blue", "teal", "lime", "fuchsia",
    "indigo", "orange",
];

/// One environment of `environments.json`, as much of it as the janitor shows and
/// needs to tell whose a task's workspace is.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Environment {
    /// Its id (`env_id`, or `id` in older files): the `<env>` of `managed-repos/<env>/`.
    pub env_id: String,
    /// The name the user gave it.
    pub name: String,
    /// A name of [`PALETTE`], as Agents-Runner shows it (unknown ones are `slate`).
    pub color: String,
    /// Whose its task workspaces are, read by Agents-Runner's rules.
    pub workspace_type: WorkspaceType,
    /// The repo URL or the user's folder (`workspace_target`, else the older
    /// `gh_management_target`; for a `none` environment mounted on its `host_workdir`,
    /// that folder).
    pub workspace_target: Option<String>,
    /// The host folder mounted as the container's working directory, if any.
    pub host_workdir: Option<String>,
}

/// What `environments.json` holds, read by Agents-Runner's rules.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Loaded {
    /// The environments Agents-Runner uses, in file order; of two items with one id,
    /// the later one, at the place of the first.
    pub environments: Vec<Environment>,
    /// The id of every item in the file, those Agents-Runner ignores (`version` 2)
    /// included: a folder of one of them is not a deleted environment's. `None` when
    /// the file could not be read whole (missing, unreadable, not the expected JSON,
    /// an id of a type whose folder name cannot be told), so that no environment is
    /// ever taken for deleted on a guess.
    pub all_ids: Option<Vec<String>>,
}

impl Loaded {
    /// Whether `folder` under `managed-repos/` belongs to no environment of the file
    /// at all: only then is it a deleted environment's folder.
    pub fn is_deleted_env_folder(&self, folder: &str) -> bool {
        is_deleted_env_folder(self.all_ids.as_deref(), folder)
    }
}

/// [`Loaded::is_deleted_env_folder`] on the ids it keeps (`None`: never deleted).
pub fn is_deleted_env_folder(all_ids: Option<&[String]>, folder: &str) -> bool {
    all_ids.is_some_and(|ids| {
        !ids.iter()
            .any(|id| super::paths::may_be_env_folder(id, folder))
    })
}

/// Reads `environments.json`; see [`load_all`].
pub fn load(path: &Path, problems: &mut Vec<Problem>) -> Vec<Environment> {
    load_all(path, problems).environments
}

/// Reads `environments.json` the way Agents-Runner's loader does. A missing file
/// means no environments; a file that cannot be read or parsed becomes a problem, as
/// does an item that is not an object, has no id, or whose `version` is not 1
/// (Agents-Runner ignores it).
pub fn load_all(path: &Path, problems: &mut Vec<Problem>) -> Loaded {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Loaded::default(),
        Err(err) => {
            problems.push(Problem::new(path, format!("cannot read: {err}")));
            return Loaded::default();
        }
    };
    let document: Value = match serde_json::from_slice(&bytes) {
        Ok(value) => value,
        Err(err) => {
            problems.push(Problem::new(path, format!("not valid JSON: {err}")));
            return Loaded::default();
        }
    };
    let items = match &document {
        Value::Array(items) => items,
        Value::Object(map) => match map.get("environments") {
            Some(Value::Array(items)) => items,
            _ => {
                problems.push(Problem::new(path, "no \"environments\" list"));
                return Loaded::default();
            }
        },
        _ => {
            problems.push(Problem::new(path, "expected an object or a list"));
            return Loaded::default();
        }
    };
    let mut environments: Vec<Environment> = Vec::new();
    let mut all_ids = Some(Vec::new());
    for (index, item) in items.iter().enumerate() {
        let Value::Object(_) = item else {
            problems.push(Problem::new(
                path,
                format!("environment #{index}: not an object"),
            ));
            continue;
        };
        let id = match item_id(item) {
            ItemId::Id(id) => id,
            ItemId::Missing => {
                problems.push(Problem::new(
                    path,
                    format!("environment #{index}: has no env_id"),
                ));
                continue;
            }
            ItemId::Unreadable(raw) => {
                problems.push(Problem::new(
                    path,
                    format!("environment #{index}: env_id {raw} is not a string: ignored"),
                ));
                all_ids = None;
                continue;
            }
        };
        if let Some(ids) = all_ids.as_mut() {
            ids.push(id.clone());
        }
        if let Some(version) = item.get("version").filter(|v| !version_is_one(v)) {
            problems.push(Problem::new(
                path,
                format!(
                    "environment #{index} ({id}): version {version} is not 1: ignored, as Agents-Runner does"
                ),
            ));
            continue;
        }
        let environment = parse_item(item, id);
        match environments
            .iter_mut()
            .find(|known| known.env_id == environment.env_id)
        {
            Some(earlier) => *earlier = environment,
            None => environments.push(environment),
        }
    }
    Loaded {
        environments,
        all_ids,
    }
}

/// An item's id as Agents-Runner reads it: `str(env_id or id or "").strip()`.
enum ItemId {
    Id(String),
    Missing,
    /// A value whose Python `str()` we do not reproduce (a float, a list, ...).
    Unreadable(String),
}

fn item_id(item: &Value) -> ItemId {
    let Some(value) = ["env_id", "id"]
        .iter()
        .filter_map(|key| item.get(*key))
        .find(|value| truthy(value))
    else {
        return ItemId::Missing;
    };
    match python_str(value).map(|id| id.trim().to_owned()) {
        Some(id) if !id.is_empty() => ItemId::Id(id),
        Some(_) => ItemId::Missing,
        None => ItemId::Unreadable(value.to_string()),
    }
}

/// Python's truth value of a JSON value.
fn truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(items) => !items.is_empty(),
        Value::Object(map) => !map.is_empty(),
    }
}

/// Python's `str()` of a JSON value, where it is plain: strings, integers, booleans.
fn python_str(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) if n.is_i64() || n.is_u64() => Some(n.to_string()),
        Value::Bool(true) => Some("True".to_owned()),
        Value::Bool(false) => Some("False".to_owned()),
        _ => None,
    }
}

/// `str(payload.get(key) or "").strip()`, `None` when empty.
fn text(item: &Value, key: &str) -> Option<String> {
    item.get(key)
        .filter(|value| truthy(value))
        .and_then(python_str)
        .map(|text| text.trim().to_owned())
        .filter(|text| !text.is_empty())
}

/// Whether Agents-Runner's `int(payload.get("version", 1))` is 1.
fn version_is_one(version: &Value) -> bool {
    match version {
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_i64().map_or_else(
            || {
                n.as_f64()
                    .is_some_and(|f| f.is_finite() && f.trunc() == 1.0)
            },
            |i| i == 1,
        ),
        Value::String(s) => s.trim().parse::<i64>() == Ok(1),
        _ => false,
    }
}

fn parse_item(item: &Value, env_id: String) -> Environment {
    let raw_type = item.get("workspace_type");
    let mut workspace_type =
        if !raw_type.is_some_and(truthy) && item.get("gh_management_mode").is_some() {
            // The older key maps only these two exact values.
            match item.get("gh_management_mode").and_then(Value::as_str) {
                Some("github") => WorkspaceType::Cloned,
                Some("local") => WorkspaceType::Mounted,
                _ => WorkspaceType::None,
            }
        } else {
            raw_type
                .and_then(Value::as_str)
                .map_or(WorkspaceType::None, WorkspaceType::of_environment)
        };
    let host_workdir = text(item, "host_workdir");
    let mut workspace_target =
        text(item, "workspace_target").or_else(|| text(item, "gh_management_target"));
    // A `none` environment with a working folder runs on that folder: the user's own.
    if workspace_type == WorkspaceType::None && host_workdir.is_some() {
        workspace_type = WorkspaceType::Mounted;
        workspace_target = workspace_target.or_else(|| host_workdir.clone());
    }
    let color = text(item, "color")
        .map(|color| color.to_lowercase())
        .filter(|color| PALETTE.contains(&color.as_str()))
        .unwrap_or_else(|| "slate".to_owned());
    Environment {
        name: text(item, "name").unwrap_or_else(|| env_id.clone()),
        env_id,
        color,
        workspace_type,
        workspace_target,
        host_workdir,
    }
}

#[cfg(test)]
mod tests;
