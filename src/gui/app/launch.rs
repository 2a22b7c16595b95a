//! How the window is started: the folder to open and every outside service the app
//! uses, which tests replace (a pausing filesystem, a manual clock, a fake
//! Agents-Runner).

use super::background::{FolderPicker, system_folder_picker};
use crate::agents_runner::{LiveProbe, Probe};
use crate::config::LoadedConfig;
use crate::container::ContainerRuntime;
use crate::gui::live_refresh::WatchMode;
use crate::gui::model::Settings;
use crate::policy::schedule::{Clock, SystemClock};
use crate::remove::{Filesystem, RealFilesystem};
use crate::store::{RecordCache, paths};
use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::Arc;

/// How the window is started.
pub struct Launch {
    /// The data directory to open; `None` shows the welcome screen.
    pub data_dir: Option<PathBuf>,
    /// Where "Create demo data" writes.
    pub demo_dir: PathBuf,
    /// The container runtime that removes a discarded task's container.
    pub containers: ContainerRuntime,
    /// What deletes go through (tests pass one that pauses).
    pub filesystem: Arc<dyn Filesystem>,
    /// Parsed task records kept between runs (`None`: parse every file each load).
    pub record_cache: Option<RecordCache>,
    /// The window's own choices saved by eframe (sort, filters, last folder).
    pub settings: Settings,
    /// The janitor's settings file as loaded (`None`: no home folder, so the defaults
    /// are used and nothing can be saved).
    pub config: Option<LoadedConfig>,
    /// Where "now" comes from for the schedule and toasts (tests move it by hand).
    pub clock: Arc<dyn Clock>,
    /// Desktop notifications through the session bus (tests turn them off).
    pub desktop_notifications: bool,
    /// Watch the data folder for Agents-Runner's changes.
    pub watch: WatchMode,
    /// Whether Agents-Runner runs on the data folder (tests pass a fake).
    pub agents_runner: Arc<dyn Probe>,
    /// Agents-Runner's home, where artifacts and crash reports are (tests pass a temp
    /// folder); `None`: only the data folder's share of the footprint is shown.
    pub runner_home: Option<PathBuf>,
    /// The GitHub CLI "Check remotes" asks about pull requests (`gh` on `PATH`).
    pub gh: OsString,
    /// What "Browse…" shows (tests pass one that answers at once).
    pub folder_picker: FolderPicker,
}

impl Launch {
    /// The real services: docker, the disk, the user's record cache, the system
    /// clock, desktop notifications, a watcher and the process table.
    pub fn new(data_dir: Option<PathBuf>, demo_dir: PathBuf, settings: Settings) -> Self {
        Self {
            data_dir,
            demo_dir,
            containers: ContainerRuntime::default(),
            filesystem: Arc::new(RealFilesystem),
            record_cache: RecordCache::for_user(),
            settings,
            config: None,
            clock: Arc::new(SystemClock),
            desktop_notifications: true,
            watch: WatchMode::default(),
            agents_runner: Arc::new(LiveProbe),
            runner_home: paths::runner_home_of_user(),
            gh: OsString::from("gh"),
            folder_picker: system_folder_picker,
        }
    }
}
