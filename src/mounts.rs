//! Where another mount begins, found by mount identity rather than by device number: a
//! bind mount of a folder on the same filesystem has its parent's device number, so a
//! device comparison cannot see it.
//!
//! On Linux, an entry's own `statx` says whether it is the root of a mount (and which
//! mount it is in), and `/proc/self/mountinfo` ([`MountTable`]) lists every mount point,
//! also those several levels down a tree, in one read. Off Linux there is no mount table
//! to read: a change of device is the only sign of another mount there (a same-device
//! bind mount, e.g. a BSD nullfs mount, is not seen).

use std::io;
use std::path::{Path, PathBuf};

/// The kernel's list of this process's mounts.
pub const MOUNTINFO: &str = "/proc/self/mountinfo";

/// Every mount point of this process's mount namespace (absolute paths, as the process
/// sees them), read from [`MOUNTINFO`].
#[cfg(target_os = "linux")]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MountTable {
    points: std::collections::BTreeSet<PathBuf>,
}

#[cfg(target_os = "linux")]
impl MountTable {
    /// Reads this process's mount table from [`MOUNTINFO`].
    pub fn read() -> io::Result<Self> {
        let text = std::fs::read(MOUNTINFO)
            .map_err(|err| io::Error::new(err.kind(), format!("{MOUNTINFO}: {err}")))?;
        Ok(Self::parse(&text))
    }

    /// Reads the mount point (the fifth field, with the kernel's `\ooo` escapes for
    /// space, tab, newline and backslash undone) of each line of a mountinfo text.
    pub fn parse(text: &[u8]) -> Self {
        use std::os::unix::ffi::OsStringExt;
        let points = text
            .split(|&byte| byte == b'\n')
            .filter_map(|line| line.split(|&byte| byte == b' ').nth(4))
            .filter(|field| field.starts_with(b"/"))
            .map(|field| PathBuf::from(std::ffi::OsString::from_vec(unescape(field))))
            .collect();
        Self { points }
    }

    /// Whether `path` is a mount point.
    pub fn contains(&self, path: &Path) -> bool {
        self.points.contains(path)
    }

    /// The mount points at or below `path`, in path order (`path` itself first when it
    /// is one).
    pub fn at_or_below(&self, path: &Path) -> Vec<PathBuf> {
        // In component order every path below `path` sorts right after it.
        self.points
            .range(path.to_path_buf()..)
            .take_while(|point| point.starts_with(path))
            .cloned()
            .collect()
    }

    /// The mount point `path` is in: the longest mount point that is `path` or one of
    /// its folders (the `trash` crate's "topdir"); `/` when none is listed.
    pub fn mount_of<'a>(&'a self, path: &'a Path) -> &'a Path {
        path.ancestors()
            .find(|folder| self.points.contains(*folder))
            .unwrap_or(Path::new("/"))
    }
}

/// Undoes mountinfo's escapes: a backslash and three octal digits stand for one byte.
#[cfg(target_os = "linux")]
fn unescape(field: &[u8]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(field.len());
    let mut rest = field;
    while let Some((&first, tail)) = rest.split_first() {
        let octal = tail
            .get(..3)
            .filter(|digits| first == b'\\' && digits.iter().all(|d| (b'0'..=b'7').contains(d)));
        match octal {
            Some(digits) => {
                let value = digits
                    .iter()
                    .fold(0u32, |acc, d| acc * 8 + u32::from(d - b'0'));
                bytes.push(u8::try_from(value).unwrap_or(u8::MAX));
                rest = &tail[3..];
            }
            None => {
                bytes.push(first);
                rest = tail;
            }
        }
    }
    bytes
}

/// Every mount point at or below `path` (which must be canonical), `path` itself
/// included when it is one. Off Linux none can be listed: an empty list.
pub fn mount_points_under(path: &Path) -> io::Result<Vec<PathBuf>> {
    #[cfg(target_os = "linux")]
    {
        Ok(MountTable::read()?.at_or_below(path))
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = path;
        Ok(Vec::new())
    }
}

