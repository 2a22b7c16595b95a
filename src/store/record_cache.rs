//! A cache of parsed task records, so a data dir with thousands of large task files
//! is listed without reading them all again.
//!
//! One binary file per task folder (`tasks/`, `tasks/done/`) in the user's cache folder
//! holds each record with the name and stamp of the file it came from: size,
//! modification time and, on unix, inode and change time. A record is served only while
//! its file's stamp is unchanged; a file changed in the last [`SETTLE_TIME`] is never cached
//! (two writes within one timestamp tick could share a stamp), so a stale record is
//! never served. A cache file that does not decode whole, fails its checksum, or
//! belongs to another version, folder or kind of folder is ignored and replaced.
//!
//! Binary and per folder because a data dir of 100,000 records made one JSON document
//! of 81 MB, parsed whole on every start; the archived folder (nine records in ten,
//! which never change) is then not rewritten when an active record changes.

use super::environments::WorkspaceType;
use super::tasks::TaskRecord;
use crate::scan::SETTLE_TIME;
use std::ffi::OsStr;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// Overrides the cache folder; set but empty, it turns the cache off.
pub const CACHE_DIR_VAR: &str = "AGENTS_JANITOR_CACHE_DIR";
/// The first bytes of every cache file.
const MAGIC: &[u8; 8] = b"AJrecord";
// 2: records gained `legacy` (JSON records are cached too). 3: binary, one file per
// task folder, file names instead of paths.
const FORMAT_VERSION: u32 = 3;

/// Where parsed records are kept between runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordCache {
    folder: PathBuf,
}

impl RecordCache {
    /// A cache kept in `folder` (created when first written).
    pub fn in_folder(folder: &Path) -> Self {
        Self {
            folder: folder.to_path_buf(),
        }
    }

    /// `$AGENTS_JANITOR_CACHE_DIR` if set (empty: no cache), else the user's cache
    /// folder (`~/.cache/agents-janitor` on Linux); `None` when there is none.
    pub fn for_user() -> Option<Self> {
        match std::env::var_os(CACHE_DIR_VAR) {
            Some(folder) if folder.is_empty() => None,
            Some(folder) => Some(Self::in_folder(Path::new(&folder))),
            None => directories::ProjectDirs::from("", "", "agents-janitor")
                .map(|dirs| Self::in_folder(dirs.cache_dir())),
        }
    }

    /// The file named after one (canonical) data dir, `records-<hash>.json`: the
    /// pull-request cache beside it takes its name from it. (Format 2 kept the records
    /// there; they are now in one file per task folder, [`RecordCache::folder_file`].)
    pub fn file_for(&self, data_dir: &Path) -> PathBuf {
        self.folder
            .join(format!("records-{:016x}.json", path_hash(data_dir)))
    }

    /// The cache file of one task folder (`<data dir>/tasks` or `<data dir>/tasks/done`).
    pub fn folder_file(&self, task_folder: &Path) -> PathBuf {
        self.folder
            .join(format!("records-{:016x}.bin", path_hash(task_folder)))
    }

    /// The cached records of `task_folder`, in file name order; empty when there is no
    /// usable cache.
    pub(super) fn read(&self, task_folder: &Path, archived: bool) -> Vec<CachedRecord> {
        let Ok(bytes) = std::fs::read(self.folder_file(task_folder)) else {
            return Vec::new();
        };
        decode(&bytes, task_folder, archived).unwrap_or_default()
    }

    /// Replaces the cache of `task_folder` with `entries` (in file name order, each a
    /// record of that folder), atomically; failures only cost speed later.
    pub(super) fn write<'a>(
        &self,
        task_folder: &Path,
        archived: bool,
        entries: impl Iterator<Item = (FileStamp, &'a TaskRecord)>,
    ) {
        let bytes = encode(task_folder, archived, entries);
        let write = || -> std::io::Result<()> {
            std::fs::create_dir_all(&self.folder)?;
            let mut temp = tempfile::Builder::new()
                .prefix(".records-")
                .tempfile_in(&self.folder)?;
            temp.write_all(&bytes)?;
            temp.persist(self.folder_file(task_folder))?;
            Ok(())
        };
        let _ = write();
    }
}

