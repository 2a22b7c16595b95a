//! A cache of parsed task records, so a data dir with thousands of large task files
//! is listed without reading them all again.
//!
//! One JSON file per data dir in the user's cache folder holds each record with the
//! stamp of the file it came from: size, modification time and, on unix, inode and
//! change time. A record is served only while its file's stamp is unchanged; a file
//! changed in the last [`SETTLE`] is never cached (two writes within one timestamp tick
//! could share a stamp), so a stale record is never served. A cache file that does
//! not parse, or belongs to another version or data dir, is ignored and replaced.

use super::tasks::TaskRecord;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fs::Metadata;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Overrides the cache folder; set but empty, it turns the cache off.
pub const CACHE_DIR_VAR: &str = "AGENTS_JANITOR_CACHE_DIR";
/// Files changed more recently than this are parsed every time.
pub const SETTLE: Duration = Duration::from_secs(2);
// 2: records gained `legacy` (JSON records are cached too).
const FORMAT_VERSION: u32 = 2;

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

    /// The cache file of one (canonical) data dir.
    pub fn file_for(&self, data_dir: &Path) -> PathBuf {
        let hash = data_dir
            .as_os_str()
            .as_encoded_bytes()
            .iter()
            .fold(0xcbf2_9ce4_8422_2325_u64, |acc, byte| {
                (acc ^ u64::from(*byte)).wrapping_mul(0x100_0000_01b3)
            });
        self.folder.join(format!("records-{hash:016x}.json"))
    }

    /// The cached records of `data_dir` by file; empty when there is no usable cache.
    pub(super) fn read(&self, data_dir: &Path) -> HashMap<PathBuf, CachedRecord> {
        let Ok(bytes) = std::fs::read(self.file_for(data_dir)) else {
            return HashMap::new();
        };
        match serde_json::from_slice::<CacheFile>(&bytes) {
            Ok(file) if file.version == FORMAT_VERSION && file.data_dir == data_dir => file
                .entries
                .into_iter()
                .map(|entry| (entry.record.file.clone(), entry))
                .collect(),
            _ => HashMap::new(),
        }
    }

    /// Replaces the cache of `data_dir` (atomically); failures only cost speed later.
    pub(super) fn write(&self, data_dir: &Path, entries: Vec<CachedRecord>) {
        let file = CacheFile {
            version: FORMAT_VERSION,
            data_dir: data_dir.to_path_buf(),
            entries,
        };
        let Ok(bytes) = serde_json::to_vec(&file) else {
            return;
        };
        let write = || -> std::io::Result<()> {
            std::fs::create_dir_all(&self.folder)?;
            let mut temp = tempfile::Builder::new()
                .prefix(".records-")
                .tempfile_in(&self.folder)?;
            temp.write_all(&bytes)?;
            temp.persist(self.file_for(data_dir))?;
            Ok(())
        };
        let _ = write();
    }
}

#[derive(Serialize, Deserialize)]
struct CacheFile {
    version: u32,
    data_dir: PathBuf,
    entries: Vec<CachedRecord>,
}

/// A parsed record and the stamp of the file it was parsed from.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct CachedRecord {
    /// The file's stamp when it was parsed.
    pub stamp: FileStamp,
    /// What it held then.
    pub record: TaskRecord,
}

/// What identifies one version of a file without reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct FileStamp {
    len: u64,
    mtime_ns: u64,
    inode: u64,
    ctime_ns: u64,
}

impl FileStamp {
    /// The stamp of the file `meta` was read from.
    pub fn of(meta: &Metadata) -> Self {
        let mtime_ns = meta.modified().map_or(0, since_epoch_ns);
        #[cfg(unix)]
        let (inode, ctime_ns) = {
            use std::os::unix::fs::MetadataExt;
            let ctime = u64::try_from(meta.ctime()).unwrap_or(0);
            let ctime_nsec = u64::try_from(meta.ctime_nsec()).unwrap_or(0);
            (
                meta.ino(),
                ctime
                    .saturating_mul(1_000_000_000)
                    .saturating_add(ctime_nsec),
            )
        };
        #[cfg(not(unix))]
        let (inode, ctime_ns) = (0, 0);
        Self {
            len: meta.len(),
            mtime_ns,
            inode,
            ctime_ns,
        }
    }

