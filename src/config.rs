//! The janitor's own settings file (not Agents-Runner's): cleanup policy, delete mode,
//! schedule and per-environment quotas, shared by the window and the CLI.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;

/// Default warning threshold of a quota, in percent of its limit.
pub const DEFAULT_WARN_PERCENT: u8 = 80;

/// What "delete" does with a workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeleteMode {
    /// Free the space at once.
    #[default]
    Delete,
    /// Move to the system trash; the space is freed when the trash is emptied.
    Trash,
}

/// A disk limit for one environment's task workspaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Quota {
    pub limit_bytes: u64,
    /// Usage at or above this percentage of the limit is a warning.
    pub warn_percent: u8,
    /// The janitor may delete workspaces by itself (on the schedule) to get under the limit.
    pub auto_clean: bool,
}

/// Every setting, with Agents-Runner's behaviour as the defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Keep the workspaces of failed tasks for debugging when archiving.
    pub keep_on_error: bool,
    /// Archiving deletes the workspaces of tasks that ended well.
    pub archive_cleans_done: bool,
    /// Workspaces untouched for this many hours are swept.
    pub sweep_age_hours: f64,
    /// Workspaces with uncommitted or unpushed work may be deleted without asking.
    pub allow_unsaved_delete: bool,
    pub delete_mode: DeleteMode,
    /// How often the running window cleans up by itself; `None` is off.
    pub schedule: Option<Duration>,
    /// Quotas by environment id.
    pub quotas: BTreeMap<String, Quota>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            keep_on_error: true,
            archive_cleans_done: true,
            sweep_age_hours: crate::policy::DEFAULT_SWEEP_HOURS,
            allow_unsaved_delete: false,
            delete_mode: DeleteMode::Delete,
            schedule: None,
            quotas: BTreeMap::new(),
        }
    }
}
