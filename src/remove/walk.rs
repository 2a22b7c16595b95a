//! The deleting walk over a staged tree.
//!
//! On unix it works relative to open folder handles (`openat`/`unlinkat` with
//! `O_NOFOLLOW`, each handle checked to be the folder that was examined), so a folder
//! swapped for a symlink while the walk runs — a still-running agent can do that — is
//! never followed. It never enters another mount: every entry's own `statx` says
//! whether it begins one (by mount identity on Linux, so a bind mount of a folder on the
//! same filesystem is seen too; see [`crate::mounts`]), and a mount point is left alone
//! and reported. Elsewhere it works on paths, checking each entry with `lstat`.
//!
//! # Design note: why a walker of our own, not `walkdir` or `remove_dir_all`
//!
//! The reasons are the scanner's (see the design note in [`crate::scan`]), sharper here
//! because a mistake deletes what is not ours:
//!
//! - **Symlink races.** A path-based walk (`walkdir`, or `std::fs::remove_dir_all` before
//!   Rust 1.58.1, CVE-2022-21658) can be led out of the tree by a folder swapped for a
//!   symlink between the look and the delete. Here every folder is opened with
//!   `openat(O_NOFOLLOW | O_DIRECTORY)` relative to its parent's handle, the opened handle
//!   is checked (`fstat`: same device and inode) to be the folder that was examined, and
//!   every entry is removed with `unlinkat` relative to that handle.
//! - **Mounts by identity.** Each entry's own `statx` says whether it is the root of a
//!   mount, a bind mount on the same filesystem included (a device comparison misses it);
//!   such an entry is never entered or removed, and is reported.
//! - **Hard links.** Bytes are counted as freed only when an entry's last link goes, so
//!   a purge reports what the disk gets back.
//! - **Parallel, and past failures.** A folder's entries are deleted on rayon's
//!   work-stealing pool; an entry that cannot go is reported and the rest still goes;
//!   a read-only folder (a `chmod -R a-w` tree) is given owner `rwx` and tried once more.
//! - **Testable.** Every step is announced to the [`Filesystem`] seam first, so tests
//!   inject the failures root cannot provoke with `chmod`.

use super::{Filesystem, Operation, ProgressFn, PurgeReport, RemoveFailure};
use rayon::prelude::*;
use std::io;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

pub(super) struct Walk<'a> {
    pub fs: &'a dyn Filesystem,
    pub cancel: &'a AtomicBool,
    pub progress: ProgressFn<'a>,
}

impl Walk<'_> {
    fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }
}

fn failure(path: &Path, message: impl Into<String>) -> PurgeReport {
    PurgeReport {
        failures: vec![RemoveFailure {
            path: path.to_path_buf(),
            message: message.into(),
        }],
        ..PurgeReport::default()
    }
}

#[cfg(unix)]
mod fd_relative {
    use super::*;
    use crate::entry_stat::{EntryStat, stat_at};
    use crate::mounts::MountBoundary;
    use rustix::fs::{AtFlags, CWD, Dir, FileType, Mode, OFlags};
    use std::ffi::{CStr, CString, OsStr};
    use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
    use std::os::unix::ffi::OsStrExt;
    use std::path::PathBuf;

    const MOUNT_POINT: &str = "it is a mount point or on another filesystem: left alone";

    const DIR_FLAGS: OFlags = OFlags::RDONLY
        .union(OFlags::DIRECTORY)
        .union(OFlags::NOFOLLOW)
        .union(OFlags::CLOEXEC);

    impl Walk<'_> {
        /// Deletes `staged` and everything under it; the mount of its folder (the staging
        /// folder) bounds the walk, so a staged tree that is a mount point is left whole.
        pub(in crate::remove) fn purge(&self, staged: &Path) -> PurgeReport {
            let (Some(parent), Some(name)) = (staged.parent(), staged.file_name()) else {
                return failure(staged, "not an entry of a folder");
            };
            let Ok(name) = CString::new(name.as_bytes()) else {
                return failure(staged, "the name holds a NUL byte");
            };
            let parent_dir = match rustix::fs::openat(CWD, parent, DIR_FLAGS, Mode::empty()) {
                Ok(fd) => fd,
                Err(err) => return failure(parent, io::Error::from(err).to_string()),
            };
            let boundary = match stat_at(parent_dir.as_fd(), c".") {
                Ok(folder) => MountBoundary::of(&folder),
                Err(err) => return failure(parent, err.to_string()),
            };
            match stat_at(parent_dir.as_fd(), name.as_c_str()) {
                Ok(stat) => self.entry(
                    parent_dir.as_fd(),
                    parent,
                    &name,
                    staged.to_path_buf(),
                    &stat,
                    &boundary,
                ),
                Err(err) if err.kind() == io::ErrorKind::NotFound => PurgeReport::default(),
                Err(err) => failure(staged, err.to_string()),
            }
        }