/// Every mount point at or below `path`, when there is a mount table to read (Linux);
/// an `Unsupported` error elsewhere.
pub fn listed_under(path: &Path) -> io::Result<std::collections::BTreeSet<PathBuf>> {
    #[cfg(target_os = "linux")]
    {
        Ok(MountTable::read()?.at_or_below(path).into_iter().collect())
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = path;
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "no mount table to read off Linux",
        ))
    }
}

/// Whether `path` (not followed when it is a symlink) is the root of a mount: the
/// kernel's "mount root" attribute, else its mount id against its folder's, else the
/// mount table; off Linux, its device against its folder's.
#[cfg(unix)]
pub fn is_mount_point(path: &Path) -> io::Result<bool> {
    is_mount_root(path, &crate::entry_stat::stat_path(path)?)
}

/// [`is_mount_point`] for an entry already looked at: free where the kernel says.
#[cfg(unix)]
pub(crate) fn is_mount_root(path: &Path, entry: &crate::entry_stat::EntryStat) -> io::Result<bool> {
    use crate::entry_stat::stat_path;
    if let Some(root) = entry.mount_root {
        return Ok(root);
    }
    let parent = match path.parent() {
        None => return Ok(true),
        Some(parent) if parent.as_os_str().is_empty() => Path::new("."),
        Some(parent) => parent,
    };
    let folder = stat_path(parent)?;
    if folder.dev != entry.dev {
        return Ok(true);
    }
    if let (Some(entry), Some(folder)) = (entry.mount_id, folder.mount_id) {
        return Ok(entry != folder);
    }
    #[cfg(target_os = "linux")]
    {
        Ok(MountTable::read()?.contains(path))
    }
    #[cfg(not(target_os = "linux"))]
    {
        Ok(false)
    }
}

/// Off unix: its device cannot be read either; never a mount point as far as we know.
#[cfg(not(unix))]
pub fn is_mount_point(_path: &Path) -> io::Result<bool> {
    Ok(false)
}

/// The mount a walk stays in: an entry is in another mount when its device differs, when
/// the kernel says it is the root of a mount or in another mount, or (where the kernel
/// cannot say) when the mount table lists it.
#[cfg(unix)]
pub(crate) struct MountBoundary {
    dev: u64,
    mount_id: Option<u64>,
    /// Read once, the first time an entry's `statx` could not say.
    #[cfg(target_os = "linux")]
    table: std::sync::OnceLock<Option<MountTable>>,
}

#[cfg(unix)]
impl MountBoundary {
    /// The mount of `inside`, an entry the walk stays in.
    pub fn of(inside: &crate::entry_stat::EntryStat) -> Self {
        Self {
            dev: inside.dev,
            mount_id: inside.mount_id,
            #[cfg(target_os = "linux")]
            table: std::sync::OnceLock::new(),
        }
    }

    /// The device the walk stays on.
    pub fn dev(&self) -> u64 {
        self.dev
    }

