//! The environments side panel's totals: tasks and managed bytes per environment.

use super::Row;
use crate::scan::Usage;
use crate::store::{Snapshot, paths};
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

/// Totals of one environment for the side panel.
#[derive(Debug, Clone, PartialEq)]
pub struct EnvSummary {
    /// None for "All environments".
    pub env_id: Option<String>,
    /// The environment's name (its id when it has none).
    pub name: String,
    /// Its Agents-Runner palette colour name ("emerald").
    pub color: Option<String>,
    /// "cloned", "mounted", "none"; empty for "All environments".
    pub workspace_type: String,
    /// Task records in it.
    pub tasks: usize,
    /// Bytes of its managed workspaces sized so far.
    pub bytes: u64,
    /// Share of all managed bytes, 0..=1.
    pub share: f32,
}

/// Environment totals: "All environments" first, then each environment of the
/// snapshot, then folders under managed-repos that no environment claims.
pub(crate) fn summarize_environments(
    snapshot: &Snapshot,
    rows: &[Row],
    usage: &HashMap<PathBuf, Usage>,
) -> Vec<EnvSummary> {
    let mut bytes_by_folder: HashMap<&str, u64> = HashMap::new();
    for workspace in &snapshot.workspaces {
        let bytes = usage.get(&workspace.path).map_or(0, |u| u.disk_bytes);
        *bytes_by_folder
            .entry(workspace.env_folder.as_str())
            .or_default() += bytes;
    }
    let total: u64 = bytes_by_folder.values().sum();
    let share = |bytes: u64| {
        if total == 0 {
            0.0
        } else {
            (bytes as f64 / total as f64) as f32
        }
    };
    let mut summaries = vec![EnvSummary {
        env_id: None,
        name: "All environments".to_owned(),
        color: None,
        workspace_type: String::new(),
        tasks: rows.len(),
        bytes: total,
        share: 1.0,
    }];
    let mut claimed: HashSet<String> = HashSet::new();
    for env in &snapshot.environments {
        let folder = paths::safe_id(&env.env_id);
        let bytes = if paths::is_exact_safe_id(&env.env_id) {
            claimed.insert(folder.clone());
            bytes_by_folder.get(folder.as_str()).copied().unwrap_or(0)
        } else {
            0
        };
        summaries.push(EnvSummary {
            env_id: Some(env.env_id.clone()),
            name: if env.name.trim().is_empty() {
                env.env_id.clone()
            } else {
                env.name.clone()
            },
            color: Some(env.color.clone()),
            workspace_type: env.workspace_type.label().to_owned(),
            tasks: rows.iter().filter(|r| r.env_id == env.env_id).count(),
            bytes,
            share: share(bytes),
        });
    }
    let mut unclaimed: Vec<(&str, u64)> = bytes_by_folder
        .iter()
        .filter(|(folder, _)| !claimed.contains(**folder))
        .map(|(folder, bytes)| (*folder, *bytes))
        .collect();
    unclaimed.sort_unstable();
    for (folder, bytes) in unclaimed {
        summaries.push(EnvSummary {
            env_id: Some(folder.to_owned()),
            name: format!("{folder} (not in environments.json)"),
            color: None,
            workspace_type: "unknown".to_owned(),
            tasks: rows.iter().filter(|r| r.env_id == folder).count(),
            bytes,
            share: share(bytes),
        });
    }
    summaries
}
