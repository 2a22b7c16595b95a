//! Sizes task workspaces the way `du` does, but in parallel and cancellable.
//!
//! One [`Scanner`] behaves like one `du -x` invocation: a file with several hard links is
//! counted once across every root it scans. Symlinks are never followed (not even a root
//! that is a symlink), mounts are never entered (found by mount identity, so a bind mount
//! of a folder on the same filesystem counts too; see [`crate::mounts`]) and are listed
//! in [`Usage::mount_points`], unreadable folders are reported as [`ScanProblem`]s and
//! the walk goes on, and results stream out per root as each one finishes.
//!
//! # Design note: why a walker of our own, not `walkdir`
//!
//! `walkdir` (or `jwalk`, its parallel cousin) lists a tree well, but it cannot keep the
//! promises above; the deleting walk (`remove/walk.rs`) has the same needs and the same
//! low-level parts (`entry_stat`, `dir_names`, [`crate::mounts`]):
//!
//! - **Symlink races.** `walkdir` resolves a full path for every folder it opens, so a
//!   folder that a still-running agent swaps for a symlink between the look and the open
//!   is followed out of the tree. Here each folder is opened relative to its parent's open
//!   handle with `openat(O_NOFOLLOW | O_DIRECTORY)`, and each entry is looked at relative
//!   to its folder's handle: no path is resolved twice. (The deleting walk also checks
//!   that each handle it opened is the folder it examined, by device and inode.)
//! - **Mounts by identity.** `walkdir`'s `same_file_system` compares device numbers, which
//!   misses a bind mount of a folder on the same filesystem. The one `statx` each entry
//!   costs anyway also says whether it is the root of a mount (Linux 5.8+; the mount
//!   table where the kernel cannot say), so mounts are found at no extra call.
//! - **Hard links once.** Like `du`, an inode with several links counts once across every
//!   root of one scanner: a sharded set of (device, inode) of the entries with more than
//!   one link, which a `git clone --local` workspace is full of.
//! - **Parallel, streaming.** Roots are tasks on rayon's work-stealing pool, one scope
//!   for all of them; a task reads its folders depth first and hands half of those still
//!   to read to a new task whenever its thread has nothing queued for an idle thread to
//!   steal, so a huge workspace does not hold the small ones up, a small folder costs no
//!   hand-off, and each root's result is reported as soon as its last folder is done.
//!
//! Off unix the walk falls back to std's path-based calls (`by_path`).

#[cfg(not(unix))]
use std::fs::{self, Metadata};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

/// What one root takes on disk.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Usage {
    /// Equals `du -sb ROOT`: apparent size of every entry, directories and the root included
    /// (a symlink counts its own lstat size).
    pub apparent_bytes: u64,
    /// Equals `du -sB1 ROOT`: allocated blocks of every entry (`st_blocks * 512`);
    /// the apparent size on platforms without block counts.
    pub disk_bytes: u64,
    /// Non-directory entries (regular files, symlinks, others). Every name counts, even
    /// a hard link whose bytes were already counted elsewhere.
    pub files: u64,
    /// Directories, the root included.
    pub dirs: u64,
    /// Newest lstat mtime of any entry, the root included: the workspace's real age.
    pub newest_mtime: Option<SystemTime>,
    /// False when the root does not exist (all counts zero, `complete` true), or when the
    /// scan was cancelled before the root was looked at (`complete` false).
    pub exists: bool,
    /// False when cancelled before the whole tree was walked.
    pub complete: bool,
    /// Entries that could not be read; they never stop the scan.
    pub problems: Vec<ScanProblem>,
    /// Mount points at or below the root (the root itself when it is one), in the order
    /// found; also folders on another device in the same mount (a btrfs subvolume, say),
    /// which `du -x` leaves out too. Nothing behind them is counted (the mount point
    /// itself neither): deleting the root would not free those bytes, and must not try.
    pub mount_points: Vec<PathBuf>,
    /// What the whole tree looked like, when the walk saw all of it (complete, no
    /// problem, no mount point, on unix).
    #[serde(skip)]
    pub tree_stamp: Option<TreeStamp>,
}

/// What a tree looked like to one walk: how many entries, and an order-free sum of one
/// hash per entry of its device, inode, mode, size, modification and change times. Any
/// change in the tree (a write, a new, removed or renamed entry, a `chmod`) sets the
/// change time of an entry or of its folder to the kernel's clock, so two walks give
/// equal stamps only if nothing changed in between, with one exception that
/// [`TreeStamp::settled_before`] rules out. What was worked out from a tree (its git
/// state) can be kept while its stamp stays the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TreeStamp {
    entries: u64,
    digest: u64,
    newest_change: SystemTime,
}