        fn entry(
            &self,
            parent: BorrowedFd,
            parent_path: &Path,
            name: &CStr,
            path: PathBuf,
            stat: &EntryStat,
            boundary: &MountBoundary,
        ) -> PurgeReport {
            // Also a file can be a mount point (a bind mount of a file).
            if boundary.is_another_mount(stat, || path.clone()) {
                return failure(&path, MOUNT_POINT);
            }
            if !stat.is_dir() {
                // Files, symlinks (the link itself) and special files.
                return self.unlink(parent, parent_path, name, &path, stat, AtFlags::empty());
            }
            if self.cancelled() {
                return PurgeReport::default();
            }
            let dir = match self.open_dir(parent, name, &path) {
                Ok(dir) => dir,
                Err(err) => return failure(&path, err.to_string()),
            };
            // The handle must be the folder examined above, not one swapped in since.
            match rustix::fs::fstat(&dir) {
                Ok(opened) if identity(&opened) == (stat.dev, stat.ino) => {}
                Ok(_) => return failure(&path, "replaced while being deleted; left alone"),
                Err(err) => return failure(&path, io::Error::from(err).to_string()),
            }
            // Read through the handle itself: a second stream would cost two more calls.
            let mut reader = match Dir::new(dir) {
                Ok(reader) => reader,
                Err(err) => return failure(&path, io::Error::from(err).to_string()),
            };
            let names = match crate::dir_names::entry_names(&mut reader) {
                Ok(names) => names,
                Err(err) => return failure(&path, err.to_string()),
            };
            let dir = match reader.fd() {
                Ok(fd) => fd,
                Err(err) => return failure(&path, io::Error::from(err).to_string()),
            };
            let mut report = names
                .into_par_iter()
                .map(|child| {
                    let child_path = path.join(OsStr::from_bytes(child.to_bytes()));
                    match stat_at(dir, child.as_c_str()) {
                        Ok(child_stat) => {
                            self.entry(dir, &path, &child, child_path, &child_stat, boundary)
                        }
                        Err(err) if err.kind() == io::ErrorKind::NotFound => PurgeReport::default(),
                        Err(err) => failure(&child_path, err.to_string()),
                    }
                })
                .reduce(PurgeReport::default, PurgeReport::merged);
            if report.failures.is_empty() && !self.cancelled() {
                report = report.merged(self.unlink(
                    parent,
                    parent_path,
                    name,
                    &path,
                    stat,
                    AtFlags::REMOVEDIR,
                ));
            }
            report
        }

        /// Opens a child folder without following a symlink; a folder we may not read
        /// is given owner rwx and opened again.
        fn open_dir(&self, parent: BorrowedFd, name: &CStr, path: &Path) -> io::Result<OwnedFd> {
            let open = || -> io::Result<OwnedFd> {
                self.fs.before(Operation::ListDir, path)?;
                Ok(rustix::fs::openat(parent, name, DIR_FLAGS, Mode::empty())?)
            };
            match open() {
                Err(err) if err.kind() == io::ErrorKind::PermissionDenied => {
                    self.fs.before(Operation::MakeWritable, path)?;
                    let stat = rustix::fs::statat(parent, name, AtFlags::SYMLINK_NOFOLLOW)?;
                    if FileType::from_raw_mode(stat.st_mode) != FileType::Directory {
                        return Err(err);
                    }
                    rustix::fs::chmodat(parent, name, owner_rwx(stat.st_mode), AtFlags::empty())?;
                    open()
                }
                other => other,
            }
        }

        /// Removes one entry; when its folder refuses ("permission denied"), gives the
        /// folder owner rwx and tries once more.
        fn unlink(
            &self,
            parent: BorrowedFd,
            parent_path: &Path,
            name: &CStr,
            path: &Path,
            stat: &EntryStat,
            flags: AtFlags,
        ) -> PurgeReport {
            let operation = if flags.contains(AtFlags::REMOVEDIR) {
                Operation::RemoveDir
            } else {
                Operation::RemoveFile
            };
            let remove = || -> io::Result<()> {
                self.fs.before(operation, path)?;
                Ok(rustix::fs::unlinkat(parent, name, flags)?)
            };
            let result = match remove() {
                Err(err) if err.kind() == io::ErrorKind::PermissionDenied => self
                    .make_writable(parent, parent_path)
                    .and_then(|()| remove()),
                other => other,
            };
            match result {
                Ok(()) => {
                    let freed = freed_bytes(stat);
                    (self.progress)(1, freed);
                    PurgeReport {
                        bytes_freed: freed,
                        entries_removed: 1,
                        ..PurgeReport::default()
                    }
                }
                Err(err) => failure(path, err.to_string()),
            }
        }

