//! The environments side panel's totals: tasks and managed bytes per environment.

use super::Row;
use crate::scan::Usage;
use crate::store::{Snapshot, WorkspaceType, paths};
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
    /// The janitor sizes and cleans its workspaces (not a mounted or `none` one).
    pub managed: bool,
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
        managed: true,
        tasks: rows.len(),
        bytes: total,
        share: 1.0,
    }];
    // One pass over the rows (100,000 of them, a few environments).
    let mut tasks_by_env: HashMap<&str, usize> = HashMap::new();
    for row in rows {
        *tasks_by_env.entry(row.env_id.as_str()).or_default() += 1;
    }
    let tasks_of = |env_id: &str| tasks_by_env.get(env_id).copied().unwrap_or(0);
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
            managed: env.workspace_type == WorkspaceType::Cloned,
            tasks: tasks_of(&env.env_id),
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
            managed: true,
            tasks: tasks_of(folder),
            bytes,
            share: share(bytes),
        });
    }
    summaries
}

/// The workspace folders of one environment folder, as far as Sweep cares: how many,
/// how many are not sized yet, and the oldest of their last changes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct SweepAges {
    /// Folders under `managed-repos/<env>/tasks/`.
    pub(crate) folders: usize,
    /// Of them, not sized yet (their age is not known).
    pub(crate) not_sized: usize,
    /// The oldest "newest file" among the sized ones.
    pub(crate) oldest_change: Option<std::time::SystemTime>,
}

impl SweepAges {
    /// Why Sweep has nothing to do with folders older than `cutoff`, if it surely has
    /// nothing (`scope`: "in Web app").
    pub(crate) fn nothing_to_sweep(
        &self,
        cutoff: std::time::SystemTime,
        scope: &str,
    ) -> Option<String> {
        if self.folders == 0 {
            return Some(format!("No workspace folder {scope}"));
        }
        let old = self.oldest_change.is_some_and(|changed| changed <= cutoff);
        (self.not_sized == 0 && !old)
            .then(|| format!("Nothing to sweep: every workspace {scope} changed more recently"))
    }
}

/// [`SweepAges`] by environment folder, and for all of them under `None`.
pub(crate) fn sweep_ages(
    snapshot: &Snapshot,
    usage: &HashMap<PathBuf, Usage>,
) -> HashMap<Option<String>, SweepAges> {
    let mut ages: HashMap<Option<String>, SweepAges> = HashMap::new();
    for workspace in &snapshot.workspaces {
        let changed = usage.get(&workspace.path).map(|u| u.newest_mtime);
        for key in [None, Some(workspace.env_folder.clone())] {
            let entry = ages.entry(key).or_default();
            entry.folders += 1;
            match changed {
                None => entry.not_sized += 1,
                Some(Some(changed)) => {
                    entry.oldest_change =
                        Some(entry.oldest_change.map_or(changed, |c| c.min(changed)));
                }
                Some(None) => {}
            }
        }
    }
    ages
}