/// How long before it was looked at the newest change of a file or tree must be for its
/// stat times to tell it from any later version: a change made after the look but within
/// the same tick of the filesystem's clock (milliseconds; two seconds on FAT) leaves the
/// times as they were. The tree stamps here and the record cache both rely on it.
pub const SETTLE_TIME: Duration = Duration::from_secs(2);

impl TreeStamp {
    /// Whether nothing in the tree changed within [`SETTLE_TIME`] before
    /// `walk_started`: only then does an equal stamp later prove an unchanged tree.
    pub fn settled_before(&self, walk_started: SystemTime) -> bool {
        self.newest_change
            .checked_add(SETTLE_TIME)
            .is_some_and(|settled| settled <= walk_started)
    }

    /// A stamp with these parts, for tests of what keeps stamps.
    #[cfg(test)]
    pub(crate) fn for_test(entries: u64, digest: u64, newest_change: SystemTime) -> Self {
        Self {
            entries,
            digest,
            newest_change,
        }
    }
}

/// The hash one entry adds to [`TreeStamp::digest`] (`None` where the platform does not
/// give an inode and a change time).
#[cfg(unix)]
fn entry_hash(stat: &crate::entry_stat::EntryStat) -> Option<(u64, SystemTime)> {
    let nanos = |time: SystemTime| {
        time.duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |since| since.as_nanos() as u64)
    };
    let (mtime, ctime) = (stat.mtime?, stat.ctime?);
    let mut hash = 0_u64;
    for part in [
        stat.dev,
        stat.ino,
        u64::from(stat.mode),
        stat.size,
        nanos(mtime),
        nanos(ctime),
    ] {
        hash = mix(hash ^ part);
    }
    Some((hash, mtime.max(ctime)))
}