/// FNV-1a of a path's bytes: a stable file name per folder.
fn path_hash(path: &Path) -> u64 {
    path.as_os_str()
        .as_encoded_bytes()
        .iter()
        .fold(0xcbf2_9ce4_8422_2325_u64, |acc, byte| {
            (acc ^ u64::from(*byte)).wrapping_mul(0x100_0000_01b3)
        })
}

/// A parsed record and the stamp of the file it was parsed from.
#[derive(Debug, Clone)]
pub(super) struct CachedRecord {
    /// The file's stamp when it was parsed.
    pub stamp: FileStamp,
    /// What it held then.
    pub record: TaskRecord,
    /// Where the file name starts in `record.file`.
    name_at: usize,
}

impl CachedRecord {
    /// The record file's name in its folder, as bytes (the cache is in their order).
    pub fn name(&self) -> &[u8] {
        let file = self.record.file.as_os_str().as_encoded_bytes();
        file.get(self.name_at..).unwrap_or_default()
    }
}

/// What identifies one version of a file without reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct FileStamp {
    len: u64,
    mtime_ns: u64,
    inode: u64,
    ctime_ns: u64,
}

impl FileStamp {
    /// The stamp of a file of `len` bytes, times as seconds and nanoseconds since the
    /// epoch (a time before it counts as the epoch).
    pub fn new(len: u64, mtime: (i64, u32), inode: u64, ctime: (i64, u32)) -> Self {
        Self {
            len,
            mtime_ns: epoch_ns(mtime),
            inode,
            ctime_ns: epoch_ns(ctime),
        }
    }

    /// The stamp of the file `meta` was read from (where there is no inode or change
    /// time, they count as 0).
    #[cfg(not(unix))]
    pub fn of(meta: &std::fs::Metadata) -> Self {
        let mtime_ns = meta.modified().map_or(0, since_epoch_ns);
        Self {
            len: meta.len(),
            mtime_ns,
            inode: 0,
            ctime_ns: 0,
        }
    }

    /// The file's size in bytes.
    pub fn size(&self) -> u64 {
        self.len
    }

    /// True when the file has not changed for [`SETTLE_TIME`] before `now`.
    pub fn settled(&self, now: SystemTime) -> bool {
        let limit = since_epoch_ns(now).saturating_sub(SETTLE_TIME.as_nanos() as u64);
        self.mtime_ns.max(self.ctime_ns) < limit
    }
}

fn epoch_ns((seconds, nanos): (i64, u32)) -> u64 {
    u64::try_from(seconds).map_or(0, |seconds| {
        seconds
            .saturating_mul(1_000_000_000)
            .saturating_add(u64::from(nanos))
    })
}

fn since_epoch_ns(moment: SystemTime) -> u64 {
    moment.duration_since(UNIX_EPOCH).map_or(0, |since| {
        u64::try_from(since.as_nanos()).unwrap_or(u64::MAX)
    })
}

/// The cache file of one task folder: header, entries in file name order, checksum.
fn encode<'a>(
    task_folder: &Path,
    archived: bool,
    entries: impl Iterator<Item = (FileStamp, &'a TaskRecord)>,
) -> Vec<u8> {
    let mut out = Encoder(Vec::new());
    out.0.extend_from_slice(MAGIC);
    out.u32(FORMAT_VERSION);
    out.u8(u8::from(archived));
    out.bytes(task_folder.as_os_str().as_encoded_bytes());
    let count_at = out.0.len();
    out.u64(0);
    let mut count = 0_u64;
    for (stamp, record) in entries {
        let Some(name) = record.file.file_name().and_then(name_bytes) else {
            continue;
        };
        out.bytes(name);
        out.record(stamp, record);
        count += 1;
    }
    out.0[count_at..count_at + 8].copy_from_slice(&count.to_le_bytes());
    let sum = checksum(&out.0);
    out.u64(sum);
    out.0
}

