//! What the window shows, computed from a snapshot and the worker's answers: rows,
//! environment totals, orphan folders, filtering and sorting. Plain data and functions,
//! no egui, so the decisions are table-tested and nothing is sorted per frame.

mod environments;
mod orphans;
mod rows;
#[cfg(test)]
mod tests;

pub use environments::EnvSummary;
pub(crate) use environments::summarize_environments;
pub(crate) use orphans::orphan_rows;
pub use orphans::{OrphanRow, OrphanRowKind};
pub use rows::{Row, RowWorkspace};
pub(crate) use rows::{build_rows, largest_workspaces, visible_rows};

use crate::status::StatusClass;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::SystemTime;

/// The table column rows are sorted by.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum SortKey {
    Status,
    Task,
    Prompt,
    Environment,
    Created,
    Finished,
    #[default]
    Size,
    Git,
}

/// The user's choices that persist between runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// The data directory last opened in the window.
    pub data_dir: Option<PathBuf>,
    pub sort: SortKey,
    pub descending: bool,
    pub search: String,
    pub hidden_classes: Vec<StatusClass>,
    pub show_archived: bool,
    /// Only this environment's tasks (None: all).
    pub env_filter: Option<String>,
    pub sweep_hours: f64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            data_dir: None,
            sort: SortKey::Size,
            descending: true,
            search: String::new(),
            hidden_classes: Vec::new(),
            show_archived: false,
            env_filter: None,
            sweep_hours: crate::policy::DEFAULT_SWEEP_HOURS,
        }
    }
}

/// A local, readable timestamp for tooltips.
pub fn exact_time(moment: SystemTime) -> String {
    let local: chrono::DateTime<chrono::Local> = moment.into();
    local.format("%Y-%m-%d %H:%M:%S %Z").to_string()
}