        fn make_writable(&self, dir: BorrowedFd, dir_path: &Path) -> io::Result<()> {
            self.fs.before(Operation::MakeWritable, dir_path)?;
            let stat = rustix::fs::fstat(dir)?;
            Ok(rustix::fs::fchmod(dir, owner_rwx(stat.st_mode))?)
        }
    }

    fn owner_rwx(mode: rustix::fs::RawMode) -> Mode {
        Mode::from_raw_mode((mode & 0o7777) | 0o700)
    }

    /// Device and inode. Field widths differ between unixes (e.g. `st_dev` is 32-bit
    /// on macOS).
    #[allow(clippy::unnecessary_cast)]
    fn identity(stat: &rustix::fs::Stat) -> (u64, u64) {
        (stat.st_dev as u64, stat.st_ino as u64)
    }

    /// Bytes that deleting this entry gives back: nothing while other hard links remain.
    fn freed_bytes(stat: &EntryStat) -> u64 {
        if stat.is_dir() || stat.nlink <= 1 {
            stat.blocks.saturating_mul(512)
        } else {
            0
        }
    }
}

#[cfg(not(unix))]
mod by_path {
    use super::*;
    use std::fs::{self, Metadata};

    impl Walk<'_> {
        /// Deletes `staged` and everything under it.
        pub(in crate::remove) fn purge(&self, staged: &Path) -> PurgeReport {
            match fs::symlink_metadata(staged) {
                Ok(meta) => self.entry(staged, &meta),
                Err(err) if err.kind() == io::ErrorKind::NotFound => PurgeReport::default(),
                Err(err) => failure(staged, err.to_string()),
            }
        }

        fn entry(&self, path: &Path, meta: &Metadata) -> PurgeReport {
            if !meta.is_dir() {
                return self.remove(path, meta, Operation::RemoveFile);
            }
            if self.cancelled() {
                return PurgeReport::default();
            }
            let children: Vec<_> = match self
                .fs
                .before(Operation::ListDir, path)
                .and_then(|()| fs::read_dir(path))
            {
                Ok(entries) => entries.filter_map(Result::ok).map(|e| e.path()).collect(),
                Err(err) => return failure(path, err.to_string()),
            };
            let mut report = children
                .into_par_iter()
                .map(|child| match fs::symlink_metadata(&child) {
                    Ok(child_meta) => self.entry(&child, &child_meta),
                    Err(err) if err.kind() == io::ErrorKind::NotFound => PurgeReport::default(),
                    Err(err) => failure(&child, err.to_string()),
                })
                .reduce(PurgeReport::default, PurgeReport::merged);
            if report.failures.is_empty() && !self.cancelled() {
                report = report.merged(self.remove(path, meta, Operation::RemoveDir));
            }
            report
        }

        fn remove(&self, path: &Path, meta: &Metadata, operation: Operation) -> PurgeReport {
            let remove = || -> io::Result<()> {
                self.fs.before(operation, path)?;
                match operation {
                    Operation::RemoveDir => fs::remove_dir(path),
                    _ => fs::remove_file(path),
                }
            };
            let result = match remove() {
                // The read-only mark may sit on the entry or on its folder.
                Err(err) if err.kind() == io::ErrorKind::PermissionDenied => self
                    .make_writable(path)
                    .and_then(|()| {
                        path.parent()
                            .map_or(Ok(()), |parent| self.make_writable(parent))
                    })
                    .and_then(|()| remove()),
                other => other,
            };
            match result {
                Ok(()) => {
                    (self.progress)(1, meta.len());
                    PurgeReport {
                        bytes_freed: meta.len(),
                        entries_removed: 1,
                        ..PurgeReport::default()
                    }
                }
                Err(err) => failure(path, err.to_string()),
            }
        }

        /// Clears the read-only flag (the obstacle to deleting on these systems).
        fn make_writable(&self, path: &Path) -> io::Result<()> {
            self.fs.before(Operation::MakeWritable, path)?;
            let mut permissions = fs::symlink_metadata(path)?.permissions();
            #[allow(clippy::permissions_set_readonly_false)]
            permissions.set_readonly(false);
            fs::set_permissions(path, permissions)
        }
    }
}
