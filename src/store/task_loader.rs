//! Reading one task folder (`tasks/` or `tasks/done/`) into records: its record files
//! are listed and stamped through the folder's open handle, unchanged ones come from
//! the record cache, the others are read (into one reused buffer per thread) and parsed
//! on every core, and the folder's cache is rewritten when it gained or lost a record.

use super::record_cache::{CachedRecord, FileStamp, RecordCache};
use super::tasks::{self, TaskRecord};
use super::{Problem, is_record_file};
use rayon::prelude::*;
use std::cell::RefCell;
use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io::{self, Read};
use std::path::Path;
use std::time::SystemTime;

/// Reads task folders, taking unchanged records from the cache and keeping it current.
pub(super) struct TaskLoader<'a> {
    cache: Option<&'a RecordCache>,
    /// The moment that decides what is settled enough to cache.
    now: SystemTime,
}

/// What one record file gave.
// Not boxed on purpose: the `Vec<Found>` becomes the `Vec<TaskRecord>` in place (one
// allocation), where boxes would add an allocation per record and a second vector.
#[allow(clippy::large_enum_variant)]
enum Found {
    /// The cache's entry of that index, its file unchanged.
    Cached(usize),
    /// Parsed now, from the file of that stamp.
    Parsed(FileStamp, TaskRecord),
    /// Not usable.
    Problem(Problem),
}

impl<'a> TaskLoader<'a> {
    /// A loader using `cache` (none: every file is parsed), as if it ran at `now`.
    pub fn new(cache: Option<&'a RecordCache>, now: SystemTime) -> Self {
        Self { cache, now }
    }

    /// Every `*.toml` and legacy `*.json` record in `folder`, in file name order;
    /// unusable ones become problems. A missing folder holds none.
    pub fn load(
        &self,
        folder: &Path,
        archived: bool,
        problems: &mut Vec<Problem>,
    ) -> Vec<TaskRecord> {
        let listed = TaskFolder::open(folder).and_then(|dir| {
            let names = dir.record_names()?;
            Ok((dir, names))
        });
        let (dir, names) = match listed {
            Ok(listed) => listed,
            Err(err) if err.kind() == io::ErrorKind::NotFound => return Vec::new(),
            Err(err) => {
                problems.push(Problem::new(
                    folder,
                    format!("cannot list task files: {err}"),
                ));
                return Vec::new();
            }
        };
        let cached = self
            .cache
            .map(|cache| cache.read(folder, archived))
            .unwrap_or_default();
        // Stamping (and parsing what changed) on every core: one thread listing and
        // stamping 100,000 files while the other waited was a third of a cached load.
        let found: Vec<Found> = names
            .par_iter()
            .with_min_len(64)
            .map(|name| find(&dir, folder, name, archived, &cached))
            .collect();
        drop(names);

        // Records move out of the cache entries, never copied: a second copy of
        // 100,000 records was most of a listing's memory.
        let cached_count = cached.len();
        let mut cached: Vec<Option<CachedRecord>> = cached.into_iter().map(Some).collect();
        let mut stamps: Vec<Option<FileStamp>> = Vec::with_capacity(found.len());
        let (mut reused, mut newly_settled) = (0, 0);
        let records: Vec<TaskRecord> = found
            .into_iter()
            .filter_map(|item| match item {
                Found::Cached(index) => {
                    let entry = cached.get_mut(index)?.take()?;
                    reused += 1;
                    stamps.push(Some(entry.stamp));
                    Some(entry.record)
                }
                Found::Parsed(stamp, record) => {
                    let settled = stamp.settled(self.now);
                    newly_settled += usize::from(settled);
                    stamps.push(settled.then_some(stamp));
                    Some(record)
                }
                Found::Problem(problem) => {
                    problems.push(problem);
                    None
                }
            })
            .collect();
        drop(cached);
        // Rewritten only when a record is to be added or one went away: a running
        // task's record, parsed every time, changes nothing cached.
        if let Some(cache) = self.cache
            && (newly_settled > 0 || reused < cached_count)
        {
            let entries = stamps
                .iter()
                .zip(&records)
                .filter_map(|(stamp, record)| Some(((*stamp)?, record)));
            cache.write(folder, archived, entries);
        }
        records
    }
}

/// The record of the file `name` of `dir` (the task folder at `folder`): from the cache
/// when its stamp is unchanged, else parsed.
fn find(
    dir: &TaskFolder,
    folder: &Path,
    name: &OsStr,
    archived: bool,
    cached: &[CachedRecord],
) -> Found {
    let stamp = match dir.stat(name) {
        // Not followed: a symlink is seen as itself.
        Ok((EntryKind::File, stamp)) => stamp,
        Ok((EntryKind::Symlink, _)) => {
            // Rewriting through a link would replace it: such a record is shown, never used.
            return Found::Problem(Problem::new(
                &folder.join(name),
                "is a symlink: not read and never rewritten",
            ));
        }
        Ok((EntryKind::Other, _)) => {
            return Found::Problem(Problem::new(&folder.join(name), "is not a regular file"));
        }
        Err(err) => {
            return Found::Problem(Problem::new(
                &folder.join(name),
                format!("cannot read: {err}"),
            ));
        }
    };
    let key = name.as_encoded_bytes();
    if let Ok(index) = cached.binary_search_by(|entry| entry.name().cmp(key))
        && cached[index].stamp == stamp
    {
        return Found::Cached(index);
    }
    let path = folder.join(name);
    let parsed = if super::legacy::is_legacy_record(&path) {
        tasks::read_record(&path, archived)
    } else {
        read_into_buffer(dir, name, stamp.size(), |bytes| {
            tasks::parse_record(bytes, &path, archived)
        })
    };
    match parsed {
        Ok(record) => Found::Parsed(stamp, record),
        Err(reason) => Found::Problem(Problem::new(&path, reason)),
    }
}

