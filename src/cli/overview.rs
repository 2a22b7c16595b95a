//! No subcommand: the desktop window where there is a display, else a text overview.

use super::demo::demo;
use super::open;
use super::settings::settings;
use super::usage::usage;
use crate::config::Config;
use crate::store::paths;
use anyhow::{Context, Result};
use std::path::Path;

/// No subcommand: the desktop app where there is a display, else the text overview.
pub(super) fn window_or_overview(
    data_dir: Option<&Path>,
    config_path: Option<&Path>,
) -> Result<u8> {
    #[cfg(feature = "gui")]
    if has_display() {
        let settings_path = super::settings::settings_path(config_path);
        crate::gui::run(data_dir.map(Path::to_path_buf), settings_path)?;
        return Ok(0);
    }
    overview(data_dir, &settings(config_path))
}

/// Whether a window can be opened: on Linux and the BSDs that needs X11 or Wayland.
#[cfg(feature = "gui")]
fn has_display() -> bool {
    if cfg!(any(target_os = "windows", target_os = "macos")) {
        return true;
    }
    ["DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .any(|var| std::env::var_os(var).is_some_and(|v| !v.is_empty()))
}

/// No display (or no `gui` feature): show the data directory's usage, or, when there is none yet,
/// generate a demo data directory and show that.
fn overview(explicit: Option<&Path>, settings: &Config) -> Result<u8> {
    let data_dir = paths::data_dir_from_env(explicit);
    if let Some(dir) = data_dir.as_ref().filter(|d| d.is_dir()) {
        let snapshot = open(Some(dir))?;
        usage(&snapshot, false, settings)?;
        println!("\nRun `agents-janitor --help` for list, archive, discard and sweep.");
        return Ok(0);
    }
    let demo_dir = directories::ProjectDirs::from("", "", "agents-janitor")
        .map(|dirs| dirs.data_dir().join("demo"))
        .context("no home folder to put a demo data directory in")?;
    let shown = data_dir
        .map(|d| d.display().to_string())
        .unwrap_or_else(|| "(unknown)".into());
    println!("No Agents-Runner data directory at {shown}.");
    if !demo_dir.join(paths::ENVIRONMENTS_FILE).exists() {
        demo(&demo_dir)?;
    }
    println!(
        "Showing the demo data directory at {}:\n",
        demo_dir.display()
    );
    let snapshot = open(Some(&demo_dir))?;
    usage(&snapshot, false, settings)?;
    println!(
        "\nTry: agents-janitor --data-dir {} sweep --dry-run",
        demo_dir.display()
    );
    Ok(0)
}
