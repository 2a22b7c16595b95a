//! Why the settings file could not be read, or a setting not changed.

use super::keys::KEY_LIST;
use std::io;
use std::path::PathBuf;
use thiserror::Error;

/// Why the settings file could not be read, or a setting not changed.
#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("unknown setting {key:?}: expected one of {}", KEY_LIST)]
    UnknownKey { key: String },
    #[error("invalid value {value:?} for {key}: {reason}")]
    InvalidValue {
        key: String,
        value: String,
        reason: String,
    },
    #[error("{}: invalid value {value} for {key}: {reason}", path.display())]
    InvalidFile {
        path: PathBuf,
        key: String,
        /// As written in the file (strings quoted).
        value: String,
        reason: String,
    },
    #[error("{}: not valid TOML: {reason}", path.display())]
    Syntax { path: PathBuf, reason: String },
    #[error("{}: not valid UTF-8", path.display())]
    NotUtf8 { path: PathBuf },
    #[error("{}: a folder, not a settings file", path.display())]
    IsFolder { path: PathBuf },
    #[error("cannot read {}: {source}", path.display())]
    Read { path: PathBuf, source: io::Error },
    #[error("cannot write {}: {source}", path.display())]
    Write { path: PathBuf, source: io::Error },
}

impl ConfigError {
    /// A bad key or value from the user (exit code 2), rather than a problem with the file.
    pub fn is_bad_input(&self) -> bool {
        matches!(self, Self::UnknownKey { .. } | Self::InvalidValue { .. })
    }
}
