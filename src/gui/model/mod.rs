//! What the window shows, computed from a snapshot and the worker's answers: rows,
//! environment totals, orphan folders, filtering and sorting. Plain data and functions,
//! no egui, so the decisions are table-tested and nothing is sorted per frame.

mod environments;
mod orphans;
mod rows;
#[cfg(test)]
mod tests;

pub use environments::EnvSummary;
pub(crate) use environments::{SweepAges, summarize_environments, sweep_ages};
pub use orphans::{OrphanRow, OrphanRowKind};
pub(crate) use orphans::{fill_orphan_rows, orphan_rows};
pub use rows::{Row, RowWorkspace};
pub(crate) use rows::{build_rows, hidden_by, keep_order, largest_workspaces, visible_rows};

use crate::status::StatusClass;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::SystemTime;

/// The table column rows are sorted by.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum SortKey {
    /// By status class, then status word.
    Status,
    /// By task id.
    Task,
    /// By the prompt's first line.
    Prompt,
    /// By environment name.
    Environment,
    /// By creation time.
    Created,
    /// By finish time.
    Finished,
    /// By workspace size on disk (the default: biggest first).
    #[default]
    Size,
    /// By unsaved work: uncommitted plus unpushed commits.
    Git,
    /// By the bytes "Slim" would free (what git ignores in the workspace).
    Reclaimable,
}

/// The user's choices that persist between runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// The data directory last opened in the window.
    pub data_dir: Option<PathBuf>,
    /// The column the table is sorted by.
    pub sort: SortKey,
    /// Biggest, newest or Z first.
    pub descending: bool,
    /// The search box: a piece of a task id or prompt, any case.
    pub search: String,
    /// Status classes whose tasks are hidden.
    pub hidden_classes: Vec<StatusClass>,
    /// Archived tasks are listed too.
    pub show_archived: bool,
    /// Only this environment's tasks (None: all).
    pub env_filter: Option<String>,
    /// The top bar's Sweep age in hours (set from the settings file at start).
    pub sweep_hours: f64,
    /// Only the tasks whose workspace is safe to delete ([`Row::is_safe_to_delete`]).
    pub only_safe: bool,
    /// The details pane is open (else a narrow strip that opens it).
    pub details_open: bool,
    /// The log is open (else only the bottom bar's totals and progress).
    pub log_open: bool,
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
            only_safe: false,
            details_open: true,
            log_open: true,
        }
    }
}

impl Settings {
    /// A click on a column title: the sorted column again reverses the order; another
    /// column sorts big first for sizes and git, newest first for dates, A→Z for text.
    pub(crate) fn sort_by(&mut self, key: SortKey) {
        if self.sort == key {
            self.descending = !self.descending;
        } else {
            self.sort = key;
            self.descending = matches!(
                key,
                SortKey::Size
                    | SortKey::Created
                    | SortKey::Finished
                    | SortKey::Git
                    | SortKey::Reclaimable
            );
        }
    }
}

/// A local, readable timestamp for tooltips.
pub fn exact_time(moment: SystemTime) -> String {
    let local: chrono::DateTime<chrono::Local> = moment.into();
    local.format("%Y-%m-%d %H:%M:%S %Z").to_string()
}
