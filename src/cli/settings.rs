//! The settings file as the subcommands use it (warnings on stderr), and `config show|set`.

use super::reclaim::reclaim_settings_shown;
use super::{ConfigCommand, bad_input, failure};
use crate::config::{self, Config, LoadedConfig};
use anyhow::Result;
use serde_json::json;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The settings file's path: `--config`, else the default location (none without a home).
pub(super) fn settings_path(explicit: Option<&Path>) -> Option<PathBuf> {
    explicit
        .map(Path::to_path_buf)
        .or_else(config::default_path)
}

/// Loads the settings file, warning on stderr about an unusable file or unknown keys.
fn load_settings(path: &Path) -> LoadedConfig {
    let loaded = config::load(path);
    if let Some(warning) = &loaded.warning {
        eprintln!("warning: {warning}; using the default settings (the file is left unchanged)");
    }
    for key in &loaded.unknown_keys {
        eprintln!(
            "warning: {}: unknown setting {key:?} ignored",
            path.display()
        );
    }
    loaded
}

/// The settings in use: the file's, or the defaults.
pub(super) fn settings(explicit: Option<&Path>) -> Config {
    settings_path(explicit)
        .map(|path| load_settings(&path).config)
        .unwrap_or_default()
}

/// `config show` or `config set KEY VALUE`; a value the file cannot take is bad input
/// (exit 2), a file that cannot be written a failure (exit 1), and nothing changes.
pub(super) fn config_command(explicit: Option<&Path>, command: ConfigCommand) -> Result<u8> {
    let path = settings_path(explicit)
        .ok_or_else(|| bad_input("no settings file location: give --config FILE"))?;
    match command {
        ConfigCommand::Show { json } => show_settings(&load_settings(&path), json),
        ConfigCommand::Set { key, value } => match config::set_value(&path, &key, &value) {
            Ok(_) => {
                println!("Set {key} = {} in {}", value.trim(), path.display());
                Ok(0)
            }
            Err(err) => {
                let message = format!("{err} (nothing was changed)");
                Err(if err.is_bad_input() {
                    bad_input(message)
                } else {
                    failure(message)
                })
            }
        },
    }
}

/// Every setting in use, in the file's own TOML syntax or as JSON, after the file's
/// path and state.
fn show_settings(loaded: &LoadedConfig, json: bool) -> Result<u8> {
    let settings = &loaded.config;
    let schedule = config::format_interval(settings.schedule);
    let mut out = std::io::stdout().lock();
    if json {
        let quotas: serde_json::Map<String, serde_json::Value> = settings
            .quotas
            .iter()
            .map(|(env, quota)| {
                let shown = json!({
                    "limit": config::format_size(quota.limit_bytes),
                    "limit_bytes": quota.limit_bytes,
                    "warn_percent": quota.warn_percent,
                    "auto_clean": quota.auto_clean,
                });
                (env.clone(), shown)
            })
            .collect();
        let doc = json!({
            "path": loaded.path,
            "from_file": loaded.from_file,
            "warning": loaded.warning.as_ref().map(ToString::to_string),
            "unknown_keys": loaded.unknown_keys,
            "settings": {
                "keep_on_error": settings.keep_on_error,
                "archive_cleans_done": settings.archive_cleans_done,
                "sweep_age_hours": settings.sweep_age_hours,
                "allow_unsaved_delete": settings.allow_unsaved_delete,
                "delete_merged_unsaved": settings.delete_merged_unsaved,
                "archive_slims_failed": settings.archive_slims_failed,
                "delete_mode": settings.delete_mode,
                "schedule": schedule,
                "schedule_seconds": settings.schedule.map(|s| s.as_secs_f64()),
                "quotas": quotas,
                "reclaim": reclaim_settings_shown(&settings.reclaim)
                    .into_iter()
                    .map(|(key, value)| (key, serde_json::Value::from(value)))
                    .collect::<serde_json::Map<String, serde_json::Value>>(),
            },
        });
        writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
        return Ok(0);
    }
    let state = match (&loaded.warning, loaded.from_file) {
        (Some(_), _) => " (unusable: the defaults are in use)",
        (None, false) => " (not there yet: the defaults are in use)",
        (None, true) => "",
    };
    writeln!(out, "Settings file: {}{state}", loaded.path.display())?;
    writeln!(out, "keep_on_error = {}", settings.keep_on_error)?;
    writeln!(
        out,
        "archive_cleans_done = {}",
        settings.archive_cleans_done
    )?;
    writeln!(out, "sweep_age_hours = {}", settings.sweep_age_hours)?;
    writeln!(
        out,
        "allow_unsaved_delete = {}",
        settings.allow_unsaved_delete
    )?;
    writeln!(
        out,
        "delete_merged_unsaved = {}",
        settings.delete_merged_unsaved
    )?;
    writeln!(
        out,
        "archive_slims_failed = {}",
        settings.archive_slims_failed
    )?;
    writeln!(out, "delete_mode = {:?}", settings.delete_mode.as_str())?;
    writeln!(out, "schedule = {schedule:?}")?;
    if settings.quotas.is_empty() {
        writeln!(out, "# no quotas")?;
    }
    for (env, quota) in &settings.quotas {
        writeln!(out, "\n[quotas.{}]", toml_edit::Key::new(env.as_str()))?;
        writeln!(out, "limit = {:?}", config::format_size(quota.limit_bytes))?;
        writeln!(out, "warn_percent = {}", quota.warn_percent)?;
        writeln!(out, "auto_clean = {}", quota.auto_clean)?;
    }
    writeln!(out, "\n[reclaim]")?;
    for (key, value) in reclaim_settings_shown(&settings.reclaim) {
        match value.parse::<usize>() {
            Ok(number) => writeln!(out, "{key} = {number}")?,
            Err(_) => writeln!(out, "{key} = {value:?}")?,
        }
    }
    Ok(0)
}
