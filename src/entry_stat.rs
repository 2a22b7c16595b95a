//! One `stat` of a folder entry, relative to its folder's open handle (unix): shared by
//! the scanner and the deleting walk, which both work relative to folder handles.
//!
//! On Linux it is a `statx` that also asks for the mount id and reads the "root of a
//! mount" attribute, so finding where another mount begins costs no extra call per
//! entry; where the kernel cannot say (before 5.8, or no `statx` at all before 4.11)
//! those fields are `None` and [`crate::mounts`] falls back to the mount table.
//! Elsewhere it is `fstatat`, and only a change of device marks another mount.

use rustix::fs::{AtFlags, CWD, FileType, RawMode};
use rustix::path::Arg;
use std::io;
use std::os::fd::BorrowedFd;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// What the walks need of one entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct EntryStat {
    pub mode: RawMode,
    pub size: u64,
    /// Allocated 512-byte blocks.
    pub blocks: u64,
    pub nlink: u64,
    pub dev: u64,
    pub ino: u64,
    pub mtime: Option<SystemTime>,
    /// When the entry last changed in any way (content, name, mode, links): set by the
    /// kernel, never by a program.
    pub ctime: Option<SystemTime>,
    /// The id of the mount the entry is in, where the kernel says (Linux 5.8+).
    pub mount_id: Option<u64>,
    /// Whether the entry is the root of a mount, where the kernel says (Linux 5.8+).
    pub mount_root: Option<bool>,
}

impl EntryStat {
    pub fn is_dir(&self) -> bool {
        FileType::from_raw_mode(self.mode) == FileType::Directory
    }
}

/// The entry `name` of the folder `dir`, never following a symlink or triggering an
/// automount.
pub(crate) fn stat_at<P: Arg + Copy>(dir: BorrowedFd, name: P) -> io::Result<EntryStat> {
    stat_impl(dir, name)
}

/// The entry at `path` (its last component not followed when it is a symlink).
pub(crate) fn stat_path(path: &Path) -> io::Result<EntryStat> {
    stat_impl(CWD, path)
}

#[cfg(target_os = "linux")]
const FLAGS: AtFlags = AtFlags::SYMLINK_NOFOLLOW.union(AtFlags::NO_AUTOMOUNT);
#[cfg(not(target_os = "linux"))]
const FLAGS: AtFlags = AtFlags::SYMLINK_NOFOLLOW;

#[cfg(target_os = "linux")]
fn stat_impl<P: Arg + Copy>(dir: BorrowedFd, name: P) -> io::Result<EntryStat> {
    use rustix::fs::{StatxAttributes, StatxFlags};
    let mask = StatxFlags::BASIC_STATS | StatxFlags::MNT_ID;
    let stat = match rustix::fs::statx(dir, name, FLAGS, mask) {
        Ok(stat) => stat,
        // No statx (before Linux 4.11, or filtered out by a sandbox).
        Err(rustix::io::Errno::NOSYS) => {
            return Ok(from_stat(&rustix::fs::statat(dir, name, FLAGS)?));
        }
        Err(err) => return Err(err.into()),
    };
    let returned = StatxFlags::from_bits_retain(stat.stx_mask);
    let mount_root = stat
        .stx_attributes_mask
        .contains(StatxAttributes::MOUNT_ROOT)
        .then(|| stat.stx_attributes.contains(StatxAttributes::MOUNT_ROOT));
    Ok(EntryStat {
        mode: RawMode::from(stat.stx_mode),
        size: stat.stx_size,
        blocks: stat.stx_blocks,
        nlink: u64::from(stat.stx_nlink),
        dev: rustix::fs::makedev(stat.stx_dev_major, stat.stx_dev_minor),
        ino: stat.stx_ino,
        mtime: moment(stat.stx_mtime.tv_sec, stat.stx_mtime.tv_nsec),
        ctime: moment(stat.stx_ctime.tv_sec, stat.stx_ctime.tv_nsec),
        mount_id: returned
            .contains(StatxFlags::MNT_ID)
            .then_some(stat.stx_mnt_id),
        mount_root,
    })
}

#[cfg(not(target_os = "linux"))]
fn stat_impl<P: Arg + Copy>(dir: BorrowedFd, name: P) -> io::Result<EntryStat> {
    Ok(from_stat(&rustix::fs::statat(dir, name, FLAGS)?))
}

// Field widths differ between unixes (e.g. `st_dev` is 32-bit on macOS).
#[allow(clippy::unnecessary_cast)]
fn from_stat(stat: &rustix::fs::Stat) -> EntryStat {
    EntryStat {
        mode: stat.st_mode as RawMode,
        size: stat.st_size as u64,
        blocks: stat.st_blocks as u64,
        nlink: stat.st_nlink as u64,
        dev: stat.st_dev as u64,
        ino: stat.st_ino as u64,
        mtime: moment(stat.st_mtime as i64, stat.st_mtime_nsec as u32),
        ctime: moment(stat.st_ctime as i64, stat.st_ctime_nsec as u32),
        mount_id: None,
        mount_root: None,
    }
}

fn moment(seconds: i64, nanos: u32) -> Option<SystemTime> {
    if seconds >= 0 {
        UNIX_EPOCH.checked_add(Duration::new(seconds.unsigned_abs(), nanos))
    } else {
        UNIX_EPOCH
            .checked_sub(Duration::from_secs(seconds.unsigned_abs()))
            .and_then(|t| t.checked_add(Duration::from_nanos(u64::from(nanos))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::MetadataExt;

    #[test]
    fn a_stat_agrees_with_std_metadata() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let file = dir.path().join("f");
        std::fs::write(&file, vec![1u8; 5000])?;
        std::os::unix::fs::symlink(&file, dir.path().join("link"))?;
        for path in [dir.path().to_path_buf(), file, dir.path().join("link")] {
            let ours = stat_path(&path)?;
            let std = std::fs::symlink_metadata(&path)?;
            assert_eq!(
                (ours.size, ours.blocks, ours.nlink, ours.dev, ours.ino),
                (std.size(), std.blocks(), std.nlink(), std.dev(), std.ino()),
                "{}",
                path.display()
            );
            assert_eq!(ours.mtime, std.modified().ok());
            let std_ctime = UNIX_EPOCH
                + Duration::new(
                    std.ctime().unsigned_abs(),
                    std.ctime_nsec().unsigned_abs() as u32,
                );
            assert_eq!(ours.ctime, Some(std_ctime));
            assert_eq!(ours.is_dir(), std.is_dir());
            assert_eq!(ours.mount_root, ours.mount_root.map(|_| false));
        }
        Ok(())
    }
}