/// The entries of a cache file of `task_folder`, or `None` when it is not one whole.
fn decode(bytes: &[u8], task_folder: &Path, archived: bool) -> Option<Vec<CachedRecord>> {
    let (body, sum) = bytes.split_at_checked(bytes.len().checked_sub(8)?)?;
    if Decoder(sum).u64()? != checksum(body) {
        return None;
    }
    let mut input = Decoder(body);
    let header_ok = input.take(MAGIC.len())? == MAGIC
        && input.u32()? == FORMAT_VERSION
        && input.u8()? == u8::from(archived)
        && input.take_bytes()? == task_folder.as_os_str().as_encoded_bytes();
    if !header_ok {
        return None;
    }
    let count = usize::try_from(input.u64()?).ok()?;
    // Each entry takes well over 64 bytes: a count beyond that is not believed.
    let mut entries = Vec::with_capacity(count.min(body.len() / 64));
    let mut previous: Option<&[u8]> = None;
    for _ in 0..count {
        let name = input.take_bytes()?;
        let plain = !name.is_empty()
            && name != b"."
            && name != b".."
            && !name.iter().any(|&byte| byte == b'/' || byte == b'\\');
        // Strictly increasing: the loader finds entries by binary search.
        if !plain || previous.is_some_and(|before| before >= name) {
            return None;
        }
        previous = Some(name);
        let file = task_folder.join(name_from_bytes(name)?);
        let name_at = file.as_os_str().len() - name.len();
        entries.push(input.record(file, name_at, archived)?);
    }
    input.0.is_empty().then_some(entries)
}

/// A file name's bytes as stored (on unix any bytes; elsewhere only UTF-8 names are
/// cached).
fn name_bytes(name: &OsStr) -> Option<&[u8]> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        Some(name.as_bytes())
    }
    #[cfg(not(unix))]
    {
        name.to_str().map(str::as_bytes)
    }
}

fn name_from_bytes(bytes: &[u8]) -> Option<&OsStr> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        Some(OsStr::from_bytes(bytes))
    }
    #[cfg(not(unix))]
    {
        std::str::from_utf8(bytes).ok().map(OsStr::new)
    }
}

/// A 64-bit checksum, eight bytes at a time (tens of megabytes take milliseconds).
fn checksum(bytes: &[u8]) -> u64 {
    const MULTIPLIER: u64 = 0x9e37_79b9_7f4a_7c15;
    let mix = |hash: u64, word: u64| (hash ^ word).wrapping_mul(MULTIPLIER).rotate_left(29);
    let mut words = bytes.chunks_exact(8);
    let mut hash = (&mut words).fold(bytes.len() as u64, |hash, word| {
        mix(
            hash,
            <[u8; 8]>::try_from(word).map_or(0, u64::from_le_bytes),
        )
    });
    let mut last = [0_u8; 8];
    last[..words.remainder().len()].copy_from_slice(words.remainder());
    hash = mix(hash, u64::from_le_bytes(last));
    mix(hash, MULTIPLIER)
}

struct Encoder(Vec<u8>);

impl Encoder {
    fn u8(&mut self, value: u8) {
        self.0.push(value);
    }

    fn u32(&mut self, value: u32) {
        self.0.extend_from_slice(&value.to_le_bytes());
    }

    fn u64(&mut self, value: u64) {
        self.0.extend_from_slice(&value.to_le_bytes());
    }

    fn bytes(&mut self, bytes: &[u8]) {
        // Lengths past 4 GiB cannot occur in a record read from a file we parsed whole.
        self.u32(u32::try_from(bytes.len()).unwrap_or(u32::MAX));
        self.0.extend_from_slice(bytes);
    }

    fn opt_str(&mut self, text: &Option<String>) {
        match text {
            Some(text) => {
                self.u8(1);
                self.bytes(text.as_bytes());
            }
            None => self.u8(0),
        }
    }

