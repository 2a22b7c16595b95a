//! The janitor's own settings file (not Agents-Runner's): cleanup policy, delete mode,
//! schedule and per-environment quotas, shared by the window and the CLI.
//!
//! The file is TOML, by default `config.toml` in the platform's config folder
//! ([`default_path`]: `$XDG_CONFIG_HOME/agents-janitor/config.toml` on Linux):
//!
//! ```toml
//! keep_on_error = true          # keep the workspaces of failed tasks when archiving
//! archive_cleans_done = true    # archiving deletes the workspaces of tasks that ended well
//! sweep_age_hours = 24          # also "36h", "2d", "1w"; more than 0
//! allow_unsaved_delete = false  # delete workspaces with unsaved git work without asking
//! delete_merged_unsaved = false # the schedule deletes unsaved work that is merged
//! archive_slims_failed = false  # archive slims failed tasks' kept workspaces
//! delete_mode = "delete"        # or "trash"
//! schedule = "off"              # or an interval of 1m to 1y: "6h", "90m", "1d"
//!
//! [quotas.my-env]               # by environment id
//! limit = "20 GB"               # "20GB", "20 GiB", "1.5 TB" or a number of bytes
//! warn_percent = 80             # 1 to 100
//! auto_clean = false
//!
//! [reclaim]                     # see the reclaim module: never / ask / schedule per kind
//! crash_leftovers = "schedule"
//! schedule_age = "7d"
//! trim_logs_after = "off"
//! trim_logs_keep = 200
//! ```
//!
//! Missing keys take the defaults of [`Config::default`]. Unknown keys are kept in the
//! file, ignored, and listed in [`LoadedConfig::unknown_keys`] so the caller can warn
//! about typos. A file that cannot be used (not TOML, not UTF-8, a wrong type or an
//! invalid value, a folder, unreadable) gives the defaults plus a warning, and is never
//! rewritten: [`save`] refuses it, and [`set_value`] only fixes an invalid value by
//! setting that key (a file that is not TOML it refuses outright). Writes edit the file with
//! `toml_edit`, so comments, layout and unknown keys survive, and replace it atomically.
//! A quota is removed with the limit `off` (`config set quotas.<env>.limit off`).

mod error;
mod keys;
mod read;
mod reclaim;
mod values;
mod write;

pub use error::ConfigError;
pub use keys::{Key, QuotaField};
pub use reclaim::{ReclaimField, format_age};
pub use values::{
    format_interval, format_size, parse_age_hours, parse_interval, parse_size, parse_sweep_age,
};
pub use write::{save, set_value};

use crate::policy::reclaim::ReclaimSettings;
use crate::policy::{DEFAULT_SWEEP_HOURS, DeleteMode, Quota};
use keys::{SCHEDULE, SWEEP_AGE_HOURS};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;
use values::{check_interval, check_percent, check_sweep_hours};

/// The settings file's name inside the config folder.
pub const FILE_NAME: &str = "config.toml";

/// The shortest schedule interval: cleaning more often only burns disk I/O.
pub const MIN_INTERVAL: Duration = Duration::from_secs(60);

/// The longest schedule interval (humantime's `1y`); also keeps timer arithmetic far
/// from overflowing.
pub const MAX_INTERVAL: Duration = Duration::from_secs(31_557_600);

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
    /// The schedule, and the command line's archive and sweep (what the systemd service
    /// runs), delete finished tasks' workspaces whose unsaved work (commits on no
    /// remote) is merged or squash-merged into the base branch.
    pub delete_merged_unsaved: bool,
    /// Archiving slims the workspaces of failed tasks it keeps for debugging (deletes
    /// what git ignores in them) instead of keeping them whole.
    pub archive_slims_failed: bool,
    /// Whether workspaces are deleted at once or moved to the system trash.
    pub delete_mode: DeleteMode,
    /// How often the running window cleans up by itself; `None` is off.
    pub schedule: Option<Duration>,
    /// Quotas by environment id.
    pub quotas: BTreeMap<String, Quota>,
    /// Who may reclaim each kind of Agents-Runner's footprint, and the log trim.
    pub reclaim: ReclaimSettings,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            keep_on_error: true,
            archive_cleans_done: true,
            sweep_age_hours: DEFAULT_SWEEP_HOURS,
            allow_unsaved_delete: false,
            delete_merged_unsaved: false,
            archive_slims_failed: false,
            delete_mode: DeleteMode::Delete,
            schedule: None,
            quotas: BTreeMap::new(),
            reclaim: ReclaimSettings::default(),
        }
    }
}

