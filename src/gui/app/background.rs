//! One-off threads the window starts so a frame never waits: the demo data writer,
//! the system folder picker, the check of a typed folder and the settings file
//! writer. Each answers once on a channel and wakes the window.

use crate::config::{self, Config};
use crate::demo;
use crate::gui::one_off;
use crate::store::{self, paths};
use crossbeam_channel::Receiver;
use std::path::PathBuf;

/// What the system's folder picker gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PickedFolder {
    /// This folder.
    Picked(PathBuf),
    /// Nothing: the picker was closed.
    Cancelled,
    /// No picker could be shown; why.
    Unavailable(String),
}

/// Shows a folder picker starting in a folder and waits for it (the window passes
/// [`system_folder_picker`]; tests, one that answers at once).
pub type FolderPicker = fn(Option<PathBuf>) -> PickedFolder;

/// What the demo writer, the folder picker or the folder check answered.
pub(crate) enum Finished {
    /// The demo data folder, or why it could not be written.
    DemoWritten(Result<PathBuf, String>),
    /// What the picker gave.
    FolderPicked(PickedFolder),
    /// A folder the user named, resolved, or why it is not a data folder.
    FolderChecked(Result<PathBuf, String>),
}

/// The one-off threads in flight.
pub(crate) struct Background {
    ctx: egui::Context,
    /// The demo writer or the folder picker (one at a time).
    job: Option<Receiver<Finished>>,
    /// The settings being written: what was saved, or why not.
    settings_save: Option<Receiver<Result<Config, String>>>,
}

impl Background {
    pub(crate) fn new(ctx: egui::Context) -> Self {
        Self {
            ctx,
            job: None,
            settings_save: None,
        }
    }

    /// The demo writer or the folder picker is running.
    pub(crate) fn busy(&self) -> bool {
        self.job.is_some()
    }

    /// Writes the demo data folder at `dir` (kept when it already holds one).
    pub(crate) fn write_demo(&mut self, dir: PathBuf) -> Result<(), String> {
        self.start_job("agents-janitor-demo", move || {
            let result = if paths::environments_file(&dir).exists() {
                Ok(dir)
            } else {
                demo::write_demo(&dir)
                    .map(|summary| summary.data_dir)
                    .map_err(|err| err.to_string())
            };
            Finished::DemoWritten(result)
        })
        .map_err(|err| format!("cannot start the demo writer: {err}"))
    }

    /// Runs `picker`, starting in `start`.
    pub(crate) fn pick_folder(
        &mut self,
        picker: FolderPicker,
        start: Option<PathBuf>,
    ) -> Result<(), String> {
        self.start_job("agents-janitor-picker", move || {
            Finished::FolderPicked(picker(start))
        })
        .map_err(|err| format!("cannot open the folder picker: {err}"))
    }

    /// Checks that `dir` is a data folder ([`store::check_data_dir`]).
    pub(crate) fn check_folder(&mut self, dir: PathBuf) -> Result<(), String> {
        self.start_job("agents-janitor-folder-check", move || {
            Finished::FolderChecked(store::check_data_dir(&dir).map_err(|err| err.to_string()))
        })
        .map_err(|err| format!("cannot check the folder: {err}"))
    }

    fn start_job(
        &mut self,
        name: &str,
        job: impl FnOnce() -> Finished + Send + 'static,
    ) -> std::io::Result<()> {
        self.job = Some(one_off::spawn(name, &self.ctx, job)?);
        Ok(())
    }

    /// The demo writer's or the folder picker's answer, once it is in.
    pub(crate) fn finished(&mut self) -> Option<Finished> {
        let answer = self.job.as_ref()?.try_recv().ok()?;
        self.job = None;
        Some(answer)
    }

    /// Writes `config` to `path`; [`Background::settings_saved`] tells how it went.
    pub(crate) fn save_settings(&mut self, path: PathBuf, config: Config) -> Result<(), String> {
        let saving = one_off::spawn("agents-janitor-settings", &self.ctx, move || {
            config::save(&path, &config)
                .map(|()| config)
                .map_err(|err| err.to_string())
        })
        .map_err(|err| format!("cannot start a thread to save: {err}"))?;
        self.settings_save = Some(saving);
        Ok(())
    }

    /// The settings as saved, or why they were not, once the writer is done.
    pub(crate) fn settings_saved(&mut self) -> Option<Result<Config, String>> {
        let saved = self.settings_save.as_ref()?.try_recv().ok()?;
        self.settings_save = None;
        Some(saved)
    }
}

/// The system folder picker, starting in `start`; blocks until it closes. On Linux
/// and the BSDs it needs a desktop portal (over the session bus) or `zenity`: with
/// neither, rfd would return at once as if cancelled, so this says why instead.
pub fn system_folder_picker(start: Option<PathBuf>) -> PickedFolder {
    #[cfg(all(unix, not(target_os = "macos")))]
    if !crate::gui::desktop_notification::session_bus_here() && !program_on_path("zenity") {
        return PickedFolder::Unavailable(
            "no desktop portal (no session bus) and no zenity".into(),
        );
    }
    let dialog = rfd::FileDialog::new().set_title("Open an Agents-Runner data folder");
    let picked = match start {
        Some(dir) => dialog.set_directory(dir).pick_folder(),
        None => dialog.pick_folder(),
    };
    picked.map_or(PickedFolder::Cancelled, PickedFolder::Picked)
}

/// Whether an executable file `name` is in a folder of `PATH`.
#[cfg(all(unix, not(target_os = "macos")))]
fn program_on_path(name: &str) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::env::var_os("PATH").is_some_and(|path| {
        std::env::split_paths(&path).any(|dir| {
            std::fs::metadata(dir.join(name))
                .is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
        })
    })
}
