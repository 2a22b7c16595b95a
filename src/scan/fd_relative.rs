//! The walk on unix: every folder is opened relative to its parent's open handle
//! (`openat`, never following a symlink) and every entry is looked at once relative to
//! its folder's handle (`statx` on Linux, which also says whether it is the root of a
//! mount), so no full path is resolved again for each entry.
//!
//! What a folder costs is kept to its system calls: the names are read straight out of
//! the `getdents64` buffer (one buffer per walking task), only subfolders' names are
//! copied, and a folder's path is only put together for a problem or a mount point.

use super::*;
use crate::entry_stat::{EntryStat, stat_at, stat_path};
use crate::mounts::{MountBoundary, is_mount_root};
use rustix::fd::{AsFd, BorrowedFd, OwnedFd};
use rustix::fs::{CWD, Mode, OFlags};
use std::ffi::{CStr, CString, OsStr};
use std::os::unix::ffi::OsStrExt;

const DIR_FLAGS: OFlags = OFlags::RDONLY
    .union(OFlags::DIRECTORY)
    .union(OFlags::NOFOLLOW)
    .union(OFlags::CLOEXEC);
/// Every this many levels a folder is opened by its full path, so a very deep tree never
/// holds more than this many handles open per chain of folders.
const MAX_HELD_DEPTH: usize = 64;

/// A folder waiting to be read.
pub(super) struct DirTask {
    place: Place,
    depth: usize,
    /// The root's mount: the walk never leaves it.
    boundary: Arc<MountBoundary>,
    /// How the listing of a folder of this root may end.
    listing_end: ListingEnd,
}

/// Where a folder is: its name in an open folder, or (the root, and every
/// [`MAX_HELD_DEPTH`] levels) a full path.
enum Place {
    Path(PathBuf),
    In {
        parent: Arc<OpenFolder>,
        name: CString,
    },
}

impl Place {
    /// The folder's full path, put together from its chain of open folders.
    fn path(&self) -> PathBuf {
        match self {
            Place::Path(path) => path.clone(),
            Place::In { parent, name } => {
                parent.place.path().join(OsStr::from_bytes(name.to_bytes()))
            }
        }
    }
}

/// A folder being read: its handle is shared with its subfolders, which are opened
/// relative to it.
struct OpenFolder {
    fd: OwnedFd,
    place: Place,
}

impl OpenFolder {
    fn path_of(&self, name: &CStr) -> PathBuf {
        self.place.path().join(OsStr::from_bytes(name.to_bytes()))
    }
}

/// Whether reading a folder may stop at the entry that says it is the last, or must go
/// on until `getdents64` returns nothing (see [`listing`]).
#[derive(Clone, Copy, PartialEq, Eq)]
enum ListingEnd {
    /// The root, before its handle told which filesystem it is on.
    Unknown,
    /// ext4: the last entry's cookie says whether the listing reached the end.
    #[cfg(target_os = "linux")]
    Ext4EndCookie,
    /// Anywhere else: read until nothing comes back.
    ReadToEmpty,
}

/// The `getdents64` buffer of one walking task: 32 KiB hold a folder of about 800
/// entries in one call; larger folders take several.
#[cfg(target_os = "linux")]
pub(super) struct ReadBuffer(Vec<std::mem::MaybeUninit<u8>>);

#[cfg(target_os = "linux")]
impl Default for ReadBuffer {
    fn default() -> Self {
        Self(vec![std::mem::MaybeUninit::uninit(); 32 * 1024])
    }
}

/// Elsewhere rustix's `Dir` keeps its own buffer.
#[cfg(not(target_os = "linux"))]
#[derive(Default)]
pub(super) struct ReadBuffer;

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
        place: Place::Path(root.to_path_buf()),
        depth: 0,
        boundary: Arc::new(MountBoundary::of(&stat)),
        listing_end: ListingEnd::Unknown,
    });
    Ok(RootEntry::Inside {
        entry,
        dir,
        problem: unsure,
    })
}

