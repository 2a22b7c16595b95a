//! Crash-safe file replacement: temp file in the same folder, fsync, rename.

use std::fs;
use std::io::{self, Write};
use std::path::Path;

/// Replaces `path` with `bytes` so that a reader (or a crash) sees either the old
/// or the new content, never a mix. `mode` (unix permission bits) is applied to
/// the new file before it becomes visible.
pub fn write_atomic(path: &Path, bytes: &[u8], mode: Option<u32>) -> io::Result<()> {
    let folder = path
        .parent()
        .ok_or_else(|| io::Error::other("path has no parent folder"))?;
    let mut temp = tempfile::Builder::new()
        .prefix(".agents-janitor-")
        .suffix(".tmp")
        .tempfile_in(folder)?;
    temp.write_all(bytes)?;
    temp.as_file().sync_all()?;
    apply_mode(temp.as_file(), mode)?;
    temp.persist(path).map_err(|err| err.error)?;
    sync_folder(folder)
}

#[cfg(unix)]
fn apply_mode(file: &fs::File, mode: Option<u32>) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    match mode {
        Some(bits) => file.set_permissions(fs::Permissions::from_mode(bits & 0o7777)),
        None => Ok(()),
    }
}

#[cfg(not(unix))]
fn apply_mode(_file: &fs::File, _mode: Option<u32>) -> io::Result<()> {
    Ok(())
}

/// Makes a rename or a new entry in `folder` durable.
#[cfg(unix)]
pub fn sync_folder(folder: &Path) -> io::Result<()> {
    fs::File::open(folder)?.sync_all()
}

#[cfg(not(unix))]
pub fn sync_folder(_folder: &Path) -> io::Result<()> {
    Ok(())
}

/// The permission bits of a file, to keep them when it is rewritten.
#[cfg(unix)]
pub fn mode_of(meta: &fs::Metadata) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    Some(meta.permissions().mode())
}

#[cfg(not(unix))]
pub fn mode_of(_meta: &fs::Metadata) -> Option<u32> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_content_and_leaves_no_temp_files() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("t.toml");
        fs::write(&path, "old")?;
        write_atomic(&path, b"new", Some(0o600))?;
        assert_eq!(fs::read_to_string(&path)?, "new");
        assert_eq!(fs::read_dir(dir.path())?.count(), 1);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(fs::metadata(&path)?.permissions().mode() & 0o777, 0o600);
        }
        Ok(())
    }

    #[test]
    fn a_missing_folder_is_an_error_not_a_panic() {
        let err = write_atomic(Path::new("/nonexistent-dir/x/t.toml"), b"x", None);
        assert!(err.is_err());
    }
}