    fn opt_u64(&mut self, value: Option<u64>) {
        match value {
            Some(value) => {
                self.u8(1);
                self.u64(value);
            }
            None => self.u8(0),
        }
    }

    fn record(&mut self, stamp: FileStamp, record: &TaskRecord) {
        // Every field named, so a new one cannot be forgotten here.
        let TaskRecord {
            task_id,
            environment_id,
            status,
            exit_code,
            error,
            created_at_s,
            started_at,
            finished_at,
            workspace_type,
            gh_repo_root,
            gh_branch,
            gh_base_branch,
            gh_pr_url,
            container_id,
            prompt,
            agent_cli,
            finalization_state,
            finalization_error,
            log_count,
            archived: _,
            duplicate,
            legacy,
            file: _,
        } = record;
        let FileStamp {
            len,
            mtime_ns,
            inode,
            ctime_ns,
        } = stamp;
        for value in [len, mtime_ns, inode, ctime_ns] {
            self.u64(value);
        }
        self.bytes(task_id.as_bytes());
        self.bytes(environment_id.as_bytes());
        self.bytes(status.as_bytes());
        self.opt_u64(exit_code.map(|code| code as u64));
        self.opt_str(error);
        self.opt_u64(created_at_s.map(f64::to_bits));
        self.opt_str(started_at);
        self.opt_str(finished_at);
        self.u8(match workspace_type {
            None => 0,
            Some(WorkspaceType::Cloned) => 1,
            Some(WorkspaceType::Mounted) => 2,
            Some(WorkspaceType::None) => 3,
        });
        for text in [
            gh_repo_root,
            gh_branch,
            gh_base_branch,
            gh_pr_url,
            container_id,
            prompt,
            agent_cli,
            finalization_state,
            finalization_error,
        ] {
            self.opt_str(text);
        }
        self.u64(*log_count as u64);
        self.u8(u8::from(*duplicate) | u8::from(*legacy) << 1);
    }
}

struct Decoder<'a>(&'a [u8]);