impl Config {
    /// Checks every value against the same rules the file is read with.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |key: &str, value: String, reason: String| ConfigError::InvalidValue {
            key: key.to_owned(),
            value,
            reason,
        };
        check_sweep_hours(self.sweep_age_hours).map_err(|reason| {
            invalid(
                SWEEP_AGE_HOURS,
                self.sweep_age_hours.to_string(),
                reason.into(),
            )
        })?;
        if let Some(interval) = self.schedule {
            check_interval(interval)
                .map_err(|reason| invalid(SCHEDULE, format_interval(self.schedule), reason))?;
        }
        reclaim::check(&self.reclaim)
            .map_err(|(key, value, reason)| ConfigError::InvalidValue { key, value, reason })?;
        for (env, quota) in &self.quotas {
            if env.is_empty() {
                return Err(invalid(
                    "quotas",
                    String::new(),
                    "an environment id is empty".into(),
                ));
            }
            // u64::MAX is what parse_size refuses as "too large" (bytesize saturates).
            if quota.limit_bytes == 0 || quota.limit_bytes == u64::MAX {
                return Err(invalid(
                    &format!("quotas.{env}.limit"),
                    quota.limit_bytes.to_string(),
                    "expected from 1 byte to 16 EiB".into(),
                ));
            }
            check_percent(i64::from(quota.warn_percent)).map_err(|reason| {
                invalid(
                    &format!("quotas.{env}.warn_percent"),
                    quota.warn_percent.to_string(),
                    reason.into(),
                )
            })?;
        }
        Ok(())
    }
}

/// `config.toml` in the platform's config folder, or `None` when no home folder is known.
pub fn default_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "agents-janitor")
        .map(|dirs| dirs.config_dir().join(FILE_NAME))
}

/// The settings in use and what became of the file.
#[derive(Debug)]
pub struct LoadedConfig {
    /// The settings file (it may not exist).
    pub path: PathBuf,
    /// The file's settings, or the defaults when it is missing or unusable.
    pub config: Config,
    /// Whether the file exists and was read.
    pub from_file: bool,
    /// Why the file was not used (it is left untouched); saving over it is refused.
    pub warning: Option<ConfigError>,
    /// Keys in the file the janitor does not know (kept in the file, ignored).
    pub unknown_keys: Vec<String>,
}

impl LoadedConfig {
    fn defaults(path: PathBuf) -> Self {
        Self {
            path,
            config: Config::default(),
            from_file: false,
            warning: None,
            unknown_keys: Vec::new(),
        }
    }

    /// Whether saving may write the file: it is missing or was read without problems.
    pub fn can_save(&self) -> bool {
        self.warning.is_none()
    }
}

/// Reads the settings at `path`. Never fails and never writes: a missing file gives
/// the defaults; an unusable one the defaults plus a [`LoadedConfig::warning`].
pub fn load(path: &Path) -> LoadedConfig {
    let mut loaded = LoadedConfig::defaults(path.to_owned());
    match read::read_file(path) {
        Ok(None) => {}
        Ok(Some((_, config, unknown))) => {
            loaded.config = config;
            loaded.from_file = true;
            loaded.unknown_keys = unknown;
        }
        Err(err) => loaded.warning = Some(err),
    }
    loaded
}

#[cfg(test)]
mod tests;