impl Scanner {
    /// Counts the entries of `dir` into `tally`; adds its subfolders to `subdirs`.
    pub(super) fn read_dir(
        &self,
        dir: DirTask,
        tally: &mut Tally,
        buffer: &mut ReadBuffer,
        subdirs: &mut Vec<DirTask>,
    ) {
        let fd = match self.open(&dir) {
            Ok(fd) => fd,
            Err(err) => {
                tally
                    .problems
                    .push(problem(&dir.place.path(), "cannot read directory", &err));
                return;
            }
        };
        let listing_end = match dir.listing_end {
            ListingEnd::Unknown => listing_end_of(fd.as_fd(), &dir.boundary),
            known => known,
        };
        let folder = Arc::new(OpenFolder {
            fd,
            place: dir.place,
        });
        let depth = dir.depth + 1;
        let listed = listing(folder.fd.as_fd(), buffer, listing_end, |name| {
            let stat = match stat_at(folder.fd.as_fd(), name) {
                Ok(stat) => stat,
                Err(err) => {
                    tally.problems.push(problem(
                        &folder.path_of(name),
                        "cannot read metadata",
                        &err,
                    ));
                    return;
                }
            };
            if dir
                .boundary
                .is_another_mount(&stat, || folder.path_of(name))
            {
                tally.mount_points.push(folder.path_of(name));
                return;
            }
            let entry = entry_of(&stat);
            self.count(tally, &entry);
            if entry.is_dir {
                let place = if depth.is_multiple_of(MAX_HELD_DEPTH) {
                    Place::Path(folder.path_of(name))
                } else {
                    Place::In {
                        parent: Arc::clone(&folder),
                        name: name.to_owned(),
                    }
                };
                subdirs.push(DirTask {
                    place,
                    depth,
                    boundary: Arc::clone(&dir.boundary),
                    listing_end,
                });
            }
        });
        if let Err(err) = listed {
            tally
                .problems
                .push(problem(&folder.place.path(), "cannot list entry", &err));
        }
    }

    fn open(&self, dir: &DirTask) -> io::Result<OwnedFd> {
        self.check_readable(|| dir.place.path())?;
        let fd = match &dir.place {
            Place::In { parent, name } => {
                rustix::fs::openat(&parent.fd, name.as_c_str(), DIR_FLAGS, Mode::empty())
            }
            Place::Path(path) => rustix::fs::openat(CWD, path, DIR_FLAGS, Mode::empty()),
        }?;
        Ok(fd)
    }
}

/// The `f_type` of ext4 (and of ext2 and ext3, which Linux serves with the same
/// magic number; their own driver never writes ext4's end cookie, so they read on to
/// the empty answer).
#[cfg(target_os = "linux")]
const EXT4_SUPER_MAGIC: i64 = 0xEF53;

/// The `d_off` ext4 gives the last entry of a hashed (`dir_index`) folder's listing once
/// it reached the end: `EXT4_HTREE_EOF_64BIT` (a 64-bit process gets 64-bit hashes).
#[cfg(target_os = "linux")]
const EXT4_HTREE_EOF_64BIT: u64 = 0x7fff_ffff_ffff_ffff;

/// How listings of the root open as `fd` may end: ext4's end cookie only counts when the
/// handle is on ext4, on the device the walk stays on (one `fstatfs` and one `fstat`
/// per root).
#[cfg(target_os = "linux")]
fn listing_end_of(fd: BorrowedFd<'_>, boundary: &MountBoundary) -> ListingEnd {
    let on_ext4 = rustix::fs::fstatfs(fd).is_ok_and(|fs| {
        // `f_type` is an i64 on 64-bit targets and narrower on some others.
        #[allow(clippy::unnecessary_cast)]
        let kind = fs.f_type as i64;
        kind == EXT4_SUPER_MAGIC
    });
    // `st_dev` is a u64 on 64-bit targets and narrower on some others.
    #[allow(clippy::unnecessary_cast)]
    let on_walked_device =
        on_ext4 && rustix::fs::fstat(fd).is_ok_and(|stat| stat.st_dev as u64 == boundary.dev());
    if on_walked_device && cfg!(target_pointer_width = "64") {
        ListingEnd::Ext4EndCookie
    } else {
        ListingEnd::ReadToEmpty
    }
}

#[cfg(not(target_os = "linux"))]
fn listing_end_of(_fd: BorrowedFd<'_>, _boundary: &MountBoundary) -> ListingEnd {
    ListingEnd::ReadToEmpty
}