impl<'a> Decoder<'a> {
    fn take(&mut self, count: usize) -> Option<&'a [u8]> {
        let (taken, rest) = self.0.split_at_checked(count)?;
        self.0 = rest;
        Some(taken)
    }

    fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N).and_then(|bytes| bytes.try_into().ok())
    }

    fn u8(&mut self) -> Option<u8> {
        self.array::<1>().map(|[byte]| byte)
    }

    fn u32(&mut self) -> Option<u32> {
        self.array().map(u32::from_le_bytes)
    }

    fn u64(&mut self) -> Option<u64> {
        self.array().map(u64::from_le_bytes)
    }

    fn take_bytes(&mut self) -> Option<&'a [u8]> {
        let len = usize::try_from(self.u32()?).ok()?;
        self.take(len)
    }

    fn string(&mut self) -> Option<String> {
        std::str::from_utf8(self.take_bytes()?)
            .ok()
            .map(str::to_owned)
    }

    fn present(&mut self) -> Option<bool> {
        match self.u8()? {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        }
    }

    fn opt_str(&mut self) -> Option<Option<String>> {
        if self.present()? {
            self.string().map(Some)
        } else {
            Some(None)
        }
    }

    fn opt_u64(&mut self) -> Option<Option<u64>> {
        if self.present()? {
            self.u64().map(Some)
        } else {
            Some(None)
        }
    }

    fn record(&mut self, file: PathBuf, name_at: usize, archived: bool) -> Option<CachedRecord> {
        let stamp = FileStamp {
            len: self.u64()?,
            mtime_ns: self.u64()?,
            inode: self.u64()?,
            ctime_ns: self.u64()?,
        };
        let record = TaskRecord {
            task_id: self.string()?,
            environment_id: self.string()?,
            status: self.string()?,
            exit_code: self.opt_u64()?.map(|code| code as i64),
            error: self.opt_str()?,
            created_at_s: self.opt_u64()?.map(f64::from_bits),
            started_at: self.opt_str()?,
            finished_at: self.opt_str()?,
            workspace_type: match self.u8()? {
                0 => None,
                1 => Some(WorkspaceType::Cloned),
                2 => Some(WorkspaceType::Mounted),
                3 => Some(WorkspaceType::None),
                _ => return None,
            },
            gh_repo_root: self.opt_str()?,
            gh_branch: self.opt_str()?,
            gh_base_branch: self.opt_str()?,
            gh_pr_url: self.opt_str()?,
            container_id: self.opt_str()?,
            prompt: self.opt_str()?,
            agent_cli: self.opt_str()?,
            finalization_state: self.opt_str()?,
            finalization_error: self.opt_str()?,
            log_count: usize::try_from(self.u64()?).ok()?,
            archived,
            duplicate: false,
            legacy: false,
            file,
        };
        let flags = self.u8()?;
        if flags > 0b11 {
            return None;
        }
        Some(CachedRecord {
            stamp,
            record: TaskRecord {
                duplicate: flags & 1 != 0,
                legacy: flags & 2 != 0,
                ..record
            },
            name_at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{OpenError, Snapshot, paths};
    use std::fs;
    use std::time::Duration;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    struct Setup {
        _root: tempfile::TempDir,
        data: PathBuf,
        cache: RecordCache,
    }

    fn setup() -> Result<Setup, Box<dyn std::error::Error>> {
        let root = tempfile::tempdir()?;
        let data = fs::canonicalize(root.path())?.join("data");
        fs::create_dir_all(paths::archived_tasks_dir(&data))?;
        let cache = RecordCache::in_folder(&root.path().join("cache"));
        Ok(Setup {
            _root: root,
            data,
            cache,
        })
    }

    fn write_task(path: &Path, status: &str) -> TestResult {
        let id = path
            .file_stem()
            .map(|s| s.to_string_lossy())
            .unwrap_or_default();
        fs::write(
            path,
            format!("task_id = \"{id}\"\nstatus = \"{status}\"\nlogs = [\"a\", \"b\"]\n"),
        )?;
        Ok(())
    }

    /// Loads as if a minute had passed, so every file written so far is settled.
    fn load_later(data: &Path, cache: &RecordCache) -> Result<Snapshot, OpenError> {
        Snapshot::load_at(
            data,
            Some(cache),
            SystemTime::now() + Duration::from_secs(60),
        )
    }

    fn statuses(snapshot: &Snapshot) -> Vec<(String, String, bool)> {
        snapshot
            .tasks
            .iter()
            .map(|t| (t.task_id.clone(), t.status.clone(), t.archived))
            .collect()
    }

    /// The two task folders of a data dir, with whether they hold archived records.
    fn task_folders(data: &Path) -> [(PathBuf, bool); 2] {
        [
            (paths::active_tasks_dir(data), false),
            (paths::archived_tasks_dir(data), true),
        ]
    }

    /// How many records the caches of both task folders hold.
    fn cached_count(cache: &RecordCache, data: &Path) -> usize {
        task_folders(data)
            .iter()
            .map(|(folder, archived)| cache.read(folder, *archived).len())
            .sum()
    }

    /// Changes a cached record's status inside its cache file (written again whole,
    /// checksum included), so a test can tell whether a record came from the cache.
    fn tamper(cache: &RecordCache, data: &Path, task_id: &str) -> TestResult {
        let mut found = false;
        for (folder, archived) in task_folders(data) {
            let mut entries = cache.read(&folder, archived);
            for entry in &mut entries {
                if entry.record.task_id == task_id {
                    entry.record.status = "from-cache".into();
                    found = true;
                }
            }
            let bytes = encode(
                &folder,
                archived,
                entries.iter().map(|entry| (entry.stamp, &entry.record)),
            );
            fs::write(cache.folder_file(&folder), bytes)?;
        }
        assert!(found, "{task_id} is not cached");
        Ok(())
    }

    #[test]
    fn unchanged_files_come_from_the_cache_changed_ones_are_parsed_again() -> TestResult {
        let Setup { _root, data, cache } = setup()?;
        let active = paths::active_tasks_dir(&data);
        write_task(&active.join("aaa.toml"), "done")?;
        write_task(&active.join("bbb.toml"), "done")?;
        write_task(&paths::archived_tasks_dir(&data).join("ccc.toml"), "done")?;

        let first = load_later(&data, &cache)?;
        assert_eq!(first.tasks, Snapshot::load(&data)?.tasks);
        for (folder, _) in task_folders(&data) {
            assert!(cache.folder_file(&folder).is_file());
        }
        for id in ["aaa", "bbb", "ccc"] {
            tamper(&cache, &data, id)?;
        }
        let second = load_later(&data, &cache)?;
        assert!(
            second.tasks.iter().all(|t| t.status == "from-cache"),
            "{:?}",
            statuses(&second)
        );
        assert_eq!(
            second.tasks.iter().map(|t| &t.file).collect::<Vec<_>>(),
            first.tasks.iter().map(|t| &t.file).collect::<Vec<_>>(),
            "served records keep their file paths"
        );

        // Same size, same mtime, different content: the change time gives it away.
        let bbb = active.join("bbb.toml");
        let mtime = filetime::FileTime::from_last_modification_time(&fs::metadata(&bbb)?);
        write_task(&bbb, "gone")?;
        filetime::set_file_mtime(&bbb, mtime)?;
        // A different size.
        write_task(&active.join("aaa.toml"), "failed")?;
        // A file moved between folders keeps its stamp but not its place.
        fs::rename(
            paths::archived_tasks_dir(&data).join("ccc.toml"),
            active.join("ccc.toml"),
        )?;
        let third = load_later(&data, &cache)?;
        let mut want = vec![
            ("aaa".to_owned(), "failed".to_owned(), false),
            ("ccc".to_owned(), "done".to_owned(), false),
        ];
        if cfg!(unix) {
            want.insert(1, ("bbb".to_owned(), "gone".to_owned(), false));
        }
        let got: Vec<_> = statuses(&third)
            .into_iter()
            .filter(|(id, ..)| cfg!(unix) || id != "bbb")
            .collect();
        assert_eq!(got, want);
        assert!(
            cache
                .read(&paths::archived_tasks_dir(&data), true)
                .is_empty(),
            "the archive's cache forgets the record that left it"
        );
        Ok(())
    }

    #[test]
    fn legacy_json_records_are_cached_as_legacy_and_an_old_cache_is_not_used() -> TestResult {
        let Setup { _root, data, cache } = setup()?;
        let done = paths::archived_tasks_dir(&data);
        fs::write(
            done.join("old.json"),
            r#"{"task_id": "old", "status": "done", "logs": ["a"], "error": null}"#,
        )?;
        write_task(&done.join("old.toml"), "failed")?;
        let first = load_later(&data, &cache)?;
        assert_eq!(cached_count(&cache, &data), 2);
        tamper(&cache, &data, "old")?;
        let second = load_later(&data, &cache)?;
        let legacy: Vec<(bool, &str)> = second
            .tasks
            .iter()
            .map(|t| (t.legacy, t.status.as_str()))
            .collect();
        assert_eq!(legacy, [(true, "from-cache"), (false, "from-cache")]);
        assert_eq!(
            first.find_task("old").map(|t| t.legacy),
            Some(false),
            "the TOML record is the one meant"
        );

        // A cache of another format version is not trusted, even with a valid checksum.
        let file = cache.folder_file(&done);
        let mut bytes = fs::read(&file)?;
        bytes[MAGIC.len()..MAGIC.len() + 4].copy_from_slice(&2_u32.to_le_bytes());
        let body = bytes.len() - 8;
        let sum = checksum(&bytes[..body]);
        bytes[body..].copy_from_slice(&sum.to_le_bytes());
        fs::write(&file, &bytes)?;
        assert!(cache.read(&done, true).is_empty());
        let third = load_later(&data, &cache)?;
        assert!(third.tasks.iter().all(|t| t.status != "from-cache"));
        assert!(third.tasks.iter().any(|t| t.legacy));
        assert_eq!(cache.read(&done, true).len(), 2, "replaced");
        Ok(())
    }

    #[test]
    fn a_file_changed_just_now_is_not_cached() -> TestResult {
        let Setup { _root, data, cache } = setup()?;
        write_task(&paths::active_tasks_dir(&data).join("new.toml"), "running")?;
        let loaded = Snapshot::load_with(&data, Some(&cache))?;
        assert_eq!(loaded.tasks.len(), 1);
        assert_eq!(
            cached_count(&cache, &data),
            0,
            "written within SETTLE_TIME of now"
        );
        load_later(&data, &cache)?;
        assert_eq!(cached_count(&cache, &data), 1, "settled by then");
        Ok(())
    }

    #[test]
    fn a_corrupt_truncated_or_foreign_cache_is_ignored_and_replaced() -> TestResult {
        let Setup { _root, data, cache } = setup()?;
        let active = paths::active_tasks_dir(&data);
        write_task(&active.join("aaa.toml"), "done")?;
        let file = cache.folder_file(&active);
        fs::create_dir_all(file.parent().ok_or("no folder")?)?;
        fs::write(&file, b"{\"version\": 1, \"entries\": [tru")?;
        let loaded = load_later(&data, &cache)?;
        assert_eq!(
            statuses(&loaded),
            vec![("aaa".into(), "done".into(), false)]
        );
        assert_eq!(cache.read(&active, false).len(), 1, "rewritten whole");

        let good = fs::read(&file)?;
        // Any byte changed, or the file cut anywhere: not used.
        for at in [0, 9, 12, good.len() / 2, good.len() - 9, good.len() - 1] {
            let mut bad = good.clone();
            bad[at] ^= 0x20;
            fs::write(&file, &bad)?;
            assert!(cache.read(&active, false).is_empty(), "byte {at} changed");
        }
        for len in [0, 7, 8, good.len() / 2, good.len() - 1] {
            fs::write(&file, &good[..len])?;
            assert!(cache.read(&active, false).is_empty(), "cut to {len} bytes");
        }
        fs::write(&file, &good)?;
        assert_eq!(cache.read(&active, false).len(), 1);

        // A cache written for another folder, or read as the other kind of folder, is
        // not trusted either.
        let other = data.with_file_name("other").join("tasks");
        fs::create_dir_all(&other)?;
        fs::copy(&file, cache.folder_file(&other))?;
        assert!(cache.read(&other, false).is_empty());
        assert!(cache.read(&active, true).is_empty());
        Ok(())
    }

    #[test]
    fn every_field_survives_the_cache() -> TestResult {
        let folder = Path::new("/data/tasks/done");
        let record = TaskRecord {
            task_id: "abc".into(),
            environment_id: "env".into(),
            status: "failed".into(),
            exit_code: Some(-3),
            error: Some("boom\nline two".into()),
            created_at_s: Some(-1.5),
            started_at: Some("2026-01-01T00:00:00Z".into()),
            finished_at: None,
            workspace_type: Some(WorkspaceType::Mounted),
            gh_repo_root: Some("/repo".into()),
            gh_branch: Some("b".into()),
            gh_base_branch: Some(String::new()),
            gh_pr_url: Some("https://example.invalid/pr/1".into()),
            container_id: Some("c0ffee".into()),
            prompt: Some("do it\nwell ✓".into()),
            agent_cli: Some("codex".into()),
            finalization_state: Some("done".into()),
            finalization_error: Some("e".into()),
            log_count: 1234,
            archived: true,
            duplicate: true,
            legacy: true,
            file: folder.join("abc.dup-1.json"),
        };
        let stamp = FileStamp::new(10, (20, 30), 40, (-50, 60));
        let bytes = encode(folder, true, [(stamp, &record)].into_iter());
        let decoded = decode(&bytes, folder, true).ok_or("does not decode")?;
        assert_eq!(decoded.len(), 1);
        assert_eq!(decoded[0].stamp, stamp);
        assert_eq!(decoded[0].record, record);
        Ok(())
    }
}
