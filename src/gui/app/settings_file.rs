//! The janitor's settings file as the window uses it: the settings in force, where
//! they are saved, and why the file on disk cannot be used (it is then never
//! overwritten).

use crate::config::{Config, LoadedConfig};
use crate::gui::dialogs::SettingsLocation;
use std::path::PathBuf;

/// The settings in force and their file.
pub(crate) struct SettingsFile {
    config: Config,
    /// `None`: no home folder, so nothing can be saved.
    path: Option<PathBuf>,
    unusable: Option<String>,
}

impl SettingsFile {
    /// The settings as loaded (`None`: the defaults, not saved), and the keys the file
    /// holds that the janitor does not know.
    pub(crate) fn new(loaded: Option<LoadedConfig>) -> (Self, Vec<String>) {
        match loaded {
            Some(loaded) => (
                Self {
                    config: loaded.config,
                    path: Some(loaded.path),
                    unusable: loaded.warning.map(|w| w.to_string()),
                },
                loaded.unknown_keys,
            ),
            None => (
                Self {
                    config: Config::default(),
                    path: None,
                    unusable: None,
                },
                Vec::new(),
            ),
        }
    }

    pub(crate) fn config(&self) -> &Config {
        &self.config
    }

    pub(crate) fn path(&self) -> Option<&PathBuf> {
        self.path.as_ref()
    }

    /// Why the file on disk is not used, if it is not.
    pub(crate) fn unusable(&self) -> Option<&str> {
        self.unusable.as_deref()
    }

    /// The file's path as the log and the dialog show it.
    pub(crate) fn shown_path(&self) -> String {
        self.path
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_default()
    }

    /// What the Settings dialog says of the file.
    pub(crate) fn location(&self) -> SettingsLocation {
        SettingsLocation {
            path: self.path.clone(),
            unusable: self.unusable.clone(),
        }
    }

    /// The settings just saved are in force.
    pub(crate) fn saved(&mut self, config: Config) {
        self.config = config;
    }
}