/// Calls `each` with every name in the folder open as `fd` but `.` and `..`, read with
/// `getdents64` into `buffer`.
///
/// A listing normally ends with a call that returns nothing: for a small folder that is
/// a second call for every folder. On ext4 it can end one call earlier, provably:
/// - `getdents64` writes the position the filesystem reached into the `d_off` of the
///   last entry it returns (`fs/readdir.c`), so a call that stopped early for any reason
///   (a full buffer, a pending signal, which `filldir64` also stops at) leaves the
///   position of the next entry there;
/// - ext4 reads every folder of one block or more with the `dir_index` feature (the
///   default) through its hash tree (`ext4_dx_readdir`, `is_dx_dir` in
///   `fs/ext4/dir.c`): it sets the position to `EXT4_HTREE_EOF_64BIT` only once no entry
///   is left, and an entry's position is its name's hash, whose top half
///   `ext4fs_dirhash` keeps below `0x7fffffff`, so no entry's position is the end
///   cookie; a folder read without the hash tree has positions below its size, never
///   the cookie either, and is read to the empty answer.
///
/// So on ext4 a call whose last entry carries the end cookie has returned the rest of the
/// folder; everywhere else, and on ext4 without the cookie, reading goes on until a call
/// returns nothing.
#[cfg(target_os = "linux")]
fn listing(
    fd: BorrowedFd<'_>,
    buffer: &mut ReadBuffer,
    end: ListingEnd,
    mut each: impl FnMut(&CStr),
) -> io::Result<()> {
    let mut dir = rustix::fs::RawDir::new(fd, &mut buffer.0);
    while let Some(entry) = dir.next() {
        let entry = entry?;
        let name = entry.file_name();
        let cookie = entry.next_entry_cookie();
        if name != c"." && name != c".." {
            each(name);
        }
        if end == ListingEnd::Ext4EndCookie
            && cookie == EXT4_HTREE_EOF_64BIT
            && dir.is_buffer_empty()
        {
            break;
        }
    }
    Ok(())
}

/// Elsewhere `getdents64` is not there: rustix's `Dir` lists a second handle on the
/// folder.
#[cfg(not(target_os = "linux"))]
fn listing(
    fd: BorrowedFd<'_>,
    _buffer: &mut ReadBuffer,
    _end: ListingEnd,
    mut each: impl FnMut(&CStr),
) -> io::Result<()> {
    let mut dir = rustix::fs::Dir::read_from(fd)?;
    for name in crate::dir_names::entry_names(&mut dir)? {
        each(&name);
    }
    Ok(())
}

fn entry_of(stat: &EntryStat) -> Entry {
    Entry {
        is_dir: stat.is_dir(),
        len: stat.size,
        // st_blocks is always in 512-byte units, whatever the file system block size.
        disk_bytes: stat.blocks.saturating_mul(512),
        mtime: stat.mtime,
        stamp: super::entry_hash(stat),
        nlink: stat.nlink,
        dev: stat.dev,
        ino: stat.ino,
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn names(dir: &Path, end: ListingEnd) -> io::Result<BTreeSet<CString>> {
        let fd = rustix::fs::openat(CWD, dir, DIR_FLAGS, Mode::empty())?;
        let mut found = BTreeSet::new();
        listing(fd.as_fd(), &mut ReadBuffer::default(), end, |name| {
            found.insert(name.to_owned());
        })?;
        Ok(found)
    }

    /// The end cookie is only trusted on ext4, and a listing that trusts it finds the
    /// same names as one read to the empty answer, small or larger than one read.
    #[test]
    fn listings_end_at_ext4_s_cookie_only_on_ext4_and_miss_nothing() -> io::Result<()> {
        let tmp = tempfile::tempdir()?;
        let stat = stat_path(tmp.path())?;
        let fd = rustix::fs::openat(CWD, tmp.path(), DIR_FLAGS, Mode::empty())?;
        let on_ext4 = rustix::fs::fstatfs(&fd)?.f_type == EXT4_SUPER_MAGIC;
        let end = listing_end_of(fd.as_fd(), &MountBoundary::of(&stat));
        let expected = if on_ext4 {
            ListingEnd::Ext4EndCookie
        } else {
            eprintln!("the temporary folder is not on ext4: only the plain listing is tested");
            ListingEnd::ReadToEmpty
        };
        assert!(end == expected);
        let other_device = EntryStat {
            dev: stat.dev ^ 1,
            ..stat
        };
        assert!(
            listing_end_of(fd.as_fd(), &MountBoundary::of(&other_device))
                == ListingEnd::ReadToEmpty,
            "a handle on another device than the walk's is not trusted"
        );
        for count in [0, 5, 2000] {
            let dir = tmp.path().join(format!("with-{count}"));
            std::fs::create_dir(&dir)?;
            for i in 0..count {
                std::fs::write(dir.join(format!("{i}-{}", "x".repeat(60))), b"")?;
            }
            let plain = names(&dir, ListingEnd::ReadToEmpty)?;
            assert_eq!(plain.len(), count);
            assert_eq!(names(&dir, end)?, plain);
        }
        Ok(())
    }
}
