//! The settings the policy takes as input: what "delete" means, disk quotas, and the
//! defaults the settings file stores when a key is missing.

use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// Default age for the old-workspace sweep, as in Agents-Runner.
pub const DEFAULT_SWEEP_HOURS: f64 = 24.0;

/// Default warning threshold of a quota, in percent of its limit.
pub const DEFAULT_WARN_PERCENT: u8 = 80;

/// What deleting a workspace means: freeing its space now, or moving it to the trash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeleteMode {
    /// Free the space at once.
    #[default]
    Delete,
    /// Move to the system trash; the space is freed when the trash is emptied.
    Trash,
}

impl DeleteMode {
    /// The word the settings file uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Delete => "delete",
            Self::Trash => "trash",
        }
    }
}

impl FromStr for DeleteMode {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text.trim() {
            "delete" => Ok(Self::Delete),
            "trash" => Ok(Self::Trash),
            _ => Err("expected delete or trash".into()),
        }
    }
}

/// A disk limit for one environment's task workspaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Quota {
    /// On-disk bytes the environment's workspace folders may take.
    pub limit_bytes: u64,
    /// Usage at or above this percentage of the limit is a warning.
    pub warn_percent: u8,
    /// The janitor may delete workspaces by itself (on the schedule) to get under the limit.
    pub auto_clean: bool,
}

impl Quota {
    /// A quota of `limit_bytes` with the default warning threshold and no auto-clean.
    pub fn new(limit_bytes: u64) -> Self {
        Self {
            limit_bytes,
            warn_percent: DEFAULT_WARN_PERCENT,
            auto_clean: false,
        }
    }
}