    /// Whether `entry`, found at `path` inside the walk, begins another mount. The path
    /// is only built when the kernel could not say.
    pub fn is_another_mount(
        &self,
        entry: &crate::entry_stat::EntryStat,
        path: impl FnOnce() -> PathBuf,
    ) -> bool {
        if entry.dev != self.dev || entry.mount_root == Some(true) {
            return true;
        }
        if let (Some(entry), Some(walk)) = (entry.mount_id, self.mount_id) {
            return entry != walk;
        }
        if entry.mount_root.is_some() {
            return false;
        }
        #[cfg(target_os = "linux")]
        {
            // Without the table (no /proc) the device check above is all there is; the
            // remover refuses a workspace before its walk when it cannot read the table.
            self.table
                .get_or_init(|| MountTable::read().ok())
                .as_ref()
                .is_some_and(|table| table.contains(&path()))
        }
        #[cfg(not(target_os = "linux"))]
        {
            let _ = path;
            false
        }
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    const SAMPLE: &[u8] = b"\
22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
36 22 8:1 /home/me/notes /data/managed-repos/env/tasks/t1/mnt rw,relatime shared:1 - ext4 /dev/sda1 rw
37 22 0:40 / /data/with\\040space rw - tmpfs tmpfs rw
38 22 0:41 / /data/tab\\011and\\134backslash rw - tmpfs tmpfs rw
39 22 8:1 /x /data/managed-repos/env/tasks/t10 rw - ext4 /dev/sda1 rw
40 22 8:1 /y /data/managed-repos/env/tasks/t1/a/b rw - ext4 /dev/sda1 rw
";

    #[test]
    fn mountinfo_is_parsed_and_unescaped() {
        let table = MountTable::parse(SAMPLE);
        assert!(table.contains(Path::new("/")));
        assert!(table.contains(Path::new("/data/with space")));
        assert!(table.contains(Path::new("/data/tab\tand\\backslash")));
        assert!(!table.contains(Path::new("/data/with\\040space")));
        assert_eq!(unescape(b"a\\040b\\12x\\"), b"a b\\12x\\".to_vec());
    }

    #[test]
    fn mount_points_at_or_below_a_folder_are_found_at_any_depth_and_only_there() {
        let table = MountTable::parse(SAMPLE);
        let t1 = Path::new("/data/managed-repos/env/tasks/t1");
        assert_eq!(
            table.at_or_below(t1),
            vec![t1.join("a/b"), t1.join("mnt")],
            "t10 shares the prefix t1 but is not below it"
        );
        let t10 = Path::new("/data/managed-repos/env/tasks/t10");
        assert_eq!(table.at_or_below(t10), vec![t10.to_path_buf()]);
        assert!(
            table
                .at_or_below(Path::new("/data/managed-repos/env/tasks/t2"))
                .is_empty()
        );
    }

    #[test]
    fn the_mount_of_a_path_is_its_nearest_mount_point() {
        let table = MountTable::parse(SAMPLE);
        let inside = Path::new("/data/managed-repos/env/tasks/t1/mnt/file");
        assert_eq!(
            table.mount_of(inside),
            Path::new("/data/managed-repos/env/tasks/t1/mnt")
        );
        assert_eq!(table.mount_of(Path::new("/home/me")), Path::new("/"));
        assert_eq!(
            MountTable::default().mount_of(Path::new("/x")),
            Path::new("/")
        );
    }

    /// Before Linux 5.8 `statx` has neither the mount id nor the mount-root attribute:
    /// the mount table decides, and a change of device still marks another mount.
    #[test]
    fn without_mount_ids_the_mount_table_decides() -> io::Result<()> {
        use crate::entry_stat::{EntryStat, stat_path};
        let dir = tempfile::tempdir()?;
        let blind = EntryStat {
            mount_id: None,
            mount_root: None,
            ..stat_path(dir.path())?
        };
        assert!(!is_mount_root(dir.path(), &blind)?);
        let boundary = MountBoundary::of(&blind);
        assert!(!boundary.is_another_mount(&blind, || dir.path().to_path_buf()));
        assert!(
            boundary.is_another_mount(&blind, || PathBuf::from("/")),
            "/ is in every mount table"
        );
        let other_device = EntryStat {
            dev: blind.dev ^ 1,
            ..blind
        };
        assert!(boundary.is_another_mount(&other_device, || dir.path().to_path_buf()));
        Ok(())
    }

    #[test]
    fn this_process_has_a_mount_table_with_the_root_in_it() -> io::Result<()> {
        let table = MountTable::read()?;
        assert!(table.contains(Path::new("/")));
        assert!(is_mount_point(Path::new("/"))?);
        let dir = tempfile::tempdir()?;
        assert!(!is_mount_point(dir.path())?);
        Ok(())
    }
}
