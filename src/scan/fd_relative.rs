//! The walk on unix: every folder is opened relative to its parent's open handle
//! (`openat`, never following a symlink) and every entry is looked at once relative to
//! its folder's handle (`statx` on Linux, which also says whether it is the root of a
//! mount), so no full path is resolved again for each entry.

use super::*;
use crate::entry_stat::{EntryStat, stat_at, stat_path};
use crate::mounts::{MountBoundary, is_mount_root};
use rustix::fs::{CWD, Dir, Mode, OFlags};
use std::ffi::{CString, OsStr};
use std::os::unix::ffi::OsStrExt;

const DIR_FLAGS: OFlags = OFlags::RDONLY
    .union(OFlags::DIRECTORY)
    .union(OFlags::NOFOLLOW)
    .union(OFlags::CLOEXEC);
/// Below this depth a folder is opened by its full path, so a very deep tree never
/// holds more than this many handles open per thread.
const MAX_HELD_DEPTH: usize = 64;

/// A folder waiting to be read.
pub(super) struct DirTask {
    path: PathBuf,
    /// The open parent folder and this folder's name in it.
    parent: Option<(Arc<Dir>, CString)>,
    depth: usize,
    /// The root's mount: the walk never leaves it.
    boundary: Arc<MountBoundary>,
}

/// Looks at the root: a mount point is not counted, anything else is.
pub(super) fn root_entry(root: &Path) -> io::Result<RootEntry> {
    let stat = stat_path(root)?;
    let unsure = match is_mount_root(root, &stat) {
        Ok(true) => return Ok(RootEntry::MountPoint),
        Ok(false) => None,
        Err(err) => Some(problem(
            root,
            "cannot tell whether it is a mount point",
            &err,
        )),
    };
    let entry = entry_of(&stat);
    let dir = entry.is_dir.then(|| DirTask {
        path: root.to_path_buf(),
        parent: None,
        depth: 0,
        boundary: Arc::new(MountBoundary::of(&stat)),
    });
    Ok(RootEntry::Inside {
        entry,
        dir,
        problem: unsure,
    })
}

impl Scanner {
    /// Counts the entries of `dir` into `tally`; returns its subfolders.
    pub(super) fn read_dir(&self, dir: &DirTask, tally: &mut Tally) -> Vec<DirTask> {
        let mut handle = match self.open(dir) {
            Ok(handle) => handle,
            Err(err) => {
                tally
                    .problems
                    .push(problem(&dir.path, "cannot read directory", &err));
                return Vec::new();
            }
        };
        let names = match crate::dir_names::entry_names(&mut handle) {
            Ok(names) => names,
            Err(err) => {
                tally
                    .problems
                    .push(problem(&dir.path, "cannot list entry", &err));
                return Vec::new();
            }
        };
        // Shared with the subfolders, which are opened relative to it.
        let handle = Arc::new(handle);
        let fd = match handle.fd() {
            Ok(fd) => fd,
            Err(err) => {
                let err = io::Error::from(err);
                tally
                    .problems
                    .push(problem(&dir.path, "cannot read directory", &err));
                return Vec::new();
            }
        };
        let mut subdirs = Vec::new();
        let path_of = |name: &CString| dir.path.join(OsStr::from_bytes(name.to_bytes()));
        for name in names {
            let stat = match stat_at(fd, name.as_c_str()) {
                Ok(stat) => stat,
                Err(err) => {
                    tally
                        .problems
                        .push(problem(&path_of(&name), "cannot read metadata", &err));
                    continue;
                }
            };
            if dir.boundary.is_another_mount(&stat, || path_of(&name)) {
                tally.mount_points.push(path_of(&name));
                continue;
            }
            let entry = entry_of(&stat);
            self.count(tally, &entry);
            if entry.is_dir {
                let path = path_of(&name);
                let depth = dir.depth + 1;
                let parent = (depth < MAX_HELD_DEPTH).then(|| (Arc::clone(&handle), name));
                subdirs.push(DirTask {
                    path,
                    parent,
                    depth,
                    boundary: Arc::clone(&dir.boundary),
                });
            }
        }
        subdirs
    }

    fn open(&self, dir: &DirTask) -> io::Result<Dir> {
        self.check_readable(&dir.path)?;
        let fd = match &dir.parent {
            Some((parent, name)) => {
                rustix::fs::openat(parent.fd()?, name, DIR_FLAGS, Mode::empty())
            }
            None => rustix::fs::openat(CWD, &dir.path, DIR_FLAGS, Mode::empty()),
        }?;
        Ok(Dir::new(fd)?)
    }
}

fn entry_of(stat: &EntryStat) -> Entry {
    Entry {
        is_dir: stat.is_dir(),
        len: stat.size,
        // st_blocks is always in 512-byte units, whatever the file system block size.
        disk_bytes: stat.blocks.saturating_mul(512),
        mtime: stat.mtime,
        nlink: stat.nlink,
        dev: stat.dev,
        ino: stat.ino,
    }
}
