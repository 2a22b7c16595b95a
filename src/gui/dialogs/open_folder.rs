//! The dialog that opens a typed data folder path.

use std::path::PathBuf;

/// A typed path, with a leading `~` meaning the home folder.
pub(super) fn expand_home(typed: &str) -> Option<PathBuf> {
    if typed.is_empty() {
        return None;
    }
    match typed.strip_prefix('~') {
        Some(rest) if rest.is_empty() || rest.starts_with('/') => directories::UserDirs::new()
            .map(|dirs| dirs.home_dir().join(rest.trim_start_matches('/'))),
        _ => Some(PathBuf::from(typed)),
    }
}