/// splitmix64's finalizer: every input bit moves about half of the output bits.
#[cfg(unix)]
fn mix(mut value: u64) -> u64 {
    value = value.wrapping_add(0x9e37_79b9_7f4a_7c15);
    value = (value ^ (value >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    value = (value ^ (value >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    value ^ (value >> 31)
}

impl Usage {
    /// Several roots counted as one (a legacy checkout is its top-level entries).
    pub fn combined(parts: impl IntoIterator<Item = Usage>) -> Usage {
        let mut total = Usage {
            exists: true,
            complete: true,
            ..Usage::default()
        };
        for part in parts {
            total.apparent_bytes += part.apparent_bytes;
            total.disk_bytes += part.disk_bytes;
            total.files += part.files;
            total.dirs += part.dirs;
            total.newest_mtime = total.newest_mtime.max(part.newest_mtime);
            total.complete &= part.complete;
            total.problems.extend(part.problems);
            total.mount_points.extend(part.mount_points);
        }
        // Several trees are not one tree: nothing is kept against their sum.
        total.tree_stamp = None;
        total
    }
}

/// An entry the scan could not read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScanProblem {
    /// The entry.
    pub path: PathBuf,
    /// What failed, including the OS error text.
    pub message: String,
}

/// Hard-link set shards: only entries with `nlink > 1` go in, and sharding keeps the
/// lock contention low when a workspace is a `git clone --local` full of linked objects.
#[cfg(unix)]
const LINK_SHARDS: usize = 16;

/// Sizes trees like `du`, in parallel on the rayon pool.
pub struct Scanner {
    cancel: Arc<AtomicBool>,
    #[cfg(unix)]
    seen_links: [Mutex<std::collections::HashSet<(u64, u64)>>; LINK_SHARDS],
    /// Test seam: directories whose reading fails as if unreadable (chmod cannot do
    /// that when tests run as root).
    #[cfg(test)]
    unreadable_dirs: Vec<PathBuf>,
}

impl Scanner {
    /// A scanner that stops walking as soon as `cancel` is set.
    pub fn new(cancel: Arc<AtomicBool>) -> Self {
        Self {
            cancel,
            #[cfg(unix)]
            seen_links: std::array::from_fn(|_| Mutex::new(std::collections::HashSet::new())),
            #[cfg(test)]
            unreadable_dirs: Vec::new(),
        }
    }

    /// Sizes one tree; parallel inside (work-stealing over directories).
    pub fn scan_tree(&self, root: &Path) -> Usage {
        let result = Mutex::new(None);
        self.scan_all(std::slice::from_ref(&root.to_path_buf()), |_, usage| {
            *result.lock().unwrap_or_else(PoisonError::into_inner) = Some(usage);
        });
        // scan_all reports every root exactly once; the fallback only keeps this total.
        result
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner)
            .unwrap_or_else(|| Usage {
                complete: false,
                ..Usage::default()
            })
    }

    /// Sizes many roots in parallel, calling `on_done(index_into_roots, usage)` as each
    /// root finishes (from any thread). Once cancelled, roots not yet started are reported
    /// with `complete == false` and nothing walked.
    pub fn scan_all<F: Fn(usize, Usage) + Sync>(&self, roots: &[PathBuf], on_done: F) {
        let states: Vec<RootState> = (0..roots.len()).map(RootState::new).collect();
        let on_done: &(dyn Fn(usize, Usage) + Sync) = &on_done;
        // One scope for all roots: directories of every root share the work-stealing
        // queues, and the LIFO local order finishes a root before starting many others,
        // so results stream out instead of all arriving at the end.
        rayon::scope(|scope| {
            for (root, state) in roots.iter().zip(&states) {
                scope.spawn(move |scope| self.start_root(scope, root, state, on_done));
            }
        });
    }

    fn start_root<'s>(
        &'s self,
        scope: &rayon::Scope<'s>,
        root: &Path,
        state: &'s RootState,
        on_done: &'s (dyn Fn(usize, Usage) + Sync),
    ) {
        if self.is_cancelled() {
            on_done(state.index, Usage::default());
            return;
        }
        let found = match root_entry(root) {
            Ok(found) => found,
            Err(err) => {
                let problems = if is_missing(&err) {
                    Vec::new()
                } else {
                    vec![problem(root, "cannot read metadata", &err)]
                };
                let usage = Usage {
                    complete: true,
                    problems,
                    ..Usage::default()
                };
                on_done(state.index, usage);
                return;
            }
        };
        let mut tally = Tally::default();
        let dir = match found {
            RootEntry::MountPoint => {
                tally.mount_points.push(root.to_path_buf());
                None
            }
            RootEntry::Inside {
                entry,
                dir,
                problem,
            } => {
                self.count(&mut tally, &entry);
                tally.problems.extend(problem);
                dir
            }
        };
        state.merge(tally);
        match dir {
            // `pending` starts at 1 and this task hands that count to the root directory.
            Some(dir) => self.walk_dirs(scope, vec![dir], state, on_done),
            None => state.finish_one(on_done),
        }
    }

    /// Reads the folders of `todo` and everything below them, depth first on this thread:
    /// a task per folder would cost more than reading a small folder does. Whenever this
    /// thread has no task queued for an idle thread to steal, half of the folders still
    /// to read become a task of their own. Owns one unit of `state.pending`, released at
    /// the end.
    fn walk_dirs<'s>(
        &'s self,
        scope: &rayon::Scope<'s>,
        mut todo: Vec<DirTask>,
        state: &'s RootState,
        on_done: &'s (dyn Fn(usize, Usage) + Sync),
    ) {
        let mut tally = Tally::default();
        let mut buffer = ReadBuffer::default();
        while let Some(dir) = todo.pop() {
            if self.is_cancelled() {
                state.incomplete.store(true, Ordering::Relaxed);
                break;
            }
            self.read_dir(dir, &mut tally, &mut buffer, &mut todo);
            if todo.len() >= 2 && !rayon_core::current_thread_has_pending_tasks().unwrap_or(false) {
                // The oldest folders are the shallowest: likely the larger trees.
                let shared: Vec<DirTask> = todo.drain(..todo.len() / 2).collect();
                state.pending.fetch_add(1, Ordering::Relaxed);
                scope.spawn(move |scope| self.walk_dirs(scope, shared, state, on_done));
            }
        }
        state.merge(tally);
        state.finish_one(on_done);
    }

    /// Test seam: fails as if the folder at `_path()` were unreadable.
    fn check_readable(&self, _path: impl FnOnce() -> PathBuf) -> io::Result<()> {
        #[cfg(test)]
        if !self.unreadable_dirs.is_empty() && self.unreadable_dirs.contains(&_path()) {
            return Err(io::Error::new(
                io::ErrorKind::PermissionDenied,
                "permission denied (injected by test)",
            ));
        }
        Ok(())
    }

    fn count(&self, tally: &mut Tally, entry: &Entry) {
        if entry.is_dir {
            tally.dirs += 1;
        } else {
            tally.files += 1;
        }
        if let Some(mtime) = entry.mtime {
            tally.newest_mtime = tally.newest_mtime.max(Some(mtime));
        }
        match entry.stamp {
            Some((hash, changed)) => {
                tally.digest = tally.digest.wrapping_add(hash);
                tally.newest_change = tally.newest_change.max(Some(changed));
            }
            None => tally.unstamped = true,
        }
        if self.first_sighting(entry) {
            tally.apparent_bytes += entry.len;
            tally.disk_bytes += entry.disk_bytes;
        }
    }

    /// False for a hard link whose inode this scanner has already counted.
    #[cfg(unix)]
    fn first_sighting(&self, entry: &Entry) -> bool {
        if entry.is_dir || entry.nlink <= 1 {
            return true;
        }
        let key = (entry.dev, entry.ino);
        let shard = (key.0 ^ key.1) as usize % LINK_SHARDS;
        self.seen_links[shard]
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(key)
    }

    /// Without a stable file identity in std, hard links count at every name.
    #[cfg(not(unix))]
    fn first_sighting(&self, _entry: &Entry) -> bool {
        true
    }

    fn is_cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }

    /// Makes reading `dir` fail as if it were unreadable.
    #[cfg(test)]
    fn fail_reading(mut self, dir: PathBuf) -> Self {
        self.unreadable_dirs.push(dir);
        self
    }
}

