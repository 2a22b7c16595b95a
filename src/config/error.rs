//! Why the settings file could not be read, or a setting not changed.

use super::keys::KEY_LIST;
use std::io;
use std::path::PathBuf;
use thiserror::Error;

/// Why the settings file could not be read, or a setting not changed.
#[derive(Debug, Error)]
pub enum ConfigError {
    /// `config set` named a setting that does not exist.
    #[error("unknown setting {key:?}: expected one of {}", KEY_LIST)]
    UnknownKey {
        /// The name as typed.
        key: String,
    },
    /// `config set` (or the window) gave a value the setting does not take.
    #[error("invalid value {value:?} for {key}: {reason}")]
    InvalidValue {
        /// The setting, e.g. `quotas.env-1.limit`.
        key: String,
        /// The value as typed.
        value: String,
        /// What the setting takes instead.
        reason: String,
    },
    /// The file holds a value the setting does not take; the file is left as it is.
    #[error("{}: invalid value {value} for {key}: {reason}", path.display())]
    InvalidFile {
        /// The settings file.
        path: PathBuf,
        /// The setting, e.g. `sweep_age_hours`.
        key: String,
        /// As written in the file (strings quoted).
        value: String,
        /// What the setting takes instead.
        reason: String,
    },
    /// The file is not TOML.
    #[error("{}: not valid TOML: {reason}", path.display())]
    Syntax {
        /// The settings file.
        path: PathBuf,
        /// The parser's message, with the line and column it points at.
        reason: String,
    },
    /// The file is not UTF-8 text.
    #[error("{}: not valid UTF-8", path.display())]
    NotUtf8 {
        /// The settings file.
        path: PathBuf,
    },
    /// A folder stands where the file should be.
    #[error("{}: a folder, not a settings file", path.display())]
    IsFolder {
        /// The settings path.
        path: PathBuf,
    },
    /// The file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The settings file.
        path: PathBuf,
        /// The operating system's reason.
        source: io::Error,
    },
    /// The file (or its folder) could not be written.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The settings file.
        path: PathBuf,
        /// The operating system's reason.
        source: io::Error,
    },
}

impl ConfigError {
    /// A bad key or value from the user (exit code 2), rather than a problem with the file.
    pub fn is_bad_input(&self) -> bool {
        matches!(self, Self::UnknownKey { .. } | Self::InvalidValue { .. })
    }
}
