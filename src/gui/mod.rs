//! The desktop app (feature `gui`): an eframe window over the core's worker thread.
//!
//! [`JanitorApp`] holds the window's state in parts (`app/`: selection, table, log,
//! dialogs, the worker link, ...) and draws into any [`egui::Ui`], so tests drive the
//! real app headless with `egui_kittest`; [`run`] only wraps it in a native window
//! and persists [`Settings`]. The panels (`panels/`, one file each) and the dialogs
//! (`dialogs/`) only read the app and report what the user asked for; `style` holds
//! the colours and badges, `widgets` the small pieces they share, and [`model`] the
//! rows and totals computed from a snapshot. What runs by itself as time passes:
//! `automation` (schedule, quotas), `live_refresh` and `agents_runner_watch`.

mod agents_runner_watch;
mod app;
mod automation;
mod desktop_notification;
mod dialogs;
mod live_refresh;
pub mod model;
mod one_off;
mod panels;
mod style;
mod toasts;
mod widgets;

pub use agents_runner_watch::AGENTS_RUNNER_RECHECK;
pub use app::{
    Dialog, FolderPicker, JanitorApp, Launch, PickedFolder, Running, Tab, TaskLabel, TaskLog,
    UndoOffer, Welcome, reclaim_button_label, system_folder_picker,
};
pub use dialogs::{
    DraftErrors, QuotaDraft, QuotaErrors, ReclaimDraft, SettingsDraft, confirm_button_label,
};
pub use live_refresh::{PERIODIC_REFRESH, WatchMode};
pub use model::{OrphanRowKind, Settings, SortKey};
pub use toasts::Toast;

use crate::store::paths;
use anyhow::{Context, Result, anyhow};
use std::path::PathBuf;

const ICON_PNG: &[u8] = include_bytes!("../../assets/agents-janitor.png");

/// The folder "Create demo data" writes to (shown to the user on the welcome screen).
pub fn default_demo_dir() -> Result<PathBuf> {
    directories::ProjectDirs::from("", "", "agents-janitor")
        .map(|dirs| dirs.data_dir().join("demo"))
        .context("no home folder to put a demo data directory in")
}

/// Opens the window. The data folder is `explicit` (`--data-dir`), else the one
/// chosen last time, else `$AGENTS_RUNNER_STATE_PATH` or `~/.midoriai/agents-runner`.
/// The janitor's settings come from `config_path` (`None`: defaults, not saved).
pub fn run(explicit: Option<PathBuf>, config_path: Option<PathBuf>) -> Result<()> {
    let demo_dir = default_demo_dir()?;
    let loaded = config_path.as_deref().map(crate::config::load);
    let mut viewport = egui::ViewportBuilder::default()
        .with_title("agents-janitor")
        .with_app_id("agents-janitor")
        .with_inner_size([1280.0, 800.0])
        .with_min_inner_size([720.0, 480.0]);
    if let Ok(icon) = eframe::icon_data::from_png_bytes(ICON_PNG) {
        viewport = viewport.with_icon(icon);
    }
    let options = eframe::NativeOptions {
        viewport,
        ..Default::default()
    };
    eframe::run_native(
        "agents-janitor",
        options,
        Box::new(move |cc| {
            let settings: Settings = cc
                .storage
                .and_then(|storage| eframe::get_value(storage, eframe::APP_KEY))
                .unwrap_or_default();
            let data_dir = explicit
                .or_else(|| settings.data_dir.clone().filter(|dir| dir.exists()))
                .or_else(|| paths::data_dir_from_env(None));
            let mut launch = Launch::new(data_dir, demo_dir, settings);
            launch.config = loaded;
            Ok(Box::new(Window {
                app: JanitorApp::new(&cc.egui_ctx, launch),
            }))
        }),
    )
    .map_err(|err| anyhow!("cannot open the window: {err}"))
}

struct Window {
    app: JanitorApp,
}

impl eframe::App for Window {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.app.ui(ui);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, eframe::APP_KEY, self.app.settings());
    }
}