    /// True when the file has not changed for [`SETTLE`] before `now`.
    pub fn settled(&self, now: SystemTime) -> bool {
        let limit = since_epoch_ns(now).saturating_sub(SETTLE.as_nanos() as u64);
        self.mtime_ns.max(self.ctime_ns) < limit
    }
}

fn since_epoch_ns(moment: SystemTime) -> u64 {
    moment.duration_since(UNIX_EPOCH).map_or(0, |since| {
        u64::try_from(since.as_nanos()).unwrap_or(u64::MAX)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{OpenError, Snapshot, paths};
    use std::fs;

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

    /// Changes a cached record's status inside the cache file, so a test can tell
    /// whether a record came from the cache.
    fn tamper(cache: &RecordCache, data: &Path, task_id: &str) -> TestResult {
        let file = cache.file_for(data);
        let mut doc: serde_json::Value = serde_json::from_slice(&fs::read(&file)?)?;
        let entries = doc["entries"].as_array_mut().ok_or("no entries")?;
        for entry in entries {
            if entry["record"]["task_id"] == task_id {
                entry["record"]["status"] = "from-cache".into();
            }
        }
        fs::write(&file, serde_json::to_vec(&doc)?)?;
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
        assert!(cache.file_for(&data).is_file());
        for id in ["aaa", "bbb", "ccc"] {
            tamper(&cache, &data, id)?;
        }
        let second = load_later(&data, &cache)?;
        assert!(
            second.tasks.iter().all(|t| t.status == "from-cache"),
            "{:?}",
            statuses(&second)
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
        assert_eq!(cache.read(&data).len(), 2);
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

        // A cache of the format before `legacy` existed is not trusted.
        let file = cache.file_for(&data);
        let mut doc: serde_json::Value = serde_json::from_slice(&fs::read(&file)?)?;
        doc["version"] = 1.into();
        fs::write(&file, serde_json::to_vec(&doc)?)?;
        assert!(cache.read(&data).is_empty());
        let third = load_later(&data, &cache)?;
        assert!(third.tasks.iter().all(|t| t.status != "from-cache"));
        assert!(third.tasks.iter().any(|t| t.legacy));
        Ok(())
    }

    #[test]
    fn a_file_changed_just_now_is_not_cached() -> TestResult {
        let Setup { _root, data, cache } = setup()?;
        write_task(&paths::active_tasks_dir(&data).join("new.toml"), "running")?;
        let loaded = Snapshot::load_with(&data, Some(&cache))?;
        assert_eq!(loaded.tasks.len(), 1);
        assert!(cache.read(&data).is_empty(), "written within SETTLE of now");
        load_later(&data, &cache)?;
        assert_eq!(cache.read(&data).len(), 1, "settled by then");
        Ok(())
    }

    #[test]
    fn a_corrupt_or_foreign_cache_is_ignored_and_replaced() -> TestResult {
        let Setup { _root, data, cache } = setup()?;
        write_task(&paths::active_tasks_dir(&data).join("aaa.toml"), "done")?;
        let file = cache.file_for(&data);
        fs::create_dir_all(file.parent().ok_or("no folder")?)?;
        fs::write(&file, b"{\"version\": 1, \"entries\": [tru")?;
        let loaded = load_later(&data, &cache)?;
        assert_eq!(
            statuses(&loaded),
            vec![("aaa".into(), "done".into(), false)]
        );
        assert_eq!(cache.read(&data).len(), 1, "rewritten whole");

        // A cache written for another data dir is not trusted either.
        let other = data.with_file_name("other");
        fs::create_dir_all(&other)?;
        fs::copy(&file, cache.file_for(&other))?;
        assert!(cache.read(&other).is_empty());
        Ok(())
    }
}