/// What the count needs of one entry, from std's metadata or a raw `stat`.
struct Entry {
    is_dir: bool,
    len: u64,
    disk_bytes: u64,
    mtime: Option<SystemTime>,
    /// Its hash for the tree's stamp and its newest change time.
    stamp: Option<(u64, SystemTime)>,
    #[cfg(unix)]
    nlink: u64,
    #[cfg(unix)]
    dev: u64,
    #[cfg(unix)]
    ino: u64,
}

/// The root of a scan, as first looked at.
enum RootEntry {
    /// The root is itself a mount point: nothing behind it is counted.
    MountPoint,
    Inside {
        entry: Entry,
        /// The walk of its folder, when it is one.
        dir: Option<DirTask>,
        /// Whether it is a mount point could not be told (it is counted).
        problem: Option<ScanProblem>,
    },
}

#[cfg(unix)]
mod fd_relative;

#[cfg(unix)]
use fd_relative::{DirTask, ReadBuffer, root_entry};

#[cfg(not(unix))]
mod by_path;

#[cfg(not(unix))]
use by_path::{DirTask, ReadBuffer, root_entry};

fn is_missing(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
    )
}

fn problem(path: &Path, what: &str, err: &io::Error) -> ScanProblem {
    ScanProblem {
        path: path.to_path_buf(),
        message: format!("{what}: {err}"),
    }
}

/// Partial sums of one task, merged into its root once per directory.
#[derive(Default)]
struct Tally {
    apparent_bytes: u64,
    disk_bytes: u64,
    files: u64,
    dirs: u64,
    newest_mtime: Option<SystemTime>,
    digest: u64,
    newest_change: Option<SystemTime>,
    /// An entry gave no stamp: the tree has none.
    unstamped: bool,
    problems: Vec<ScanProblem>,
    mount_points: Vec<PathBuf>,
}

impl Tally {
    fn absorb(&mut self, other: Tally) {
        self.apparent_bytes += other.apparent_bytes;
        self.disk_bytes += other.disk_bytes;
        self.files += other.files;
        self.dirs += other.dirs;
        self.newest_mtime = self.newest_mtime.max(other.newest_mtime);
        self.digest = self.digest.wrapping_add(other.digest);
        self.newest_change = self.newest_change.max(other.newest_change);
        self.unstamped |= other.unstamped;
        self.problems.extend(other.problems);
        self.mount_points.extend(other.mount_points);
    }
}

/// Shared progress of one root while its directories are walked.
struct RootState {
    index: usize,
    tally: Mutex<Tally>,
    /// Directory tasks not finished yet; the task that brings it to zero reports the root.
    pending: AtomicUsize,
    incomplete: AtomicBool,
}

impl RootState {
    fn new(index: usize) -> Self {
        Self {
            index,
            tally: Mutex::new(Tally::default()),
            pending: AtomicUsize::new(1),
            incomplete: AtomicBool::new(false),
        }
    }

    fn merge(&self, tally: Tally) {
        self.tally
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .absorb(tally);
    }

    fn finish_one(&self, on_done: &(dyn Fn(usize, Usage) + Sync)) {
        // AcqRel: the last task must see every other task's `incomplete` store; the
        // tally itself is ordered by its mutex.
        if self.pending.fetch_sub(1, Ordering::AcqRel) != 1 {
            return;
        }
        let tally = std::mem::take(&mut *self.tally.lock().unwrap_or_else(PoisonError::into_inner));
        let complete = !self.incomplete.load(Ordering::Relaxed);
        let whole = complete && tally.problems.is_empty() && tally.mount_points.is_empty();
        let tree_stamp = match tally.newest_change {
            Some(newest_change) if whole && !tally.unstamped => Some(TreeStamp {
                entries: tally.files + tally.dirs,
                digest: tally.digest,
                newest_change,
            }),
            _ => None,
        };
        let usage = Usage {
            apparent_bytes: tally.apparent_bytes,
            disk_bytes: tally.disk_bytes,
            files: tally.files,
            dirs: tally.dirs,
            newest_mtime: tally.newest_mtime,
            exists: true,
            complete,
            problems: tally.problems,
            mount_points: tally.mount_points,
            tree_stamp,
        };
        on_done(self.index, usage);
    }
}

#[cfg(test)]
mod tests;