thread_local! {
    /// Each thread's read buffer, kept between files: a fresh buffer per file cost
    /// page faults and zeroing for every page of every file.
    static BUFFER: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// A buffer grown past this for one unusually large record is not kept.
const KEPT_BUFFER_BYTES: usize = 4 << 20;

/// Reads the file `name` of `dir` (about `expected_len` bytes) into this thread's
/// buffer and hands its bytes to `parse`. Errors are human-readable reasons.
fn read_into_buffer<T>(
    dir: &TaskFolder,
    name: &OsStr,
    expected_len: u64,
    parse: impl FnOnce(&[u8]) -> Result<T, String>,
) -> Result<T, String> {
    BUFFER.with_borrow_mut(|buffer| {
        let result = dir
            .open_file(name)
            .and_then(|mut file| read_whole(&mut file, expected_len, buffer))
            .map_err(|err| format!("cannot read: {err}"))
            .and_then(|len| parse(&buffer[..len]));
        if buffer.len() > KEPT_BUFFER_BYTES {
            *buffer = Vec::new();
        }
        result
    })
}

/// Reads `file` to its end into `buffer` (grown, and zeroed, only when too small);
/// returns how many bytes it holds. One byte more than expected is room for the read
/// that finds the end.
fn read_whole(file: &mut File, expected_len: u64, buffer: &mut Vec<u8>) -> io::Result<usize> {
    let wanted = usize::try_from(expected_len)
        .unwrap_or(usize::MAX)
        .saturating_add(1)
        .max(8 << 10);
    if buffer.len() < wanted {
        buffer.resize(wanted, 0);
    }
    let mut filled = 0;
    loop {
        if filled == buffer.len() {
            // The file grew since it was stamped.
            buffer.resize(buffer.len().saturating_mul(2), 0);
        }
        match file.read(&mut buffer[filled..]) {
            Ok(0) => return Ok(filled),
            Ok(count) => filled += count,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) => return Err(err),
        }
    }
}

/// What a folder entry is, its symlinks not followed.
enum EntryKind {
    File,
    Symlink,
    Other,
}

/// A task folder, opened once: its entries are listed, stamped and opened relative to
/// that handle (one path lookup per file instead of one per folder of its path).
#[cfg(unix)]
struct TaskFolder {
    fd: std::os::fd::OwnedFd,
}

#[cfg(unix)]
impl TaskFolder {
    fn open(path: &Path) -> io::Result<Self> {
        use rustix::fs::{Mode, OFlags};
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
        Ok(Self {
            fd: rustix::fs::open(path, flags, Mode::empty())?,
        })
    }

    /// The names of the record files, sorted.
    fn record_names(&self) -> io::Result<Vec<OsString>> {
        use std::os::unix::ffi::OsStrExt;
        let mut names = Vec::new();
        for entry in rustix::fs::Dir::read_from(&self.fd)? {
            let entry = entry?;
            let name = OsStr::from_bytes(entry.file_name().to_bytes());
            if is_record_file(Path::new(name)) {
                names.push(name.to_owned());
            }
        }
        // On both cores: sorting 100,000 names took as long as decoding their records.
        names.par_sort_unstable();
        Ok(names)
    }

    // Field widths differ between unixes.
    #[allow(clippy::unnecessary_cast)]
    fn stat(&self, name: &OsStr) -> io::Result<(EntryKind, FileStamp)> {
        use rustix::fs::{AtFlags, FileType, RawMode};
        let stat = rustix::fs::statat(&self.fd, name, AtFlags::SYMLINK_NOFOLLOW)?;
        let kind = match FileType::from_raw_mode(stat.st_mode as RawMode) {
            FileType::RegularFile => EntryKind::File,
            FileType::Symlink => EntryKind::Symlink,
            _ => EntryKind::Other,
        };
        let stamp = FileStamp::new(
            stat.st_size as u64,
            (stat.st_mtime as i64, stat.st_mtime_nsec as u32),
            stat.st_ino as u64,
            (stat.st_ctime as i64, stat.st_ctime_nsec as u32),
        );
        Ok((kind, stamp))
    }

    /// Opens a record file for reading: never through a symlink, and without
    /// blocking should a FIFO have taken the name since it was stamped.
    fn open_file(&self, name: &OsStr) -> io::Result<File> {
        use rustix::fs::{Mode, OFlags};
        let flags =
            OFlags::RDONLY | OFlags::CLOEXEC | OFlags::NOFOLLOW | OFlags::NOCTTY | OFlags::NONBLOCK;
        // Without an access-time update where the kernel allows it (the user's own
        // files): under `relatime` the first read of each record Agents-Runner rewrote
        // wrote its inode (a fresh copy of 100,000 records listed in 2.13 s, 1.54 s
        // without).
        #[cfg(any(target_os = "linux", target_os = "android"))]
        match rustix::fs::openat(&self.fd, name, flags | OFlags::NOATIME, Mode::empty()) {
            Err(rustix::io::Errno::PERM) => {}
            opened => return Ok(File::from(opened?)),
        }
        Ok(File::from(rustix::fs::openat(
            &self.fd,
            name,
            flags,
            Mode::empty(),
        )?))
    }
}

/// A task folder, by its path (no folder handles here).
#[cfg(not(unix))]
struct TaskFolder {
    path: std::path::PathBuf,
}

#[cfg(not(unix))]
impl TaskFolder {
    fn open(path: &Path) -> io::Result<Self> {
        Ok(Self {
            path: path.to_path_buf(),
        })
    }

    /// The names of the record files, sorted.
    fn record_names(&self) -> io::Result<Vec<OsString>> {
        let mut names = Vec::new();
        for entry in std::fs::read_dir(&self.path)? {
            let name = entry?.file_name();
            if is_record_file(Path::new(&name)) {
                names.push(name);
            }
        }
        names.par_sort_unstable();
        Ok(names)
    }

    fn stat(&self, name: &OsStr) -> io::Result<(EntryKind, FileStamp)> {
        let meta = std::fs::symlink_metadata(self.path.join(name))?;
        let kind = if meta.file_type().is_symlink() {
            EntryKind::Symlink
        } else if meta.is_file() {
            EntryKind::File
        } else {
            EntryKind::Other
        };
        Ok((kind, FileStamp::of(&meta)))
    }

    fn open_file(&self, name: &OsStr) -> io::Result<File> {
        File::open(self.path.join(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::time::Duration;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    /// What a load of `folder` gave: the task ids read, and each problem by file name.
    fn load(loader: &TaskLoader, folder: &Path) -> (Vec<String>, Vec<(String, String)>) {
        let mut problems = Vec::new();
        let records = loader.load(folder, false, &mut problems);
        let mut problems: Vec<(String, String)> = problems
            .into_iter()
            .map(|p| {
                let name = p.path.file_name().unwrap_or_default();
                (name.to_string_lossy().into_owned(), p.message)
            })
            .collect();
        problems.sort();
        (records.into_iter().map(|r| r.task_id).collect(), problems)
    }

    #[test]
    fn odd_entries_are_problems_with_or_without_a_cache_and_a_fifo_is_never_waited_on() -> TestResult
    {
        let root = tempfile::tempdir()?;
        let folder = root.path().join("tasks");
        fs::create_dir(&folder)?;
        for id in ["a", "c"] {
            fs::write(
                folder.join(format!("{id}.toml")),
                format!("task_id = \"{id}\"\n"),
            )?;
        }
        fs::write(folder.join("broken.toml"), "task_id = [\n")?;
        fs::create_dir(folder.join("folder.toml"))?;
        #[cfg(unix)]
        std::os::unix::fs::symlink(folder.join("a.toml"), folder.join("link.toml"))?;
        #[cfg(target_os = "linux")]
        rustix::fs::mknodat(
            rustix::fs::CWD,
            folder.join("pipe.toml"),
            rustix::fs::FileType::Fifo,
            rustix::fs::Mode::RUSR | rustix::fs::Mode::WUSR,
            0,
        )?;
        let cache = RecordCache::in_folder(&root.path().join("cache"));
        let later = SystemTime::now() + Duration::from_secs(60);
        let without = TaskLoader::new(None, later);
        let with = TaskLoader::new(Some(&cache), later);
        let first = load(&without, &folder);
        assert_eq!(first.0, ["a", "c"]);
        let mut odd: Vec<(&str, &str)> = vec![
            ("broken.toml", "not valid TOML"),
            ("folder.toml", "is not a regular file"),
        ];
        if cfg!(unix) {
            odd.push(("link.toml", "is a symlink"));
        }
        if cfg!(target_os = "linux") {
            odd.push(("pipe.toml", "is not a regular file"));
        }
        odd.sort();
        let check = |(ids, problems): (Vec<String>, Vec<(String, String)>)| {
            assert_eq!(ids, ["a", "c"]);
            assert_eq!(problems.len(), odd.len(), "{problems:?}");
            for ((name, message), (want_name, want)) in problems.iter().zip(&odd) {
                assert_eq!(name, want_name);
                assert!(message.contains(want), "{name}: {message}");
            }
        };
        check(first);
        // Filling the cache, then served from it: the same records and problems.
        check(load(&with, &folder));
        assert_eq!(cache.read(&folder, false).len(), 2);
        check(load(&with, &folder));
        Ok(())
    }
}
